package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"chuangdai/internal/application"
	"chuangdai/internal/auth"
	"chuangdai/internal/beijing"
	"chuangdai/internal/config"
	"chuangdai/internal/loan"
	"chuangdai/internal/report"
)

// Reports implements report.Store over the summary tables of migration
// 00006, which triggers keep in step with the loans.
type Reports struct{ *DB }

// Units implements report.Store.
func (s Reports) Units(ctx context.Context, year int) ([]report.Unit, error) {
	type row struct {
		Code                  string
		Name                  string
		LoanAmountFen         *int64
		ReturneeLoanAmountFen *int64
		Jobs                  *int64
	}
	var rows []row
	err := s.conn(ctx).Table("districts AS d").
		Select("d.code, d.name, t.loan_amount_fen, t.returnee_loan_amount_fen, t.jobs").
		Joins("LEFT JOIN targets AS t ON t.district_code = d.code AND t.year = ?", year).
		Order("d.code").Scan(&rows).Error
	if err != nil {
		return nil, translate(err, "targets")
	}
	out := make([]report.Unit, len(rows))
	for i, r := range rows {
		out[i] = report.Unit{Code: r.Code, Name: r.Name, TargetFen: r.LoanAmountFen, ReturneeFen: r.ReturneeLoanAmountFen, Jobs: r.Jobs}
	}
	return out, nil
}

// Names implements report.Store.
func (s Reports) Names(ctx context.Context, dim string) (map[string]string, error) {
	table := "districts"
	if dim == report.ByBank {
		table = "banks"
	}
	type row struct{ Code, Name string }
	var rows []row
	if err := s.conn(ctx).Table(table).Select("code, name").Scan(&rows).Error; err != nil {
		return nil, translate(err, table)
	}
	out := make(map[string]string, len(rows))
	for _, r := range rows {
		out[r.Code] = r.Name
	}
	return out, nil
}

type bucketRow struct {
	Key         string
	Year        int
	Part        int
	Loans       int64
	AmountFen   int64
	JobsPlanned int64
	JobsCreated int64
}

const bucketSums = "COALESCE(SUM(loans), 0) AS loans, COALESCE(SUM(amount_fen), 0) AS amount_fen, " +
	"COALESCE(SUM(jobs_planned), 0) AS jobs_planned, COALESCE(SUM(jobs_created), 0) AS jobs_created"

// Disbursed implements report.Store: one index range of loan_day_totals.
func (s Reports) Disbursed(ctx context.Context, dim string, from, to time.Time) ([]report.Bucket, error) {
	var rows []bucketRow
	err := s.conn(ctx).Table("loan_day_totals").Select("key, "+bucketSums).
		Where("dim = ? AND day BETWEEN ? AND ?", dim, dateOf(from), dateOf(to)).
		Group("key").Having("SUM(loans) <> 0").Order("key").Scan(&rows).Error
	if err != nil {
		return nil, translate(err, "disbursement totals")
	}
	out := make([]report.Bucket, len(rows))
	for i, r := range rows {
		out[i] = report.Bucket{Key: r.Key, Loans: r.Loans, AmountFen: r.AmountFen, JobsPlanned: r.JobsPlanned, JobsCreated: r.JobsCreated}
	}
	return out, nil
}

// DisbursedByPeriod implements report.Store from the district dimension,
// where every loan counts once.
func (s Reports) DisbursedByPeriod(ctx context.Context, period string, from, to time.Time) ([]report.Bucket, error) {
	part := "month"
	if period == report.ByQuarter {
		part = "quarter"
	}
	var rows []bucketRow
	err := s.conn(ctx).Table("loan_day_totals").Select("year, "+part+" AS part, "+bucketSums).
		Where("dim = ? AND day BETWEEN ? AND ?", report.ByDistrict, dateOf(from), dateOf(to)).
		Group("year, " + part).Having("SUM(loans) <> 0").Order("year, " + part).Scan(&rows).Error
	if err != nil {
		return nil, translate(err, "disbursement totals")
	}
	out := make([]report.Bucket, len(rows))
	for i, r := range rows {
		key := fmt.Sprintf("%d-%02d", r.Year, r.Part)
		if period == report.ByQuarter {
			key = fmt.Sprintf("%dQ%d", r.Year, r.Part)
		}
		out[i] = report.Bucket{Key: key, Loans: r.Loans, AmountFen: r.AmountFen, JobsPlanned: r.JobsPlanned, JobsCreated: r.JobsCreated}
	}
	return out, nil
}

// Flows implements report.Store.
func (s Reports) Flows(ctx context.Context, asOf time.Time) ([]report.Flows, error) {
	var rows []report.Flows
	err := s.conn(ctx).Table("portfolio_day_flows").Select(`district_code,
		COALESCE(SUM(disbursed_loans), 0) AS disbursed_loans, COALESCE(SUM(disbursed_fen), 0) AS disbursed_fen,
		COALESCE(SUM(repaid_fen), 0) AS repaid_fen, COALESCE(SUM(compensated_loans), 0) AS compensated_loans,
		COALESCE(SUM(compensated_fen), 0) AS compensated_fen, COALESCE(SUM(fund_paid_fen), 0) AS fund_paid_fen,
		COALESCE(SUM(recovered_fen), 0) AS recovered_fen, COALESCE(SUM(written_off_fen), 0) AS written_off_fen,
		COALESCE(SUM(matured_loans), 0) AS matured_loans, COALESCE(SUM(matured_principal_fen), 0) AS matured_principal_fen,
		COALESCE(SUM(matured_unpaid_fen), 0) AS matured_unpaid_fen, COALESCE(SUM(subsidy_claimed_fen), 0) AS subsidy_claimed_fen,
		COALESCE(SUM(subsidy_paid_fen), 0) AS subsidy_paid_fen`).
		Where("day <= ?", dateOf(asOf)).Group("district_code").Order("district_code").Scan(&rows).Error
	if err != nil {
		return nil, translate(err, "portfolio")
	}
	type overdue struct {
		DistrictCode string
		N            int64
		Fen          int64
	}
	var over []overdue
	err = s.conn(ctx).Table("loans").Select("district_code, COUNT(*) AS n, COALESCE(SUM(outstanding_fen), 0) AS fen").
		Where("status = 'overdue' AND overdue_since <= ?", dateOf(asOf)).Group("district_code").Scan(&over).Error
	if err != nil {
		return nil, translate(err, "overdue loans")
	}
	for _, o := range over {
		for i := range rows {
			if rows[i].DistrictCode == o.DistrictCode {
				rows[i].OverdueLoans, rows[i].OverdueFen = o.N, o.Fen
			}
		}
	}
	return rows, nil
}

// Matured implements report.Store from the loans, with the rule of
// portfolio_day_flows' matured_* (migration 00006): a loan's unpaid part is
// its open balance while active or overdue, else its compensation not
// recovered.
func (s Reports) Matured(ctx context.Context, asOf time.Time) ([]report.Matured, error) {
	var rows []report.Matured
	err := s.conn(ctx).Table("loans").Select(`bank_code, COALESCE(SUM(principal_fen), 0) AS principal_fen,
		COALESCE(SUM(CASE WHEN status IN ('active', 'overdue') THEN outstanding_fen
		                  ELSE COALESCE(compensation_fen, 0) - recovered_fen END), 0) AS unpaid_fen`).
		Where("maturity_date <= ? AND status <> ?", dateOf(asOf), string(loan.Cancelled)).Group("bank_code").Order("bank_code").Scan(&rows).Error
	if err != nil {
		return nil, translate(err, "matured loans")
	}
	return rows, nil
}

// CommittedOn is what the guarantee centre had committed and the banks had
// not disbursed at the end of day: an application's status at the end
// of day is the one its last history entry recorded before the next day
// began in Beijing (history ids grow with time). A loan stands from its
// disbursed_on until its disbursement's reversal is posted (its
// application is approved again then). The amount applied for is
// the stored one: an amount edited after a later return is not taken back.
func (s Reports) CommittedOn(ctx context.Context, day time.Time) (int64, error) {
	var committed int64
	end := time.Date(day.Year(), day.Month(), day.Day()+1, 0, 0, 0, 0, beijing.Zone).UTC()
	err := s.conn(ctx).Raw(`SELECT CAST(COALESCE(SUM(CASE WHEN h.to_status = ? THEN COALESCE(a.approved_amount_fen, a.amount_fen) ELSE a.amount_fen END), 0) AS BIGINT)
		FROM applications a JOIN application_history h ON h.application_id = a.id
		WHERE h.id = (SELECT MAX(h2.id) FROM application_history h2 WHERE h2.application_id = a.id AND h2.at < ?)
		AND h.to_status IN (?, ?)
		AND NOT EXISTS (SELECT 1 FROM loans l WHERE l.application_id = a.id AND l.disbursed_on <= ?
			AND NOT EXISTS (SELECT 1 FROM reversals r WHERE r.loan_id = l.id AND r.kind = 'disbursement' AND r.status = 'confirmed' AND r.posted_on <= ?))`,
		string(application.Approved), end, string(application.BankReview), string(application.Approved), dateOf(day), dateOf(day)).Scan(&committed).Error
	return committed, translate(err, "commitments")
}

// ExistingRefs implements report.Store. On PostgreSQL the references go as
// one array parameter (= ANY), parsed and planned once, in place of a list
// of as many parameters.
func (s Reports) ExistingRefs(ctx context.Context, refs []string) (map[string]bool, error) {
	out := make(map[string]bool)
	if s.Engine == config.Postgres {
		if len(refs) == 0 {
			return out, nil
		}
		var found []string
		if err := s.conn(ctx).Raw("SELECT external_ref FROM loans WHERE external_ref = ANY(?::text[])", textArray(refs)).Scan(&found).Error; err != nil {
			return nil, translate(err, "loans")
		}
		for _, r := range found {
			out[r] = true
		}
		return out, nil
	}
	per := s.rowsPerStatement(1)
	for len(refs) > 0 {
		n := min(per, len(refs))
		var found []string
		if err := s.conn(ctx).Table("loans").Where("external_ref IN ?", refs[:n]).Pluck("external_ref", &found).Error; err != nil {
			return nil, translate(err, "loans")
		}
		for _, r := range found {
			out[r] = true
		}
		refs = refs[n:]
	}
	return out, nil
}

// textArray is ss as a PostgreSQL array literal of text.
func textArray(ss []string) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, v := range ss {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('"')
		for j := 0; j < len(v); j++ {
			if v[j] == '"' || v[j] == '\\' {
				b.WriteByte('\\')
			}
			b.WriteByte(v[j])
		}
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String()
}

// rowsPerStatement is how many rows of cols values one statement carries.
// The SQLite driver prepares each statement anew and matches every
// placeholder by a scan of the arguments, so short statements cost it
// least; PostgreSQL takes long ones and saves round trips.
func (db *DB) rowsPerStatement(cols int) int {
	if db.Engine == config.SQLite {
		return max(1, 512/cols)
	}
	return max(1, 15000/cols)
}

// ReserveNumbers implements report.Store.
func (s Reports) ReserveNumbers(ctx context.Context, district string, year, n int) (int64, error) {
	return loanCounter.reserve(ctx, s.DB, district, year, n)
}

// InsertLoans implements report.Store: imported loans go in by the insert
// of every new loan with their summaries booked set-based (bulkLoans), on
// PostgreSQL by COPY into a staging table and one INSERT … SELECT
// (copyLoans).
func (s Reports) InsertLoans(ctx context.Context, loans []loan.Loan) error {
	if s.Engine == config.Postgres {
		return s.copyLoans(ctx, loans)
	}
	return s.bulkLoans(ctx, loans)
}

type reconciliationLineRow struct {
	ID            int64 `gorm:"primaryKey"`
	BankCode      string
	BankReference string
	NationalID    string
	Name          string
	AmountFen     int64
	DisbursedOn   sqlDate
	RowNumber     int
	UploadedBy    *auth.UserID
	UploadedAt    time.Time
}

func (reconciliationLineRow) TableName() string { return "reconciliation_lines" }

// reconciliationNationalID is the sealed column of a bank line's number;
// lines are matched to loans by bank reference, the numbers compared once
// opened.
const reconciliationNationalID = "reconciliation_lines.national_id"

// ReplaceBankLines implements report.Store.
func (s Reports) ReplaceBankLines(ctx context.Context, bank string, from, to time.Time, lines []report.BankLine, by auth.UserID, at time.Time) error {
	db := s.conn(ctx)
	if err := db.Where("bank_code = ? AND disbursed_on BETWEEN ? AND ?", bank, dateOf(from), dateOf(to)).Delete(&reconciliationLineRow{}).Error; err != nil {
		return translate(err, "bank list")
	}
	if len(lines) == 0 {
		return nil
	}
	rows := make([]reconciliationLineRow, len(lines))
	for i, l := range lines {
		nid, err := s.seal(reconciliationNationalID, l.NationalID)
		if err != nil {
			return err
		}
		rows[i] = reconciliationLineRow{BankCode: bank, BankReference: l.BankReference, NationalID: nid, Name: l.Name,
			AmountFen: l.AmountFen, DisbursedOn: dateOf(l.DisbursedOn), RowNumber: l.Row, UploadedAt: at}
		if by != 0 {
			rows[i].UploadedBy = &by
		}
	}
	return translate(db.CreateInBatches(rows, s.rowsPerStatement(9)).Error, "bank list")
}

// Reconcile implements report.Store: recorded loans joined to the bank's
// lines by bank reference, then the lines no loan matched.
func (s Reports) Reconcile(ctx context.Context, bank string, from, to time.Time) ([]report.Pair, error) {
	type row struct {
		BankCode    string
		Number      *string
		LoanRef     *string
		LoanID      *string
		LoanName    *string
		LoanFen     *int64
		LoanOn      sqlDate
		LineRef     *string
		LineID      *string
		LineName    *string
		LineFen     *int64
		LineOn      sqlDate
		LineRow     *int
		LoanPresent int
		LinePresent int
	}
	bankCond, args := "", []any{dateOf(from), dateOf(to)}
	if bank != "" {
		bankCond = " AND l.bank_code = ?"
		args = append(args, bank)
	}
	lineCond := ""
	if bank != "" {
		lineCond = " AND r.bank_code = ?"
	}
	q := `SELECT l.bank_code AS bank_code, l.number, l.bank_reference AS loan_ref, l.national_id AS loan_id, l.name AS loan_name,
			l.principal_fen AS loan_fen, l.disbursed_on AS loan_on, r.bank_reference AS line_ref, r.national_id AS line_id,
			r.name AS line_name, r.amount_fen AS line_fen, r.disbursed_on AS line_on, r.row_number AS line_row, 1 AS loan_present,
			CASE WHEN r.id IS NULL THEN 0 ELSE 1 END AS line_present
		FROM loans l LEFT JOIN reconciliation_lines r ON r.bank_code = l.bank_code AND r.bank_reference = l.bank_reference
		WHERE l.status <> 'cancelled' AND l.disbursed_on BETWEEN ? AND ?` + bankCond + `
		UNION ALL
		SELECT r.bank_code, NULL, NULL, NULL, NULL, NULL, NULL, r.bank_reference, r.national_id, r.name, r.amount_fen,
			r.disbursed_on, r.row_number, 0, 1
		FROM reconciliation_lines r
		WHERE r.disbursed_on BETWEEN ? AND ?` + lineCond + `
			AND NOT EXISTS (SELECT 1 FROM loans l WHERE l.bank_code = r.bank_code AND l.bank_reference = r.bank_reference AND l.status <> 'cancelled')`
	args = append(args, dateOf(from), dateOf(to))
	if bank != "" {
		args = append(args, bank)
	}
	var rows []row
	if err := s.conn(ctx).Raw(q, args...).Scan(&rows).Error; err != nil {
		return nil, translate(err, "reconciliation")
	}
	out := make([]report.Pair, len(rows))
	for i, r := range rows {
		for _, c := range []struct {
			v      **string
			column string
		}{{&r.LoanID, loanNationalID}, {&r.LineID, reconciliationNationalID}} {
			if *c.v != nil {
				v, err := s.open(c.column, **c.v)
				if err != nil {
					return nil, err
				}
				*c.v = &v
			}
		}
		p := report.Pair{BankCode: r.BankCode}
		if r.LoanPresent == 1 {
			p.Loan = &report.Recorded{Number: deref(r.Number), BankReference: deref(r.LoanRef), NationalID: deref(r.LoanID),
				Name: deref(r.LoanName), AmountFen: derefInt(r.LoanFen), DisbursedOn: r.LoanOn.Time}
		}
		if r.LinePresent == 1 {
			rowNum := 0
			if r.LineRow != nil {
				rowNum = *r.LineRow
			}
			p.Line = &report.BankLine{Row: rowNum, BankReference: deref(r.LineRef), NationalID: deref(r.LineID), Name: deref(r.LineName),
				AmountFen: derefInt(r.LineFen), DisbursedOn: r.LineOn.Time}
		}
		out[i] = p
	}
	return out, nil
}

func derefInt(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}
