package application

import (
	"time"

	"chuangdai/internal/auth"
	"chuangdai/internal/beijing"
	"chuangdai/internal/policy"
)

// The steps of the applicant's progress stepper (资格 → 担保 → 银行 → 放款):
// the three review stages, then the disbursement.
const StageDisbursement = "disbursement"

// StageNames are the steps in order.
var StageNames = []string{string(EligibilityReview), string(GuaranteeReview), string(BankReview), StageDisbursement}

// The states of a step.
const (
	StagePending  = "pending"  // not reached in the current round
	StageCurrent  = "current"  // the application waits in it
	StageDone     = "done"     // approved (disbursed for the last step)
	StageReturned = "returned" // it sent the application back to the applicant
	StageRejected = "rejected" // it rejected the application
)

// Stage is one step of the stepper. A round starts at each submission: a
// resubmitted application goes through every stage again, so only the
// history since the last submission counts.
type Stage struct {
	Stage  string
	Status string
	// EnteredAt is when the application reached the stage in this round.
	EnteredAt *time.Time
	// Deadline is the working day by which the stage is due (the policy's
	// service days from EnteredAt); nil for the disbursement, which has no
	// limit, for stages not reached, and when no policy version was in
	// force on the day the stage began.
	Deadline    *time.Time
	WorkingDays int
	// DecidedAt and DecidedBy are the decision that ended the stage: who
	// (ActorID, the name of the account) and when.
	DecidedAt     *time.Time
	DecidedByID   *auth.UserID
	DecidedByName string
}

// Stages is a's stepper under the policy p.
func (a Application) Stages(p *policy.Policy) []Stage {
	start := -1
	for i, h := range a.History {
		if h.Action == ActSubmit {
			start = i
		}
	}
	out := make([]Stage, len(StageNames))
	at := map[string]int{}
	for i, name := range StageNames {
		out[i] = Stage{Stage: name, Status: StagePending}
		at[name] = i
	}
	if start < 0 {
		return out
	}
	for _, h := range a.History[start:] {
		if i, ok := at[string(h.ToStatus)]; ok && h.ToStatus.InReview() {
			entered := h.At
			out[i].EnteredAt, out[i].Deadline, out[i].WorkingDays = &entered, nil, 0
			if v, err := p.At(beijing.Day(entered)); err == nil {
				days := v.ServiceDays[string(h.ToStatus)]
				deadline := p.AddWorkingDays(entered.In(beijing.Zone), days)
				out[i].Deadline, out[i].WorkingDays = &deadline, days
			}
			out[i].Status = StageCurrent
		}
		if h.ToStatus == Approved {
			entered := h.At
			out[at[StageDisbursement]].EnteredAt = &entered
			out[at[StageDisbursement]].Status = StageCurrent
		}
		i, ok := at[string(h.FromStatus)]
		if h.FromStatus == Approved {
			i, ok = at[StageDisbursement], true
		}
		if !ok {
			continue
		}
		decided := h.At
		st := &out[i]
		st.DecidedAt, st.DecidedByID, st.DecidedByName = &decided, h.ActorID, h.ActorName
		switch h.Action {
		case ActApprove, ActDisburse:
			st.Status = StageDone
		case ActReturn:
			st.Status = StageReturned
		case ActReject:
			st.Status = StageRejected
		default: // withdrawn while waiting: the stage was never decided
			st.Status, st.DecidedAt, st.DecidedByID, st.DecidedByName = StagePending, nil, nil, ""
		}
	}
	return out
}
