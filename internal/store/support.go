package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"chuangdai/internal/apperr"
	"chuangdai/internal/application"
	"chuangdai/internal/audit"
	"chuangdai/internal/auth"
	"chuangdai/internal/authz"
	"chuangdai/internal/config"
	"chuangdai/internal/crypt"
	"chuangdai/internal/money"
	"chuangdai/internal/support"
)

// dayPtr is the nullable form of dateOf.
func dayPtr(t *time.Time) *sqlDate {
	if t == nil {
		return nil
	}
	d := sqlDate{*t}
	return &d
}

// timeOf reads a nullable day.
func timeOf(d *sqlDate) *time.Time {
	if d == nil {
		return nil
	}
	return d.ptr()
}

// The sealed columns of the four in one; each row also carries the
// number's hash (national_id_hash), by which it is found and counted.
const (
	trainingNationalID = "training_records.national_id"
	tenancyNationalID  = "incubation_records.national_id"
	serviceNationalID  = "service_records.national_id"
	serviceNotes       = "service_records.notes"
)

type trainingRow struct {
	ID             int64 `gorm:"primaryKey"`
	NationalID     string
	NationalIDHash string
	Name           string
	Course         string
	Institution    string
	StartDate      sqlDate
	EndDate        sqlDate
	EndYear        int
	CertificateNo  string
	DistrictCode   string
	CreatedBy      *auth.UserID
	CreatedAt      time.Time
}

func (trainingRow) TableName() string { return "training_records" }

type baseRow struct {
	ID           int64 `gorm:"primaryKey"`
	Name         string
	DistrictCode string
	Level        string
	Capacity     *int
	CreatedAt    time.Time
}

func (baseRow) TableName() string { return "incubation_bases" }

type tenancyRow struct {
	ID             int64 `gorm:"primaryKey"`
	BaseID         int64
	NationalID     string
	NationalIDHash string
	EntityName     string
	MoveIn         sqlDate
	MoveOut        *sqlDate
	MoveInYear     int
	CreatedBy      *auth.UserID
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

func (tenancyRow) TableName() string { return "incubation_records" }

type serviceRow struct {
	ID             int64 `gorm:"primaryKey"`
	NationalID     string
	NationalIDHash string
	Kind           string
	Date           sqlDate
	Year           int
	Notes          string
	DistrictCode   string
	CreatedBy      *auth.UserID
	CreatedAt      time.Time
}

func (serviceRow) TableName() string { return "service_records" }

func userRef(id auth.UserID) *auth.UserID {
	if id == 0 {
		return nil
	}
	return &id
}

func userOf(id *auth.UserID) auth.UserID {
	if id == nil {
		return 0
	}
	return *id
}

// Support implements support.Store.
type Support struct{ *DB }

// Districts implements support.Store.
func (s Support) Districts(ctx context.Context) (map[string]string, error) {
	var rows []districtRow
	if err := s.conn(ctx).Find(&rows).Error; err != nil {
		return nil, translate(err, "districts")
	}
	out := make(map[string]string, len(rows))
	for _, r := range rows {
		out[r.Code] = r.Name
	}
	return out, nil
}

func (db *DB) trainingRowOf(t support.Training) (trainingRow, error) {
	nid, err := db.seal(trainingNationalID, t.NationalID)
	return trainingRow{
		ID: t.ID, NationalID: nid, NationalIDHash: db.hash(t.NationalID), Name: t.Name, Course: t.Course, Institution: t.Institution,
		StartDate: dateOf(t.StartDate), EndDate: dateOf(t.EndDate), EndYear: t.EndDate.Year(),
		CertificateNo: t.CertificateNo, DistrictCode: t.DistrictCode, CreatedBy: userRef(t.CreatedBy), CreatedAt: t.CreatedAt,
	}, err
}

// CreateTraining implements support.Store.
func (s Support) CreateTraining(ctx context.Context, t *support.Training) error {
	row, err := s.trainingRowOf(*t)
	if err != nil {
		return err
	}
	if err := s.conn(ctx).Create(&row).Error; err != nil {
		return translate(err, "training record")
	}
	t.ID = row.ID
	return nil
}

// insertIgnoring inserts rows of values into table, many per statement,
// skipping rows that would break a unique constraint, and returns how many
// it inserted.
func (s Support) insertIgnoring(ctx context.Context, table string, columns []string, rows [][]any) (int, error) {
	// The SQLite driver prepares every statement anew and matches each
	// placeholder to its argument by a scan of the arguments: short
	// statements cost it least. PostgreSQL takes long ones, to save round trips.
	per := 500
	if s.Engine == config.SQLite {
		per = 16
	}
	inserted := 0
	for len(rows) > 0 {
		n := min(per, len(rows))
		k, err := s.insertChunk(ctx, table, columns, rows[:n])
		if err != nil {
			return inserted, err
		}
		inserted += k
		rows = rows[n:]
	}
	return inserted, nil
}

func (s Support) insertChunk(ctx context.Context, table string, columns []string, rows [][]any) (int, error) {
	var b strings.Builder
	b.WriteString("INSERT INTO " + table + " (" + strings.Join(columns, ", ") + ") VALUES ")
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(columns)), ", ") + ")"
	args := make([]any, 0, len(rows)*len(columns))
	for i, r := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(one)
		args = append(args, r...)
	}
	b.WriteString(" ON CONFLICT DO NOTHING")
	res := s.conn(ctx).Exec(b.String(), args...)
	if res.Error != nil {
		return 0, translate(res.Error, table)
	}
	return int(res.RowsAffected), nil
}

var trainingColumns = []string{"national_id", "national_id_hash", "name", "course", "institution", "start_date", "end_date", "end_year", "certificate_no", "district_code", "created_by", "created_at"}

// InsertTraining implements support.Store.
func (s Support) InsertTraining(ctx context.Context, ts []support.Training) (int, error) {
	rows := make([][]any, len(ts))
	for i, t := range ts {
		r, err := s.trainingRowOf(t)
		if err != nil {
			return 0, err
		}
		rows[i] = []any{r.NationalID, r.NationalIDHash, r.Name, r.Course, r.Institution, r.StartDate, r.EndDate, r.EndYear, r.CertificateNo, r.DistrictCode, r.CreatedBy, r.CreatedAt}
	}
	return s.insertIgnoring(ctx, "training_records", trainingColumns, rows)
}

func baseOf(r baseRow) support.Base {
	return support.Base{ID: r.ID, Name: r.Name, DistrictCode: r.DistrictCode, Level: r.Level, Capacity: r.Capacity, CreatedAt: r.CreatedAt}
}

// CreateBase implements support.Store.
func (s Support) CreateBase(ctx context.Context, b *support.Base) error {
	row := baseRow{Name: b.Name, DistrictCode: b.DistrictCode, Level: b.Level, Capacity: b.Capacity, CreatedAt: b.CreatedAt}
	if err := s.conn(ctx).Create(&row).Error; err != nil {
		return translate(err, "incubation base")
	}
	b.ID = row.ID
	return nil
}

// Bases implements support.Store.
func (s Support) Bases(ctx context.Context) ([]support.Base, error) {
	var rows []baseRow
	if err := s.conn(ctx).Order("district_code, name, id").Find(&rows).Error; err != nil {
		return nil, translate(err, "incubation bases")
	}
	out := make([]support.Base, len(rows))
	for i, r := range rows {
		out[i] = baseOf(r)
	}
	return out, nil
}

// Base implements support.Store.
func (s Support) Base(ctx context.Context, id int64) (support.Base, error) {
	var row baseRow
	if err := s.conn(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		return support.Base{}, translate(err, fmt.Sprintf("incubation base %d", id))
	}
	return baseOf(row), nil
}

func (db *DB) tenancyRowOf(t support.Tenancy) (tenancyRow, error) {
	nid, err := db.seal(tenancyNationalID, t.NationalID)
	return tenancyRow{
		ID: t.ID, BaseID: t.BaseID, NationalID: nid, NationalIDHash: db.hash(t.NationalID), EntityName: t.EntityName,
		MoveIn: dateOf(t.MoveIn), MoveOut: dayPtr(t.MoveOut), MoveInYear: t.MoveIn.Year(),
		CreatedBy: userRef(t.CreatedBy), CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt,
	}, err
}

// CreateTenancy implements support.Store.
func (s Support) CreateTenancy(ctx context.Context, t *support.Tenancy) error {
	row, err := s.tenancyRowOf(*t)
	if err != nil {
		return err
	}
	if err := s.conn(ctx).Create(&row).Error; err != nil {
		return translate(err, "incubation record")
	}
	t.ID = row.ID
	return nil
}

var tenancyColumns = []string{"base_id", "national_id", "national_id_hash", "entity_name", "move_in", "move_out", "move_in_year", "created_by", "created_at", "updated_at"}

// InsertTenancies implements support.Store.
func (s Support) InsertTenancies(ctx context.Context, ts []support.Tenancy) (int, error) {
	rows := make([][]any, len(ts))
	for i, t := range ts {
		r, err := s.tenancyRowOf(t)
		if err != nil {
			return 0, err
		}
		rows[i] = []any{r.BaseID, r.NationalID, r.NationalIDHash, r.EntityName, r.MoveIn, r.MoveOut, r.MoveInYear, r.CreatedBy, r.CreatedAt, r.UpdatedAt}
	}
	return s.insertIgnoring(ctx, "incubation_records", tenancyColumns, rows)
}

// tenancyView is a tenancy read with its base.
type tenancyView struct {
	ID            int64
	BaseID        int64
	NationalID    string
	EntityName    string
	MoveIn        sqlDate
	MoveOut       *sqlDate
	CreatedBy     *auth.UserID
	CreatedAt     time.Time
	UpdatedAt     time.Time
	BaseName      string
	BaseLevel     string
	DistrictCode  string
	CreatorHandle *string
	CreatorName   *string
}

const tenancySelect = "incubation_records.*, incubation_bases.name AS base_name, incubation_bases.level AS base_level, incubation_bases.district_code AS district_code, " +
	"(SELECT u.username FROM users u WHERE u.id = incubation_records.created_by) AS creator_handle, " +
	"(SELECT u.name FROM users u WHERE u.id = incubation_records.created_by) AS creator_name"

func (db *DB) tenancyOf(v tenancyView) (support.Tenancy, error) {
	nid, err := db.open(tenancyNationalID, v.NationalID)
	return support.Tenancy{
		ID: v.ID, BaseID: v.BaseID, NationalID: nid, EntityName: v.EntityName,
		MoveIn: v.MoveIn.Time, MoveOut: timeOf(v.MoveOut), CreatedBy: userOf(v.CreatedBy), CreatedAt: v.CreatedAt, UpdatedAt: v.UpdatedAt,
		BaseName: v.BaseName, BaseLevel: v.BaseLevel, DistrictCode: v.DistrictCode,
		CreatorHandle: deref(v.CreatorHandle), CreatorName: deref(v.CreatorName),
	}, err
}

func (s Support) tenancies(ctx context.Context) *gorm.DB {
	return s.conn(ctx).Table("incubation_records").Select(tenancySelect).
		Joins("JOIN incubation_bases ON incubation_bases.id = incubation_records.base_id")
}

// UpdateTenancy implements support.Store. A tenancy's district is its
// base's: the scope is on incubation_bases.district_code.
func (s Support) UpdateTenancy(ctx context.Context, scope authz.ListScope, id int64, fn func(ctx context.Context, t *support.Tenancy) (audit.Event, error)) (support.Tenancy, error) {
	var out support.Tenancy
	err := s.InTx(ctx, func(ctx context.Context) error {
		t, err := s.tenancy(s.forUpdate(scoped(s.tenancies(ctx).Where("incubation_records.id = ?", id), scope, "")), id)
		if err != nil {
			return err
		}
		read := t.MoveOut
		ev, err := fn(ctx, &t)
		if err != nil {
			return err
		}
		q := s.conn(ctx).Model(&tenancyRow{}).Where("id = ?", id)
		if read == nil {
			q = q.Where("move_out IS NULL")
		} else {
			q = q.Where("move_out = ?", dateOf(*read))
		}
		var moveOut *sqlDate
		if t.MoveOut != nil {
			d := dateOf(*t.MoveOut)
			moveOut = &d
		}
		res := q.Updates(map[string]any{"move_out": moveOut, "updated_at": t.UpdatedAt})
		if res.Error != nil {
			return translate(res.Error, "incubation record")
		}
		if res.RowsAffected == 0 {
			return apperr.Conflictf("the incubation record %d changed meanwhile: read it again", id)
		}
		ev.EntityType, ev.EntityID = "incubation_record", strconv.FormatInt(id, 10)
		if err := Audit(s).Append(ctx, ev); err != nil {
			return err
		}
		out, err = s.tenancy(s.tenancies(ctx).Where("incubation_records.id = ?", id), id)
		return err
	})
	return out, err
}

// tenancy reads the tenancy q selects, with its base.
func (s Support) tenancy(q *gorm.DB, id int64) (support.Tenancy, error) {
	var v tenancyView
	if db := q.Take(&v); db.Error != nil {
		return support.Tenancy{}, translate(db.Error, fmt.Sprintf("incubation record %d", id))
	}
	return s.tenancyOf(v)
}

// CreateService implements support.Store.
func (s Support) CreateService(ctx context.Context, sv *support.ServiceRecord) error {
	nid, err := s.seal(serviceNationalID, sv.NationalID)
	if err != nil {
		return err
	}
	notes, err := s.seal(serviceNotes, sv.Notes)
	if err != nil {
		return err
	}
	row := serviceRow{
		NationalID: nid, NationalIDHash: s.hash(sv.NationalID), Kind: sv.Kind, Date: dateOf(sv.Date), Year: sv.Date.Year(), Notes: notes,
		DistrictCode: sv.DistrictCode, CreatedBy: userRef(sv.CreatedBy), CreatedAt: sv.CreatedAt,
	}
	if err := s.conn(ctx).Create(&row).Error; err != nil {
		return translate(err, "service record")
	}
	sv.ID = row.ID
	return nil
}

// loanView is an application, with the loan made from it, or an imported
// loan, as the four-in-one profile lists it.
type loanView struct {
	ID                application.ID
	Number            string
	NationalID        string
	Status            string
	BorrowerType      string
	AmountFen         int64
	ApprovedAmountFen *int64
	DistrictCode      string
	BankCode          string
	OwnerID           *auth.UserID
	CreatedAt         time.Time
	SubmittedAt       *time.Time
	LoanID            *int64
	LoanNumber        *string
	LoanStatus        *string
	PrincipalFen      *int64
	OutstandingFen    *int64
	DisbursedOn       *sqlDate
}

func loanOf(v loanView) support.Loan {
	l := support.Loan{
		ApplicationID: v.ID, Number: v.Number, NationalID: v.NationalID, Status: v.Status, BorrowerType: v.BorrowerType,
		Amount: money.FromFen(v.AmountFen), DistrictCode: v.DistrictCode, BankCode: v.BankCode, OwnerID: userOf(v.OwnerID),
		CreatedAt: v.CreatedAt, SubmittedAt: v.SubmittedAt,
	}
	if v.ApprovedAmountFen != nil {
		d := money.FromFen(*v.ApprovedAmountFen)
		l.ApprovedAmount = &d
	}
	if v.LoanID != nil && v.LoanNumber != nil && v.LoanStatus != nil && v.PrincipalFen != nil && v.OutstandingFen != nil && v.DisbursedOn != nil {
		l.Disbursed = &support.Disbursed{
			ID: *v.LoanID, Number: *v.LoanNumber, Status: *v.LoanStatus, Principal: money.FromFen(*v.PrincipalFen),
			Outstanding: money.FromFen(*v.OutstandingFen), DisbursedOn: v.DisbursedOn.Time,
		}
	}
	return l
}

const loanColumns = "l.id AS loan_id, l.number AS loan_number, l.status AS loan_status, l.principal_fen, l.outstanding_fen, l.disbursed_on"

// Records implements support.Store.
func (s Support) Records(ctx context.Context, nationalID string) (support.Records, error) {
	var r support.Records
	hash := s.hash(nationalID)
	var trows []trainingRow
	if err := s.conn(ctx).Where("national_id_hash = ?", hash).Order("end_date DESC, id DESC").Find(&trows).Error; err != nil {
		return r, translate(err, "training records")
	}
	for _, t := range trows {
		nid, err := s.open(trainingNationalID, t.NationalID)
		if err != nil {
			return r, err
		}
		r.Training = append(r.Training, support.Training{
			ID: t.ID, NationalID: nid, Name: t.Name, Course: t.Course, Institution: t.Institution,
			StartDate: t.StartDate.Time, EndDate: t.EndDate.Time, CertificateNo: t.CertificateNo, DistrictCode: t.DistrictCode,
			CreatedBy: userOf(t.CreatedBy), CreatedAt: t.CreatedAt,
		})
	}
	var tviews []tenancyView
	if err := s.tenancies(ctx).Where("incubation_records.national_id_hash = ?", hash).
		Order("incubation_records.move_in DESC, incubation_records.id DESC").Find(&tviews).Error; err != nil {
		return r, translate(err, "incubation records")
	}
	for _, v := range tviews {
		t, err := s.tenancyOf(v)
		if err != nil {
			return r, err
		}
		r.Tenancies = append(r.Tenancies, t)
	}
	var srows []serviceRow
	if err := s.conn(ctx).Where("national_id_hash = ?", hash).Order("date DESC, id DESC").Find(&srows).Error; err != nil {
		return r, translate(err, "service records")
	}
	for _, sv := range srows {
		nid, err := s.open(serviceNationalID, sv.NationalID)
		if err != nil {
			return r, err
		}
		notes, err := s.open(serviceNotes, sv.Notes)
		if err != nil {
			return r, err
		}
		r.Services = append(r.Services, support.ServiceRecord{
			ID: sv.ID, NationalID: nid, Kind: sv.Kind, Date: sv.Date.Time, Notes: notes,
			DistrictCode: sv.DistrictCode, CreatedBy: userOf(sv.CreatedBy), CreatedAt: sv.CreatedAt,
		})
	}
	var lviews []loanView
	if err := s.conn(ctx).Table("applications a").
		Select("a.id, a.number, a.status, a.borrower_type, a.amount_fen, a.approved_amount_fen, a.district_code, a.bank_code, "+
			"a.applicant_id AS owner_id, a.created_at, a.submitted_at, "+loanColumns).
		Joins("LEFT JOIN loans l ON l.application_id = a.id AND l.status <> 'cancelled'").
		Where("a.national_id_hash = ?", hash).Order("a.created_at DESC, a.id DESC").Scan(&lviews).Error; err != nil {
		return r, translate(err, "applications")
	}
	// Loans imported from the legacy system have no application.
	var imported []loanView
	if err := s.conn(ctx).Table("loans l").
		Select("l.number, 'disbursed' AS status, l.borrower_type, l.principal_fen AS amount_fen, l.principal_fen AS approved_amount_fen, "+
			"l.district_code, l.bank_code, l.borrower_id AS owner_id, l.created_at, "+loanColumns).
		Where("l.national_id_hash = ? AND l.application_id IS NULL AND l.status <> 'cancelled'", hash).Order("l.disbursed_on DESC, l.id DESC").Scan(&imported).Error; err != nil {
		return r, translate(err, "loans")
	}
	for _, v := range append(lviews, imported...) {
		// Every row is of the number asked for (by its hash).
		v.NationalID = crypt.NormalID(nationalID)
		r.Loans = append(r.Loans, loanOf(v))
	}
	return r, nil
}

// Figures implements support.Store.
func (s Support) Figures(ctx context.Context, year int, districts []string) (support.Figures, error) {
	f := support.Figures{Year: year}
	q := s.conn(ctx).Model(&districtRow{}).Order("code")
	if districts != nil {
		q = q.Where("code IN ?", districts)
	}
	var drows []districtRow
	if err := q.Find(&drows).Error; err != nil {
		return f, translate(err, "districts")
	}
	if len(drows) == 0 {
		return f, nil
	}
	codes := make([]string, len(drows))
	byCode := map[string]*support.DistrictFigures{}
	f.Districts = make([]support.DistrictFigures, len(drows))
	for i, d := range drows {
		codes[i] = d.Code
		f.Districts[i] = support.DistrictFigures{DistrictCode: d.Code, DistrictName: d.Name}
		byCode[d.Code] = &f.Districts[i]
	}
	type count struct {
		DistrictCode string
		N            int64
	}
	yearStart := fmt.Sprintf("%04d-01-01", year)
	counts := []struct {
		q   *gorm.DB
		set func(*support.DistrictFigures, int64)
	}{
		{s.conn(ctx).Table("training_records").Select("district_code, COUNT(DISTINCT national_id_hash) AS n").
			Where("end_year = ? AND district_code IN ?", year, codes).Group("district_code"),
			func(d *support.DistrictFigures, n int64) { d.PeopleTrained = n }},
		{s.conn(ctx).Table("incubation_records r").Select("b.district_code AS district_code, COUNT(DISTINCT r.national_id_hash) AS n").
			Joins("JOIN incubation_bases b ON b.id = r.base_id").
			Where("r.move_in_year <= ? AND (r.move_out IS NULL OR r.move_out >= ?) AND b.district_code IN ?", year, yearStart, codes).
			Group("b.district_code"),
			func(d *support.DistrictFigures, n int64) { d.Tenants = n }},
		{s.conn(ctx).Table("service_records").Select("district_code, COUNT(*) AS n").
			Where("year = ? AND district_code IN ?", year, codes).Group("district_code"),
			func(d *support.DistrictFigures, n int64) { d.Services = n }},
	}
	for _, c := range counts {
		var rows []count
		if err := c.q.Scan(&rows).Error; err != nil {
			return f, translate(err, "four-in-one figures")
		}
		for _, r := range rows {
			if d := byCode[r.DistrictCode]; d != nil {
				c.set(d, r.N)
			}
		}
	}
	if err := s.borrowerFigures(ctx, year, codes, byCode); err != nil {
		return f, err
	}
	return f, s.baseFigures(ctx, &f, year, yearStart, codes)
}

// borrowerFigures counts the people who received a loan in the district in
// the year (imported loans included), and those of them who had finished a
// training course or moved into a base by the day of the loan.
func (s Support) borrowerFigures(ctx context.Context, year int, codes []string, byCode map[string]*support.DistrictFigures) error {
	type borrower struct {
		NationalIDHash string
		DistrictCode   string
		DisbursedOn    sqlDate
		FirstTraining  *sqlDate
		FirstMoveIn    *sqlDate
	}
	var rows []borrower
	err := s.conn(ctx).Table("loans l").
		Select(`l.national_id_hash, l.district_code, l.disbursed_on,
			(SELECT MIN(t.end_date) FROM training_records t WHERE t.national_id_hash = l.national_id_hash) AS first_training,
			(SELECT MIN(r.move_in) FROM incubation_records r WHERE r.national_id_hash = l.national_id_hash) AS first_move_in`).
		Where("l.disbursed_year = ? AND l.district_code IN ? AND l.status <> 'cancelled'", year, codes).
		Scan(&rows).Error
	if err != nil {
		return translate(err, "borrower figures")
	}
	type key struct{ district, person string }
	seen := map[key]bool{}
	supported := map[key]bool{}
	for _, b := range rows {
		k := key{b.DistrictCode, b.NationalIDHash}
		day := b.DisbursedOn.Time
		if !seen[k] {
			seen[k] = true
			byCode[k.district].Borrowers++
		}
		before := (b.FirstTraining != nil && !b.FirstTraining.After(day)) || (b.FirstMoveIn != nil && !b.FirstMoveIn.After(day))
		if before && !supported[k] {
			supported[k] = true
			byCode[k.district].Supported++
		}
	}
	return nil
}

// baseFigures counts each base's tenants in the year and those of them who
// received a guarantee loan by the end of the year.
func (s Support) baseFigures(ctx context.Context, f *support.Figures, year int, yearStart string, codes []string) error {
	type baseCount struct {
		ID              int64
		Name            string
		DistrictCode    string
		Level           string
		Tenants         int64
		TenantsWithLoan int64
	}
	var rows []baseCount
	err := s.conn(ctx).Table("incubation_bases b").
		Select(`b.id, b.name, b.district_code, b.level,
			COUNT(DISTINCT r.national_id_hash) AS tenants,
			COUNT(DISTINCT CASE WHEN EXISTS (SELECT 1 FROM loans l WHERE l.national_id_hash = r.national_id_hash AND l.status <> 'cancelled' AND l.disbursed_year <= ?) THEN r.national_id_hash END) AS tenants_with_loan`, year).
		Joins("LEFT JOIN incubation_records r ON r.base_id = b.id AND r.move_in_year <= ? AND (r.move_out IS NULL OR r.move_out >= ?)", year, yearStart).
		Where("b.district_code IN ?", codes).
		Group("b.id, b.name, b.district_code, b.level").Order("b.district_code, b.name, b.id").
		Scan(&rows).Error
	if err != nil {
		return translate(err, "base figures")
	}
	for _, r := range rows {
		f.Bases = append(f.Bases, support.BaseFigures{BaseID: r.ID, Name: r.Name, DistrictCode: r.DistrictCode, Level: r.Level, Tenants: r.Tenants, TenantsWithLoan: r.TenantsWithLoan})
	}
	return nil
}
