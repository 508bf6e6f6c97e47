// Package loan is where public money moves: disbursement of an approved
// application (exactly once), the loan's schedule, repayments, the interest
// subsidy per quarter with its claim–check–pay path, the daily overdue job,
// compensation by the guarantee fund, recoveries and write-off.
package loan

import (
	"fmt"
	"strconv"
	"time"

	"github.com/shopspring/decimal"

	"chuangdai/internal/apperr"
	"chuangdai/internal/application"
	"chuangdai/internal/auth"
	"chuangdai/internal/authz"
	"chuangdai/internal/beijing"
	"chuangdai/internal/money"
	"chuangdai/internal/msg"
)

// Status is where a loan stands.
type Status string

// The loan statuses of API.md.
const (
	Active      Status = "active"
	Overdue     Status = "overdue"
	Settled     Status = "settled"
	Compensated Status = "compensated"
	WrittenOff  Status = "written_off"
	// Cancelled is a loan whose disbursement was reversed (冲正放款): it
	// stays, with its number, and counts nowhere; its application is
	// approved again.
	Cancelled Status = "cancelled"
)

// Statuses lists every status.
var Statuses = []Status{Active, Overdue, Settled, Compensated, WrittenOff, Cancelled}

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	for _, x := range Statuses {
		if x == s {
			return true
		}
	}
	return false
}

// Open reports whether the borrower still repays the bank: the loan is
// neither settled nor taken over by the guarantee fund.
func (s Status) Open() bool { return s == Active || s == Overdue }

// Event is what moves a loan.
type Event string

// The events of a loan's life.
const (
	EvRepay           Event = "repay"
	EvSettle          Event = "settle"
	EvFallOverdue     Event = "fall_overdue"
	EvCure            Event = "cure"
	EvCompensate      Event = "compensate"
	EvRecover         Event = "recover"
	EvProposeWriteOff Event = "propose_write_off"
	EvWriteOff        Event = "write_off"
	EvExtend          Event = "extend"
)

// Next is the loan's state machine: the status event ev leads to from s, or
// a 409 loan.invalid_state saying what would be needed.
func Next(s Status, ev Event) (Status, error) {
	switch ev {
	case EvRepay, EvExtend:
		if s.Open() {
			return s, nil
		}
	case EvSettle:
		if s.Open() {
			return Settled, nil
		}
	case EvFallOverdue:
		if s.Open() {
			return Overdue, nil
		}
	case EvCure:
		if s.Open() {
			return Active, nil
		}
	case EvCompensate:
		if s == Overdue {
			return Compensated, nil
		}
	case EvRecover, EvProposeWriteOff:
		if s == Compensated {
			return Compensated, nil
		}
	case EvWriteOff:
		if s == Compensated {
			return WrittenOff, nil
		}
	}
	return "", invalidState(s, ev)
}

func invalidState(s Status, ev Event) error {
	hint := map[Event]msg.Text{
		EvRepay:           msg.New("repayments are recorded on active and overdue loans only"),
		EvSettle:          msg.New("only an active or overdue loan can be settled"),
		EvFallOverdue:     msg.New("only an active loan can fall overdue"),
		EvCure:            msg.New("only an overdue loan can return to active"),
		EvCompensate:      msg.New("the guarantee fund compensates overdue loans only"),
		EvRecover:         msg.New("recoveries are recorded on compensated loans only"),
		EvProposeWriteOff: msg.New("only a compensated loan can be written off"),
		EvWriteOff:        msg.New("only a compensated loan can be written off"),
		EvExtend:          msg.New("only an active or overdue loan can be extended"),
	}[ev]
	return apperr.Newf(apperr.Conflict, "loan.invalid_state", "the loan is %s: %s", msg.Label("loan_status", s), hint)
}

// Kind is the authz resource kind of loans.
const Kind = "loan"

// The authz actions on loans; policy.csv says which role does each, where.
const (
	ActRead          authz.Action = "read"
	ActDisburse      authz.Action = "disburse"
	ActRepay         authz.Action = "repay"
	ActClaimSubsidy  authz.Action = "claim_subsidy"
	ActCheckSubsidy  authz.Action = "check_subsidy"
	ActPaySubsidy    authz.Action = "pay_subsidy"
	ActCompensate    authz.Action = "compensate"
	ActRecover       authz.Action = "recover"
	ActWriteOff      authz.Action = "write_off"
	ActReadSubsidies authz.Action = "read_subsidies"
	ActReadExposure  authz.Action = "read_exposure"
	// ActExtend proposes an extension (展期), ActConfirmExtension confirms or
	// rejects it.
	ActExtend           authz.Action = "extend"
	ActConfirmExtension authz.Action = "confirm_extension"
	// ActReadRisk reads the guarantee fund's risk triggers.
	ActReadRisk authz.Action = "read_risk"
)

// ID is a loan's id: the loans row, and the loan a repayment, a recovery,
// a subsidy claim, an extension or a reversal belongs to. The zero ID is none.
type ID int64

// String is the id in decimal, as the audit trail's entity ids and
// notification keys spell it.
func (id ID) String() string { return strconv.FormatInt(int64(id), 10) }

// Loan is a disbursed loan.
type Loan struct {
	ID            ID
	Number        string
	ApplicationID *application.ID
	ExternalRef   *string
	Status        Status
	Version       int
	// BorrowerID is the applicant's account (nil for imported loans).
	BorrowerID *auth.UserID
	// Denormalised from the application, so reports group loans without joins.
	Name       string
	NationalID string
	Female     bool
	application.Flags
	KeyGroup     string
	BorrowerType string
	Industry     string
	Jobs         int
	// JobsCreated is what the legacy system recorded of an imported loan.
	JobsCreated  int
	DistrictCode string
	BankCode     string

	Principal    decimal.Decimal
	Outstanding  decimal.Decimal
	AnnualRate   decimal.Decimal
	SubsidyRate  decimal.Decimal
	BorrowerRate decimal.Decimal
	SubsidyCap   decimal.Decimal
	// Regime is the subsidy regime of the contract day.
	Regime      Regime
	TermMonths  int
	Method      Method
	DisbursedOn time.Time
	// Maturity is the loan's maturity now; OriginalMaturity the contract's,
	// once an extension moved it (nil: never extended).
	Maturity         time.Time
	OriginalMaturity *time.Time
	BankReference    string
	DisbursedBy      *auth.UserID

	DaysOverdue  int
	OverdueSince *time.Time
	EverOverdue  bool
	CheckedOn    *time.Time
	SettledOn    *time.Time

	Compensation *Compensation
	// Recovered is all that came back after the compensation; RecoveredFund
	// the guarantee fund's share of it (see Compensation.ShareRecovery), the
	// rest being the bank's.
	Recovered     decimal.Decimal
	RecoveredFund decimal.Decimal
	WriteOff      *WriteOff

	CreatedAt  time.Time
	UpdatedAt  time.Time
	Repayments []Repayment
	Recoveries []Recovery
	Extensions []Extension
}

// Compensation is what the guarantee fund paid the bank for a defaulted loan.
type Compensation struct {
	On        time.Time
	Amount    decimal.Decimal // the principal outstanding when compensated
	FundShare decimal.Decimal
	Fund      decimal.Decimal
	Bank      decimal.Decimal
	By        auth.UserID
}

// NewCompensation is the fund's compensation of amount on day on with the
// fund's share: the fund pays its share rounded half-up to the fen, the bank
// bears the rest, so Fund + Bank = Amount.
func NewCompensation(on time.Time, amount, share decimal.Decimal, by auth.UserID) Compensation {
	c := Compensation{On: on, Amount: amount, FundShare: share, By: by}
	c.Fund = c.fundShareOf(amount)
	c.Bank = amount.Sub(c.Fund)
	return c
}

// ShareRecovery splits a recovery of amount, recorded after before had
// already been recovered, between the fund and the bank in the shares of
// the compensation. The fund's share of everything recovered so far is
// rounded half-up to the fen; the recovery's fund part is what that share
// grows by, and the bank takes the rest of the amount. So fund + bank =
// amount on every recovery, the fund's recovered total is always its share
// of the recovered total rounded once, and recovering everything gives the
// fund back exactly what it paid (Fund) and the bank exactly what it bore
// (Bank), however the recoveries came in.
func (c Compensation) ShareRecovery(before, amount decimal.Decimal) (fund, bank decimal.Decimal) {
	fund = c.fundShareOf(before.Add(amount)).Sub(c.fundShareOf(before))
	return fund, amount.Sub(fund)
}

// fundShareOf is the fund's share of recovered, rounded half-up to the fen.
func (c Compensation) fundShareOf(recovered decimal.Decimal) decimal.Decimal {
	return money.RoundFen(recovered.Mul(c.FundShare))
}

// Unrecovered is what of the compensation has not come back, each side's
// own: the fund paid Fund and recovered RecoveredFund, the bank bore Bank
// and recovered the rest of Recovered. fund + bank = Amount − Recovered.
func (l Loan) Unrecovered() (fund, bank decimal.Decimal) {
	if l.Compensation == nil {
		return decimal.Zero, decimal.Zero
	}
	fund = l.Compensation.Fund.Sub(l.RecoveredFund)
	return fund, l.Compensation.Amount.Sub(l.Recovered).Sub(fund)
}

// WriteOff is the proposal and, once confirmed, the write-off of what could
// not be recovered: Amount in all, Fund of it the guarantee fund's
// unrecovered share and Bank the bank's.
type WriteOff struct {
	ProposedBy  auth.UserID
	ProposedAt  time.Time
	Reason      string
	ConfirmedBy *auth.UserID
	On          *time.Time
	Amount      decimal.Decimal
	Fund        decimal.Decimal
	Bank        decimal.Decimal
}

// Repayment is money the borrower paid the bank.
type Repayment struct {
	ID            int64
	LoanID        ID
	Principal     decimal.Decimal
	Interest      decimal.Decimal
	PaidOn        time.Time
	BankReference string
	RecordedBy    auth.UserID
	CreatedAt     time.Time
	// ReversedBy is the confirmed reversal that cancelled the repayment
	// (nil while it stands).
	ReversedBy *int64
	ReversedAt *time.Time
}

// Recovery is money the guarantee centre recovered after compensating:
// Amount, shared as Fund (the guarantee fund's) and Bank (the bank's).
type Recovery struct {
	ID          int64
	LoanID      ID
	Amount      decimal.Decimal
	Fund        decimal.Decimal
	Bank        decimal.Decimal
	RecoveredOn time.Time
	Note        string
	RecordedBy  auth.UserID
	CreatedAt   time.Time
	// ReversedBy is the confirmed reversal that cancelled the recovery.
	ReversedBy *int64
	ReversedAt *time.Time
}

// Resource is the loan as authz sees it.
func (l Loan) Resource() authz.Resource {
	r := authz.Resource{Kind: Kind, District: l.DistrictCode, Bank: l.BankCode}
	if l.BorrowerID != nil {
		r.Owner = *l.BorrowerID
	}
	return r
}

// Terms are the loan's money terms.
func (l Loan) Terms() Terms {
	t := Terms{
		Principal: l.Principal, AnnualRate: l.AnnualRate, SubsidyRate: l.SubsidyRate, SubsidyCap: l.SubsidyCap,
		DisbursedOn: l.DisbursedOn, Maturity: l.Maturity, Method: l.Method,
	}
	if l.ExternalRef != nil {
		t.PaidThrough = beijing.Day(l.CreatedAt)
	}
	if l.OriginalMaturity != nil {
		t.OriginalMaturity = *l.OriginalMaturity
	}
	return t
}

// Payments are the loan's repayments that stand (not reversed), for the
// ledger.
func (l Loan) Payments() []Payment {
	out := make([]Payment, 0, len(l.Repayments))
	for _, r := range l.Repayments {
		if r.ReversedBy == nil {
			out = append(out, Payment{PaidOn: r.PaidOn, Principal: r.Principal, Interest: r.Interest})
		}
	}
	return out
}

// Number formats a loan number: "DK" (贷款), district, year of
// disbursement, 6-digit sequence per district and year.
func Number(district string, year int, seq int64) string {
	return fmt.Sprintf("DK%s-%d-%06d", district, year, seq)
}

// ClaimStatus is where a quarter's subsidy stands.
type ClaimStatus string

// The subsidy statuses: 待申报 → 已申报 → 已审核 → 已拨付, or 不予贴息.
const (
	ClaimPending ClaimStatus = "pending"
	ClaimClaimed ClaimStatus = "claimed"
	ClaimChecked ClaimStatus = "checked"
	ClaimPaid    ClaimStatus = "paid"
	ClaimRefused ClaimStatus = "refused"
)

// ClaimStatuses lists every subsidy status.
var ClaimStatuses = []ClaimStatus{ClaimPending, ClaimClaimed, ClaimChecked, ClaimPaid, ClaimRefused}

// Claim is a quarter's subsidy once the bank has claimed it. Its amounts are
// frozen at the claim.
type Claim struct {
	ID           int64
	LoanID       ID
	Period       string
	Start        time.Time
	End          time.Time
	Days         int
	Interest     decimal.Decimal
	Subsidy      decimal.Decimal
	Borrower     decimal.Decimal
	Status       ClaimStatus
	DistrictCode string
	BankCode     string
	ClaimedBy    *auth.UserID
	ClaimedAt    *time.Time
	CheckedBy    *auth.UserID
	CheckedAt    *time.Time
	PaidBy       *auth.UserID
	PaidAt       *time.Time
	RefusedBy    *auth.UserID
	RefusedAt    *time.Time
	Reason       string
}

// NextClaim is the subsidy's state machine.
func NextClaim(s ClaimStatus, act authz.Action, refuse bool) (ClaimStatus, error) {
	switch {
	case act == ActClaimSubsidy && s == ClaimPending:
		return ClaimClaimed, nil
	case act == ActCheckSubsidy && s == ClaimClaimed && refuse:
		return ClaimRefused, nil
	case act == ActCheckSubsidy && s == ClaimClaimed:
		return ClaimChecked, nil
	case act == ActPaySubsidy && s == ClaimChecked:
		return ClaimPaid, nil
	}
	need := map[authz.Action]msg.Text{
		ActClaimSubsidy: msg.New("only a pending quarter can be claimed"),
		ActCheckSubsidy: msg.New("only a claimed quarter can be checked or refused"),
		ActPaySubsidy:   msg.New("only a checked quarter can be paid"),
	}[act]
	return "", apperr.Newf(apperr.Conflict, "subsidy.invalid_state", "the subsidy of this quarter is %s: %s", msg.Label("claim_status", s), need)
}
