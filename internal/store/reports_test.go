package store_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"chuangdai/internal/apptest"
	"chuangdai/internal/report"
	"chuangdai/internal/store"
)

// rawRows runs q on db and answers each row's columns joined by spaces.
func rawRows(t *testing.T, db *store.DB, q string) []string {
	t.Helper()
	var out []string
	for _, r := range apptest.Rows(t, db.SQL(), q) {
		out = append(out, strings.Join(r, " "))
	}
	return out
}

// wantSame compares what a report read with its raw recomputation.
func wantSame(t *testing.T, what string, got, raw []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(raw, "\n") {
		t.Errorf("%s:\n  summaries %q\n  raw loans %q", what, got, raw)
	}
}

// reportLoans inserts 36 loans in two districts and two banks, disbursed
// over 2024 for 6 or 12 months, some overdue two months after, as
// the triggers book them into the summary tables.
func reportLoans(t *testing.T, db *store.DB) {
	t.Helper()
	exec := sqlExec(t, db)
	for i := 1; i <= 36; i++ {
		district, bank := []string{"411282", "411281"}[i%2], []string{"ICBC-SMX", "RCB-LB"}[i%3%2]
		on := time.Date(2024, time.Month(1+i%12), 1+i%27, 0, 0, 0, 0, time.UTC)
		term := 12
		if i%5 == 0 {
			term = 6
		}
		status, since := "active", "NULL"
		if i%7 == 0 {
			status, since = "overdue", "'"+on.AddDate(0, 2, 0).Format(time.DateOnly)+"'"
		}
		id, p := strconv.Itoa(i), strconv.Itoa(10000000+i*100000)
		exec("INSERT INTO loans (id, number, status, version, name, national_id, gender, borrower_type, industry, jobs, jobs_created, district_code, bank_code, principal_fen, outstanding_fen, annual_rate_ppm, subsidy_rate_ppm, borrower_rate_ppm, subsidy_cap_fen, term_months, repayment_method, disbursed_on, disbursed_year, disbursed_month, disbursed_quarter, maturity_date, overdue_since, created_at, updated_at) VALUES (" +
			id + ", 'R" + id + "', '" + status + "', 1, '张伟', '11010519491231002X', 'male', 'individual', 'retail', " + strconv.Itoa(i%4) + ", " + strconv.Itoa(i%3) + ", '" + district + "', '" + bank + "', " + p + ", " + p + ", 39500, 19750, 19750, 30000000, " + strconv.Itoa(term) + ", 'quarterly_interest', '" +
			on.Format(time.DateOnly) + "', 2024, " + strconv.Itoa(int(on.Month())) + ", " + strconv.Itoa((int(on.Month())+2)/3) + ", '" + on.AddDate(0, term, 0).Format(time.DateOnly) + "', " + since + ", " + fixtureAt + ", " + fixtureAt + ")")
	}
}

// TestReportsAgreeWithTheLoans: what the reports read from the summary
// tables the triggers keep (disbursements by district, bank, month and
// quarter over a range; the portfolio's flows and the matured loans as of
// a day) is what a query over the loans themselves gives; the units carry
// their year's targets, and the names their codes'.
func TestReportsAgreeWithTheLoans(t *testing.T) {
	db := newDB(t)
	scopeFixture(t, db)
	reportLoans(t, db)
	exec := sqlExec(t, db)
	exec("INSERT INTO targets (year, district_code, loan_amount_fen, returnee_loan_amount_fen, jobs, updated_at) VALUES (2024, '411282', 500000000, 100000000, 40, " + fixtureAt + ")")
	ctx := context.Background()
	r := store.Reports{DB: db}
	from, to := day(t, "2024-03-10"), day(t, "2024-10-20")
	const inRange = " FROM loans WHERE disbursed_on BETWEEN '2024-03-10' AND '2024-10-20' "
	sums := "COUNT(*), SUM(principal_fen), SUM(jobs), SUM(jobs_created)"
	bucketLines := func(bs []report.Bucket, err error) []string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, b := range bs {
			out = append(out, fmt.Sprint(b.Key, " ", b.Loans, " ", b.AmountFen, " ", b.JobsPlanned, " ", b.JobsCreated))
		}
		return out
	}
	for dim, column := range map[string]string{report.ByDistrict: "district_code", report.ByBank: "bank_code"} {
		wantSame(t, "disbursed by "+dim, bucketLines(r.Disbursed(ctx, dim, from, to)),
			rawRows(t, db, "SELECT "+column+", "+sums+inRange+"GROUP BY "+column+" ORDER BY "+column))
	}
	months := rawRows(t, db, "SELECT disbursed_year, disbursed_month, "+sums+inRange+"GROUP BY disbursed_year, disbursed_month ORDER BY disbursed_year, disbursed_month")
	for i, m := range months {
		f := strings.Fields(m)
		n, _ := strconv.Atoi(f[1])
		months[i] = fmt.Sprintf("%s-%02d %s", f[0], n, strings.Join(f[2:], " "))
	}
	wantSame(t, "disbursed by month", bucketLines(r.DisbursedByPeriod(ctx, report.ByMonth, from, to)), months)
	quarters := rawRows(t, db, "SELECT disbursed_year, disbursed_quarter, "+sums+inRange+"GROUP BY disbursed_year, disbursed_quarter ORDER BY disbursed_year, disbursed_quarter")
	for i, q := range quarters {
		f := strings.Fields(q)
		quarters[i] = f[0] + "Q" + f[1] + " " + strings.Join(f[2:], " ")
	}
	wantSame(t, "disbursed by quarter", bucketLines(r.DisbursedByPeriod(ctx, report.ByQuarter, from, to)), quarters)

	// Days on which a loan is disbursed (6 June), goes overdue (2 July) and
	// matures (6 December): each counts on its own day.
	for _, asOf := range []string{"2024-06-06", "2024-07-02", "2024-12-06", "2025-06-30"} {
		flows, err := r.Flows(ctx, day(t, asOf))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, f := range flows {
			got = append(got, fmt.Sprint(f.DistrictCode, " ", f.DisbursedLoans, " ", f.DisbursedFen, " ", f.MaturedLoans, " ", f.MaturedPrincipalFen, " ", f.OverdueLoans, " ", f.OverdueFen))
		}
		wantSame(t, "flows as of "+asOf, got, rawRows(t, db, `SELECT district_code,
			SUM(CASE WHEN disbursed_on <= '`+asOf+`' THEN 1 ELSE 0 END), SUM(CASE WHEN disbursed_on <= '`+asOf+`' THEN principal_fen ELSE 0 END),
			SUM(CASE WHEN maturity_date <= '`+asOf+`' THEN 1 ELSE 0 END), SUM(CASE WHEN maturity_date <= '`+asOf+`' THEN principal_fen ELSE 0 END),
			SUM(CASE WHEN overdue_since <= '`+asOf+`' THEN 1 ELSE 0 END), SUM(CASE WHEN overdue_since <= '`+asOf+`' THEN outstanding_fen ELSE 0 END)
			FROM loans WHERE disbursed_on <= '`+asOf+`' GROUP BY district_code ORDER BY district_code`))
		matured, err := r.Matured(ctx, day(t, asOf))
		if err != nil {
			t.Fatal(err)
		}
		got = nil
		for _, m := range matured {
			got = append(got, fmt.Sprint(m.BankCode, " ", m.PrincipalFen, " ", m.UnpaidFen))
		}
		wantSame(t, "matured as of "+asOf, got, rawRows(t, db, "SELECT bank_code, SUM(principal_fen), SUM(outstanding_fen) FROM loans WHERE maturity_date <= '"+asOf+"' GROUP BY bank_code ORDER BY bank_code"))
	}

	units, err := r.Units(ctx, 2024)
	if err != nil || len(units) != 2 || units[0].Code != "411281" || units[0].TargetFen != nil ||
		units[1].Code != "411282" || units[1].TargetFen == nil || *units[1].TargetFen != 500000000 || *units[1].ReturneeFen != 100000000 || *units[1].Jobs != 40 {
		t.Errorf("units of 2024: %+v, %v", units, err)
	}
	if units, err := r.Units(ctx, 2025); err != nil || len(units) != 2 || units[1].TargetFen != nil {
		t.Errorf("units of 2025 (no targets): %+v, %v", units, err)
	}
	if names, err := r.Names(ctx, report.ByBank); err != nil || len(names) != 2 || names["RCB-LB"] != "农商行" {
		t.Errorf("bank names: %v, %v", names, err)
	}
	if names, err := r.Names(ctx, report.ByDistrict); err != nil || len(names) != 2 || names["411281"] != "义马市" {
		t.Errorf("district names: %v, %v", names, err)
	}
}

// TestCommittedOn: the applications committed at the end of a Beijing day,
// by hand: in bank review their amount, approved their approved amount, by
// the last history entry before the next day began in Beijing (an approval
// at 01:00 on the 11th counts from the 11th); an approved application's
// loan takes it off from its disbursement until the reversal of that
// disbursement is posted; a rejected one never counts.
func TestCommittedOn(t *testing.T) {
	db := newDB(t)
	scopeFixture(t, db)
	exec := sqlExec(t, db)
	for _, a := range []struct {
		id      int
		status  string
		amount  string
		granted string
	}{{1, "approved", "1000000", "800000"}, {2, "approved", "2000000", "NULL"}, {3, "approved", "4000000", "3000000"}, {4, "rejected", "8000000", "NULL"}} {
		insertApplication(exec, a.id, "individual", "11010519491231002X", a.status, "[]")
		exec("UPDATE applications SET amount_fen = " + a.amount + ", approved_amount_fen = " + a.granted + " WHERE id = " + strconv.Itoa(a.id))
	}
	for _, h := range []struct {
		app    int
		at, to string
	}{
		{3, "2024-03-01 02:00:00", "approved"},
		{4, "2024-03-02 02:00:00", "rejected"},
		{1, "2024-03-05 02:00:00", "bank_review"},
		{1, "2024-03-10 15:00:00", "approved"}, // 23:00 in Beijing
		{2, "2024-03-10 17:00:00", "approved"}, // 01:00 on the 11th in Beijing
	} {
		exec("INSERT INTO application_history (application_id, at, actor_id, actor, action, from_status, to_status) VALUES (" +
			strconv.Itoa(h.app) + ", '" + h.at + "', 1, 'officer', 'approve', 'bank_review', '" + h.to + "')")
	}
	insertLoan(exec, 7, "3", "NULL", "11010519491231002X", "individual", 3000000, 30000000)
	exec("UPDATE loans SET disbursed_on = '2024-03-08' WHERE id = 7")
	exec("INSERT INTO reversals (kind, loan_id, target_id, district_code, bank_code, amount_fen, original_on, reason, status, proposed_by, proposed_at, decided_by, decided_at, posted_on) " +
		"VALUES ('disbursement', 7, 7, '411282', 'ICBC-SMX', 3000000, '2024-03-08', '重复放款', 'confirmed', 1, '2024-03-12 02:00:00', 2, '2024-03-12 03:00:00', '2024-03-12')")
	r := store.Reports{DB: db}
	for on, want := range map[string]int64{
		"2024-03-04": 3000000, "2024-03-07": 4000000, "2024-03-08": 1000000, "2024-03-10": 800000, "2024-03-11": 2800000, "2024-03-12": 5800000,
	} {
		if got, err := r.CommittedOn(context.Background(), day(t, on)); err != nil || got != want {
			t.Errorf("committed at the end of %s: %d, %v; want %d", on, got, err, want)
		}
	}
}

// TestReconcile: a bank's list replaces the lines of its days (other days
// and banks keep theirs), its numbers sealed; reconciliation pairs each
// loan of the days (a cancelled one not) with the line of its bank
// reference, and lists the lines no loan has, of one bank or of all.
func TestReconcile(t *testing.T) {
	db := newDB(t)
	scopeFixture(t, db)
	exec := sqlExec(t, db)
	ctx := context.Background()
	r := store.Reports{DB: db}
	const p = "11010519491231002X"
	for _, l := range []struct {
		id            int
		ref, bank, on string
		cancelled     bool
	}{{1, "B-1", "ICBC-SMX", "2024-03-15", false}, {2, "B-2", "ICBC-SMX", "2024-03-16", true}, {3, "R-1", "RCB-LB", "2024-03-15", false}, {4, "B-4", "ICBC-SMX", "2024-05-01", false}} {
		insertLoan(exec, l.id, "NULL", "NULL", p, "individual", 10000000, 30000000)
		status := "active"
		if l.cancelled {
			status = "cancelled"
		}
		exec("UPDATE loans SET bank_reference = '" + l.ref + "', bank_code = '" + l.bank + "', disbursed_on = '" + l.on + "', status = '" + status + "' WHERE id = " + strconv.Itoa(l.id))
	}
	march, april := [2]time.Time{day(t, "2024-03-01"), day(t, "2024-03-31")}, [2]time.Time{day(t, "2024-04-01"), day(t, "2024-04-30")}
	line := func(row int, ref string, fen int64, on string) report.BankLine {
		return report.BankLine{Row: row, BankReference: ref, NationalID: p, Name: "张伟", AmountFen: fen, DisbursedOn: day(t, on)}
	}
	replace := func(bank string, days [2]time.Time, lines ...report.BankLine) {
		t.Helper()
		if err := r.ReplaceBankLines(ctx, bank, days[0], days[1], lines, 1, time.Date(2024, 4, 2, 2, 0, 0, 0, time.UTC)); err != nil {
			t.Fatal(err)
		}
	}
	replace("ICBC-SMX", march, line(2, "B-1", 9000000, "2024-03-15"), line(3, "B-2", 10000000, "2024-03-16"), line(4, "B-9", 500000, "2024-03-20"))
	replace("ICBC-SMX", april, line(2, "B-A", 100000, "2024-04-10"))
	replace("RCB-LB", march, line(2, "R-1", 10000000, "2024-03-15"))
	var sealed string
	if err := db.SQL().QueryRow("SELECT national_id FROM reconciliation_lines WHERE bank_reference = 'B-9'").Scan(&sealed); err != nil || strings.Contains(sealed, p) {
		t.Errorf("a line's number is kept as %q (%v), not sealed", sealed, err)
	}
	pairs := func(bank string) []string {
		t.Helper()
		ps, err := r.Reconcile(ctx, bank, march[0], march[1])
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, x := range ps {
			s := x.BankCode
			if x.Loan != nil {
				s += fmt.Sprintf(" loan %s %s %d %s %s", x.Loan.Number, x.Loan.BankReference, x.Loan.AmountFen, x.Loan.DisbursedOn.Format(time.DateOnly), x.Loan.NationalID)
			}
			if x.Line != nil {
				s += fmt.Sprintf(" line %d %s %d %s %s", x.Line.Row, x.Line.BankReference, x.Line.AmountFen, x.Line.DisbursedOn.Format(time.DateOnly), x.Line.NationalID)
			}
			out = append(out, s)
		}
		slices.Sort(out)
		return out
	}
	icbc := []string{
		"ICBC-SMX line 3 B-2 10000000 2024-03-16 " + p,
		"ICBC-SMX line 4 B-9 500000 2024-03-20 " + p,
		"ICBC-SMX loan L1 B-1 10000000 2024-03-15 " + p + " line 2 B-1 9000000 2024-03-15 " + p,
	}
	wantSame(t, "ICBC-SMX in March", pairs("ICBC-SMX"), icbc)
	wantSame(t, "every bank in March", pairs(""), append(slices.Clone(icbc), "RCB-LB loan L3 R-1 10000000 2024-03-15 "+p+" line 2 R-1 10000000 2024-03-15 "+p))

	replace("ICBC-SMX", march, line(5, "B-1", 10000000, "2024-03-15"))
	wantSame(t, "ICBC-SMX in March, its list replaced", pairs("ICBC-SMX"), []string{
		"ICBC-SMX loan L1 B-1 10000000 2024-03-15 " + p + " line 5 B-1 10000000 2024-03-15 " + p,
	})
	if got := rawRows(t, db, "SELECT bank_code, bank_reference FROM reconciliation_lines ORDER BY bank_code, bank_reference"); !slices.Equal(got, []string{"ICBC-SMX B-1", "ICBC-SMX B-A", "RCB-LB R-1"}) {
		t.Errorf("lines after the March list was replaced: %q; April's and the other bank's stay", got)
	}
}
