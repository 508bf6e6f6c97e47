package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"chuangdai/internal/apperr"
	"chuangdai/internal/auth"
	"chuangdai/internal/authz"
	"chuangdai/internal/loan"
	"chuangdai/internal/store"
)

// Subsidy claims: one per loan and quarter (a second is a conflict), read
// back exact in fen, locked by loan and quarter (not found for a quarter
// never claimed), listed per loan in quarter order; amounts that do not
// add up, or in fractions of a fen, are refused and not stored; a status
// changes only from the one read (else a conflict that changes nothing).
// The work list: pending quarters are the loans with days in the quarter
// (disbursed by its end, not settled or compensated before it began, not
// imported, not yet claimed), found by number (any case) or name; the
// other lists are the claims in that status with their loan's number and
// name; the scope applies to both, an empty one shows nothing.
func TestSubsidyClaims(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	loans := store.Loans{DB: db}
	exec := sqlExec(t, db)
	baseFixture(exec)
	for i, nid := range []string{"411282199001010013", "411282199001010021", "411282199001010030", "411282199001010048", "411282199001010056"} {
		insertLoan(exec, i+1, "NULL", "NULL", nid, "individual", 10000000, 30000000)
	}
	exec("UPDATE loans SET name = '李四' WHERE id = 1")
	exec("UPDATE loans SET external_ref = 'OLD-2' WHERE id = 2")
	exec("UPDATE loans SET disbursed_on = '2024-04-10' WHERE id = 3")
	exec("UPDATE loans SET status = 'settled', settled_on = '2023-12-31', outstanding_fen = 0 WHERE id = 4")
	by := auth.UserID(1)
	at := time.Date(2024, 4, 2, 1, 0, 0, 0, time.UTC)
	start, end := loan.QuarterBounds("2024Q1")
	claim := loan.Claim{LoanID: 5, Period: "2024Q1", Start: loan.Date(2024, 3, 15), End: end, Days: 17, Interest: decimal.RequireFromString("987.50"),
		Subsidy: decimal.RequireFromString("466.32"), Borrower: decimal.RequireFromString("521.18"), Status: loan.ClaimClaimed,
		DistrictCode: "411282", BankCode: "ICBC-SMX", ClaimedBy: &by, ClaimedAt: &at}
	id, err := loans.CreateClaim(ctx, claim)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := loans.CreateClaim(ctx, claim); apperr.KindOf(err) != apperr.Conflict {
		t.Fatalf("a second claim of the quarter: %v, want a conflict", err)
	}
	bad := []loan.Claim{claim, claim}
	bad[0].Period, bad[0].Subsidy = "2024Q2", decimal.RequireFromString("987.51")
	bad[1].Period, bad[1].Interest = "2024Q2", decimal.RequireFromString("987.505")
	for _, c := range bad {
		if _, err := loans.CreateClaim(ctx, c); err == nil {
			t.Fatalf("a claim of %s interest, %s subsidy was stored", c.Interest, c.Subsidy)
		}
	}
	var got loan.Claim
	if err := db.InTx(ctx, func(ctx context.Context) (err error) {
		got, err = loans.Claim(ctx, 5, "2024Q1")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if got.ID != id || got.Interest.String() != "987.5" || got.Subsidy.String() != "466.32" || got.Borrower.String() != "521.18" || got.Days != 17 ||
		!got.Start.Equal(loan.Date(2024, 3, 15)) || !got.End.Equal(end) || got.Status != loan.ClaimClaimed || got.ClaimedBy == nil || *got.ClaimedBy != by ||
		got.ClaimedAt == nil || !got.ClaimedAt.Equal(at) || got.CheckedAt != nil {
		t.Fatalf("the claim read back as %s", asJSON(got))
	}
	if _, err := loans.Claim(ctx, 5, "2024Q2"); apperr.KindOf(err) != apperr.NotFound {
		t.Fatalf("a quarter never claimed: %v, want not found", err)
	}
	q4 := claim
	q4.Period, q4.Start, q4.End = "2023Q4", loan.Date(2023, 10, 1), loan.Date(2023, 12, 31)
	if _, err := loans.CreateClaim(ctx, q4); err != nil {
		t.Fatal(err)
	}
	if cs, err := loans.Claims(ctx, 5); err != nil || len(cs) != 2 || cs[0].Period != "2023Q4" || cs[1].Period != "2024Q1" {
		t.Fatalf("loan 5's claims = %s, %v; want 2023Q4 then 2024Q1", asJSON(cs), err)
	}

	checked := at.Add(time.Hour)
	next := loan.Claim{ID: id, Period: "2024Q1", Status: loan.ClaimChecked, CheckedBy: &by, CheckedAt: &checked}
	if err := loans.UpdateClaim(ctx, next, loan.ClaimClaimed); err != nil {
		t.Fatal(err)
	}
	if err := loans.UpdateClaim(ctx, loan.Claim{ID: id, Period: "2024Q1", Status: loan.ClaimRefused, RefusedBy: &by, RefusedAt: &checked, Reason: "x"},
		loan.ClaimClaimed); apperr.KindOf(err) != apperr.Conflict {
		t.Fatalf("a change from a status no longer stored: %v, want a conflict", err)
	}
	if c, err := loans.Claim(ctx, 5, "2024Q1"); err != nil || c.Status != loan.ClaimChecked || c.CheckedAt == nil || !c.CheckedAt.Equal(checked) ||
		c.RefusedAt != nil || c.Reason != "" || !c.ClaimedAt.Equal(at) {
		t.Fatalf("the checked claim read back as %s, %v", asJSON(c), err)
	}

	all := authz.ListScope{All: true}
	lines := func(f loan.ClaimFilter, scope authz.ListScope) ([]loan.ClaimLine, string) {
		t.Helper()
		ls, total, err := loans.ClaimLines(ctx, f, scope, 0, 0)
		if err != nil || int(total) != len(ls) {
			t.Fatalf("work list %+v: %d of %d, %v", f, len(ls), total, err)
		}
		var ns []string
		for _, l := range ls {
			ns = append(ns, l.LoanNumber)
		}
		return ls, strings.Join(ns, " ")
	}
	pending, numbers := lines(loan.ClaimFilter{Status: loan.ClaimPending, Period: "2024Q1"}, all)
	if numbers != "L1" || pending[0].Name != "李四" || pending[0].LoanID != 1 || !pending[0].Period.Start.Equal(start) || !pending[0].Period.End.Equal(end) ||
		pending[0].Status != loan.ClaimPending {
		t.Fatalf("pending 2024Q1 = %s; want loan 1 alone", asJSON(pending))
	}
	if _, numbers := lines(loan.ClaimFilter{Status: loan.ClaimPending, Period: "2024Q2"}, all); numbers != "L1 L3 L5" {
		t.Fatalf("pending 2024Q2 = %s; want L1 L3 L5 (L5 claimed only 2024Q1 and 2023Q4)", numbers)
	}
	for _, q := range []string{"l1", "李"} {
		if _, numbers := lines(loan.ClaimFilter{Status: loan.ClaimPending, Period: "2024Q2", Query: q}, all); numbers != "L1" {
			t.Fatalf("pending 2024Q2 found by %q = %s; want L1", q, numbers)
		}
	}
	checkedLines, numbers := lines(loan.ClaimFilter{Status: loan.ClaimChecked}, all)
	if numbers != "L5" || checkedLines[0].Name != "张伟" || checkedLines[0].Period.Split.Subsidy.String() != "466.32" ||
		checkedLines[0].Period.Days != 17 || checkedLines[0].CheckedAt == nil {
		t.Fatalf("checked claims = %s", asJSON(checkedLines))
	}
	if _, numbers := lines(loan.ClaimFilter{Status: loan.ClaimClaimed}, all); numbers != "L5" {
		t.Fatalf("claimed claims = %s; want the 2023Q4 claim of L5", numbers)
	}
	if _, numbers := lines(loan.ClaimFilter{Status: loan.ClaimClaimed, Period: "2024Q1"}, all); numbers != "" {
		t.Fatalf("claimed claims of 2024Q1 = %s; want none", numbers)
	}
	for _, scope := range []authz.ListScope{{Districts: []string{"411281"}}, {}} {
		for _, f := range []loan.ClaimFilter{{Status: loan.ClaimPending, Period: "2024Q1"}, {Status: loan.ClaimChecked}} {
			if _, numbers := lines(f, scope); numbers != "" {
				t.Fatalf("work list %+v in scope %+v = %s; want none", f, scope, numbers)
			}
		}
	}
	if _, numbers := lines(loan.ClaimFilter{Status: loan.ClaimChecked}, authz.ListScope{Banks: []string{"ICBC-SMX"}}); numbers != "L5" {
		t.Fatalf("checked claims in the bank's scope = %s; want L5", numbers)
	}
}
