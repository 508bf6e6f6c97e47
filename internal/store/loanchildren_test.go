package store_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/shopspring/decimal"

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
	for what, l := range map[string]loan.Loan{"Get": got, "the locked read": lockedRead(t, loans, id)} {
		if !reflect.DeepEqual(l, want) {
			t.Errorf("loan %d: %s read\n%s\nchild by child\n%s", id, what, asJSON(l), asJSON(want))
		}
	}
	return want
}

// lockedRead is loan id as Update reads it (locked, through gorm), with
// every scope.
func lockedRead(t *testing.T, loans store.Loans, id loan.ID) loan.Loan {
	t.Helper()
	var locked loan.Loan
	if _, err := loans.Update(context.Background(), authz.ListScope{All: true}, id, func(_ context.Context, l *loan.Loan) (audit.Event, error) {
		locked = *l
		return audit.Event{}, loan.ErrUnchanged
	}); err != nil {
		t.Fatal(err)
	}
	return locked
}

// A loan's row holds its children as JSON arrays (migration 00038), and
// every way a child is written keeps them: the store's repayment, recovery
// and extension, an extension's decision, a repayment's and a recovery's
// reversal, children SQL inserts for many loans at once (as the bench
// loader does), and SQL updates and deletes; an import of legacy loans
// writes no children. Keeping them changes neither the loan's version and
// updated_at nor the summaries nor the audit trail. Every loan, with or
// without each kind of child, reads (by Get, through pgx on PostgreSQL, and
// by the locked read, through gorm) as it does child by child.
func TestLoanChildrenInTheRow(t *testing.T) {
	a, exec := fixtureApp(t)
	ctx := context.Background()
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
	bare, repaid, recovered, extended, all, bySQL, bySQL2, edited := open(1), open(2), open(3), open(4), open(5), open(6), open(7), open(10)
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
	ids := []loan.ID{bare, repaid, recovered, extended, all, bySQL, bySQL2, edited, imported[0], imported[1]}
	for _, id := range ids {
		if l := readsAsChildByChild(t, a.DB, id); len(l.Repayments)+len(l.Recoveries)+len(l.Extensions) != 0 {
			t.Errorf("loan %d before any child: %s", id, asJSON(l))
		}
	}

	// What keeping the arrays must leave as it is.
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
	repay := func(id loan.ID, ref string, on time.Time) int64 {
		t.Helper()
		rid, err := loans.AddRepayment(ctx, loan.Repayment{LoanID: id, Principal: decimal.RequireFromString("1000.01"), Interest: decimal.RequireFromString("329.17"),
			PaidOn: on, BankReference: ref, RecordedBy: by, CreatedAt: now}, "ICBC-SMX")
		if err != nil {
			t.Fatal(err)
		}
		return rid
	}
	recoup := func(id loan.ID) int64 {
		t.Helper()
		rid, err := loans.AddRecovery(ctx, loan.Recovery{LoanID: id, Amount: decimal.RequireFromString("300.50"), Fund: decimal.RequireFromString("240.40"),
			Bank: decimal.RequireFromString("60.10"), RecoveredOn: loan.Date(2024, 12, 1), Note: "追回", RecordedBy: by, CreatedAt: now})
		if err != nil {
			t.Fatal(err)
		}
		return rid
	}
	extend := func(id loan.ID) loan.Extension {
		t.Helper()
		e := loan.Extension{LoanID: id, OldMaturity: loan.Date(2026, 3, 1), NewMaturity: loan.Date(2027, 3, 1),
			Reason: "疫情", State: loan.ExtensionProposed, ProposedBy: by, ProposedAt: now}
		var err error
		if e.ID, err = loans.AddExtension(ctx, e); err != nil {
			t.Fatal(err)
		}
		return e
	}
	decide := func(e loan.Extension, to loan.ExtensionState) {
		t.Helper()
		at, reason := now.Add(time.Hour), "材料不全"
		e.State = to
		if to == loan.ExtensionConfirmed {
			e.ConfirmedBy, e.ConfirmedAt = &by, &at
		} else {
			e.RejectedBy, e.RejectedAt, e.RejectReason = &by, &at, reason
		}
		if err := loans.UpdateExtension(ctx, e, loan.ExtensionProposed); err != nil {
			t.Fatal(err)
		}
	}
	reversals := store.Reversals{DB: a.DB}
	reverse := func(kind loan.ReversalKind, id loan.ID, target int64) {
		t.Helper()
		rev := loan.Reversal{Kind: kind, LoanID: id, TargetID: target, DistrictCode: "411282", BankCode: "ICBC-SMX", OriginalOn: loan.Date(2024, 6, 20),
			Reason: "录入错误", Status: loan.RevProposed, ProposedBy: by, ProposedAt: now, Amount: decimal.RequireFromString("1000.01")}
		var err error
		if rev.ID, err = reversals.CreateReversal(ctx, rev); err != nil {
			t.Fatal(err)
		}
		if err := reversals.MarkReversed(ctx, rev, now.Add(2*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	decide(extend(extended), loan.ExtensionRejected)
	extend(extended)
	if got := unchanged() + " " + flows(); got != before+" "+flowsBefore {
		t.Errorf("an extension's array changed the loans, the summaries or the audit trail: %s, was %s", got, before+" "+flowsBefore)
	}
	// Two repayments, the later one entered first: the array is in the
	// order of the days paid.
	repay(repaid, "R-2", loan.Date(2024, 9, 20))
	reverse(loan.RevRepayment, repaid, repay(repaid, "R-1", loan.Date(2024, 6, 20)))
	recoup(recovered)
	repay(all, "R-3", loan.Date(2024, 6, 20))
	reverse(loan.RevRecovery, all, recoup(all))
	recoup(all)
	decide(extend(all), loan.ExtensionConfirmed)
	repay(imported[1], "R-4", loan.Date(2024, 6, 20))
	// The bench loader's children: one statement for many loans.
	exec("INSERT INTO loan_repayments (loan_id, principal_fen, interest_fen, paid_on, paid_year, paid_month, paid_quarter, bank_code, bank_reference, created_at) " +
		"SELECT id, 200, 10, '2024-04-01', 2024, 4, 2, bank_code, 'B' || CAST(id AS TEXT), '2024-04-01 09:00:00' FROM loans WHERE id IN (" + bySQL.String() + ", " + bySQL2.String() + ")")
	exec("INSERT INTO loan_recoveries (loan_id, amount_fen, recovered_on, recovered_year, recovered_month, created_at) " +
		"SELECT id, 50, '2024-06-01', 2024, 6, '2024-06-01 09:00:00' FROM loans WHERE id = " + bySQL2.String())
	// Children changed and taken away by SQL, as an operator might.
	repay(edited, "R-5", loan.Date(2024, 6, 20))
	repay(edited, "R-6", loan.Date(2024, 7, 20))
	recoup(edited)
	extend(edited)
	exec("UPDATE loan_repayments SET bank_reference = 'R-5 更正' WHERE bank_reference = 'R-5'")
	exec("DELETE FROM loan_repayments WHERE bank_reference = 'R-6'")
	exec("DELETE FROM loan_recoveries WHERE loan_id = " + edited.String())
	exec("DELETE FROM loan_extensions WHERE loan_id = " + edited.String())
	if got := unchanged(); got != before {
		t.Errorf("the children's arrays changed the loans, the summaries or the audit trail: %s, was %s", got, before)
	}
	if got := flows(); got == flowsBefore {
		t.Errorf("the repayments were not booked: %s", got)
	}

	// How many repayments, recoveries and extensions each loan has.
	want := map[loan.ID][3]int{bare: {}, repaid: {2, 0, 0}, recovered: {0, 1, 0}, extended: {0, 0, 2}, all: {1, 2, 1}, bySQL: {1, 0, 0},
		bySQL2: {1, 1, 0}, edited: {1, 0, 0}, imported[0]: {}, imported[1]: {1, 0, 0}}
	for _, id := range ids {
		l := readsAsChildByChild(t, a.DB, id)
		if has := [3]int{len(l.Repayments), len(l.Recoveries), len(l.Extensions)}; has != want[id] {
			t.Errorf("loan %d has children %v, want %v", id, has, want[id])
		}
	}
	l := readsAsChildByChild(t, a.DB, repaid)
	if l.Repayments[0].BankReference != "R-1" || l.Repayments[0].ReversedAt == nil || l.Repayments[1].ReversedAt != nil {
		t.Errorf("the repayments in the order paid, the first reversed: %s", asJSON(l.Repayments))
	}
	if l := readsAsChildByChild(t, a.DB, edited); l.Repayments[0].BankReference != "R-5 更正" {
		t.Errorf("the repayment changed by SQL: %s", asJSON(l.Repayments))
	}
}

// childrenFixture writes five loans by SQL: the first with two repayments,
// the second a recovery, the third a confirmed and a proposed extension,
// the fourth one of each, the fifth none. It answers a repayment's insert
// for a loan by SQL.
func childrenFixture(exec func(string)) (repayment func(loan, ref string)) {
	baseFixture(exec)
	for id := 1; id <= 5; id++ {
		n := fmt.Sprint(id)
		exec("INSERT INTO loans (id, number, status, version, name, national_id, gender, borrower_type, district_code, bank_code, " +
			"principal_fen, outstanding_fen, annual_rate_ppm, subsidy_rate_ppm, borrower_rate_ppm, subsidy_cap_fen, term_months, repayment_method, " +
			"disbursed_on, disbursed_year, disbursed_month, disbursed_quarter, maturity_date, created_at, updated_at) VALUES (" +
			n + ", 'L" + n + "', 'active', 1, '张伟', '411282199001010013', 'male', 'individual', '411282', 'ICBC-SMX', " +
			"20000000, 20000000, 39500, 19750, 19750, 20000000, 24, 'quarterly_interest', '2024-03-15', 2024, 3, 1, '2026-03-15', " + fixtureAt + ", " + fixtureAt + ")")
	}
	repayment = func(loan, ref string) {
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
	return repayment
}

// Migration 00037 sets the flags of the loans that have children already.
func TestLoanChildrenFlagsMigration(t *testing.T) {
	db, up, exec := beforeMigration(t, "loan_children_flags")
	repayment := childrenFixture(exec)
	up()
	want := []string{"100", "010", "001", "111", "000"}
	for i, w := range want {
		id := loan.ID(i + 1)
		if f := childFlags(t, db, id); f != w {
			t.Errorf("loan %d after the migration: flags %s, want %s", id, f, w)
		}
	}
	// The triggers stand after the backfill.
	repayment("5", "R-4")
	if f := childFlags(t, db, 5); f != "100" {
		t.Errorf("a repayment after the migration: flags %s", f)
	}
}

// Migration 00038 writes the arrays of the loans that have children
// already, they read as they do child by child, the triggers keep them
// after it, and 00037's flags are gone; down, the flags are back as 00037
// set them, and their trigger stands; up again, the arrays are as before.
func TestLoanChildrenInTheRowMigration(t *testing.T) {
	ctx := context.Background()
	db, p, v := unmigrated(t, "loan_children_json")
	exec := execOn(t, db)
	if _, err := p.UpTo(ctx, v-1); err != nil {
		t.Fatal(err)
	}
	repayment := childrenFixture(exec)
	if _, err := p.UpTo(ctx, v); err != nil {
		t.Fatal(err)
	}
	children := func(want [][3]int) {
		t.Helper()
		for i, w := range want {
			l := readsAsChildByChild(t, db, loan.ID(i+1))
			if has := [3]int{len(l.Repayments), len(l.Recoveries), len(l.Extensions)}; has != w {
				t.Errorf("loan %d has children %v, want %v", i+1, has, w)
			}
		}
	}
	children([][3]int{{2, 0, 0}, {0, 1, 0}, {0, 0, 2}, {1, 1, 1}, {}})
	if _, err := db.SQL().Exec("SELECT has_repayments FROM loans"); err == nil {
		t.Error("loans.has_repayments is still there")
	}
	repayment("5", "R-4")
	if _, err := p.DownTo(ctx, v-1); err != nil {
		t.Fatal(err)
	}
	for i, w := range []string{"100", "010", "001", "111", "100"} {
		if f := childFlags(t, db, loan.ID(i+1)); f != w {
			t.Errorf("loan %d down again: flags %s, want %s", i+1, f, w)
		}
	}
	exec("INSERT INTO loan_recoveries (loan_id, amount_fen, recovered_on, recovered_year, recovered_month, created_at) VALUES (5, 50, '2024-08-01', 2024, 8, " + fixtureAt + ")")
	if f := childFlags(t, db, 5); f != "110" {
		t.Errorf("a recovery down again: flags %s", f)
	}
	if _, err := p.UpTo(ctx, v); err != nil {
		t.Fatal(err)
	}
	children([][3]int{{2, 0, 0}, {0, 1, 0}, {0, 0, 2}, {1, 1, 1}, {1, 1, 0}})
}
