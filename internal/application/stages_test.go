package application

import (
	"testing"
	"time"

	"chuangdai/internal/auth"
	"chuangdai/internal/beijing"
	"chuangdai/internal/policy"
)

// TestStages walks the stepper through a return, a resubmission and the
// disbursement. Deadlines are the policy's working days from the day the
// stage was reached: eligibility 5, guarantee 5, bank 3.
func TestStages(t *testing.T) {
	p, err := policy.Load("")
	if err != nil {
		t.Fatal(err)
	}
	at := func(s string) *time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, beijing.Zone)
		if err != nil {
			t.Fatal(err)
		}
		return &v
	}
	owner, hrss, guar, bank, bank2 := auth.UserID(1), auth.UserID(2), auth.UserID(3), auth.UserID(4), auth.UserID(5)
	h := func(when string, actor auth.UserID, name string, act Action, from, to Status) HistoryEntry {
		return HistoryEntry{At: *at(when), ActorID: &actor, ActorName: name, Action: act, FromStatus: from, ToStatus: to}
	}
	type want struct{ status, deadline, decidedBy string }
	check := func(label string, a Application, ws ...want) {
		t.Helper()
		got := a.Stages(p)
		for i, w := range ws {
			s := got[i]
			d := ""
			if s.Deadline != nil {
				d = s.Deadline.Format(time.DateOnly)
			}
			if s.Stage != StageNames[i] || s.Status != w.status || d != w.deadline || s.DecidedByName != w.decidedBy || (w.decidedBy != "") != (s.DecidedAt != nil) {
				t.Errorf("%s: stage %s = %s deadline %q by %q, want %+v", label, s.Stage, s.Status, d, s.DecidedByName, w)
			}
		}
	}
	pending := want{StagePending, "", ""}
	a := Application{Status: Draft, History: []HistoryEntry{h("2024-03-08 09:00", owner, "张伟", ActCreate, "", Draft)}}
	check("draft", a, pending, pending, pending, pending)

	// Submitted Monday 11 March 2024: + 5 working days → Monday 18 March.
	a.History = append(a.History, h("2024-03-11 09:00", owner, "张伟", ActSubmit, Draft, EligibilityReview))
	check("submitted", a, want{StageCurrent, "2024-03-18", ""}, pending, pending, pending)

	// Approved Wednesday 13 March; the guarantee centre returns it on the 14th.
	a.History = append(a.History,
		h("2024-03-13 10:00", hrss, "李娜", ActApprove, EligibilityReview, GuaranteeReview),
		h("2024-03-14 10:00", guar, "王强", ActReturn, GuaranteeReview, Returned))
	// Guarantee reached Wednesday 13 March + 5 working days → Wednesday 20 March.
	check("returned", a, want{StageDone, "2024-03-18", "李娜"}, want{StageReturned, "2024-03-20", "王强"}, pending, pending)

	// Resubmitted Friday 15 March: a new round, every stage again.
	a.History = append(a.History, h("2024-03-15 10:00", owner, "张伟", ActSubmit, Returned, EligibilityReview))
	check("resubmitted", a, want{StageCurrent, "2024-03-22", ""}, pending, pending, pending)

	// Through the bank (reached Tuesday 19 March + 3 → Friday 22 March), then disbursed.
	a.History = append(a.History,
		h("2024-03-18 10:00", hrss, "李娜", ActApprove, EligibilityReview, GuaranteeReview),
		h("2024-03-19 10:00", guar, "王强", ActApprove, GuaranteeReview, BankReview),
		h("2024-03-20 10:00", bank, "赵敏", ActApprove, BankReview, Approved))
	check("approved", a, want{StageDone, "2024-03-22", "李娜"}, want{StageDone, "2024-03-25", "王强"}, want{StageDone, "2024-03-22", "赵敏"}, want{StageCurrent, "", ""})
	a.History = append(a.History, h("2024-03-21 10:00", bank2, "钱进", ActDisburse, Approved, Disbursed))
	check("disbursed", a, want{StageDone, "2024-03-22", "李娜"}, want{StageDone, "2024-03-25", "王强"}, want{StageDone, "2024-03-22", "赵敏"}, want{StageDone, "", "钱进"})

	// Rejected at the bank; withdrawn while waiting leaves the stage undecided.
	rejected := Application{History: append(a.History[:len(a.History)-2:len(a.History)-2], h("2024-03-20 10:00", bank, "赵敏", ActReject, BankReview, Rejected))}
	check("rejected", rejected, want{StageDone, "2024-03-22", "李娜"}, want{StageDone, "2024-03-25", "王强"}, want{StageRejected, "2024-03-22", "赵敏"}, pending)
	withdrawn := Application{History: append(a.History[:len(a.History)-2:len(a.History)-2], h("2024-03-20 10:00", owner, "张伟", ActWithdraw, BankReview, Withdrawn))}
	check("withdrawn", withdrawn, want{StageDone, "2024-03-22", "李娜"}, want{StageDone, "2024-03-25", "王强"}, want{StagePending, "2024-03-22", ""}, pending)
}

// TestCurrentStageCarriesTheDeadline holds the deadline a view takes from
// the current stage of the stepper (so that it is computed once per read)
// to Application.Deadline, and refuses the stage when it was not entered at
// a.StageEnteredAt (then the view computes the deadline itself).
func TestCurrentStageCarriesTheDeadline(t *testing.T) {
	p, err := policy.Load("")
	if err != nil {
		t.Fatal(err)
	}
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, beijing.Zone)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	actor := auth.UserID(1)
	h := func(when string, act Action, from, to Status) HistoryEntry {
		return HistoryEntry{At: at(when).UTC(), ActorID: &actor, ActorName: "x", Action: act, FromStatus: from, ToStatus: to}
	}
	history := []HistoryEntry{
		h("2024-03-08 09:00", ActCreate, "", Draft),
		h("2024-03-11 09:00", ActSubmit, Draft, EligibilityReview),
		h("2024-03-13 10:00", ActApprove, EligibilityReview, GuaranteeReview),
		h("2024-03-14 10:00", ActReturn, GuaranteeReview, Returned),
		h("2024-04-03 23:30", ActSubmit, Returned, EligibilityReview),
		h("2024-04-30 16:00", ActApprove, EligibilityReview, GuaranteeReview),
		h("2024-05-10 08:00", ActApprove, GuaranteeReview, BankReview),
	}
	for n := 2; n <= len(history); n++ {
		last := history[n-1]
		entered := last.At.In(beijing.Zone)
		a := Application{Status: last.ToStatus, StageEnteredAt: &entered, History: history[:n]}
		for _, now := range []time.Time{last.At, last.At.AddDate(0, 0, 9)} {
			want, wantLate, wantOK := a.Deadline(p, now)
			st, ok := currentStage(a, a.Stages(p))
			if ok != wantOK || ok && (!st.Deadline.Equal(want) || st.Deadline.Location() != want.Location() || now.After(*st.Deadline) != wantLate) {
				t.Errorf("%s at %s: stage %+v %v, want deadline %s late %v ok %v", a.Status, now, st, ok, want, wantLate, wantOK)
			}
		}
		other := entered.Add(time.Hour)
		b := a
		b.StageEnteredAt = &other
		if _, ok := currentStage(b, b.Stages(p)); ok {
			t.Errorf("%s entered at %s: a stage entered at %s taken", b.Status, other, entered)
		}
	}
}
