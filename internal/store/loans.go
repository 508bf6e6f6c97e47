package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"chuangdai/internal/apperr"
	"chuangdai/internal/application"
	"chuangdai/internal/audit"
	"chuangdai/internal/auth"
	"chuangdai/internal/authz"
	"chuangdai/internal/crypt"
	"chuangdai/internal/loan"
	"chuangdai/internal/money"
)

// sqlDate is a calendar day in a DATE column. It is written as YYYY-MM-DD
// text, so no session time zone can shift it; the zero value is NULL.
type sqlDate struct{ time.Time }

func dateOf(t time.Time) sqlDate { return sqlDate{t} }

func datePtr(t *time.Time) sqlDate {
	if t == nil {
		return sqlDate{}
	}
	return sqlDate{*t}
}

// Value implements driver.Valuer.
func (d sqlDate) Value() (driver.Value, error) {
	if d.IsZero() {
		return nil, nil
	}
	return d.Format(time.DateOnly), nil
}

// Scan implements sql.Scanner.
func (d *sqlDate) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		d.Time = time.Time{}
	case time.Time:
		d.Time = loan.Date(x.Year(), x.Month(), x.Day())
	case string:
		return d.parse(x)
	case []byte:
		return d.parse(string(x))
	default:
		return fmt.Errorf("date column holds %T", v)
	}
	return nil
}

// ScanDate implements pgtype.DateScanner: pgx hands the day over as it
// decoded it, where Scan takes it boxed in an interface (an allocation per
// column); the same day, or the same error for an infinite one.
func (d *sqlDate) ScanDate(v pgtype.Date) error {
	switch {
	case !v.Valid:
		d.Time = time.Time{}
	case v.InfinityModifier != pgtype.Finite:
		return d.parse(v.InfinityModifier.String())
	default:
		d.Time = loan.Date(v.Time.Year(), v.Time.Month(), v.Time.Day())
	}
	return nil
}

func (d *sqlDate) parse(s string) error {
	if len(s) < 10 {
		return fmt.Errorf("date column holds %q", s)
	}
	t, err := time.Parse(time.DateOnly, s[:10])
	d.Time = t
	return err
}

func (d sqlDate) ptr() *time.Time {
	if d.IsZero() {
		return nil
	}
	t := d.Time
	return &t
}

type loanRow struct {
	ID                        loan.ID `gorm:"primaryKey"`
	Number                    string
	ApplicationID             *application.ID
	ExternalRef               *string
	Status                    string
	Version                   int
	BorrowerID                *auth.UserID
	Name                      string
	NationalID                string
	NationalIDHash            string
	Gender                    string
	IsDisabled                bool
	IsVillageOfficial         bool
	IsReturnedOverseasStudent bool
	KeyGroup                  string
	BorrowerType              string
	Industry                  string
	Jobs                      int
	JobsCreated               int
	DistrictCode              string
	BankCode                  string
	PrincipalFen              int64
	OutstandingFen            int64
	AnnualRatePPM             int64 `gorm:"column:annual_rate_ppm"`
	SubsidyRatePPM            int64 `gorm:"column:subsidy_rate_ppm"`
	BorrowerRatePPM           int64 `gorm:"column:borrower_rate_ppm"`
	SubsidyCapFen             int64
	RegimeCols
	TermMonths          int
	RepaymentMethod     string
	DisbursedOn         sqlDate
	DisbursedYear       int
	DisbursedMonth      int
	DisbursedQuarter    int
	MaturityDate        sqlDate
	BankReference       *string
	DisbursedBy         *auth.UserID
	DaysOverdue         int
	OverdueSince        sqlDate
	EverOverdue         bool
	CheckedOn           sqlDate
	SettledOn           sqlDate
	CompensatedOn       sqlDate
	CompensationFen     *int64
	FundSharePPM        *int64 `gorm:"column:fund_share_ppm"`
	FundPaidFen         *int64
	BankBorneFen        *int64
	CompensatedBy       *auth.UserID
	RecoveredFen        int64
	RecoveredFundFen    int64
	WriteOffProposedBy  *auth.UserID
	WriteOffProposedAt  *time.Time
	WriteOffReason      *string
	WriteOffConfirmedBy *auth.UserID
	WrittenOffOn        sqlDate
	WrittenOffFen       *int64
	WrittenOffFundFen   *int64
	CreatedAt           time.Time
	UpdatedAt           time.Time

	// OriginalMaturityDate is the contract's maturity once an extension
	// moved MaturityDate (migration 00025).
	OriginalMaturityDate sqlDate
}

func (loanRow) TableName() string { return "loans" }

// RegimeCols are the columns of a loan's subsidy regime (migration
// 00016): the method, the regime's day and its funding shares by level of
// government (NULL without subsidy or when the policy did not say).
type RegimeCols struct {
	SubsidyMethod        string
	SubsidyRegimeFrom    sqlDate
	SubsidyCentralPPM    *int64 `gorm:"column:subsidy_central_ppm"`
	SubsidyProvincialPPM *int64 `gorm:"column:subsidy_provincial_ppm"`
	SubsidyCityPPM       *int64 `gorm:"column:subsidy_city_ppm"`
	SubsidyCountyPPM     *int64 `gorm:"column:subsidy_county_ppm"`
}

func regimeCols(g loan.Regime) (RegimeCols, error) {
	c := RegimeCols{SubsidyMethod: g.Method, SubsidyRegimeFrom: datePtr(g.From)}
	if f := g.Funding; f != nil {
		var errs [4]error
		var v [4]int64
		for i, x := range []decimal.Decimal{f.Central, f.Provincial, f.City, f.County} {
			v[i], errs[i] = ppm(x)
		}
		c.SubsidyCentralPPM, c.SubsidyProvincialPPM, c.SubsidyCityPPM, c.SubsidyCountyPPM = &v[0], &v[1], &v[2], &v[3]
		return c, errors.Join(errs[:]...)
	}
	return c, nil
}

func (c RegimeCols) regime() loan.Regime {
	g := loan.Regime{Method: c.SubsidyMethod, From: c.SubsidyRegimeFrom.ptr()}
	if c.SubsidyCentralPPM != nil && c.SubsidyProvincialPPM != nil && c.SubsidyCityPPM != nil && c.SubsidyCountyPPM != nil {
		g.Funding = &loan.Funding{Central: money.RateFromPPM(*c.SubsidyCentralPPM), Provincial: money.RateFromPPM(*c.SubsidyProvincialPPM),
			City: money.RateFromPPM(*c.SubsidyCityPPM), County: money.RateFromPPM(*c.SubsidyCountyPPM)}
	}
	return g
}

type repaymentRow struct {
	ID            int64 `gorm:"primaryKey"`
	LoanID        loan.ID
	PrincipalFen  int64
	InterestFen   int64
	PaidOn        sqlDate
	PaidYear      int
	PaidMonth     int
	PaidQuarter   int
	BankCode      string
	BankReference string
	RecordedBy    *auth.UserID
	CreatedAt     time.Time
	ReversedBy    *int64
	ReversedAt    *time.Time
}

func (repaymentRow) TableName() string { return "loan_repayments" }

type recoveryRow struct {
	ID             int64 `gorm:"primaryKey"`
	LoanID         loan.ID
	AmountFen      int64
	FundFen        int64
	BankFen        int64
	RecoveredOn    sqlDate
	RecoveredYear  int
	RecoveredMonth int
	Note           string
	RecordedBy     *auth.UserID
	CreatedAt      time.Time
	ReversedBy     *int64
	ReversedAt     *time.Time
}

func (recoveryRow) TableName() string { return "loan_recoveries" }

type claimRow struct {
	ID                  int64 `gorm:"primaryKey"`
	LoanID              loan.ID
	Period              string
	PeriodYear          int
	PeriodQuarter       int
	StartOn             sqlDate
	EndOn               sqlDate
	Days                int
	InterestFen         int64
	SubsidyFen          int64
	BorrowerInterestFen int64
	Status              string
	DistrictCode        string
	BankCode            string
	ClaimedBy           *auth.UserID
	ClaimedAt           *time.Time
	CheckedBy           *auth.UserID
	CheckedAt           *time.Time
	PaidBy              *auth.UserID
	PaidAt              *time.Time
	RefusedBy           *auth.UserID
	RefusedAt           *time.Time
	Reason              string
}

func (claimRow) TableName() string { return "subsidy_claims" }

// Loans implements loan.Store.
type Loans struct{ *DB }

func fenPtr(d *decimal.Decimal) (*int64, error) {
	if d == nil {
		return nil, nil
	}
	f, err := money.ToFen(*d)
	return &f, err
}

func fenOf(f *int64) decimal.Decimal {
	if f == nil {
		return decimal.Zero
	}
	return money.FromFen(*f)
}

func ppm(r decimal.Decimal) (int64, error) { return money.RateToPPM(r) }

const loanNationalID = "loans.national_id"

func (db *DB) toLoanRow(l loan.Loan) (loanRow, error) {
	nid, err := db.seal(loanNationalID, crypt.NormalID(l.NationalID))
	if err != nil {
		return loanRow{}, err
	}
	r := loanRow{
		ID: l.ID, Number: l.Number, ApplicationID: l.ApplicationID, ExternalRef: l.ExternalRef, Status: string(l.Status), Version: l.Version,
		BorrowerID: l.BorrowerID, Name: l.Name, NationalID: nid, NationalIDHash: db.hash(l.NationalID), Gender: "male", KeyGroup: l.KeyGroup,
		IsDisabled: l.Disabled, IsVillageOfficial: l.VillageOfficial, IsReturnedOverseasStudent: l.ReturnedOverseasStudent,
		BorrowerType: l.BorrowerType, Industry: l.Industry, Jobs: l.Jobs, JobsCreated: l.JobsCreated, DistrictCode: l.DistrictCode, BankCode: l.BankCode,
		TermMonths: l.TermMonths, RepaymentMethod: string(l.Method), DisbursedOn: dateOf(l.DisbursedOn),
		DisbursedYear: l.DisbursedOn.Year(), DisbursedMonth: int(l.DisbursedOn.Month()), DisbursedQuarter: loan.QuarterOf(l.DisbursedOn.Month()),
		MaturityDate: dateOf(l.Maturity), OriginalMaturityDate: datePtr(l.OriginalMaturity), BankReference: nullable(l.BankReference), DisbursedBy: l.DisbursedBy,
		DaysOverdue: l.DaysOverdue, OverdueSince: datePtr(l.OverdueSince), EverOverdue: l.EverOverdue, CheckedOn: datePtr(l.CheckedOn),
		SettledOn: datePtr(l.SettledOn), CreatedAt: l.CreatedAt, UpdatedAt: l.UpdatedAt,
	}
	if l.Female {
		r.Gender = "female"
	}
	var errs [9]error
	r.PrincipalFen, errs[0] = money.ToFen(l.Principal)
	r.OutstandingFen, errs[1] = money.ToFen(l.Outstanding)
	r.AnnualRatePPM, errs[2] = ppm(l.AnnualRate)
	r.SubsidyRatePPM, errs[3] = ppm(l.SubsidyRate)
	r.BorrowerRatePPM, errs[4] = ppm(l.BorrowerRate)
	r.SubsidyCapFen, errs[5] = money.ToFen(l.SubsidyCap)
	r.RecoveredFen, errs[6] = money.ToFen(l.Recovered)
	r.RegimeCols, errs[7] = regimeCols(l.Regime)
	r.RecoveredFundFen, errs[8] = money.ToFen(l.RecoveredFund)
	if c := l.Compensation; c != nil {
		var e [4]error
		r.CompensatedOn, r.CompensatedBy = dateOf(c.On), &c.By
		r.CompensationFen, e[0] = fenPtr(&c.Amount)
		r.FundPaidFen, e[1] = fenPtr(&c.Fund)
		r.BankBorneFen, e[2] = fenPtr(&c.Bank)
		var share int64
		share, e[3] = ppm(c.FundShare)
		r.FundSharePPM = &share
		for _, x := range e {
			if x != nil {
				errs[6] = x
			}
		}
	}
	if w := l.WriteOff; w != nil {
		r.WriteOffProposedBy, r.WriteOffProposedAt, r.WriteOffReason = &w.ProposedBy, &w.ProposedAt, &w.Reason
		r.WriteOffConfirmedBy, r.WrittenOffOn = w.ConfirmedBy, datePtr(w.On)
		if w.On != nil {
			var e [2]error
			r.WrittenOffFen, e[0] = fenPtr(&w.Amount)
			r.WrittenOffFundFen, e[1] = fenPtr(&w.Fund)
			for _, x := range e {
				if x != nil {
					errs[6] = x
				}
			}
		}
	}
	for _, err := range errs {
		if err != nil {
			return r, apperr.Wrap(err, "loan amounts")
		}
	}
	return r, nil
}

func (db *DB) fromLoanRow(r loanRow) (loan.Loan, error) {
	nid, err := db.open(loanNationalID, r.NationalID)
	if err != nil {
		return loan.Loan{}, err
	}
	r.NationalID = nid
	l := loan.Loan{
		ID: r.ID, Number: r.Number, ApplicationID: r.ApplicationID, ExternalRef: r.ExternalRef, Status: loan.Status(r.Status), Version: r.Version,
		BorrowerID: r.BorrowerID, Name: r.Name, NationalID: r.NationalID, Female: r.Gender == "female", KeyGroup: r.KeyGroup,
		Flags:        application.Flags{Disabled: r.IsDisabled, VillageOfficial: r.IsVillageOfficial, ReturnedOverseasStudent: r.IsReturnedOverseasStudent},
		BorrowerType: r.BorrowerType, Industry: r.Industry, Jobs: r.Jobs, JobsCreated: r.JobsCreated, DistrictCode: r.DistrictCode, BankCode: r.BankCode,
		Principal: money.FromFen(r.PrincipalFen), Outstanding: money.FromFen(r.OutstandingFen),
		AnnualRate: money.RateFromPPM(r.AnnualRatePPM), SubsidyRate: money.RateFromPPM(r.SubsidyRatePPM), BorrowerRate: money.RateFromPPM(r.BorrowerRatePPM),
		SubsidyCap: money.FromFen(r.SubsidyCapFen), Regime: r.regime(), TermMonths: r.TermMonths, Method: loan.Method(r.RepaymentMethod),
		DisbursedOn: r.DisbursedOn.Time, Maturity: r.MaturityDate.Time, OriginalMaturity: r.OriginalMaturityDate.ptr(), BankReference: deref(r.BankReference), DisbursedBy: r.DisbursedBy,
		DaysOverdue: r.DaysOverdue, OverdueSince: r.OverdueSince.ptr(), EverOverdue: r.EverOverdue, CheckedOn: r.CheckedOn.ptr(),
		SettledOn: r.SettledOn.ptr(), Recovered: money.FromFen(r.RecoveredFen), RecoveredFund: money.FromFen(r.RecoveredFundFen),
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
	}
	if r.CompensationFen != nil {
		c := &loan.Compensation{On: r.CompensatedOn.Time, Amount: fenOf(r.CompensationFen), Fund: fenOf(r.FundPaidFen), Bank: fenOf(r.BankBorneFen)}
		if r.FundSharePPM != nil {
			c.FundShare = money.RateFromPPM(*r.FundSharePPM)
		}
		if r.CompensatedBy != nil {
			c.By = *r.CompensatedBy
		}
		l.Compensation = c
	}
	if r.WriteOffProposedBy != nil {
		w := &loan.WriteOff{ProposedBy: *r.WriteOffProposedBy, Reason: deref(r.WriteOffReason), ConfirmedBy: r.WriteOffConfirmedBy, On: r.WrittenOffOn.ptr(),
			Amount: fenOf(r.WrittenOffFen), Fund: fenOf(r.WrittenOffFundFen)}
		w.Bank = w.Amount.Sub(w.Fund)
		if r.WriteOffProposedAt != nil {
			w.ProposedAt = r.WriteOffProposedAt.UTC()
		}
		l.WriteOff = w
	}
	return l, nil
}

// personLoans adds a person's loans, disbursed here or imported, to h: every
// loan the person is the lead or a partner of counts as held, active and
// overdue ones as open, and a loan that was ever overdue (or went to
// compensation) bars a new one, for every partner of it.
func (s Loans) personLoans(ctx context.Context, nationalID string, h application.History) (application.History, error) {
	var agg struct {
		Held    int
		Open    int
		Overdue int
	}
	err := s.conn(ctx).Table("application_persons ap").Joins("JOIN loans l ON l.id = ap.loan_id AND l.status <> ?", string(loan.Cancelled)).Select(`COUNT(*) AS held,
		COALESCE(SUM(CASE WHEN l.status IN ('active', 'overdue') THEN 1 ELSE 0 END), 0) AS open,
		COALESCE(SUM(CASE WHEN l.ever_overdue OR l.status IN ('overdue', 'compensated', 'written_off') THEN 1 ELSE 0 END), 0) AS overdue`).
		Where("ap.national_id_hash = ?", s.hash(nationalID)).Scan(&agg).Error
	if err != nil {
		return h, translate(err, "person loans")
	}
	h.LoansHeld += agg.Held
	h.OpenLoans += agg.Open
	h.AnyOverdue = h.AnyOverdue || agg.Overdue > 0
	return h, nil
}

// NextSequence implements loan.Store.
func (s Loans) NextSequence(ctx context.Context, district string, year int) (int64, error) {
	return loanCounter.reserve(ctx, s.DB, district, year, 1)
}

// Create implements loan.Store.
func (s Loans) Create(ctx context.Context, l loan.Loan) (loan.ID, error) {
	ids, err := s.insertLoans(ctx, []loan.Loan{l})
	if err != nil {
		return 0, err
	}
	return ids[0], nil
}

// insertLoans is the insert of the loans a bank disburses (an import's go
// in by bulkLoans on SQLite and copyLoans on PostgreSQL, converted by the
// same toLoanRow): multi-row INSERTs of loanRow, then the persons who hold
// each loan (an application's persons move to its loan; a loan of no
// application gets its lead's row). It answers the loans' ids in order.
func (db *DB) insertLoans(ctx context.Context, loans []loan.Loan) ([]loan.ID, error) {
	rows := make([]loanRow, len(loans))
	for i, l := range loans {
		r, err := db.toLoanRow(l)
		if err != nil {
			return nil, err
		}
		r.ID = 0
		rows[i] = r
	}
	stmt := &gorm.Statement{DB: db.gdb}
	if err := stmt.Parse(&loanRow{}); err != nil {
		return nil, apperr.Wrap(err, "loan row")
	}
	// Every column but the id is written.
	if err := db.conn(ctx).CreateInBatches(rows, db.rowsPerStatement(len(stmt.Schema.DBNames)-1)).Error; err != nil {
		return nil, loanConflict(err)
	}
	ids := make([]loan.ID, len(rows))
	var leads []personRow
	for i, r := range rows {
		ids[i] = r.ID
		if app := loans[i].ApplicationID; app != nil {
			if err := db.attachLoan(ctx, *app, r.ID); err != nil {
				return nil, err
			}
			continue
		}
		lead, err := db.sealPerson(personRow{LoanID: &ids[i], NationalID: crypt.NormalID(loans[i].NationalID), Role: roleLead, Verified: true})
		if err != nil {
			return nil, err
		}
		leads = append(leads, lead)
	}
	if len(leads) == 0 {
		return ids, nil
	}
	return ids, translate(db.conn(ctx).CreateInBatches(leads, db.rowsPerStatement(5)).Error, "loan persons")
}

// loanConflict names what a duplicate loan collides with.
func loanConflict(err error) error {
	e := translate(err, "loan")
	if apperr.KindOf(e) != apperr.Conflict {
		return e
	}
	msg := strings.ToLower(err.Error())
	switch {
	case strings.Contains(msg, "bank_reference"):
		return apperr.Conflictf("the bank already recorded a transaction with this bank_reference: each disbursement and repayment needs its own")
	case strings.Contains(msg, "external_ref"):
		return apperr.Conflictf("a loan with this external_ref already exists")
	}
	return apperr.Conflictf("this application has already been disbursed: it has a loan")
}

// Get implements loan.Store: the scope is in the WHERE clause, so a loan
// the caller may not see is not found by the same query.
func (s Loans) Get(ctx context.Context, scope authz.ListScope, id loan.ID) (loan.Loan, error) {
	if s.direct(ctx) {
		return s.getDirect(ctx, scope, id)
	}
	return s.readLoan(ctx, s.byID(ctx, scope, id))
}

// Update implements loan.Store, for every change of a loan after its
// opening: the lock, the versioned write and the audit event are here once.
func (s Loans) Update(ctx context.Context, scope authz.ListScope, id loan.ID, fn func(ctx context.Context, l *loan.Loan) (audit.Event, error)) (loan.Loan, error) {
	var out loan.Loan
	err := s.InTx(ctx, func(ctx context.Context) error {
		l, err := s.readLoan(ctx, s.forUpdate(s.byID(ctx, scope, id)))
		if err != nil {
			return err
		}
		version := l.Version
		ev, err := fn(ctx, &l)
		if errors.Is(err, loan.ErrUnchanged) {
			out, err = s.readLoan(ctx, s.byID(ctx, authz.ListScope{All: true}, id))
			return err
		}
		if err != nil {
			return err
		}
		if l.ID != id {
			return fmt.Errorf("update of loan %d: the change altered its id", id)
		}
		if err := s.write(ctx, l, version); err != nil {
			return err
		}
		if ev.Action != "" {
			ev.EntityType, ev.EntityID = loan.Kind, id.String()
			if err := Audit(s).Append(ctx, ev); err != nil {
				return err
			}
		}
		out, err = s.readLoan(ctx, s.byID(ctx, authz.ListScope{All: true}, id))
		return err
	})
	return out, err
}

// byID selects the loan id within scope.
func (s Loans) byID(ctx context.Context, scope authz.ListScope, id loan.ID) *gorm.DB {
	return scoped(s.conn(ctx).Where("loans.id = ?", id), scope, "borrower_id")
}

// write writes l's named columns if the stored version is still version,
// and sets it one higher.
func (s Loans) write(ctx context.Context, l loan.Loan, version int) error {
	r, err := s.toLoanRow(l)
	if err != nil {
		return err
	}
	res := s.conn(ctx).Model(&loanRow{}).Where("id = ? AND version = ?", l.ID, version).Updates(map[string]any{
		"status": r.Status, "version": version + 1, "outstanding_fen": r.OutstandingFen,
		"days_overdue": r.DaysOverdue, "overdue_since": r.OverdueSince, "ever_overdue": r.EverOverdue, "checked_on": r.CheckedOn,
		"settled_on": r.SettledOn, "compensated_on": r.CompensatedOn, "compensation_fen": r.CompensationFen,
		"fund_share_ppm": r.FundSharePPM, "fund_paid_fen": r.FundPaidFen, "bank_borne_fen": r.BankBorneFen,
		"compensated_by": r.CompensatedBy, "recovered_fen": r.RecoveredFen, "recovered_fund_fen": r.RecoveredFundFen,
		"write_off_proposed_by": r.WriteOffProposedBy, "write_off_proposed_at": r.WriteOffProposedAt, "write_off_reason": r.WriteOffReason,
		"write_off_confirmed_by": r.WriteOffConfirmedBy, "written_off_on": r.WrittenOffOn, "written_off_fen": r.WrittenOffFen,
		"written_off_fund_fen": r.WrittenOffFundFen, "maturity_date": r.MaturityDate, "original_maturity_date": r.OriginalMaturityDate,
		"updated_at": r.UpdatedAt,
	})
	if res.Error != nil {
		return translate(res.Error, "loan")
	}
	if res.RowsAffected == 0 {
		return apperr.Conflictf("loan %d was changed by someone else meanwhile: reload it and try again", l.ID)
	}
	return nil
}

// List implements loan.Store, newest disbursement first.
func (s Loans) List(ctx context.Context, f loan.Filter, scope authz.ListScope, offset, limit int) ([]loan.Loan, int64, error) {
	q := s.loanFilter(scoped(s.conn(ctx).Model(&loanRow{}), scope, "borrower_id"), f)
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, translate(err, "loans")
	}
	q = ordered(q, f.Sort, loanSorts, func(q *gorm.DB) *gorm.DB { return q.Order("disbursed_on DESC").Order("id DESC") })
	var rows []loanRow
	if err := page(q, offset, limit).Select(loanRowColumns).Find(&rows).Error; err != nil {
		return nil, 0, translate(err, "loans")
	}
	out := make([]loan.Loan, len(rows))
	for i, r := range rows {
		l, err := s.fromLoanRow(r)
		if err != nil {
			return nil, 0, err
		}
		out[i] = l
	}
	return out, total, nil
}

// loanSorts are the columns of loan.SortKeys.
var loanSorts = map[string]sortColumn{
	"disbursed_on": {"disbursed_on", false}, "number": {"number", false}, "name": {"name", false},
	"principal": {"principal_fen", false}, "outstanding_principal": {"outstanding_fen", false},
	"maturity_date": {"maturity_date", false}, "days_overdue": {"days_overdue", false}, "status": {"status", false},
}

// loanFilter narrows q to the loans f selects. The search is served by
// indexes (migrations 00013, 00019): a whole resident ID number by its hash;
// otherwise the start of the number or of the name by prefix indexes and
// the bank's reference by its own, so a bank's search never scans its loans.
func (db *DB) loanFilter(q *gorm.DB, f loan.Filter) *gorm.DB {
	if len(f.Statuses) > 0 {
		q = q.Where("status IN ?", f.Statuses)
	}
	for _, c := range []struct{ col, v string }{{"district_code", f.DistrictCode}, {"bank_code", f.BankCode}, {"key_group", f.KeyGroup}, {"borrower_type", f.BorrowerType}} {
		if c.v != "" {
			q = q.Where(c.col+" = ?", c.v)
		}
	}
	for _, c := range []struct {
		cond string
		day  time.Time
	}{{"disbursed_on >= ?", f.DisbursedFrom}, {"disbursed_on <= ?", f.DisbursedTo}, {"maturity_date >= ?", f.MaturesFrom}, {"maturity_date <= ?", f.MaturesTo}} {
		if !c.day.IsZero() {
			q = q.Where(c.cond, dateOf(c.day))
		}
	}
	if f.MinDaysOverdue > 0 {
		q = q.Where("days_overdue >= ?", f.MinDaysOverdue)
	}
	if f.WriteOffProposed {
		q = q.Where("write_off_proposed_by IS NOT NULL AND written_off_on IS NULL")
	}
	switch {
	case f.NationalID != "":
		q = q.Where("national_id_hash = ?", db.hash(f.NationalID))
	case f.Search != "":
		prefix := escapeLike(f.Search) + "%"
		q = q.Where(`(number LIKE ? ESCAPE '\' OR name LIKE ? ESCAPE '\' OR bank_reference = ?)`, strings.ToUpper(prefix), prefix, f.Search)
	}
	return q
}

// AddRepayment implements loan.Store.
func (s Loans) AddRepayment(ctx context.Context, r loan.Repayment, bankCode string) (int64, error) {
	row := repaymentRow{
		LoanID: r.LoanID, PaidOn: dateOf(r.PaidOn), PaidYear: r.PaidOn.Year(), PaidMonth: int(r.PaidOn.Month()), PaidQuarter: loan.QuarterOf(r.PaidOn.Month()),
		BankCode: bankCode, BankReference: r.BankReference, CreatedAt: r.CreatedAt,
	}
	if r.RecordedBy != 0 {
		row.RecordedBy = &r.RecordedBy
	}
	var err1, err2 error
	row.PrincipalFen, err1 = money.ToFen(r.Principal)
	row.InterestFen, err2 = money.ToFen(r.Interest)
	if err1 != nil || err2 != nil {
		return 0, apperr.Wrap(fmt.Errorf("%v %v", err1, err2), "repayment amounts")
	}
	if err := s.conn(ctx).Create(&row).Error; err != nil {
		if apperr.KindOf(translate(err, "")) == apperr.Conflict {
			return 0, apperr.Conflictf("the bank already recorded a repayment with this bank_reference: each repayment needs its own")
		}
		return 0, translate(err, "repayment")
	}
	return row.ID, nil
}

// AddRecovery implements loan.Store.
func (s Loans) AddRecovery(ctx context.Context, r loan.Recovery) (int64, error) {
	row := recoveryRow{LoanID: r.LoanID, RecoveredOn: dateOf(r.RecoveredOn), RecoveredYear: r.RecoveredOn.Year(),
		RecoveredMonth: int(r.RecoveredOn.Month()), Note: r.Note, CreatedAt: r.CreatedAt}
	var errs [3]error
	row.AmountFen, errs[0] = money.ToFen(r.Amount)
	row.FundFen, errs[1] = money.ToFen(r.Fund)
	row.BankFen, errs[2] = money.ToFen(r.Bank)
	for _, err := range errs {
		if err != nil {
			return 0, apperr.Wrap(err, "recovery amounts")
		}
	}
	if r.RecordedBy != 0 {
		row.RecordedBy = &r.RecordedBy
	}
	if err := s.conn(ctx).Create(&row).Error; err != nil {
		return 0, translate(err, "recovery")
	}
	return row.ID, nil
}

func fromClaimRow(r claimRow) loan.Claim {
	return loan.Claim{
		ID: r.ID, LoanID: r.LoanID, Period: r.Period, Start: r.StartOn.Time, End: r.EndOn.Time, Days: r.Days,
		Interest: money.FromFen(r.InterestFen), Subsidy: money.FromFen(r.SubsidyFen), Borrower: money.FromFen(r.BorrowerInterestFen),
		Status: loan.ClaimStatus(r.Status), DistrictCode: r.DistrictCode, BankCode: r.BankCode,
		ClaimedBy: r.ClaimedBy, ClaimedAt: r.ClaimedAt, CheckedBy: r.CheckedBy, CheckedAt: r.CheckedAt,
		PaidBy: r.PaidBy, PaidAt: r.PaidAt, RefusedBy: r.RefusedBy, RefusedAt: r.RefusedAt, Reason: r.Reason,
	}
}

// Claims implements loan.Store.
func (s Loans) Claims(ctx context.Context, loanID loan.ID) ([]loan.Claim, error) {
	var rows []claimRow
	if err := s.conn(ctx).Where("loan_id = ?", loanID).Order("start_on").Find(&rows).Error; err != nil {
		return nil, translate(err, "subsidy claims")
	}
	out := make([]loan.Claim, len(rows))
	for i, r := range rows {
		out[i] = fromClaimRow(r)
	}
	return out, nil
}

// Claim implements loan.Store.
func (s Loans) Claim(ctx context.Context, loanID loan.ID, period string) (loan.Claim, error) {
	q := s.forUpdate(s.conn(ctx).Where("loan_id = ? AND period = ?", loanID, period))
	var row claimRow
	if err := q.Take(&row).Error; err != nil {
		return loan.Claim{}, translate(err, "subsidy claim")
	}
	return fromClaimRow(row), nil
}

// CreateClaim implements loan.Store.
func (s Loans) CreateClaim(ctx context.Context, c loan.Claim) (int64, error) {
	row := claimRow{
		LoanID: c.LoanID, Period: c.Period, PeriodYear: c.End.Year(), PeriodQuarter: loan.QuarterOf(c.End.Month()),
		StartOn: dateOf(c.Start), EndOn: dateOf(c.End), Days: c.Days, Status: string(c.Status),
		DistrictCode: c.DistrictCode, BankCode: c.BankCode, ClaimedBy: c.ClaimedBy, ClaimedAt: c.ClaimedAt,
	}
	var errs [3]error
	row.InterestFen, errs[0] = money.ToFen(c.Interest)
	row.SubsidyFen, errs[1] = money.ToFen(c.Subsidy)
	row.BorrowerInterestFen, errs[2] = money.ToFen(c.Borrower)
	for _, err := range errs {
		if err != nil {
			return 0, apperr.Wrap(err, "subsidy amounts")
		}
	}
	if err := s.conn(ctx).Create(&row).Error; err != nil {
		return 0, translate(err, "subsidy claim for "+c.Period)
	}
	return row.ID, nil
}

// UpdateClaim implements loan.Store.
func (s Loans) UpdateClaim(ctx context.Context, c loan.Claim, from loan.ClaimStatus) error {
	res := s.conn(ctx).Model(&claimRow{}).Where("id = ? AND status = ?", c.ID, string(from)).Updates(map[string]any{
		"status": string(c.Status), "checked_by": c.CheckedBy, "checked_at": c.CheckedAt, "paid_by": c.PaidBy, "paid_at": c.PaidAt,
		"refused_by": c.RefusedBy, "refused_at": c.RefusedAt, "reason": c.Reason,
	})
	if res.Error != nil {
		return translate(res.Error, "subsidy claim")
	}
	if res.RowsAffected == 0 {
		return apperr.Conflictf("the subsidy of %s was changed by someone else meanwhile: reload it", c.Period)
	}
	return nil
}

// SubsidyTotals implements loan.Store: the claims of the quarter with the
// funding shares of their loans' regimes, grouped by district, status and
// shares. The claims are read through a derived table of the claims' own
// name so that the scope's district and bank columns stay unambiguous.
func (s Loans) SubsidyTotals(ctx context.Context, period string, scope authz.ListScope) ([]loan.SubsidyTotal, error) {
	type agg struct {
		DistrictCode string
		Status       string
		RegimeCols
		N        int
		Interest int64
		Subsidy  int64
	}
	var rows []agg
	claims := s.conn(ctx).Table("subsidy_claims AS c").Joins("JOIN loans AS l ON l.id = c.loan_id").
		Select("c.*, l.subsidy_central_ppm, l.subsidy_provincial_ppm, l.subsidy_city_ppm, l.subsidy_county_ppm").Where("c.period = ?", period)
	shares := "subsidy_central_ppm, subsidy_provincial_ppm, subsidy_city_ppm, subsidy_county_ppm"
	q := scoped(s.conn(ctx).Table("(?) AS subsidy_claims", claims), scope, "")
	err := q.Select("district_code, status, " + shares + ", COUNT(*) AS n, COALESCE(SUM(interest_fen), 0) AS interest, COALESCE(SUM(subsidy_fen), 0) AS subsidy").
		Group("district_code, status, " + shares).Order("district_code, status").Scan(&rows).Error
	if err != nil {
		return nil, translate(err, "subsidy totals")
	}
	out := make([]loan.SubsidyTotal, len(rows))
	for i, r := range rows {
		out[i] = loan.SubsidyTotal{DistrictCode: r.DistrictCode, Status: loan.ClaimStatus(r.Status), Funding: r.regime().Funding, Loans: r.N,
			Interest: money.FromFen(r.Interest), Subsidy: money.FromFen(r.Subsidy)}
	}
	return out, nil
}

// Exposure implements loan.Store.
func (s Loans) Exposure(ctx context.Context, scope authz.ListScope, byLoan bool) ([]loan.Exposure, error) {
	type agg struct {
		ID              loan.ID
		Number          string
		DistrictCode    string
		Loans           int
		Outstanding     int64
		Overdue         int64
		Compensated     int64
		Recovered       int64
		WrittenOff      int64
		BankCompensated int64
		BankRecovered   int64
		BankWrittenOff  int64
	}
	var rows []agg
	q := scoped(s.conn(ctx).Model(&loanRow{}), scope, "").Where("status <> ?", string(loan.Cancelled))
	keys, group := "district_code", "district_code"
	if byLoan {
		keys, group = "id, number, district_code", "id, number, district_code"
		q = q.Where("fund_paid_fen IS NOT NULL")
	}
	err := q.Select(keys + `,
		SUM(CASE WHEN status IN ('active', 'overdue') THEN 1 ELSE 0 END) AS loans,
		COALESCE(SUM(CASE WHEN status IN ('active', 'overdue') THEN outstanding_fen ELSE 0 END), 0) AS outstanding,
		COALESCE(SUM(CASE WHEN status = 'overdue' THEN outstanding_fen ELSE 0 END), 0) AS overdue,
		COALESCE(SUM(COALESCE(fund_paid_fen, 0)), 0) AS compensated,
		COALESCE(SUM(recovered_fund_fen), 0) AS recovered,
		COALESCE(SUM(COALESCE(written_off_fund_fen, 0)), 0) AS written_off,
		COALESCE(SUM(COALESCE(bank_borne_fen, 0)), 0) AS bank_compensated,
		COALESCE(SUM(recovered_fen - recovered_fund_fen), 0) AS bank_recovered,
		COALESCE(SUM(COALESCE(written_off_fen - written_off_fund_fen, 0)), 0) AS bank_written_off`).
		Group(group).Order(group).Scan(&rows).Error
	if err != nil {
		return nil, translate(err, "exposure")
	}
	out := make([]loan.Exposure, len(rows))
	for i, r := range rows {
		out[i] = loan.Exposure{DistrictCode: r.DistrictCode, LoanID: r.ID, LoanNumber: r.Number, Loans: r.Loans, Outstanding: money.FromFen(r.Outstanding), Overdue: money.FromFen(r.Overdue),
			Compensated: money.FromFen(r.Compensated), Recovered: money.FromFen(r.Recovered), WrittenOff: money.FromFen(r.WrittenOff),
			BankCompensated: money.FromFen(r.BankCompensated), BankRecovered: money.FromFen(r.BankRecovered), BankWrittenOff: money.FromFen(r.BankWrittenOff)}
	}
	return out, nil
}

// OpenLoanIDs implements loan.Store.
func (s Loans) OpenLoanIDs(ctx context.Context) ([]loan.ID, error) {
	var ids []loan.ID
	err := s.conn(ctx).Model(&loanRow{}).Where("status IN ? AND external_ref IS NULL", []string{string(loan.Active), string(loan.Overdue)}).
		Order("id").Pluck("id", &ids).Error
	return ids, translate(err, "loans")
}

// FundShare implements loan.Store.
func (s Loans) FundShare(ctx context.Context, bankCode string) (*decimal.Decimal, error) {
	var share sql.NullInt64
	err := s.conn(ctx).Table("banks").Select("compensation_fund_share_ppm").Where("code = ?", bankCode).Row().Scan(&share)
	if err != nil {
		return nil, translate(err, "bank")
	}
	if !share.Valid {
		return nil, nil
	}
	d := money.RateFromPPM(share.Int64)
	return &d, nil
}

// TryJobLock implements loan.Store with a lease on the job's row, renewed
// while the job runs (see takeLease): on both engines, since cron may run
// `chuangdai jobs run-daily` beside a serving SQLite instance.
func (s Loans) TryJobLock(ctx context.Context, name string) (func(), bool, error) {
	return s.takeLease(ctx, name)
}
