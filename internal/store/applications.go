package store

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"gorm.io/gorm"

	"chuangdai/internal/apperr"
	"chuangdai/internal/application"
	"chuangdai/internal/audit"
	"chuangdai/internal/auth"
	"chuangdai/internal/authz"
	"chuangdai/internal/beijing"
	"chuangdai/internal/identity"
	"chuangdai/internal/money"
)

type applicationRow struct {
	ID application.ID `gorm:"primaryKey"`
	// Number, NationalID (with its hash), BirthDate, DistrictCode and
	// BankCode are NULL in a draft saved without them (migration 00026).
	Number                     *string
	Status                     string
	Version                    int
	ApplicantID                auth.UserID
	BorrowerType               string
	Name                       string
	NationalID                 *string
	NationalIDHash             *string
	BirthDate                  *string
	Female                     bool
	IsDisabled                 bool
	IsVillageOfficial          bool
	IsReturnedOverseasStudent  bool
	NotEmployed                *bool
	Phone                      string
	KeyGroup                   string
	DistrictCode               *string
	BankCode                   *string
	AmountFen                  int64
	TermMonths                 int
	BusinessName               string
	Industry                   string
	Purpose                    string
	JobsPlanned                int
	Partners                   string
	EnterpriseName             *string
	EnterpriseCreditCode       *string
	EnterpriseEmployees        *int
	EnterpriseNewKeyGroupHires *int
	OtherLoans                 string
	CreatedYear                int
	CreatedAt                  time.Time
	UpdatedAt                  time.Time
	SubmittedAt                *time.Time
	SubmittedOn                *string
	StageEnteredAt             *time.Time
	ApprovedAmountFen          *int64
	AnnualRatePPM              *int64 `gorm:"column:annual_rate_ppm"`
	ApprovedTermMonths         *int
	CounterGuarantee           string
	ApprovedAt                 *time.Time
	ApprovedBy                 *auth.UserID
	DisbursedAt                *time.Time
	// IdentityVerified is read only (see applicationSelect).
	IdentityVerified bool `gorm:"->"`
}

func (applicationRow) TableName() string { return "applications" }

// applicationSelect reads an application with whether its resident ID
// number is bound to its applicant's account.
var applicationSelect = "applications.*, " + fmt.Sprintf(verifiedSQL, "applications") + " AS identity_verified"

type applicationHistoryRow struct {
	ID            int64 `gorm:"primaryKey"`
	ApplicationID application.ID
	At            time.Time
	ActorID       *auth.UserID
	Actor         string
	Action        string
	FromStatus    *string
	ToStatus      string
	Comment       string
	// MissingDocuments is a JSON array of kinds, or NULL.
	MissingDocuments *string
	// Changes is a JSON array of the fields an edit changed, or NULL.
	Changes *string
	// ActorName is the name of the actor's account (its user name when it
	// has none), read with a join.
	ActorName string `gorm:"->"`
}

func (applicationHistoryRow) TableName() string { return "application_history" }

// Applications implements application.Store. The loans capability also
// calls MarkDisbursed and extends PersonHistory.
type Applications struct{ *DB }

// otherLoanJSON is how a declared other loan is kept in the other_loans column.
type otherLoanJSON struct {
	Holder     string `json:"holder"`
	Kind       string `json:"kind"`
	BalanceFen int64  `json:"balance_fen"`
}

// The sealed columns of applications.
const (
	applicationNationalID = "applications.national_id"
	applicationPhone      = "applications.phone"
	applicationPartners   = "applications.partners"
)

func (db *DB) toApplicationRow(a application.Application) (applicationRow, error) {
	partners := a.Partners
	if partners == nil {
		partners = []application.Partner{}
	}
	pj, err := json.Marshal(partners)
	if err != nil {
		return applicationRow{}, apperr.Wrap(err, "encode partners")
	}
	loans := make([]otherLoanJSON, len(a.OtherLoans))
	for i, l := range a.OtherLoans {
		fen, err := money.ToFen(l.Balance)
		if err != nil {
			return applicationRow{}, apperr.Wrap(err, "other loan balance")
		}
		loans[i] = otherLoanJSON{Holder: l.Holder, Kind: l.Kind, BalanceFen: fen}
	}
	lj, err := json.Marshal(loans)
	if err != nil {
		return applicationRow{}, apperr.Wrap(err, "encode other loans")
	}
	amount, err := money.ToFen(a.Amount)
	if err != nil {
		return applicationRow{}, apperr.Wrap(err, "amount")
	}
	nid, err := db.seal(applicationNationalID, a.NationalID)
	if err != nil {
		return applicationRow{}, err
	}
	phone, err := db.seal(applicationPhone, a.Phone)
	if err != nil {
		return applicationRow{}, err
	}
	sealedPartners, err := db.seal(applicationPartners, string(pj))
	if err != nil {
		return applicationRow{}, err
	}
	r := applicationRow{
		ID: a.ID, Number: nullable(a.Number), Status: string(a.Status), Version: a.Version, ApplicantID: a.ApplicantID,
		BorrowerType: string(a.BorrowerType), Name: a.Name, NationalID: nullable(nid), NationalIDHash: nullable(db.hash(a.NationalID)),
		Female: a.Female, Phone: phone, KeyGroup: a.KeyGroup,
		DistrictCode: nullable(a.DistrictCode), BankCode: nullable(a.BankCode), AmountFen: amount, TermMonths: a.TermMonths,
		BusinessName: a.BusinessName, Industry: a.Industry, Purpose: a.Purpose, JobsPlanned: a.JobsPlanned,
		Partners: sealedPartners, OtherLoans: string(lj),
		CreatedYear: a.CreatedAt.In(beijing.Zone).Year(), CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt,
		SubmittedAt: a.SubmittedAt, StageEnteredAt: a.StageEnteredAt,
		ApprovedTermMonths: a.ApprovedTermMonths, ApprovedAt: a.ApprovedAt, ApprovedBy: a.ApprovedBy, DisbursedAt: a.DisbursedAt,
		CounterGuarantee: a.CounterGuarantee, IsDisabled: a.Disabled, IsVillageOfficial: a.VillageOfficial,
		IsReturnedOverseasStudent: a.ReturnedOverseasStudent, NotEmployed: a.NotEmployed,
	}
	if !a.BirthDate.IsZero() {
		r.BirthDate = nullable(a.BirthDate.Format(time.DateOnly))
	}
	if a.SubmittedAt != nil {
		on := beijing.Day(*a.SubmittedAt).Format(time.DateOnly)
		r.SubmittedOn = &on
	}
	if e := a.Enterprise; e != nil {
		r.EnterpriseName, r.EnterpriseCreditCode = &e.Name, &e.CreditCode
		r.EnterpriseEmployees, r.EnterpriseNewKeyGroupHires = &e.Employees, &e.NewKeyGroupHires
	}
	if a.ApprovedAmount != nil {
		fen, err := money.ToFen(*a.ApprovedAmount)
		if err != nil {
			return applicationRow{}, apperr.Wrap(err, "approved amount")
		}
		r.ApprovedAmountFen = &fen
	}
	if a.AnnualRate != nil {
		ppm, err := money.RateToPPM(*a.AnnualRate)
		if err != nil {
			return applicationRow{}, apperr.Wrap(err, "annual rate")
		}
		r.AnnualRatePPM = &ppm
	}
	return r, nil
}

func (db *DB) fromApplicationRow(r applicationRow) (application.Application, error) {
	var birth time.Time
	var err error
	if r.BirthDate != nil {
		if birth, err = time.Parse(time.DateOnly, *r.BirthDate); err != nil {
			return application.Application{}, apperr.Wrap(err, "application birth date")
		}
	}
	nationalID, err := db.open(applicationNationalID, deref(r.NationalID))
	if err != nil {
		return application.Application{}, err
	}
	if r.Phone, err = db.open(applicationPhone, r.Phone); err != nil {
		return application.Application{}, err
	}
	if r.Partners, err = db.open(applicationPartners, r.Partners); err != nil {
		return application.Application{}, err
	}
	a := application.Application{
		ID: r.ID, Number: deref(r.Number), Status: application.Status(r.Status), Version: r.Version, ApplicantID: r.ApplicantID,
		Fields: application.Fields{
			BorrowerType: application.BorrowerType(r.BorrowerType), Name: r.Name, NationalID: nationalID,
			Phone: r.Phone, KeyGroup: r.KeyGroup, DistrictCode: deref(r.DistrictCode), BankCode: deref(r.BankCode),
			Amount: money.FromFen(r.AmountFen), TermMonths: r.TermMonths, BusinessName: r.BusinessName,
			Industry: r.Industry, Purpose: r.Purpose, JobsPlanned: r.JobsPlanned, BirthDate: birth, Female: r.Female,
			Flags:       application.Flags{Disabled: r.IsDisabled, VillageOfficial: r.IsVillageOfficial, ReturnedOverseasStudent: r.IsReturnedOverseasStudent},
			NotEmployed: r.NotEmployed,
		},
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, SubmittedAt: r.SubmittedAt, StageEnteredAt: r.StageEnteredAt,
		ApprovedTermMonths: r.ApprovedTermMonths, ApprovedAt: r.ApprovedAt, ApprovedBy: r.ApprovedBy, DisbursedAt: r.DisbursedAt,
		CounterGuarantee: r.CounterGuarantee, IdentityVerified: r.IdentityVerified,
	}
	if err := unmarshalArray(r.Partners, &a.Partners); err != nil {
		return a, apperr.Wrap(err, "application partners")
	}
	var loans []otherLoanJSON
	if err := unmarshalArray(r.OtherLoans, &loans); err != nil {
		return a, apperr.Wrap(err, "application other loans")
	}
	for _, l := range loans {
		a.OtherLoans = append(a.OtherLoans, application.OtherLoan{Holder: l.Holder, Kind: l.Kind, Balance: money.FromFen(l.BalanceFen)})
	}
	if r.EnterpriseName != nil {
		a.Enterprise = &application.Firm{Name: *r.EnterpriseName, CreditCode: deref(r.EnterpriseCreditCode)}
		if r.EnterpriseEmployees != nil {
			a.Enterprise.Employees = *r.EnterpriseEmployees
		}
		if r.EnterpriseNewKeyGroupHires != nil {
			a.Enterprise.NewKeyGroupHires = *r.EnterpriseNewKeyGroupHires
		}
	}
	if r.ApprovedAmountFen != nil {
		d := money.FromFen(*r.ApprovedAmountFen)
		a.ApprovedAmount = &d
	}
	if r.AnnualRatePPM != nil {
		d := money.RateFromPPM(*r.AnnualRatePPM)
		a.AnnualRate = &d
	}
	return a, nil
}

// unmarshalArray is json.Unmarshal of raw into the nil slice *into, with
// the empty array most applications hold for their partners and other
// loans read without the decoder (an empty slice, as the decoder makes).
func unmarshalArray[T any](raw string, into *[]T) error {
	if raw == "[]" {
		*into = []T{}
		return nil
	}
	return json.Unmarshal([]byte(raw), into)
}

// DistrictExists implements application.Store.
func (s Applications) DistrictExists(ctx context.Context, code string) (bool, error) {
	return Refdata(s).DistrictExists(ctx, code)
}

// BankExists implements application.Store.
func (s Applications) BankExists(ctx context.Context, code string) (bool, error) {
	return Refdata(s).BankExists(ctx, code)
}

// personLockBase keeps person locks apart from other advisory locks.
const personLockBase = 0x7065727300000000 // "pers"

// LockPerson implements application.Store with a transaction-scoped
// advisory lock on PostgreSQL; SQLite's immediate transactions already run
// one writer at a time.
func (s Applications) LockPerson(ctx context.Context, nationalID string) error {
	h := fnv.New32a()
	h.Write([]byte(strings.ToUpper(nationalID)))
	return translate(s.xactLock(ctx, personLockBase|int64(h.Sum32())), "person lock")
}

// PersonHistory implements application.Store. It is the one query behind
// the one-open-application and re-loan rules, over application_persons (by
// its national_id index), the person being the lead or a partner:
// applications in progress of the asking account, of the account the number
// is bound to, or verified by an HRSS officer (another account's unverified
// claim blocks nobody); loans held, open and ever overdue from the rows that
// carry a loan (imported loans have no application), and a disbursed
// application without a loan row still counts as an open loan.
func (s Applications) PersonHistory(ctx context.Context, nationalID string, excludeID application.ID, account auth.UserID) (application.History, error) {
	var h application.History
	type count struct {
		Status string
		Mine   bool
		N      int
	}
	var counts []count
	nid := s.hash(nationalID)
	err := s.conn(ctx).Table("application_persons ap").Joins("JOIN applications a ON a.id = ap.application_id").
		Select("a.status, a.applicant_id = ? AS mine, COUNT(*) AS n", account).
		Where("ap.national_id_hash = ? AND ap.loan_id IS NULL AND a.id <> ?", nid, excludeID).
		Where("(ap.verified OR "+fmt.Sprintf(countsForSQL, "a")+")", account, nid).
		Group("a.status, mine").Scan(&counts).Error
	if err != nil {
		return h, translate(err, "person history")
	}
	for _, c := range counts {
		st := application.Status(c.Status)
		switch {
		case st == application.Disbursed:
			// Disbursed without a loan row: still a loan the person holds.
			h.LoansHeld += c.N
			h.OpenLoans += c.N
		case st.Open():
			h.OpenApplications += c.N
			if c.Mine {
				h.MineOpen += c.N
			}
		}
	}
	return Loans(s).personLoans(ctx, nationalID, h)
}

// IdentityHolder implements application.Store.
func (s Applications) IdentityHolder(ctx context.Context, nationalID string) (*identity.Identity, error) {
	return Identities(s).Holder(ctx, nationalID)
}

// BindIdentity implements application.Store.
func (s Applications) BindIdentity(ctx context.Context, id identity.Identity) error {
	return Identities(s).Bind(ctx, id)
}

// Claims implements application.Store.
func (s Applications) Claims(ctx context.Context, nationalID string, applicantID auth.UserID) ([]application.Claim, error) {
	type claimRow struct {
		ID           application.ID
		Number       string
		Status       string
		DistrictCode string
		ApplicantID  auth.UserID
		Username     string
		Verified     bool
		CreatedAt    time.Time
	}
	var rows []claimRow
	err := s.conn(ctx).Table("applications a").
		Select("a.id, a.number, a.status, a.district_code, a.applicant_id, u.username, "+fmt.Sprintf(verifiedSQL, "a")+" AS verified, a.created_at").
		Joins("JOIN users u ON u.id = a.applicant_id").
		Where("a.national_id_hash = ? AND a.applicant_id <> ?", s.hash(nationalID), applicantID).
		Order("a.created_at DESC, a.id DESC").Limit(maxClaims).Scan(&rows).Error
	if err != nil {
		return nil, translate(err, "claims")
	}
	out := make([]application.Claim, len(rows))
	for i, r := range rows {
		out[i] = application.Claim{ApplicationID: r.ID, Number: r.Number, Status: application.Status(r.Status), DistrictCode: r.DistrictCode,
			ApplicantID: r.ApplicantID, Applicant: r.Username, Verified: r.Verified, CreatedAt: r.CreatedAt}
	}
	return out, nil
}

// maxClaims bounds the claims shown with one application.
const maxClaims = 50

// NextSequence implements application.Store.
func (s Applications) NextSequence(ctx context.Context, district string, year int) (int64, error) {
	return applicationCounter.reserve(ctx, s.DB, district, year, 1)
}

// Create implements application.Store.
func (s Applications) Create(ctx context.Context, a application.Application) (application.ID, error) {
	row, err := s.toApplicationRow(a)
	if err != nil {
		return 0, err
	}
	row.ID = 0
	err = s.InTx(ctx, func(ctx context.Context) error {
		if err := s.conn(ctx).Create(&row).Error; err != nil {
			return translate(err, "application")
		}
		a.ID = row.ID
		if err := s.addHistory(ctx, a.ID, a.History); err != nil {
			return err
		}
		return s.syncPersons(ctx, a)
	})
	return row.ID, err
}

// Get implements application.Store: the scope is in the WHERE clause, so
// an application the caller may not see is not found by the same query.
func (s Applications) Get(ctx context.Context, scope authz.ListScope, id application.ID) (application.Application, error) {
	if s.direct(ctx) {
		row, hist, err := s.getDirect(ctx, scope, id)
		if err != nil {
			return application.Application{}, err
		}
		return s.withHistory(row, hist)
	}
	return s.find(ctx, s.byID(ctx, scope, id), id)
}

// Update implements application.Store, for every change of an application
// after its creation: the lock, the versioned write, the history and the
// audit event are here once, and a service cannot leave one out.
func (s Applications) Update(ctx context.Context, scope authz.ListScope, id application.ID, fn func(ctx context.Context, a *application.Application) (audit.Event, error)) (application.Application, error) {
	var out application.Application
	err := s.InTx(ctx, func(ctx context.Context) error {
		a, err := s.find(ctx, s.forUpdate(s.byID(ctx, scope, id)), id)
		if err != nil {
			return err
		}
		version, written := a.Version, len(a.History)
		ev, err := fn(ctx, &a)
		if err != nil {
			return err
		}
		if a.ID != id || len(a.History) < written {
			return fmt.Errorf("update of application %d: the change altered its id or dropped history", id)
		}
		a.Version = version + 1
		if err := s.write(ctx, a, version); err != nil {
			return err
		}
		if err := s.addHistory(ctx, id, a.History[written:]); err != nil {
			return err
		}
		ev.EntityType, ev.EntityID = application.Kind, id.String()
		if err := Audit(s).Append(ctx, ev); err != nil {
			return err
		}
		out, err = s.find(ctx, s.byID(ctx, authz.ListScope{All: true}, id), id)
		return err
	})
	return out, err
}

// byID selects the application id within scope.
func (s Applications) byID(ctx context.Context, scope authz.ListScope, id application.ID) *gorm.DB {
	return scoped(s.conn(ctx).Select(applicationSelect).Where("id = ?", id), scope, "applicant_id")
}

// find reads the application q selects, with its history, through gorm
// (Get outside a transaction on PostgreSQL: getDirect).
func (s Applications) find(ctx context.Context, q *gorm.DB, id application.ID) (application.Application, error) {
	var row applicationRow
	if err := q.Take(&row).Error; err != nil {
		return application.Application{}, translate(err, "application "+id.String())
	}
	var hist []applicationHistoryRow
	if err := s.conn(ctx).Select("application_history.*, COALESCE(NULLIF(users.name, ''), application_history.actor) AS actor_name").
		Joins("LEFT JOIN users ON users.id = application_history.actor_id").
		Where("application_history.application_id = ?", id).Order("application_history.id").Find(&hist).Error; err != nil {
		return application.Application{}, translate(err, "application history")
	}
	return s.withHistory(row, hist)
}

// withHistory is the application of row with its history hist, in order.
func (s Applications) withHistory(row applicationRow, hist []applicationHistoryRow) (application.Application, error) {
	a, err := s.fromApplicationRow(row)
	if err != nil {
		return a, err
	}
	for _, h := range hist {
		comment, err := s.open(historyComment, h.Comment)
		if err != nil {
			return a, err
		}
		changes, err := s.open(historyChanges, deref(h.Changes))
		if err != nil {
			return a, err
		}
		a.History = append(a.History, application.HistoryEntry{
			At: h.At, ActorID: h.ActorID, Actor: h.Actor, ActorName: h.ActorName, Action: application.Action(h.Action),
			FromStatus: application.Status(deref(h.FromStatus)), ToStatus: application.Status(h.ToStatus), Comment: comment,
			MissingDocuments: kindsOf(h.MissingDocuments), Changes: changesOf(changes),
		})
	}
	return a, nil
}

// write writes a's named columns if the stored version is still version.
func (s Applications) write(ctx context.Context, a application.Application, version int) error {
	r, err := s.toApplicationRow(a)
	if err != nil {
		return err
	}
	res := s.conn(ctx).Model(&applicationRow{}).Where("id = ? AND version = ?", a.ID, version).Updates(map[string]any{
		"number": r.Number, "status": r.Status, "version": r.Version, "borrower_type": r.BorrowerType, "name": r.Name,
		"national_id": r.NationalID, "national_id_hash": r.NationalIDHash, "birth_date": r.BirthDate, "female": r.Female, "phone": r.Phone,
		"is_disabled": r.IsDisabled, "is_village_official": r.IsVillageOfficial, "is_returned_overseas_student": r.IsReturnedOverseasStudent,
		"not_employed": r.NotEmployed,
		"key_group":    r.KeyGroup, "district_code": r.DistrictCode, "bank_code": r.BankCode,
		"amount_fen": r.AmountFen, "term_months": r.TermMonths, "business_name": r.BusinessName,
		"industry": r.Industry, "purpose": r.Purpose, "jobs_planned": r.JobsPlanned, "partners": r.Partners,
		"enterprise_name": r.EnterpriseName, "enterprise_credit_code": r.EnterpriseCreditCode,
		"enterprise_employees": r.EnterpriseEmployees, "enterprise_new_key_group_hires": r.EnterpriseNewKeyGroupHires,
		"other_loans": r.OtherLoans, "updated_at": r.UpdatedAt, "submitted_at": r.SubmittedAt,
		"submitted_on": r.SubmittedOn, "stage_entered_at": r.StageEnteredAt,
		"approved_amount_fen": r.ApprovedAmountFen, "annual_rate_ppm": r.AnnualRatePPM,
		"approved_term_months": r.ApprovedTermMonths, "approved_at": r.ApprovedAt, "approved_by": r.ApprovedBy,
		"disbursed_at": r.DisbursedAt, "counter_guarantee": r.CounterGuarantee,
	})
	if res.Error != nil {
		return translate(res.Error, "application")
	}
	if res.RowsAffected == 0 {
		return apperr.Conflictf("application %d was changed by someone else: reload it and try again", a.ID)
	}
	return s.syncPersons(ctx, a)
}

// addHistory inserts the history entries hs of an application.
func (s Applications) addHistory(ctx context.Context, applicationID application.ID, hs []application.HistoryEntry) error {
	for _, h := range hs {
		comment, err := s.seal(historyComment, h.Comment)
		if err != nil {
			return err
		}
		row := applicationHistoryRow{
			ApplicationID: applicationID, At: h.At, ActorID: h.ActorID, Actor: h.Actor, Action: string(h.Action),
			FromStatus: nullable(string(h.FromStatus)), ToStatus: string(h.ToStatus), Comment: comment,
		}
		if len(h.MissingDocuments) > 0 {
			b, err := json.Marshal(h.MissingDocuments)
			if err != nil {
				return apperr.Wrap(err, "missing documents")
			}
			row.MissingDocuments = nullable(string(b))
		}
		if len(h.Changes) > 0 {
			b, err := json.Marshal(h.Changes)
			if err != nil {
				return apperr.Wrap(err, "history changes")
			}
			sealed, err := s.seal(historyChanges, string(b))
			if err != nil {
				return err
			}
			row.Changes = nullable(sealed)
		}
		if err := s.conn(ctx).Create(&row).Error; err != nil {
			return translate(err, "application history")
		}
	}
	return nil
}

// The sealed columns of application_history: a comment may name a person
// by number, and the changes of an edit carry the values before and after.
const (
	historyComment = "application_history.comment"
	historyChanges = "application_history.changes"
)

// changesOf reads the changes of a history row (opened).
func changesOf(s string) []application.FieldChange {
	var out []application.FieldChange
	if s != "" {
		_ = json.Unmarshal([]byte(s), &out)
	}
	return out
}

// kindsOf reads the missing documents of a history row.
func kindsOf(s *string) []string {
	var kinds []string
	if s != nil {
		_ = json.Unmarshal([]byte(*s), &kinds)
	}
	return kinds
}

// List implements application.Store: the scope and the filter become SQL.
func (s Applications) List(ctx context.Context, f application.Filter, scope authz.ListScope, offset, limit int) ([]application.Application, int64, error) {
	if scope.Empty() {
		return nil, 0, nil
	}
	if s.direct(ctx) {
		if as, total, err := s.listDirect(ctx, s.listQuery(ctx, f, scope), f, offset, limit); err != nil || len(as) > 0 || offset == 0 {
			return as, total, err
		}
	}
	q := s.listQuery(ctx, f, scope)
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, translate(err, "applications")
	}
	var rows []applicationRow
	if err := page(s.listOrder(q, f), offset, limit).Select(applicationSelect).Find(&rows).Error; err != nil {
		return nil, 0, translate(err, "applications")
	}
	out, err := s.fromApplicationRows(rows)
	return out, total, err
}

// listDirect is List's page with the number of matching applications in
// one statement through pgx (the count as a window over the rows before
// the page). A page past the end has no row to carry the count: List then
// counts as on gorm (an empty first page counts none).
func (s Applications) listDirect(ctx context.Context, q *gorm.DB, f application.Filter, offset, limit int) ([]application.Application, int64, error) {
	var rows []applicationRow
	var r applicationRow
	var total int64
	q = page(s.listOrder(q, f), offset, limit).Select(pgxApplicationColumns + ", COUNT(*) OVER ()")
	if err := s.pgxQuery(ctx, "applications", q, append(r.fields(), &total), func() error {
		rows = append(rows, r)
		return nil
	}); err != nil {
		return nil, 0, err
	}
	out, err := s.fromApplicationRows(rows)
	return out, total, err
}

// Some implements application.Store: one statement, no count.
func (s Applications) Some(ctx context.Context, ids []application.ID, scope authz.ListScope) ([]application.Application, error) {
	if scope.Empty() || len(ids) == 0 {
		return nil, nil
	}
	rows := make([]applicationRow, 0, len(ids))
	if s.direct(ctx) {
		cond, args := pgxScoped(scope, "applicant_id", []any{ids})
		var r applicationRow
		err := s.withPgx(ctx, "applications", func(ctx context.Context, c *pgx.Conn) error {
			found, err := c.Query(ctx, pgxApplications+" WHERE applications.id = ANY($1)"+cond, args...)
			if err != nil {
				return err
			}
			_, err = pgx.ForEachRow(found, []any{planned{"chuangdai.applications", r.fields()}}, func() error {
				rows = append(rows, r)
				return nil
			})
			return err
		})
		if err != nil {
			return nil, err
		}
		return s.fromApplicationRows(rows)
	}
	if err := scoped(s.conn(ctx).Model(&applicationRow{}), scope, "applicant_id").Select(applicationSelect).Where("id IN ?", ids).Find(&rows).Error; err != nil {
		return nil, translate(err, "applications")
	}
	return s.fromApplicationRows(rows)
}

func (s Applications) fromApplicationRows(rows []applicationRow) ([]application.Application, error) {
	out := make([]application.Application, len(rows))
	for i, r := range rows {
		a, err := s.fromApplicationRow(r)
		if err != nil {
			return nil, err
		}
		out[i] = a
	}
	return out, nil
}

// Stages implements application.Store: the three columns of a deadline, of
// every application List would answer, in its order.
func (s Applications) Stages(ctx context.Context, f application.Filter, scope authz.ListScope) ([]application.StageRef, error) {
	if scope.Empty() {
		return nil, nil
	}
	q := s.listQuery(ctx, f, scope)
	if !f.AnyOrder {
		q = s.listOrder(q, f)
	}
	q = q.Select("id, status, stage_entered_at")
	if s.direct(ctx) {
		// Scanned without an allocation per row, for the hundreds of rows:
		// into the plain types (pgx scans into a named type by reflection),
		// the status as the driver's bytes and interned, the times into one
		// slice the refs point into once it has stopped growing (pending
		// marks a ref with a time until then).
		var (
			out     = []application.StageRef{}
			times   []time.Time
			pending = new(time.Time)
			id      int64
			status  pgtype.DriverBytes
			entered pgtype.Timestamptz
		)
		err := s.pgxQuery(ctx, "applications", q, []any{&id, &status, &entered}, func() error {
			r := application.StageRef{ID: application.ID(id), Status: statusOf(status)}
			if entered.Valid {
				r.StageEnteredAt = pending
				times = append(times, entered.Time)
			}
			out = append(out, r)
			return nil
		})
		if err != nil {
			return nil, err
		}
		next := 0
		for i := range out {
			if out[i].StageEnteredAt == pending {
				out[i].StageEnteredAt = &times[next]
				next++
			}
		}
		return out, nil
	}
	var rows []struct {
		ID             application.ID
		Status         string
		StageEnteredAt *time.Time
	}
	if err := q.Find(&rows).Error; err != nil {
		return nil, translate(err, "applications")
	}
	out := make([]application.StageRef, len(rows))
	for i, r := range rows {
		out[i] = application.StageRef{ID: r.ID, Status: application.Status(r.Status), StageEnteredAt: r.StageEnteredAt}
	}
	return out, nil
}

// statusOf is the status b names, the constant itself for the known ones
// (no copy of b).
func statusOf(b []byte) application.Status {
	for _, st := range application.Statuses {
		if string(st) == string(b) {
			return st
		}
	}
	return application.Status(b)
}

// listQuery is the scope and the filter of a list as SQL.
func (s Applications) listQuery(ctx context.Context, f application.Filter, scope authz.ListScope) *gorm.DB {
	q := s.conn(ctx).Model(&applicationRow{})
	q = scoped(q, scope, "applicant_id")
	if len(f.Statuses) > 0 {
		q = q.Where("status IN ?", f.Statuses)
	}
	if f.DistrictCode != "" {
		q = q.Where("district_code = ?", f.DistrictCode)
	}
	if f.BankCode != "" {
		q = q.Where("bank_code = ?", f.BankCode)
	}
	if f.KeyGroup != "" {
		q = q.Where("key_group = ?", f.KeyGroup)
	}
	if f.BorrowerType != "" {
		q = q.Where("borrower_type = ?", string(f.BorrowerType))
	}
	if f.SubmittedFrom != "" {
		q = q.Where("submitted_on >= ?", f.SubmittedFrom)
	}
	if f.SubmittedTo != "" {
		q = q.Where("submitted_on <= ?", f.SubmittedTo)
	}
	switch {
	case f.NationalID != "":
		q = q.Where("national_id_hash = ?", s.hash(f.NationalID))
	case f.Query != "":
		like := "%" + escapeLike(strings.ToLower(f.Query)) + "%"
		q = q.Where(`(lower(number) LIKE ? ESCAPE '\' OR lower(name) LIKE ? ESCAPE '\' OR lower(business_name) LIKE ? ESCAPE '\')`, like, like, like)
	}
	return q
}

// listOrder is the order of a list: the sort asked for, else the list's
// default (the deadline, computed by the service, is no column: its lists
// come in the default order).
func (s Applications) listOrder(q *gorm.DB, f application.Filter) *gorm.DB {
	return ordered(q, f.Sort, applicationSorts, func(q *gorm.DB) *gorm.DB {
		if f.NewestFirst {
			return q.Order("created_at DESC").Order("id DESC")
		}
		return q.Order("CASE WHEN submitted_at IS NULL THEN 1 ELSE 0 END").Order("submitted_at").Order("id")
	})
}

// applicationSorts are the columns of application.SortKeys.
var applicationSorts = map[string]sortColumn{
	"submitted_at": {"submitted_at", true}, "created_at": {"created_at", false}, "updated_at": {"updated_at", false},
	"number": {"number", false}, "name": {"name", false}, "amount": {"amount_fen", false}, "status": {"status", false},
	"district_code": {"district_code", false}, "bank_code": {"bank_code", false},
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
