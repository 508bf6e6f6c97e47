// Package fund keeps the guarantee fund's books (担保基金专户): an
// append-only, double-entry journal in fen whose every row is a balanced
// entry, the four-eyes movements of government money in and out, and the
// fund's position: balance, guaranteed principal outstanding, leverage and
// the limit in force (财金〔2020〕21号).
package fund

import (
	"strconv"
	"time"

	"github.com/shopspring/decimal"

	"chuangdai/internal/auth"
	"chuangdai/internal/authz"
	"chuangdai/internal/msg"
)

// Kind is the resource kind of the fund in the authorization policy.
const Kind = "fund"

// The actions on the fund.
const (
	ActRead authz.Action = "read"
	// ActMove proposes, confirms and rejects movements.
	ActMove authz.Action = "move"
)

// Account is an account of the fund's chart.
type Account string

// The chart (see README "The guarantee fund's books"). Debit-normal
// accounts grow with debits, the others with credits.
const (
	BankDeposit             Account = "bank_deposit"
	GovernmentContributions Account = "government_contributions"
	CompensationPaid        Account = "compensation_paid"
	Recoveries              Account = "recoveries"
	ClaimsWrittenOff        Account = "claims_written_off"
	WriteOffs               Account = "write_offs"
	InterestIncome          Account = "interest_income"
)

// Accounts is the chart in display order.
var Accounts = []Account{BankDeposit, GovernmentContributions, CompensationPaid, Recoveries, ClaimsWrittenOff, WriteOffs, InterestIncome}

// DebitNormal reports whether the account's balance is debits − credits.
func (a Account) DebitNormal() bool {
	return a == BankDeposit || a == CompensationPaid || a == WriteOffs
}

// Valid reports whether a is in the chart.
func (a Account) Valid() bool {
	for _, x := range Accounts {
		if x == a {
			return true
		}
	}
	return false
}

// PostingKind is what a posting records.
type PostingKind string

// The posting kinds.
const (
	KindContribution   PostingKind = "contribution"
	KindWithdrawal     PostingKind = "withdrawal"
	KindInterestIncome PostingKind = "interest_income"
	KindCompensation   PostingKind = "compensation"
	KindRecovery       PostingKind = "recovery"
	KindWriteOff       PostingKind = "write_off"
	KindReversal       PostingKind = "reversal"
)

// Posting is one balanced journal entry: Amount debited to Debit and
// credited to Credit on BookedOn.
type Posting struct {
	ID       int64
	BookedOn time.Time
	Debit    Account
	Credit   Account
	Amount   decimal.Decimal
	Kind     PostingKind
	LoanID   *int64
	// Source names what the posting records, such as "compensation:12"
	// (the loan), "recovery:7" (the recovery) or "movement:3".
	Source string
	// Reverses is the Source of the posting this one reverses; the books
	// fill ReversesID from it (the latest posting of that source: a loan
	// compensated again after a reversal has two "compensation:" postings).
	Reverses   string
	ReversesID *int64
	CreatedBy  *auth.UserID
	CreatedAt  time.Time
}

// Compensation is the posting of the fund's share of a compensation.
func Compensation(loanID int64, on time.Time, fundShare decimal.Decimal, by auth.UserID) Posting {
	return loanPosting(loanID, on, CompensationPaid, BankDeposit, fundShare, KindCompensation, "compensation", loanID, by)
}

// Recovery is the posting of the fund's share of a recovery.
func Recovery(loanID, recoveryID int64, on time.Time, fundShare decimal.Decimal, by auth.UserID) Posting {
	return loanPosting(loanID, on, BankDeposit, Recoveries, fundShare, KindRecovery, "recovery", recoveryID, by)
}

// RecoveryReversal is the posting of a confirmed reversal of a recovery:
// the fund gives back what its recovered share shrank by (its share of what
// stands recovered, rounded once, may differ from the recovery's own part).
func RecoveryReversal(loanID, recoveryID, reversalID int64, on time.Time, fundShare decimal.Decimal, by auth.UserID) Posting {
	p := loanPosting(loanID, on, Recoveries, BankDeposit, fundShare, KindReversal, "reversal", reversalID, by)
	p.Reverses = "recovery:" + strconv.FormatInt(recoveryID, 10)
	return p
}

// CompensationReversal is the posting of a confirmed reversal of a loan's
// compensation: the fund's share comes back to its account.
func CompensationReversal(loanID, reversalID int64, on time.Time, fundShare decimal.Decimal, by auth.UserID) Posting {
	p := loanPosting(loanID, on, BankDeposit, CompensationPaid, fundShare, KindReversal, "reversal", reversalID, by)
	p.Reverses = "compensation:" + strconv.FormatInt(loanID, 10)
	return p
}

// WriteOff is the posting of the fund's share of a write-off.
func WriteOff(loanID int64, on time.Time, fundShare decimal.Decimal, by auth.UserID) Posting {
	return loanPosting(loanID, on, WriteOffs, ClaimsWrittenOff, fundShare, KindWriteOff, "write_off", loanID, by)
}

func loanPosting(loanID int64, on time.Time, dr, cr Account, amount decimal.Decimal, k PostingKind, src string, srcID int64, by auth.UserID) Posting {
	id, who := loanID, by
	return Posting{BookedOn: on, Debit: dr, Credit: cr, Amount: amount, Kind: k, LoanID: &id,
		Source: src + ":" + strconv.FormatInt(srcID, 10), CreatedBy: &who}
}

// MovementKind is a movement of government money.
type MovementKind string

// The movement kinds.
const (
	Contribution MovementKind = "contribution"
	Withdrawal   MovementKind = "withdrawal"
	Interest     MovementKind = "interest_income"
)

// MovementKinds lists the kinds.
var MovementKinds = []MovementKind{Contribution, Withdrawal, Interest}

// legs are the accounts a movement of the kind debits and credits.
func (k MovementKind) legs() (Account, Account) {
	switch k {
	case Withdrawal:
		return GovernmentContributions, BankDeposit
	case Interest:
		return BankDeposit, InterestIncome
	}
	return BankDeposit, GovernmentContributions
}

// MovementStatus is where a movement stands.
type MovementStatus string

// The movement statuses.
const (
	Proposed  MovementStatus = "proposed"
	Confirmed MovementStatus = "confirmed"
	Rejected  MovementStatus = "rejected"
)

// MovementStatuses lists the statuses.
var MovementStatuses = []MovementStatus{Proposed, Confirmed, Rejected}

// Movement is a contribution, withdrawal or interest income: proposed by
// one guarantee officer, confirmed or rejected by another.
type Movement struct {
	ID         int64
	Kind       MovementKind
	Amount     decimal.Decimal
	BookedOn   time.Time
	Reference  string
	Note       string
	Status     MovementStatus
	ProposedBy auth.UserID
	ProposedAt time.Time
	DecidedBy  *auth.UserID
	DecidedAt  *time.Time
	Reason     string
	PostingID  *int64
}

// Balance is one account's balance.
type Balance struct {
	Account Account
	Balance decimal.Decimal
}

// Position is the fund's figures at the end of Day (today, or a day
// before).
type Position struct {
	Day     time.Time
	Balance decimal.Decimal
	// Outstanding is what the fund guarantees: Loans + Committed.
	Outstanding decimal.Decimal
	// Loans is the principal outstanding of active and overdue loans.
	Loans decimal.Decimal
	// Committed is the guarantees approved and not yet disbursed (see
	// Guaranteed).
	Committed decimal.Decimal
	// Leverage is Outstanding ÷ Balance rounded half-up to 2 decimals; nil
	// when the balance is not above zero.
	Leverage *decimal.Decimal
	Limit    decimal.Decimal
	// Headroom is Limit × Balance − Outstanding, never below zero; OverLimit
	// says the fund is above its limit.
	Headroom  decimal.Decimal
	OverLimit bool
	// Capacity is Limit × Balance, never below zero: what the fund may
	// guarantee in all.
	Capacity decimal.Decimal
	// RepaymentRate is last year's repayment rate (nil: nothing fell due).
	RepaymentRate *decimal.Decimal
	RateYear      int
	// Basis says why Limit is in force.
	Basis  msg.Text
	Opened bool
	// Accounts are the balances of the chart.
	Accounts []Balance
}

// Guaranteed is what the fund guarantees: the principal outstanding of
// active and overdue loans, and the guarantees committed: applications the
// guarantee centre approved that are not yet disbursed (at bank review for
// the amount applied for, approved for the amount the bank approved).
type Guaranteed struct {
	Loans, Committed decimal.Decimal
}

// JournalFilter selects postings (zero values: everything).
type JournalFilter struct {
	From, To time.Time
	Account  Account
}

// MovementFilter selects movements.
type MovementFilter struct {
	Statuses []MovementStatus
}

// Due is a year's repayment figures: the principal of the loans that
// matured in the year and the part of it repaid by each loan's maturity.
type Due struct {
	Due, OnTime decimal.Decimal
}
