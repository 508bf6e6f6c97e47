// Package application takes loan applications from intake through the three
// review stages (eligibility, guarantee, bank) to approval, with the
// four-eyes rule, the history of every transition and the officers' queues.
package application

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/shopspring/decimal"

	"chuangdai/internal/apperr"
	"chuangdai/internal/auth"
	"chuangdai/internal/authz"
	"chuangdai/internal/beijing"
	"chuangdai/internal/msg"
	"chuangdai/internal/policy"
)

// Status is where an application stands on its path.
type Status string

// The statuses of DOMAIN.md's path.
const (
	Draft             Status = "draft"
	EligibilityReview Status = "eligibility_review"
	GuaranteeReview   Status = "guarantee_review"
	BankReview        Status = "bank_review"
	Approved          Status = "approved"
	Disbursed         Status = "disbursed"
	Returned          Status = "returned"
	Rejected          Status = "rejected"
	Withdrawn         Status = "withdrawn"
)

// Statuses lists every status.
var Statuses = []Status{Draft, EligibilityReview, GuaranteeReview, BankReview, Approved, Disbursed, Returned, Rejected, Withdrawn}

// OpenStatuses are the statuses of an application still in progress: a
// person may have only one of them at a time. A disbursed application is a
// loan and counts as one.
var OpenStatuses = []Status{Draft, EligibilityReview, GuaranteeReview, BankReview, Approved, Returned}

// Valid reports whether s is a known status.
func (s Status) Valid() bool { return slices.Contains(Statuses, s) }

// Open reports whether s is an application still in progress.
func (s Status) Open() bool { return slices.Contains(OpenStatuses, s) }

// InReview reports whether s is one of the three review stages.
func (s Status) InReview() bool {
	return s == EligibilityReview || s == GuaranteeReview || s == BankReview
}

// Editable reports whether the applicant may edit or submit in s.
func (s Status) Editable() bool { return s == Draft || s == Returned }

// BorrowerType is who borrows.
type BorrowerType string

// The borrower types.
const (
	Individual  BorrowerType = "individual"
	Partnership BorrowerType = "partnership"
	Enterprise  BorrowerType = "enterprise"
)

// BorrowerTypes lists every borrower type.
var BorrowerTypes = []BorrowerType{Individual, Partnership, Enterprise}

// KeyGroups are the ten key groups (重点群体) of DOMAIN.md.
var KeyGroups = []string{
	"registered_unemployed", "employment_difficulty", "retired_soldier", "released_prisoner",
	"college_graduate", "overcapacity_worker", "returning_migrant_worker", "online_merchant",
	"poverty_alleviated", "rural_entrepreneur",
}

// OtherLoanKinds are the kinds of other loan an applicant can declare; the
// policy says which of them are allowed.
var OtherLoanKinds = []string{"student", "poverty_relief", "housing", "car", "consumer", "business", "other"}

// OtherLoanHolders are who can hold a declared other loan.
var OtherLoanHolders = []string{"applicant", "spouse"}

// Partner is one partner of a partnership.
type Partner struct {
	Name       string `json:"name"`
	NationalID string `json:"national_id"`
	KeyGroup   string `json:"key_group"`
	// NotEmployed is the partner's declaration of not being employed by an
	// organisation; nil on applications written before it was asked.
	NotEmployed *bool `json:"not_employed,omitempty"`
}

// Firm is the small or micro enterprise that borrows.
type Firm struct {
	Name             string
	CreditCode       string
	Employees        int
	NewKeyGroupHires int
}

// OtherLoan is one declared loan of the applicant or spouse.
type OtherLoan struct {
	Holder  string
	Kind    string
	Balance decimal.Decimal
}

// Fields are what the applicant fills in; they are validated together.
type Fields struct {
	BorrowerType BorrowerType
	Name         string
	NationalID   string
	Phone        string
	KeyGroup     string
	DistrictCode string
	BankCode     string
	Amount       decimal.Decimal
	TermMonths   int
	BusinessName string
	Industry     string
	Purpose      string
	JobsPlanned  int
	Partners     []Partner
	Enterprise   *Firm
	OtherLoans   []OtherLoan
	Flags
	// NotEmployed is the applicant's declaration of not being employed by
	// an organisation (机关、事业单位、企业等在职人员 are not eligible as
	// individuals); nil on applications written before it was asked.
	NotEmployed *bool
	// BirthDate and Female come from NationalID.
	BirthDate time.Time
	Female    bool
}

// Flags are what the bureau's reports count besides sex: the applicant is a
// disabled person (残疾人), a village official (大学生村官) or a returned
// overseas student (留学回国人员), as declared on the application.
type Flags struct {
	Disabled                bool
	VillageOfficial         bool
	ReturnedOverseasStudent bool
}

// ID is an application's id: the applications row, and the application a
// loan, a document or a four-in-one record belongs to. The zero ID is none.
type ID int64

// String is the id in decimal, as the audit trail's entity ids and
// notification keys spell it.
func (id ID) String() string { return strconv.FormatInt(int64(id), 10) }

// Application is a loan application as stored.
type Application struct {
	ID          ID
	Number      string
	Status      Status
	Version     int
	ApplicantID auth.UserID
	Fields
	CreatedAt      time.Time
	UpdatedAt      time.Time
	SubmittedAt    *time.Time
	StageEnteredAt *time.Time
	// Set when the bank approves.
	ApprovedAmount     *decimal.Decimal
	AnnualRate         *decimal.Decimal
	ApprovedTermMonths *int
	// CounterGuarantee is what the guarantee centre recorded as the
	// counter-guarantee (反担保) when it approved.
	CounterGuarantee string
	ApprovedAt       *time.Time
	ApprovedBy       *auth.UserID
	DisbursedAt      *time.Time
	History          []HistoryEntry
	// IdentityVerified is set when the resident ID number is bound to the
	// applicant's account (read with the application).
	IdentityVerified bool
}

// Resource is the application as authz sees it.
func (a Application) Resource() authz.Resource {
	return authz.Resource{Kind: Kind, Owner: a.ApplicantID, District: a.DistrictCode, Bank: a.BankCode}
}

// Involves reports whether p is a party to the application: its applicant's
// account, or the person (by a resident ID number the account is known as)
// of the applicant or of a partner. A party acts on none of it (four eyes).
func (a Application) Involves(p auth.Principal) bool {
	if p.UserID != 0 && p.UserID == a.ApplicantID || p.IsPerson(a.NationalID) {
		return true
	}
	for _, pt := range a.Partners {
		if p.IsPerson(pt.NationalID) {
			return true
		}
	}
	return false
}

// HistoryEntry is one transition of an application.
type HistoryEntry struct {
	At      time.Time
	ActorID *auth.UserID
	Actor   string
	// ActorName is the name of the actor's account (read, never written).
	ActorName string
	// Changes are the fields an edit changed (personal data masked).
	Changes    []FieldChange
	Action     Action
	FromStatus Status // empty for the creation
	ToStatus   Status
	Comment    string
	// MissingDocuments are the document kinds a return or rejection named
	// as missing (一次性告知: the whole list at once).
	MissingDocuments []string
}

// FieldChange is one field an edit changed, with its JSON values.
type FieldChange struct {
	Field  string          `json:"field"`
	Before json.RawMessage `json:"before"`
	After  json.RawMessage `json:"after"`
}

// Action is what moves an application.
type Action string

// The actions.
const (
	ActCreate   Action = "create"
	ActSubmit   Action = "submit"
	ActApprove  Action = "approve"
	ActReturn   Action = "return"
	ActReject   Action = "reject"
	ActWithdraw Action = "withdraw"
	ActDisburse Action = "disburse"
	// ActReverseDisbursement takes a disbursed application back to approved
	// when the reversal of its loan's disbursement is confirmed (冲正放款):
	// the bank disburses it again with the right figures.
	ActReverseDisbursement Action = "reverse_disbursement"
	// ActEdit is an edit of a returned application, kept in its history
	// with the fields it changed; it moves nothing.
	ActEdit Action = "edit"
)

// Decisions are the actions a reviewer can take.
var Decisions = []Action{ActApprove, ActReturn, ActReject}

// IsDecision reports whether a is a reviewer's decision.
func (a Action) IsDecision() bool { return slices.Contains(Decisions, a) }

// Kind is the authz resource kind of applications.
const Kind = "application"

// The authz actions that decide a stage, one per stage, so that the policy
// names the role and scope of each stage.
const (
	DecideEligibility authz.Action = "decide_eligibility"
	DecideGuarantee   authz.Action = "decide_guarantee"
	DecideBank        authz.Action = "decide_bank"
)

// StageAction returns the authz action that decides stage s.
func StageAction(s Status) (authz.Action, bool) {
	switch s {
	case EligibilityReview:
		return DecideEligibility, true
	case GuaranteeReview:
		return DecideGuarantee, true
	case BankReview:
		return DecideBank, true
	}
	return "", false
}

// StageRole names the role that decides stage s, for messages.
func StageRole(s Status) auth.Role {
	switch s {
	case EligibilityReview:
		return auth.HRSSOfficer
	case GuaranteeReview:
		return auth.GuaranteeOfficer
	case BankReview:
		return auth.BankOfficer
	}
	return ""
}

// Next returns the status that action act leads to from s, or an
// application.invalid_state error. This is the whole path of DOMAIN.md.
func Next(s Status, act Action) (Status, error) {
	next, ok := next(s, act)
	if !ok {
		return "", invalidState(s, act)
	}
	return next, nil
}

func next(s Status, act Action) (Status, bool) {
	switch act {
	case ActSubmit:
		if s.Editable() {
			return EligibilityReview, true
		}
	case ActApprove:
		switch s {
		case EligibilityReview:
			return GuaranteeReview, true
		case GuaranteeReview:
			return BankReview, true
		case BankReview:
			return Approved, true
		}
	case ActReturn:
		if s.InReview() {
			return Returned, true
		}
	case ActReject:
		if s.InReview() {
			return Rejected, true
		}
	case ActWithdraw:
		if s.Editable() || s.InReview() {
			return Withdrawn, true
		}
	case ActDisburse:
		if s == Approved {
			return Disbursed, true
		}
	case ActReverseDisbursement:
		if s == Disbursed {
			return Approved, true
		}
	}
	return "", false
}

func invalidState(s Status, act Action) error {
	var hint msg.Text
	switch act {
	case ActSubmit:
		hint = msg.New("only a draft or a returned application can be submitted")
	case ActWithdraw:
		hint = msg.New("only an application not yet approved can be withdrawn")
	case ActDisburse:
		hint = msg.New("only an approved application can be disbursed")
	case ActReverseDisbursement:
		hint = msg.New("only a disbursed application has its disbursement reversed")
	case ActApprove, ActReturn, ActReject:
		hint = msg.New("only an application under review can be decided")
	default:
		hint = msg.New("only a draft or a returned application can be edited")
	}
	return apperr.Newf(apperr.Conflict, "application.invalid_state", "the application is %s: %s", msg.Label("status", s), hint)
}

// ErrNotEditable is the error for editing an application outside draft and returned.
func ErrNotEditable(s Status) error { return invalidState(s, "edit") }

// ParseDay reads a calendar day YYYY-MM-DD, the one way every date a client
// sends is read. Go reads year 0 (0000-01-01), which is no day on PostgreSQL
// (its years run 1 BC, AD 1), and 0001-01-01 is Go's zero time, which the
// code and the store take for "no day" (a nullable date column keeps it as
// NULL, a NOT NULL one then refuses it): both are refused like any other bad
// date, so no date reaches the database to fail there.
func ParseDay(v string) (time.Time, error) {
	d, err := time.Parse(time.DateOnly, v)
	switch {
	case err == nil && d.Year() < 1:
		return time.Time{}, fmt.Errorf("day %q: year 0 is no day", v)
	case err == nil && d.IsZero():
		return time.Time{}, fmt.Errorf("day %q: the zero day stands for no day", v)
	}
	return d, err
}

// Deadline returns the working-day deadline of the current review stage and
// whether it has passed at now; ok is false outside the review stages and
// when no policy version was in force on the day the stage began (its time
// limit is unknown).
func (a Application) Deadline(p *policy.Policy, now time.Time) (deadline time.Time, late, ok bool) {
	if !a.Status.InReview() || a.StageEnteredAt == nil {
		return time.Time{}, false, false
	}
	entered := a.StageEnteredAt.In(beijing.Zone)
	v, err := p.At(beijing.Day(entered))
	if err != nil {
		return time.Time{}, false, false
	}
	days := v.ServiceDays[string(a.Status)]
	deadline = p.AddWorkingDays(entered, days)
	return deadline, now.After(deadline), true
}

// Checklist is the document checklist of a: the one in force on the day a
// was submitted, or today's while it is a draft or returned (what submitting
// will check).
func (a Application) Checklist(p *policy.Policy, now time.Time) []policy.ChecklistItem {
	day := beijing.Day(now)
	if !a.Status.Editable() && a.SubmittedAt != nil {
		day = beijing.Day(*a.SubmittedAt)
	}
	d, ok := p.DocumentsAt(day)
	if !ok {
		return nil
	}
	return d.Checklist(string(a.BorrowerType), a.KeyGroup)
}

// MissingDocuments are the kinds the last return or rejection named, while
// a is returned or rejected: exactly the list the applicant was given.
func (a Application) MissingDocuments() []string {
	if a.Status != Returned && a.Status != Rejected {
		return []string{}
	}
	for i := len(a.History) - 1; i >= 0; i-- {
		if h := a.History[i]; h.Action == ActReturn || h.Action == ActReject {
			return append([]string{}, h.MissingDocuments...)
		}
	}
	return []string{}
}

// DecidedOtherStage reports whether user decided a stage of a other than stage.
func (a Application) DecidedOtherStage(userID auth.UserID, stage Status) bool {
	for _, h := range a.History {
		if h.Action.IsDecision() && h.ActorID != nil && *h.ActorID == userID && h.FromStatus != stage {
			return true
		}
	}
	return false
}

// Number formats an application number: district, year, 6-digit sequence.
func Number(district string, year int, seq int64) string {
	return district + "-" + strconv.Itoa(year) + "-" + leftPad(strconv.FormatInt(seq, 10), 6)
}

func leftPad(s string, n int) string {
	for len(s) < n {
		s = "0" + s
	}
	return s
}
