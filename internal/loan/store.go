package loan

import (
	"context"
	"errors"
	"time"

	"github.com/shopspring/decimal"

	"chuangdai/internal/application"
	"chuangdai/internal/audit"
	"chuangdai/internal/authz"
	"chuangdai/internal/listing"
)

// Store is what loans need from persistence. Writes run inside the
// transaction carried by ctx (see InTx).
type Store interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	// NextSequence returns the next loan sequence number of a district and
	// year, counted under a row lock.
	NextSequence(ctx context.Context, district string, year int) (int64, error)
	// Create inserts l and returns its id. A second loan for the same
	// application, or a bank reference the bank already used, is an apperr
	// Conflict.
	Create(ctx context.Context, l Loan) (ID, error)
	// Get returns the loan id with its repayments, recoveries and
	// extensions if scope shows it; one outside the scope is an apperr
	// NotFound, answered by the same SQL as one that does not exist.
	Get(ctx context.Context, scope authz.ListScope, id ID) (Loan, error)
	// Update changes the loan id in one transaction (the caller's, when ctx
	// carries one): it reads it row-locked within scope (an apperr NotFound
	// outside it, and fn does not run), runs fn on it, writes its columns if
	// the stored version is still the one read and sets it one higher, and
	// appends fn's audit event about the loan (an event without an action
	// appends none: the daily job's check that only moves the checked day).
	// fn answers ErrUnchanged when the loan stays as read: what fn wrote
	// beside it (a claim, a reversal) commits, the loan's lock having kept
	// such changes of one loan apart. Any other error of fn writes nothing.
	// It answers the loan as it is afterwards.
	Update(ctx context.Context, scope authz.ListScope, id ID, fn func(ctx context.Context, l *Loan) (audit.Event, error)) (Loan, error)
	List(ctx context.Context, f Filter, scope authz.ListScope, offset, limit int) ([]Loan, int64, error)
	// AddRepayment inserts r; a bank reference the bank already used is an
	// apperr Conflict.
	AddRepayment(ctx context.Context, r Repayment, bankCode string) (int64, error)
	AddRecovery(ctx context.Context, r Recovery) (int64, error)
	// Claims returns the loan's claimed quarters.
	Claims(ctx context.Context, loanID ID) ([]Claim, error)
	// ClaimLines lists the quarters of a subsidy work list in scope.
	ClaimLines(ctx context.Context, f ClaimFilter, scope authz.ListScope, offset, limit int) ([]ClaimLine, int64, error)
	// Claim returns one quarter's claim, row-locked on PostgreSQL until the
	// transaction ends; absent is an apperr NotFound.
	Claim(ctx context.Context, loanID ID, period string) (Claim, error)
	CreateClaim(ctx context.Context, c Claim) (int64, error)
	// UpdateClaim writes c's status and step fields if the stored status is
	// still from.
	UpdateClaim(ctx context.Context, c Claim, from ClaimStatus) error
	SubsidyTotals(ctx context.Context, period string, scope authz.ListScope) ([]SubsidyTotal, error)
	// Exposure is the fund's position per district, or per compensated
	// loan when byLoan.
	Exposure(ctx context.Context, scope authz.ListScope, byLoan bool) ([]Exposure, error)
	// OpenLoanIDs lists the loans the daily job checks: active and overdue
	// loans disbursed here. Imported loans are left out: their repayments
	// before the import are in the legacy system, not here.
	OpenLoanIDs(ctx context.Context) ([]ID, error)
	// FundShare is the bank's agreed guarantee fund share, if it has one.
	FundShare(ctx context.Context, bankCode string) (*decimal.Decimal, error)
	// TryJobLock takes the named job lock if no other instance holds it;
	// release gives it back. On SQLite (one instance) it always succeeds.
	TryJobLock(ctx context.Context, name string) (release func(), ok bool, err error)
	// ClosedThrough is the latest closed accounting month ("" when none).
	// On PostgreSQL it holds the period lock until the transaction ends:
	// shared for a posting, exclusive when forClose, so no month closes
	// while a posting dated in it commits.
	ClosedThrough(ctx context.Context, forClose bool) (string, error)
	AddPeriodClose(ctx context.Context, c PeriodClose) error
	// PeriodCloses lists every close, oldest month first.
	PeriodCloses(ctx context.Context) ([]PeriodClose, error)
	// FirstDisbursement is the day of the earliest loan (zero without one).
	FirstDisbursement(ctx context.Context) (time.Time, error)
	ExtensionStore
	// RiskFigures are the risk triggers' figures per bank or district in scope.
	RiskFigures(ctx context.Context, by RiskGroup, scope authz.ListScope) ([]RiskFigures, error)
}

// ErrUnchanged is what the closure of Store.Update answers when it leaves
// the loan as it was read.
var ErrUnchanged = errors.New("the loan is unchanged")

// Applications is what loans need of the applications' store (see
// application.Store): disbursement moves the application through its
// Update, and the four-eyes checks read the application of a loan.
type Applications interface {
	Get(ctx context.Context, scope authz.ListScope, id application.ID) (application.Application, error)
	Update(ctx context.Context, scope authz.ListScope, id application.ID, fn func(ctx context.Context, a *application.Application) (audit.Event, error)) (application.Application, error)
}

// Filter selects loans for a list (see ParseFilter). Zero values select
// everything.
type Filter struct {
	Statuses     []Status
	DistrictCode string
	BankCode     string
	KeyGroup     string
	BorrowerType string
	// Disbursed and Matures bound the disbursement and maturity days
	// (inclusive; zero: open).
	DisbursedFrom, DisbursedTo time.Time
	MaturesFrom, MaturesTo     time.Time
	// Search finds a loan by its number (or the start of it), the bank's
	// reference, the start of the borrower's name, or a whole resident ID
	// number (NationalID, normalised).
	Search     string
	NationalID string
	// MinDaysOverdue keeps loans overdue for at least that many days;
	// WriteOffProposed those whose write-off waits for its confirmation.
	MinDaysOverdue   int
	WriteOffProposed bool
	Sort             listing.Sort
}

// SubsidyTotal is one district's subsidy of a quarter, by status and by
// the funding shares of the loans' regimes (nil: the regime names none).
type SubsidyTotal struct {
	DistrictCode string
	Status       ClaimStatus
	Funding      *Funding
	Loans        int
	Interest     decimal.Decimal
	Subsidy      decimal.Decimal
}

// Exposure is the guarantee fund's position in one district, or on one
// compensated loan (LoanID and LoanNumber set).
type Exposure struct {
	DistrictCode string
	LoanID       ID
	LoanNumber   string
	// Loans and Outstanding count the active and overdue loans: the
	// principal the fund guarantees.
	Loans       int
	Outstanding decimal.Decimal
	Overdue     decimal.Decimal
	// Compensated is what the fund paid, Recovered the fund's share of what
	// came back and WrittenOff the fund's share given up: one basis, so
	// Compensated − Recovered = WrittenOff once every compensated loan is
	// written off. The Bank* figures are the bank's side of the same.
	Compensated     decimal.Decimal
	Recovered       decimal.Decimal
	WrittenOff      decimal.Decimal
	BankCompensated decimal.Decimal
	BankRecovered   decimal.Decimal
	BankWrittenOff  decimal.Decimal
}

// ExposureTotal adds the districts' exposures up into the city's.
func ExposureTotal(es []Exposure) Exposure {
	z := decimal.Zero
	t := Exposure{Outstanding: z, Overdue: z, Compensated: z, Recovered: z, WrittenOff: z, BankCompensated: z, BankRecovered: z, BankWrittenOff: z}
	for _, e := range es {
		t.Loans += e.Loans
		t.Outstanding, t.Overdue = t.Outstanding.Add(e.Outstanding), t.Overdue.Add(e.Overdue)
		t.Compensated, t.Recovered, t.WrittenOff = t.Compensated.Add(e.Compensated), t.Recovered.Add(e.Recovered), t.WrittenOff.Add(e.WrittenOff)
		t.BankCompensated, t.BankRecovered = t.BankCompensated.Add(e.BankCompensated), t.BankRecovered.Add(e.BankRecovered)
		t.BankWrittenOff = t.BankWrittenOff.Add(e.BankWrittenOff)
	}
	return t
}
