package application

import (
	"context"
	"time"

	"chuangdai/internal/audit"
	"chuangdai/internal/auth"
	"chuangdai/internal/authz"
	"chuangdai/internal/identity"
	"chuangdai/internal/listing"
)

// Store is what applications need from persistence. Writes run inside the
// transaction carried by ctx (see InTx).
type Store interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	DistrictExists(ctx context.Context, code string) (bool, error)
	BankExists(ctx context.Context, code string) (bool, error)
	// LockPerson serialises, until the transaction ends, every change that
	// checks the one-open-application rule for nationalID.
	LockPerson(ctx context.Context, nationalID string) error
	// PersonHistory describes what a person already holds, as the lead or
	// as a partner, as it counts when account asks, leaving out the
	// application excludeID (0 for none): the account's own applications,
	// those of the account the number is bound to and those whose persons
	// an HRSS officer verified (VerifyPersons), and every loan of the person.
	PersonHistory(ctx context.Context, nationalID string, excludeID ID, account auth.UserID) (History, error)
	// VerifyPersons records that the HRSS officer checked the ID cards of
	// every person of the application (eligibility approved).
	VerifyPersons(ctx context.Context, applicationID ID) error
	// IdentityHolder returns the binding of a resident ID number to an
	// account, or nil when none is verified for it.
	IdentityHolder(ctx context.Context, nationalID string) (*identity.Identity, error)
	// BindIdentity binds a number to an account; a number already bound is
	// an apperr Conflict.
	BindIdentity(ctx context.Context, id identity.Identity) error
	// Claims lists, newest first, the applications of accounts other than
	// applicantID that name the resident ID number.
	Claims(ctx context.Context, nationalID string, applicantID auth.UserID) ([]Claim, error)
	// NextSequence returns the next application sequence number of a
	// district and year, counted under a row lock.
	NextSequence(ctx context.Context, district string, year int) (int64, error)
	// Create inserts a with its history entries and returns its id.
	Create(ctx context.Context, a Application) (ID, error)
	// Get returns the application id with its history if scope shows it;
	// one outside the scope is an apperr NotFound, answered by the same SQL
	// as one that does not exist.
	Get(ctx context.Context, scope authz.ListScope, id ID) (Application, error)
	// Update changes the application id in one transaction (the caller's,
	// when ctx carries one): it reads it row-locked within scope (an apperr
	// NotFound outside it, and fn does not run), runs fn on it, writes its
	// columns if the stored version is still the one read and sets it one
	// higher, inserts the history entries fn appended and appends fn's
	// audit event, about the application. fn sees the version read; an
	// error of fn writes nothing. It answers the application as written.
	Update(ctx context.Context, scope authz.ListScope, id ID, fn func(ctx context.Context, a *Application) (audit.Event, error)) (Application, error)
	// DocumentStates returns, per document kind on file for the
	// application, the state of its newest version (uploaded, accepted or
	// rejected).
	DocumentStates(ctx context.Context, applicationID ID) (map[string]string, error)
	List(ctx context.Context, f Filter, scope authz.ListScope, offset, limit int) ([]Application, int64, error)
	// Some returns the applications of ids within scope, in any order,
	// without counting: a page whose order and total were decided
	// elsewhere (Stages).
	Some(ctx context.Context, ids []ID, scope authz.ListScope) ([]Application, error)
	// Stages returns, in the list's order (in any order with f.AnyOrder),
	// the stage of every application List would answer (no paging): what a
	// deadline is computed from.
	Stages(ctx context.Context, f Filter, scope authz.ListScope) ([]StageRef, error)
}

// StageRef is an application's review stage and when it entered it.
type StageRef struct {
	ID             ID
	Status         Status
	StageEnteredAt *time.Time
}

// History is what a person has held before, for the re-loan rule.
type History struct {
	// OpenApplications counts applications in progress (draft to approved).
	OpenApplications int
	// MineOpen counts those of OpenApplications that the asking account made.
	MineOpen int
	// LoansHeld counts subsidised loans ever disbursed to the person.
	LoansHeld int
	// OpenLoans counts loans not yet settled.
	OpenLoans int
	// AnyOverdue is set when any loan of the person was ever overdue.
	AnyOverdue bool
}

// SortKeys are the columns a queue sorts by (sort=key or sort=-key);
// deadline is the current review stage's deadline, computed from the
// working-day calendar (applications outside the review stages last).
var SortKeys = []string{"submitted_at", "created_at", "updated_at", "number", "name", "amount", "status", "district_code", "bank_code", SortDeadline}

// SortDeadline is the sort key of the stage's deadline.
const SortDeadline = "deadline"

// Filter selects applications for a queue. Zero values select everything.
type Filter struct {
	// Statuses keeps applications in any of them.
	Statuses     []Status
	DistrictCode string
	BankCode     string
	KeyGroup     string
	BorrowerType BorrowerType
	// SubmittedFrom and SubmittedTo bound the submission day (inclusive,
	// Beijing days, YYYY-MM-DD).
	SubmittedFrom string
	SubmittedTo   string
	// Query searches number, name and business name, or is a whole resident
	// ID number (NationalID is then set to it, normalised).
	Query      string
	NationalID string
	// Late, when set, keeps the applications whose review stage is past its
	// deadline (true) or those that are not (false).
	Late *bool
	// Sort is the order asked for; the zero Sort is the default order.
	Sort listing.Sort
	// NewestFirst sorts by creation, newest first (the applicant's own list);
	// otherwise the oldest submission comes first (officers' queues). It is
	// the default order, used when Sort is zero.
	NewestFirst bool
	// AnyOrder lets Stages answer in any order: its caller orders them
	// itself.
	AnyOrder bool
}

// Claim is an application of another account that names the same resident
// ID number: the HRSS officer deciding eligibility sees every claim on a
// number, to tell the real person from someone who typed their number.
type Claim struct {
	ApplicationID ID
	Number        string
	Status        Status
	DistrictCode  string
	ApplicantID   auth.UserID
	Applicant     string
	// Verified is set when the number is bound to that claim's account.
	Verified  bool
	CreatedAt time.Time
}
