package store_test

import (
	"context"
	"strings"
	"testing"

	"chuangdai/internal/apptest"
	"chuangdai/internal/loan"
	"chuangdai/internal/store"
)

// TestLoanSearchUsesIndexes: every kind of loan search is served by an
// index on both engines, never by reading every loan (a bank had 791 pages).
func TestLoanSearchUsesIndexes(t *testing.T) {
	a := apptest.New(t)
	for _, f := range []loan.Filter{
		{Search: "DK411282-2024"},
		{Search: "张"},
		{Search: "REF-20240315-01"},
		{Search: "张", BankCode: apptest.Bank},
		{NationalID: "11010519491231002X"},
	} {
		plan, err := store.LoanSearchPlan(context.Background(), a.DB, f)
		if err != nil {
			t.Fatal(err)
		}
		scan := strings.Contains(plan, "Seq Scan on loans") || // PostgreSQL
			strings.Contains(plan, "SCAN loans") // SQLite: SEARCH … USING INDEX when it does not
		if scan || !strings.Contains(strings.ToLower(plan), "index") {
			t.Errorf("%+v reads every loan:\n%s", f, plan)
		}
	}
}
