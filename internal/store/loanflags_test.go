package store_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"chuangdai/internal/apptest"
	"chuangdai/internal/audit"
	"chuangdai/internal/auth"
	"chuangdai/internal/authz"
	"chuangdai/internal/loan"
	"chuangdai/internal/store"
)

// childFlags answers the children flags of loan id (migration 00037), as
// "repayments recoveries extensions" of 0 and 1.
func childFlags(t *testing.T, db *store.DB, id loan.ID) string {
	t.Helper()
	var r, c, e bool
	if err := db.SQL().QueryRow("SELECT has_repayments, has_recoveries, has_extensions FROM loans WHERE id = "+id.String()).Scan(&r, &c, &e); err != nil {
		t.Fatal(err)
	}
	return bits(r, c, e)
}

// bits is "1" for true and "0" for false, each in turn.
func bits(b ...bool) string {
	s := ""
	for _, x := range b {
		s += map[bool]string{false: "0", true: "1"}[x]
	}
	return s
}

// readsAsChildByChild checks that loan id reads, by Get (through pgx on
// PostgreSQL) and by Update's locked read (through gorm), as it reads
// child by child with plain SELECTs.
func readsAsChildByChild(t *testing.T, db *store.DB, id loan.ID) loan.Loan {
	t.Helper()
	ctx := context.Background()
	want, err := store.LoanChildByChild(ctx, db, id)
	if err != nil {
		t.Fatal(err)
	}
	loans := store.Loans{DB: db}
	all := authz.ListScope{All: true}
	got, err := loans.Get(ctx, all, id)
	if err != nil {
		t.Fatal(err)
	}
	var locked loan.Loan
	if _, err := loans.Update(ctx, all, id, func(_ context.Context, l *loan.Loan) (audit.Event, error) {
		locked = *l
		return audit.Event{}, loan.ErrUnchanged
	}); err != nil {
		t.Fatal(err)
	}
	for what, l := range map[string]loan.Loan{"Get": got, "the locked read": locked} {
		if !reflect.DeepEqual(l, want) {
			t.Errorf("loan %d: %s read\n%s\nchild by child\n%s", id, what, asJSON(l), asJSON(want))
		}
	}
	return want
}

// A loan's row records which children it has, and its read skips the
// subquery of a kind it has none of: the flags are set by the store's
// repayment, recovery and extension, by children SQL inserts for many
// loans at once (as the bench loader does), never by an import of legacy
// loans (it writes no children), and setting one changes neither the
// loan's version and updated_at nor the summaries nor the audit trail.
// Every loan, with or without each kind of child, reads as it does child
// by child.
func TestLoanChildrenFlags(t *testing.T) {
	a := apptest.New(t)
	ctx := context.Background()
	exec := func(q string) {
		t.Helper()
		if _, err := a.DB.SQL().Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	baseFixture(exec)
	loans := store.Loans{DB: a.DB}
	now := time.Date(2024, 3, 5, 8, 30, 15, 123456000, time.UTC)
	newLoan := func(n int) loan.Loan {
		t.Helper()
		ref := fmt.Sprintf("OLD-%d", n)
		l, err := loan.New(a.Policy, loan.Loan{Number: fmt.Sprintf("DK411282-2024-%06d", n), ExternalRef: &ref, Name: "张伟",
			NationalID: "11010519491231002X", KeyGroup: "college_graduate", BorrowerType: "individual", Jobs: 1, DistrictCode: "411282",
			BankCode: "ICBC-SMX", Principal: decimal.NewFromInt(100000), AnnualRate: decimal.RequireFromString("0.0395"),
			SubsidyCap: decimal.NewFromInt(300000), TermMonths: 24, Method: loan.InterestQuarterly, DisbursedOn: loan.Date(2024, 3, 1)}, now)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	open := func(n int) loan.ID {
		t.Helper()
		id, err := loans.Create(ctx, newLoan(n))
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	bare, repaid, recovered, extended, all, bySQL, bySQL2 := open(1), open(2), open(3), open(4), open(5), open(6), open(7)
	reports := store.Reports{DB: a.DB}
	if err := a.DB.InTx(ctx, func(ctx context.Context) error { return reports.InsertLoans(ctx, []loan.Loan{newLoan(8), newLoan(9)}) }); err != nil {
		t.Fatal(err)
	}
	var imported []loan.ID
	rows, err := a.DB.SQL().Query("SELECT id FROM loans WHERE number IN ('DK411282-2024-000008', 'DK411282-2024-000009') ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id loan.ID
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		imported = append(imported, id)
	}
	if err := rows.Close(); err != nil || len(imported) != 2 {
		t.Fatalf("imported loans %v: %v", imported, err)
	}
	ids := []loan.ID{bare, repaid, recovered, extended, all, bySQL, bySQL2, imported[0], imported[1]}
	for _, id := range ids {
		if f := childFlags(t, a.DB, id); f != "000" {
			t.Errorf("loan %d before any child: flags %s", id, f)
		}
	}

	// What a flag's update must leave as it is.
	unchanged := func() string {
		t.Helper()
		var s string
		q := "SELECT (SELECT CAST(SUM(version) AS TEXT) || ':' || CAST(COUNT(DISTINCT updated_at) AS TEXT) || ':' || CAST(MAX(updated_at) AS TEXT) FROM loans) || ' ' || " +
			"(SELECT CAST(COUNT(*) AS TEXT) || ':' || CAST(SUM(loans) AS TEXT) || ':' || CAST(SUM(amount_fen) AS TEXT) FROM loan_day_totals) || ' ' || " +
			"(SELECT CAST(COUNT(*) AS TEXT) FROM audit_events)"
		if err := a.DB.SQL().QueryRow(q).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	flows := func() string {
		t.Helper()
		var s string
		if err := a.DB.SQL().QueryRow("SELECT CAST(COUNT(*) AS TEXT) || ':' || CAST(SUM(disbursed_fen) AS TEXT) || ':' || CAST(SUM(matured_unpaid_fen) AS TEXT) || ':' || " +
			"CAST(SUM(repaid_fen) AS TEXT) FROM portfolio_day_flows").Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	before, flowsBefore := unchanged(), flows()
	by := auth.UserID(1)
	repay := func(id loan.ID, ref string) {
		t.Helper()
		if _, err := loans.AddRepayment(ctx, loan.Repayment{LoanID: id, Principal: decimal.RequireFromString("1000.01"), Interest: decimal.RequireFromString("329.17"),
			PaidOn: loan.Date(2024, 6, 20), BankReference: ref, RecordedBy: by, CreatedAt: now}, "ICBC-SMX"); err != nil {
			t.Fatal(err)
		}
	}
	recoup := func(id loan.ID) {
		t.Helper()
		if _, err := loans.AddRecovery(ctx, loan.Recovery{LoanID: id, Amount: decimal.RequireFromString("300.50"), Fund: decimal.RequireFromString("240.40"),
			Bank: decimal.RequireFromString("60.10"), RecoveredOn: loan.Date(2024, 12, 1), Note: "追回", RecordedBy: by, CreatedAt: now}); err != nil {
			t.Fatal(err)
		}
	}
	extend := func(id loan.ID) {
		t.Helper()
		if _, err := loans.AddExtension(ctx, loan.Extension{LoanID: id, OldMaturity: loan.Date(2026, 3, 1), NewMaturity: loan.Date(2027, 3, 1),
			Reason: "疫情", State: loan.ExtensionProposed, ProposedBy: by, ProposedAt: now}); err != nil {
			t.Fatal(err)
		}
	}
	extend(extended)
	if got := unchanged() + " " + flows(); got != before+" "+flowsBefore {
		t.Errorf("an extension's flag changed the loans, the summaries or the audit trail: %s, was %s", got, before+" "+flowsBefore)
	}
	repay(repaid, "R-1")
	repay(repaid, "R-2")
	recoup(recovered)
	repay(all, "R-3")
	recoup(all)
	recoup(all)
	extend(all)
	repay(imported[1], "R-4")
	// The bench loader's children: one statement for many loans.
	exec("INSERT INTO loan_repayments (loan_id, principal_fen, interest_fen, paid_on, paid_year, paid_month, paid_quarter, bank_code, bank_reference, created_at) " +
		"SELECT id, 200, 10, '2024-04-01', 2024, 4, 2, bank_code, 'B' || CAST(id AS TEXT), '2024-04-01 09:00:00' FROM loans WHERE id IN (" + bySQL.String() + ", " + bySQL2.String() + ")")
	exec("INSERT INTO loan_recoveries (loan_id, amount_fen, recovered_on, recovered_year, recovered_month, created_at) " +
		"SELECT id, 50, '2024-06-01', 2024, 6, '2024-06-01 09:00:00' FROM loans WHERE id = " + bySQL2.String())
	if got := unchanged(); got != before {
		t.Errorf("the children's flags changed the loans, the summaries or the audit trail: %s, was %s", got, before)
	}
	if got := flows(); got == flowsBefore {
		t.Errorf("the repayments were not booked: %s", got)
	}

	want := map[loan.ID]string{bare: "000", repaid: "100", recovered: "010", extended: "001", all: "111", bySQL: "100", bySQL2: "110",
		imported[0]: "000", imported[1]: "100"}
	for _, id := range ids {
		if f := childFlags(t, a.DB, id); f != want[id] {
			t.Errorf("loan %d: flags %s, want %s", id, f, want[id])
		}
		l := readsAsChildByChild(t, a.DB, id)
		if has := bits(len(l.Repayments) > 0, len(l.Recoveries) > 0, len(l.Extensions) > 0); has != want[id] {
			t.Errorf("loan %d has children %s, want %s", id, has, want[id])
		}
	}
	if l := readsAsChildByChild(t, a.DB, all); len(l.Repayments) != 1 || len(l.Recoveries) != 2 || len(l.Extensions) != 1 {
		t.Errorf("the loan with every child: %s", asJSON(l))
	}
}

// Migration 00037 sets the flags of the loans that have children already,
// and they read as they do child by child.
func TestLoanChildrenFlagsMigration(t *testing.T) {
	db, up, exec := beforeMigration(t, "loan_children_flags")
	baseFixture(exec)
	for id := 1; id <= 5; id++ {
		n := fmt.Sprint(id)
		exec("INSERT INTO loans (id, number, status, version, name, national_id, gender, borrower_type, district_code, bank_code, " +
			"principal_fen, outstanding_fen, annual_rate_ppm, subsidy_rate_ppm, borrower_rate_ppm, subsidy_cap_fen, term_months, repayment_method, " +
			"disbursed_on, disbursed_year, disbursed_month, disbursed_quarter, maturity_date, created_at, updated_at) VALUES (" +
			n + ", 'L" + n + "', 'active', 1, '张伟', '411282199001010013', 'male', 'individual', '411282', 'ICBC-SMX', " +
			"20000000, 20000000, 39500, 19750, 19750, 20000000, 24, 'quarterly_interest', '2024-03-15', 2024, 3, 1, '2026-03-15', " + fixtureAt + ", " + fixtureAt + ")")
	}
	repayment := func(loan, ref string) {
		exec("INSERT INTO loan_repayments (loan_id, principal_fen, interest_fen, paid_on, paid_year, paid_month, paid_quarter, bank_code, bank_reference, recorded_by, created_at) " +
			"VALUES (" + loan + ", 1000, 20, '2024-06-20', 2024, 6, 2, 'ICBC-SMX', '" + ref + "', 1, " + fixtureAt + ")")
	}
	recovery := func(loan string) {
		exec("INSERT INTO loan_recoveries (loan_id, amount_fen, fund_fen, bank_fen, recovered_on, recovered_year, recovered_month, note, created_at) " +
			"VALUES (" + loan + ", 500, 400, 100, '2024-07-01', 2024, 7, '追回', " + fixtureAt + ")")
	}
	extension := func(loan, state string) {
		decided := "NULL, NULL"
		if state == "confirmed" {
			decided = "1, " + fixtureAt
		}
		exec("INSERT INTO loan_extensions (loan_id, old_maturity, new_maturity, reason, state, proposed_by, proposed_at, confirmed_by, confirmed_at) " +
			"VALUES (" + loan + ", '2026-03-15', '2027-03-15', '疫情', '" + state + "', 1, " + fixtureAt + ", " + decided + ")")
	}
	repayment("1", "R-1")
	repayment("1", "R-2")
	recovery("2")
	extension("3", "confirmed")
	extension("3", "proposed")
	repayment("4", "R-3")
	recovery("4")
	extension("4", "proposed")
	up()
	want := []string{"100", "010", "001", "111", "000"}
	for i, w := range want {
		id := loan.ID(i + 1)
		if f := childFlags(t, db, id); f != w {
			t.Errorf("loan %d after the migration: flags %s, want %s", id, f, w)
		}
		readsAsChildByChild(t, db, id)
	}
	// The triggers stand after the backfill.
	repayment("5", "R-4")
	if f := childFlags(t, db, 5); f != "100" {
		t.Errorf("a repayment after the migration: flags %s", f)
	}
	readsAsChildByChild(t, db, 5)
}
