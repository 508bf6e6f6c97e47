package store_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"chuangdai/internal/apptest"
	"chuangdai/internal/loan"
	"chuangdai/internal/store"
)

// The loans an import inserts are booked into the summaries exactly once
// (on PostgreSQL grouped by what the summaries tell apart before being
// spread over their dimensions, migration 00036): after two batches over
// several days, two districts, two banks and key groups, with a loan created
// the usual way before the import and one in its transaction after the
// batches, every day's totals per district, bank and key group and every
// day's disbursements per district equal the raw aggregates over the loans.
// An import that fails leaves nothing, summaries included.
func TestImportedLoansBookedOnce(t *testing.T) {
	a := apptest.New(t)
	ctx := context.Background()
	exec := sqlExec(t, a.DB)
	baseFixture(exec)
	exec("INSERT INTO districts (code, name, created_at, updated_at) VALUES ('411221', '渑池县', " + fixtureAt + ", " + fixtureAt + ")")
	exec("INSERT INTO banks (code, name, created_at, updated_at) VALUES ('ABC-SMX', '农行', " + fixtureAt + ", " + fixtureAt + ")")
	n := 0
	mk := func(count int) []loan.Loan {
		var out []loan.Loan
		for range count {
			n++
			district, bank, group := "411282", "ICBC-SMX", "college_graduate"
			if n%2 == 0 {
				district = "411221"
			}
			if n%3 == 0 {
				bank, group = "ABC-SMX", "returning_migrant_worker"
			}
			l, err := loan.New(a.Policy, loan.Loan{Name: "张伟", NationalID: fmt.Sprintf("4101021980010%05d", n), KeyGroup: group,
				BorrowerType: "individual", Jobs: 1 + n%4, DistrictCode: district, BankCode: bank, Principal: decimal.NewFromInt(int64(50000 + 1000*n)),
				AnnualRate: decimal.RequireFromString("0.0395"), SubsidyCap: decimal.NewFromInt(300000), TermMonths: 12 + n%3*12,
				Method: loan.InterestQuarterly, DisbursedOn: loan.Date(2024, 3, 1+n%5)}, time.Now().UTC())
			if err != nil {
				t.Fatal(err)
			}
			ref := fmt.Sprintf("R-%d", n)
			l.Number, l.ExternalRef, l.BankReference = fmt.Sprintf("DK%s-2024-%06d", district, n), &ref, "BANK-"+ref
			out = append(out, l)
		}
		return out
	}
	loans, reports := store.Loans{DB: a.DB}, store.Reports{DB: a.DB}
	if _, err := loans.Create(ctx, mk(1)[0]); err != nil {
		t.Fatal(err)
	}
	err := a.DB.InTx(ctx, func(ctx context.Context) error {
		for _, b := range [][]loan.Loan{mk(30), mk(20)} {
			if err := reports.InsertLoans(ctx, b); err != nil {
				return err
			}
		}
		_, err := loans.Create(ctx, mk(1)[0])
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	rows := func(q string) [][]string {
		t.Helper()
		r, err := a.DB.SQL().Query(q)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		var out [][]string
		for r.Next() {
			var x, y, z, w string
			if err := r.Scan(&x, &y, &z, &w); err != nil {
				t.Fatal(err)
			}
			out = append(out, []string{x, y, z, w})
		}
		return out
	}
	for dim, col := range map[string]string{"district": "district_code", "bank": "bank_code", "key_group": "key_group"} {
		raw := rows("SELECT CAST(disbursed_on AS TEXT), " + col + ", CAST(COUNT(*) AS TEXT), CAST(SUM(principal_fen) AS TEXT) FROM loans GROUP BY disbursed_on, " + col + " ORDER BY 1, 2")
		sum := rows("SELECT CAST(day AS TEXT), key, CAST(loans AS TEXT), CAST(amount_fen AS TEXT) FROM loan_day_totals WHERE dim = '" + dim + "' ORDER BY 1, 2")
		if len(raw) < 6 || !reflect.DeepEqual(raw, sum) {
			t.Errorf("%s: loans %v, summary %v", dim, raw, sum)
		}
	}
	raw := rows("SELECT CAST(disbursed_on AS TEXT), district_code, CAST(COUNT(*) AS TEXT), CAST(SUM(principal_fen) AS TEXT) FROM loans GROUP BY disbursed_on, district_code ORDER BY 1, 2")
	sum := rows("SELECT CAST(day AS TEXT), district_code, CAST(disbursed_loans AS TEXT), CAST(disbursed_fen AS TEXT) FROM portfolio_day_flows WHERE disbursed_loans <> 0 ORDER BY 1, 2")
	if !reflect.DeepEqual(raw, sum) {
		t.Errorf("disbursements: loans %v, flows %v", raw, sum)
	}

	before := snapshot(t, a.DB)
	refused := errors.New("refused")
	err = a.DB.InTx(ctx, func(ctx context.Context) error {
		if err := reports.InsertLoans(ctx, mk(4)); err != nil {
			return err
		}
		return refused
	})
	if !errors.Is(err, refused) {
		t.Fatalf("%v, want the import refused", err)
	}
	if got := snapshot(t, a.DB); got != before {
		t.Errorf("after an import that failed\n%s\nbefore\n%s", got, before)
	}
}
