package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"chuangdai/internal/apperr"
	"chuangdai/internal/apptest"
	"chuangdai/internal/auth"
	"chuangdai/internal/authz"
	"chuangdai/internal/config"
	"chuangdai/internal/loan"
	"chuangdai/internal/store"
)

// Imported loans are stored as a disbursed loan is: every column of a loan
// the import inserts (store.Reports.InsertLoans) holds what Loans.Create
// writes for the same loan, of the same type, texts with quotes,
// backslashes, control characters and characters beyond the BMP, times
// with nanoseconds and a zone, flags, dates and the columns of a
// compensation and of a write-off, whether the batch reads a column from
// its rows or binds it once; the lead's person row too, and the loan reads
// back whole.
func TestInsertLoansWritesWhatCreateWrites(t *testing.T) {
	a := apptest.New(t)
	ctx := context.Background()
	baseFixture(sqlExec(t, a.DB))
	at := time.Date(2024, 3, 5, 8, 30, 15, 123456789, time.FixedZone("CST", 8*3600))
	base, err := loan.New(a.Policy, loan.Loan{Name: "张伟", NationalID: "11010519491231002x", KeyGroup: "college_graduate",
		BorrowerType: "individual", Jobs: 3, DistrictCode: "411282", BankCode: "ICBC-SMX", Principal: decimal.RequireFromString("100000.01"),
		AnnualRate: decimal.RequireFromString("0.0395"), SubsidyCap: decimal.NewFromInt(300000), TermMonths: 24,
		Method: loan.InterestQuarterly, DisbursedOn: loan.Date(2024, 3, 1)}, at)
	if err != nil {
		t.Fatal(err)
	}
	exec := sqlExec(t, a.DB)
	exec("INSERT INTO districts (code, name, created_at, updated_at) VALUES ('411221', '渑池县', " + fixtureAt + ", " + fixtureAt + ")")
	exec("INSERT INTO banks (code, name, created_at, updated_at) VALUES ('ABC-SMX', '农行', " + fixtureAt + ", " + fixtureAt + ")")
	checked, since, settled, original := loan.Date(2024, 9, 1), loan.Date(2024, 8, 20), loan.Date(2024, 10, 1), loan.Date(2025, 9, 1)
	anna, written := auth.UserID(1), loan.Date(2025, 6, 30)
	// Between them the variants give every column but application_id two
	// values at least, so that each is read from the rows' JSON in the
	// batch of all four (a column of one value in a batch is a parameter).
	variants := []func(l *loan.Loan){
		func(*loan.Loan) {},
		func(l *loan.Loan) {
			l.Name, l.Female, l.Disabled, l.VillageOfficial = "张\"伟\\ \t\n\r\x01\x1f 😀 Ünal", true, true, true
			l.NationalID, l.KeyGroup, l.Industry, l.Jobs, l.Version = "410102198001010016", "returning_migrant_worker", "餐饮", 5, 2
			l.Status, l.DaysOverdue, l.OverdueSince, l.EverOverdue, l.CheckedOn = loan.Overdue, 12, &since, true, &checked
			l.JobsCreated, l.UpdatedAt, l.BorrowerID, l.DisbursedBy, l.SettledOn, l.OriginalMaturity = 2, at.Add(time.Hour), &anna, &anna, &settled, &original
		},
		func(l *loan.Loan) {
			l.Status, l.Outstanding, l.ReturnedOverseasStudent = loan.Compensated, decimal.RequireFromString("40000.5"), true
			l.Compensation = &loan.Compensation{On: loan.Date(2025, 1, 2), By: 1, Amount: decimal.RequireFromString("40000.5"),
				Fund: decimal.RequireFromString("32000.4"), Bank: decimal.RequireFromString("8000.1"), FundShare: decimal.RequireFromString("0.8")}
			l.Recovered, l.RecoveredFund = decimal.RequireFromString("100.02"), decimal.RequireFromString("80.01")
			l.BorrowerType, l.Method, l.TermMonths, l.Principal = "partnership", loan.EqualPrincipal, 36, decimal.RequireFromString("200000")
			l.AnnualRate, l.SubsidyRate, l.BorrowerRate, l.SubsidyCap = decimal.RequireFromString("0.0435"), decimal.RequireFromString("0.0435"), decimal.Zero, decimal.NewFromInt(500000)
			l.DisbursedOn, l.Maturity, l.CreatedAt = loan.Date(2023, 11, 15), loan.Date(2026, 11, 15), at.UTC().Add(-time.Minute)
			l.Regime = loan.Regime{Method: loan.NoSubsidy}
		},
		func(l *loan.Loan) {
			l.Status, l.Outstanding, l.DistrictCode, l.BankCode = loan.WrittenOff, decimal.Zero, "411221", "ABC-SMX"
			l.WriteOff = &loan.WriteOff{ProposedBy: 1, ProposedAt: at.Add(48 * time.Hour), Reason: "无法追回", ConfirmedBy: &anna, On: &written,
				Amount: decimal.RequireFromString("1234.56"), Fund: decimal.RequireFromString("987.65")}
		},
	}
	loans := store.Loans{DB: a.DB}
	var created []loan.ID
	var bulk []loan.Loan
	for i, v := range variants {
		l := base
		v(&l)
		for _, who := range []string{"C", "B"} {
			l.Number = fmt.Sprintf("DK411282-2024-%s%05d", who, i)
			ref := fmt.Sprintf("%s-%d", who, i)
			l.ExternalRef, l.BankReference = &ref, "BANK-"+ref
			if who == "B" {
				bulk = append(bulk, l)
				continue
			}
			id, err := loans.Create(ctx, l)
			if err != nil {
				t.Fatal(err)
			}
			created = append(created, id)
		}
	}
	// The batch of all, then the trickiest alone: every column a parameter.
	alone := bulk[1]
	alone.Number, alone.ExternalRef, alone.BankReference = "DK411282-2024-A00001", new(string), "BANK-A-1"
	*alone.ExternalRef = "B-" + fmt.Sprint(len(bulk))
	created = append(created, created[1])
	for _, b := range [][]loan.Loan{bulk, {alone}} {
		if err := a.DB.InTx(ctx, func(ctx context.Context) error { return store.Reports{DB: a.DB}.InsertLoans(ctx, b) }); err != nil {
			t.Fatal(err)
		}
	}
	cols := columnsOf(t, a.DB, "loans")
	for _, c := range cols {
		var n int
		q := fmt.Sprintf("SELECT COUNT(DISTINCT COALESCE(CAST(%s AS TEXT), 'NULL')) FROM loans WHERE external_ref LIKE 'B-%%' AND external_ref <> 'B-%d'", c, len(bulk))
		if err := a.DB.SQL().QueryRow(q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		// An imported loan has no application, and no children yet: its
		// children's arrays (migration 00038) are the triggers' to write.
		if n < 2 && !slices.Contains([]string{"application_id", "repayments_json", "recoveries_json", "extensions_json"}, c) {
			t.Errorf("%s has %d values in the batch of all variants: it is not read from the JSON", c, n)
		}
	}
	for i, id := range created {
		var bulkID loan.ID
		if err := a.DB.SQL().QueryRow(fmt.Sprintf("SELECT id FROM loans WHERE external_ref = 'B-%d'", i)).Scan(&bulkID); err != nil {
			t.Fatal(err)
		}
		for _, c := range cols {
			switch c {
			case "id", "number", "external_ref", "bank_reference", "national_id": // the seal's nonce differs
				continue
			}
			if w, g := cell(t, a.DB, "loans", c, "id", id), cell(t, a.DB, "loans", c, "id", bulkID); w != g {
				t.Errorf("loan %d: %s is %s, created %s", i, c, g, w)
			}
		}
		for _, c := range columnsOf(t, a.DB, "application_persons") {
			switch c {
			case "id", "loan_id", "national_id":
				continue
			}
			if w, g := cell(t, a.DB, "application_persons", c, "loan_id", id), cell(t, a.DB, "application_persons", c, "loan_id", bulkID); w != g {
				t.Errorf("loan %d: the lead's %s is %s, created %s", i, c, g, w)
			}
		}
		want, err := loans.Get(ctx, authz.ListScope{All: true}, id)
		if err != nil {
			t.Fatal(err)
		}
		got, err := loans.Get(ctx, authz.ListScope{All: true}, bulkID)
		if err != nil {
			t.Fatal(err)
		}
		want.ID, want.Number, want.ExternalRef, want.BankReference = got.ID, got.Number, got.ExternalRef, got.BankReference
		if w, g := asJSON(want), asJSON(got); w != g {
			t.Errorf("loan %d reads back\n%s\ncreated\n%s", i, g, w)
		}
	}
}

// An import's loan that collides with a loan already there (its
// external_ref, or the bank's bank_reference) is refused naming the field,
// and nothing of its batch is left: no loan, no person, no summary. On
// SQLite the connection's page cache is what it was after a batch, whether
// the batch went in or not.
func TestInsertLoansConflictNamesTheFieldAndLeavesNothing(t *testing.T) {
	a := apptest.New(t)
	ctx := context.Background()
	baseFixture(sqlExec(t, a.DB))
	l, err := loan.New(a.Policy, loan.Loan{Name: "张伟", NationalID: "11010519491231002X", BorrowerType: "individual", Jobs: 1,
		DistrictCode: "411282", BankCode: "ICBC-SMX", Principal: decimal.NewFromInt(100000), AnnualRate: decimal.RequireFromString("0.0395"),
		SubsidyCap: decimal.NewFromInt(300000), TermMonths: 24, Method: loan.InterestQuarterly, DisbursedOn: loan.Date(2024, 3, 1)}, time.Now().UTC())
	if err != nil {
		t.Fatal(err)
	}
	// batch is a loan for each reference, numbered after the references'
	// place in refs and with the bank's reference BANK- and the reference.
	batch := func(number string, refs ...string) []loan.Loan {
		var out []loan.Loan
		for i, r := range refs {
			x := l
			ref := r
			x.Number, x.ExternalRef, x.BankReference = fmt.Sprintf("DK411282-2024-%s%05d", number, i), &ref, "BANK-"+ref
			out = append(out, x)
		}
		return out
	}
	insert := func(loans []loan.Loan) error {
		return a.DB.InTx(ctx, func(ctx context.Context) error { return store.Reports{DB: a.DB}.InsertLoans(ctx, loans) })
	}
	if err := insert(batch("A", "R-1", "R-2")); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, a.DB)
	again := batch("B", "R-3", "R-1")
	again[1].BankReference = "BANK-R-6"
	other := batch("C", "R-4", "R-5")
	other[1].BankReference = "BANK-R-2"
	for _, c := range []struct {
		loans []loan.Loan
		field string
	}{{again, "external_ref"}, {other, "bank_reference"}} {
		err := insert(c.loans)
		if apperr.KindOf(err) != apperr.Conflict || !strings.Contains(err.Error(), c.field) {
			t.Errorf("%v, want a conflict naming %s", err, c.field)
		}
		if got := snapshot(t, a.DB); got != before {
			t.Errorf("after the batch refused for its %s\n%s\nbefore\n%s", c.field, got, before)
		}
	}
	if a.DB.Engine != config.SQLite {
		return
	}
	err = a.DB.InTx(ctx, func(ctx context.Context) error {
		want, err := store.CacheSize(ctx, a.DB)
		if err != nil {
			return err
		}
		for _, loans := range [][]loan.Loan{batch("D", "R-7"), again} {
			err := store.Reports{DB: a.DB}.InsertLoans(ctx, loans)
			if got, e := store.CacheSize(ctx, a.DB); e != nil || got != want {
				t.Errorf("the page cache is %d (%v) after a batch (%v), %d before", got, e, err, want)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// snapshot is what an import writes: the loans, persons and summaries (and
// on SQLite the guard of its bulk insert).
func snapshot(t *testing.T, db *store.DB) string {
	t.Helper()
	var b strings.Builder
	qs := []string{"SELECT COUNT(*), COALESCE(MAX(id), 0) FROM loans", "SELECT COUNT(*) FROM application_persons",
		"SELECT COUNT(*), COALESCE(SUM(loans), 0), COALESCE(SUM(amount_fen), 0) FROM loan_day_totals",
		"SELECT COUNT(*), COALESCE(SUM(disbursed_loans), 0), COALESCE(SUM(matured_principal_fen), 0) FROM portfolio_day_flows"}
	if db.Engine == config.SQLite {
		// The row that holds the summary trigger off (migration 00034).
		qs = append(qs, "SELECT COUNT(*) FROM report_bulk_loans")
	}
	for _, q := range qs {
		rows, err := db.SQL().Query(q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var x, y, z sql.NullString
			dest := []any{&x, &y, &z}
			cs, _ := rows.Columns()
			if err := rows.Scan(dest[:len(cs)]...); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintln(&b, q, x.String, y.String, z.String)
		}
		rows.Close()
	}
	return b.String()
}

// columnsOf lists the columns of table.
func columnsOf(t *testing.T, db *store.DB, table string) []string {
	t.Helper()
	rows, err := db.SQL().Query("SELECT * FROM " + table + " WHERE 1 = 0")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	return cols
}

// cell is the column col of the row of table whose column key is v, as
// SQL writes it: on SQLite quote() (its type shows: 1 is not '1'), on
// PostgreSQL its text with its type's name.
func cell[V any](t *testing.T, db *store.DB, table, col, key string, v V) string {
	t.Helper()
	expr := "quote(" + col + ")"
	if db.Engine == config.Postgres {
		expr = "pg_typeof(" + col + ")::text || ':' || COALESCE(" + col + "::text, 'NULL')"
	}
	var s string
	if err := db.SQL().QueryRow(fmt.Sprintf("SELECT %s FROM %s WHERE %s = %v", expr, table, key, v)).Scan(&s); err != nil {
		t.Fatalf("%s of %s %s = %v: %v", col, table, key, v, err)
	}
	return s
}

// The summaries of imported loans equal the raw aggregates over the loans
// once the import's transaction has committed: loans of every status
// (active, overdue, compensated, written off) in two districts, in batches
// whose days overlap, after loans created one by one and (on SQLite) after
// a batch of the same transaction refused for a conflict (its first): each
// loan is booked exactly once, a loan created the usual way in the import's
// transaction after its batches and one created after the import included
// (the trigger is no longer held off). A transaction whose batches went in
// and that then fails leaves nothing.
func TestImportedSummariesEqualTheLoans(t *testing.T) {
	a := apptest.New(t)
	ctx := context.Background()
	exec := sqlExec(t, a.DB)
	baseFixture(exec)
	exec("INSERT INTO districts (code, name, created_at, updated_at) VALUES ('411221', '渑池县', " + fixtureAt + ", " + fixtureAt + ")")
	exec("INSERT INTO banks (code, name, created_at, updated_at) VALUES ('ABC-SMX', '农行', " + fixtureAt + ", " + fixtureAt + ")")
	at := time.Date(2025, 3, 5, 8, 30, 0, 0, time.UTC)
	anna, written, since := auth.UserID(1), loan.Date(2025, 6, 30), loan.Date(2025, 2, 20)
	n := 0
	mk := func(i int) loan.Loan {
		n++
		l, err := loan.New(a.Policy, loan.Loan{Name: "张伟", NationalID: "11010519491231002X", KeyGroup: "college_graduate", BorrowerType: "individual",
			Jobs: 1 + i%4, DistrictCode: "411282", BankCode: "ICBC-SMX", Principal: decimal.NewFromInt(int64(50000 + 1000*(i%7))),
			AnnualRate: decimal.RequireFromString("0.0395"), SubsidyCap: decimal.NewFromInt(300000), TermMonths: 12 + 12*(i%2),
			Method: loan.InterestQuarterly, DisbursedOn: loan.Date(2024, 1, 1+i%9)}, at)
		if err != nil {
			t.Fatal(err)
		}
		ref := fmt.Sprintf("S-%d", n)
		l.Number, l.ExternalRef, l.BankReference = fmt.Sprintf("DK411282-2024-%06d", n), &ref, "BANK-"+ref
		l.JobsCreated, l.Female, l.Disabled = i%3, i%2 == 0, i%5 == 0
		if i%4 == 1 {
			l.DistrictCode, l.BankCode, l.KeyGroup, l.Industry, l.VillageOfficial = "411221", "ABC-SMX", "returning_migrant_worker", "餐饮", true
		}
		switch i % 6 {
		case 2:
			l.Status, l.DaysOverdue, l.OverdueSince, l.EverOverdue = loan.Overdue, 12, &since, true
		case 3:
			l.Status, l.Outstanding, l.ReturnedOverseasStudent = loan.Compensated, decimal.RequireFromString("40000.5"), true
			l.Compensation = &loan.Compensation{On: loan.Date(2025, 1, 2+i%3), By: 1, Amount: decimal.RequireFromString("40000.5"),
				Fund: decimal.RequireFromString("32000.4"), Bank: decimal.RequireFromString("8000.1"), FundShare: decimal.RequireFromString("0.8")}
			l.Recovered, l.RecoveredFund = decimal.RequireFromString("100.02"), decimal.RequireFromString("80.01")
		case 4:
			l.Status, l.Outstanding = loan.WrittenOff, decimal.Zero
			l.WriteOff = &loan.WriteOff{ProposedBy: 1, ProposedAt: at.Add(48 * time.Hour), Reason: "无法追回", ConfirmedBy: &anna, On: &written,
				Amount: decimal.RequireFromString("1234.56"), Fund: decimal.RequireFromString("987.65")}
		}
		return l
	}
	batch := func(from, to int) []loan.Loan {
		var out []loan.Loan
		for i := from; i < to; i++ {
			out = append(out, mk(i))
		}
		return out
	}
	loans := store.Loans{DB: a.DB}
	for i := range 8 {
		if _, err := loans.Create(ctx, mk(i)); err != nil {
			t.Fatal(err)
		}
	}
	refused := batch(0, 3)
	refused[2].ExternalRef = new("S-1")
	err := a.DB.InTx(ctx, func(ctx context.Context) error {
		// PostgreSQL ends a transaction at its first error.
		if a.DB.Engine == config.SQLite {
			if err := (store.Reports{DB: a.DB}).InsertLoans(ctx, refused); apperr.KindOf(err) != apperr.Conflict {
				t.Errorf("a batch naming a loan there already: %v", err)
			}
		}
		for _, b := range [][]loan.Loan{batch(0, 40), batch(20, 70), batch(5, 6)} {
			if err := (store.Reports{DB: a.DB}).InsertLoans(ctx, b); err != nil {
				return err
			}
		}
		_, err := loans.Create(ctx, mk(9))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := loans.Create(ctx, mk(3)); err != nil {
		t.Fatal(err)
	}
	assertSummariesEqualLoans(t, a.DB)
	before := snapshot(t, a.DB)
	failed := errors.New("the import fails after its batches")
	err = a.DB.InTx(ctx, func(ctx context.Context) error {
		for _, b := range [][]loan.Loan{batch(0, 30), batch(10, 50)} {
			if err := (store.Reports{DB: a.DB}).InsertLoans(ctx, b); err != nil {
				return err
			}
		}
		return failed
	})
	if !errors.Is(err, failed) {
		t.Fatalf("the failing import: %v", err)
	}
	if got := snapshot(t, a.DB); got != before {
		t.Errorf("after a failed import\n%s\nbefore\n%s", got, before)
	}
}

// assertSummariesEqualLoans holds loan_day_totals and the disbursements,
// compensations, write-offs and maturities of portfolio_day_flows to the
// aggregates over the loans, bucket by bucket.
func assertSummariesEqualLoans(t *testing.T, db *store.DB) {
	t.Helper()
	rows := func(q string) [][]string { return apptest.Rows(t, db.SQL(), q) }
	raw := rows(`SELECT dim, day, key, MIN(y), MIN(m), MIN(q), COUNT(*), SUM(principal_fen), SUM(jobs), SUM(jobs_created) FROM (
		SELECT 'district' AS dim, disbursed_on AS day, district_code AS key, disbursed_year AS y, disbursed_month AS m, disbursed_quarter AS q,
		       principal_fen, jobs, jobs_created FROM loans
		UNION ALL SELECT 'returnee', disbursed_on, district_code, disbursed_year, disbursed_month, disbursed_quarter, principal_fen, jobs, jobs_created
		          FROM loans WHERE key_group = 'returning_migrant_worker'
		UNION ALL SELECT 'key_group', disbursed_on, key_group, disbursed_year, disbursed_month, disbursed_quarter, principal_fen, jobs, jobs_created
		          FROM loans WHERE key_group IS NOT NULL
		UNION ALL SELECT 'bank', disbursed_on, bank_code, disbursed_year, disbursed_month, disbursed_quarter, principal_fen, jobs, jobs_created FROM loans
		UNION ALL SELECT 'borrower_type', disbursed_on, borrower_type, disbursed_year, disbursed_month, disbursed_quarter, principal_fen, jobs, jobs_created FROM loans
		UNION ALL SELECT 'industry', disbursed_on, industry, disbursed_year, disbursed_month, disbursed_quarter, principal_fen, jobs, jobs_created
		          FROM loans WHERE industry IS NOT NULL
		UNION ALL SELECT 'gender', disbursed_on, gender, disbursed_year, disbursed_month, disbursed_quarter, principal_fen, jobs, jobs_created
		          FROM loans WHERE gender IS NOT NULL
		UNION ALL SELECT 'flag', disbursed_on, 'female', disbursed_year, disbursed_month, disbursed_quarter, principal_fen, jobs, jobs_created
		          FROM loans WHERE gender = 'female'
		UNION ALL SELECT 'flag', disbursed_on, 'disabled', disbursed_year, disbursed_month, disbursed_quarter, principal_fen, jobs, jobs_created
		          FROM loans WHERE is_disabled
		UNION ALL SELECT 'flag', disbursed_on, 'village_official', disbursed_year, disbursed_month, disbursed_quarter, principal_fen, jobs, jobs_created
		          FROM loans WHERE is_village_official
		UNION ALL SELECT 'flag', disbursed_on, 'returned_overseas_student', disbursed_year, disbursed_month, disbursed_quarter, principal_fen, jobs, jobs_created
		          FROM loans WHERE is_returned_overseas_student) AS b
		GROUP BY dim, day, key ORDER BY dim, day, key`)
	sum := rows(`SELECT dim, day, key, year, month, quarter, loans, amount_fen, jobs_planned, jobs_created FROM loan_day_totals
		WHERE loans <> 0 ORDER BY dim, day, key`)
	if !reflect.DeepEqual(raw, sum) {
		t.Errorf("loan_day_totals\n%v\nthe loans\n%v", sum, raw)
	}
	raw = rows(`SELECT day, district_code, SUM(dl), SUM(df), SUM(cl), SUM(cf), SUM(fp), SUM(wo), SUM(ml), SUM(mp), SUM(mu) FROM (
		SELECT disbursed_on AS day, district_code, 1 AS dl, principal_fen AS df, 0 AS cl, 0 AS cf, 0 AS fp, 0 AS wo, 0 AS ml, 0 AS mp, 0 AS mu FROM loans
		UNION ALL SELECT compensated_on, district_code, 0, 0, 1, compensation_fen, fund_paid_fen, 0, 0, 0, 0 FROM loans WHERE compensated_on IS NOT NULL
		UNION ALL SELECT written_off_on, district_code, 0, 0, 0, 0, 0, written_off_fen, 0, 0, 0 FROM loans WHERE written_off_on IS NOT NULL
		UNION ALL SELECT maturity_date, district_code, 0, 0, 0, 0, 0, 0, 1, principal_fen,
		       CASE WHEN status IN ('active', 'overdue') THEN outstanding_fen ELSE COALESCE(compensation_fen, 0) - recovered_fen END FROM loans) AS f
		GROUP BY day, district_code ORDER BY day, district_code`)
	sum = rows(`SELECT day, district_code, disbursed_loans, disbursed_fen, compensated_loans, compensated_fen, fund_paid_fen, written_off_fen,
		matured_loans, matured_principal_fen, matured_unpaid_fen FROM portfolio_day_flows ORDER BY day, district_code`)
	if !reflect.DeepEqual(raw, sum) {
		t.Errorf("portfolio_day_flows\n%v\nthe loans\n%v", sum, raw)
	}
}
