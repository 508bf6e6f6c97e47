package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"chuangdai/internal/apperr"
	"chuangdai/internal/auth"
	"chuangdai/internal/authz"
	"chuangdai/internal/loan"
	"chuangdai/internal/store"
)

// Reversals: the loan of a repayment or recovery is found (not found for an
// unknown one); a proposal reads back exactly with its loan's number, and a
// second live one of the same original is a conflict, after a rejection
// not, after a confirmation only for a compensation (a loan compensated
// again); a decision is taken once; amounts in fractions of a fen are
// refused and not stored; marking the original reversed happens once.
func TestReversals(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	rs, loans := store.Reversals{DB: db}, store.Loans{DB: db}
	placesFixture(sqlExec(t, db))
	insertLoan(sqlExec(t, db), 7, "NULL", "NULL", "411282199001010013", "individual", 10000000, 30000000)
	proposer := account(t, db, "bank.one", auth.Binding{Role: auth.BankOfficer, Bank: "ICBC-SMX"})
	decider := account(t, db, "guarantee.one", auth.Binding{Role: auth.GuaranteeOfficer})
	at := time.Date(2024, 7, 1, 2, 3, 4, 5000, time.UTC)

	rep, err := loans.AddRepayment(ctx, loan.Repayment{LoanID: 7, Principal: decimal.RequireFromString("1000.01"), Interest: decimal.RequireFromString("329.17"),
		PaidOn: loan.Date(2024, 6, 20), BankReference: "R-1", RecordedBy: proposer, CreatedAt: at}, "ICBC-SMX")
	if err != nil {
		t.Fatal(err)
	}
	rec, err := loans.AddRecovery(ctx, loan.Recovery{LoanID: 7, Amount: decimal.RequireFromString("10.00"), Fund: decimal.RequireFromString("8.00"),
		Bank: decimal.RequireFromString("2.00"), RecoveredOn: loan.Date(2024, 6, 21), RecordedBy: proposer, CreatedAt: at})
	if err != nil {
		t.Fatal(err)
	}
	if id, err := rs.RepaymentLoan(ctx, rep); err != nil || id != 7 {
		t.Fatalf("loan of repayment %d = %d, %v", rep, id, err)
	}
	if id, err := rs.RecoveryLoan(ctx, rec); err != nil || id != 7 {
		t.Fatalf("loan of recovery %d = %d, %v", rec, id, err)
	}
	if _, err := rs.RepaymentLoan(ctx, rep+100); apperr.KindOf(err) != apperr.NotFound {
		t.Fatalf("loan of an unknown repayment: %v, want not found", err)
	}
	if _, err := rs.RecoveryLoan(ctx, rec+100); apperr.KindOf(err) != apperr.NotFound {
		t.Fatalf("loan of an unknown recovery: %v, want not found", err)
	}

	propose := func(r loan.Reversal) (int64, error) {
		r.LoanID, r.BankCode, r.Status, r.ProposedBy, r.ProposedAt = 7, "ICBC-SMX", loan.RevProposed, proposer, at
		if r.DistrictCode == "" {
			r.DistrictCode = "411282"
		}
		return rs.CreateReversal(ctx, r)
	}
	repRev := loan.Reversal{Kind: loan.RevRepayment, TargetID: rep, Amount: decimal.RequireFromString("1000.01"), Interest: decimal.RequireFromString("329.17"),
		OriginalOn: loan.Date(2024, 6, 20), Reason: "错账「重复」"}
	id, err := propose(repRev)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := propose(repRev); apperr.KindOf(err) != apperr.Conflict {
		t.Fatalf("a second proposal of the same repayment: %v, want a conflict", err)
	}
	if _, err := propose(loan.Reversal{Kind: loan.RevRecovery, TargetID: rec, Amount: decimal.RequireFromString("10.001"), OriginalOn: loan.Date(2024, 6, 21), Reason: "x"}); err == nil {
		t.Fatal("a reversal of a thousandth of a yuan was stored")
	}
	var got loan.Reversal
	if err := db.InTx(ctx, func(ctx context.Context) (err error) {
		got, err = rs.Reversal(ctx, id)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if got.ID != id || got.Kind != loan.RevRepayment || got.LoanID != 7 || got.LoanNumber != "L7" || got.TargetID != rep || got.DistrictCode != "411282" ||
		got.BankCode != "ICBC-SMX" || got.Amount.String() != "1000.01" || got.Interest.String() != "329.17" || !got.Fund.IsZero() ||
		!got.OriginalOn.Equal(loan.Date(2024, 6, 20)) || got.Reason != "错账「重复」" || got.Status != loan.RevProposed || got.ProposedBy != proposer ||
		!got.ProposedAt.Equal(at) || got.DecidedBy != nil || got.DecidedAt != nil || got.PostedOn != nil {
		t.Fatalf("the proposal read back as %s", asJSON(got))
	}
	if _, err := rs.Reversal(ctx, id+100); apperr.KindOf(err) != apperr.NotFound {
		t.Fatalf("an unknown reversal: %v, want not found", err)
	}

	decided, posted := at.Add(time.Hour), loan.Date(2024, 7, 1)
	confirm := func(id int64) error {
		return rs.DecideReversal(ctx, loan.Reversal{ID: id, Status: loan.RevConfirmed, DecidedBy: &decider, DecidedAt: &decided, PostedOn: &posted, Comment: "核实"})
	}
	if err := confirm(id); err != nil {
		t.Fatal(err)
	}
	if err := rs.DecideReversal(ctx, loan.Reversal{ID: id, Status: loan.RevRejected, DecidedBy: &decider, DecidedAt: &decided}); apperr.KindOf(err) != apperr.Conflict {
		t.Fatalf("deciding a decided reversal: %v, want a conflict", err)
	}
	if got, err := rs.Reversal(ctx, id); err != nil || got.Status != loan.RevConfirmed || got.DecidedBy == nil || *got.DecidedBy != decider ||
		got.DecidedAt == nil || !got.DecidedAt.Equal(decided) || got.PostedOn == nil || !got.PostedOn.Equal(posted) || got.Comment != "核实" {
		t.Fatalf("the confirmed reversal read back as %s, %v", asJSON(got), err)
	}
	if _, err := propose(repRev); apperr.KindOf(err) != apperr.Conflict {
		t.Fatalf("a proposal of a repayment whose reversal is confirmed: %v, want a conflict", err)
	}

	mark := loan.Reversal{ID: id, Kind: loan.RevRepayment, TargetID: rep}
	if err := rs.MarkReversed(ctx, mark, decided); err != nil {
		t.Fatal(err)
	}
	if err := rs.MarkReversed(ctx, mark, decided); apperr.KindOf(err) != apperr.Conflict {
		t.Fatalf("marking a reversed repayment again: %v, want a conflict", err)
	}
	l, err := loans.Get(ctx, authz.ListScope{All: true}, 7)
	if err != nil || len(l.Repayments) != 1 || l.Repayments[0].ReversedBy == nil || *l.Repayments[0].ReversedBy != id ||
		l.Repayments[0].ReversedAt == nil || !l.Repayments[0].ReversedAt.Equal(decided) {
		t.Fatalf("the reversed repayment: %s, %v", asJSON(l.Repayments), err)
	}
	if err := rs.MarkReversed(ctx, loan.Reversal{ID: id, Kind: loan.RevSubsidyPayment, TargetID: 7}, decided); err != nil {
		t.Fatalf("marking a subsidy payment reversed (no row of its own): %v", err)
	}

	recRev := loan.Reversal{Kind: loan.RevRecovery, TargetID: rec, Amount: decimal.RequireFromString("10.00"), Fund: decimal.RequireFromString("8.00"),
		OriginalOn: loan.Date(2024, 6, 21), Reason: "x", DistrictCode: "411281"}
	rejected, err := propose(recRev)
	if err != nil {
		t.Fatal(err)
	}
	if err := rs.DecideReversal(ctx, loan.Reversal{ID: rejected, Status: loan.RevRejected, DecidedBy: &decider, DecidedAt: &decided, Comment: "不符"}); err != nil {
		t.Fatal(err)
	}
	if _, err := propose(recRev); err != nil {
		t.Fatalf("a proposal of a recovery whose reversal was rejected: %v", err)
	}
	comp := loan.Reversal{Kind: loan.RevCompensation, TargetID: 7, Amount: decimal.RequireFromString("100.00"), Fund: decimal.RequireFromString("80.00"),
		OriginalOn: loan.Date(2024, 6, 22), Reason: "x"}
	first, err := propose(comp)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := propose(comp); apperr.KindOf(err) != apperr.Conflict {
		t.Fatalf("two proposals of a compensation's reversal: %v, want a conflict", err)
	}
	if err := confirm(first); err != nil {
		t.Fatal(err)
	}
	if _, err := propose(comp); err != nil {
		t.Fatalf("a proposal of a second compensation's reversal after the first was confirmed: %v", err)
	}
}

// The reversal list: newest first with the loan's number, filtered by
// status, kind, loan, kinds (an empty set of kinds shows nothing), not the
// viewer's own proposals, and the scope (an empty scope shows nothing);
// paged with the total.
func TestReversalList(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	rs := store.Reversals{DB: db}
	exec := sqlExec(t, db)
	placesFixture(exec)
	insertLoan(exec, 7, "NULL", "NULL", "411282199001010013", "individual", 10000000, 30000000)
	insertLoan(exec, 8, "NULL", "NULL", "411282199001010021", "individual", 10000000, 30000000)
	one := account(t, db, "bank.one", auth.Binding{Role: auth.BankOfficer, Bank: "ICBC-SMX"})
	two := account(t, db, "bank.two", auth.Binding{Role: auth.BankOfficer, Bank: "ICBC-SMX"})
	at := time.Date(2024, 7, 1, 2, 3, 4, 0, time.UTC)
	type spec struct {
		kind     loan.ReversalKind
		loan     loan.ID
		district string
		by       auth.UserID
	}
	specs := []spec{
		{loan.RevRepayment, 7, "411282", one},
		{loan.RevRecovery, 7, "411281", two},
		{loan.RevSubsidyPayment, 8, "411282", one},
		{loan.RevCompensation, 8, "411281", two},
	}
	ids := make([]int64, len(specs))
	for i, s := range specs {
		id, err := rs.CreateReversal(ctx, loan.Reversal{Kind: s.kind, LoanID: s.loan, TargetID: int64(100 + i), DistrictCode: s.district, BankCode: "ICBC-SMX",
			Amount: decimal.RequireFromString("1.00"), OriginalOn: loan.Date(2024, 6, 1), Period: "2024Q2", Reason: "x", Status: loan.RevProposed, ProposedBy: s.by, ProposedAt: at})
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = id
	}
	decided := at.Add(time.Hour)
	if err := rs.DecideReversal(ctx, loan.Reversal{ID: ids[1], Status: loan.RevRejected, DecidedBy: &one, DecidedAt: &decided}); err != nil {
		t.Fatal(err)
	}
	all := authz.ListScope{All: true}
	list := func(f loan.ReversalFilter, scope authz.ListScope, offset, limit int) ([]int64, int64) {
		t.Helper()
		got, n, err := rs.Reversals(ctx, f, scope, offset, limit)
		if err != nil {
			t.Fatal(err)
		}
		var out []int64
		for _, r := range got {
			if want := map[loan.ID]string{7: "L7", 8: "L8"}[r.LoanID]; r.LoanNumber != want {
				t.Fatalf("reversal %d of loan %d has number %q, want %q", r.ID, r.LoanID, r.LoanNumber, want)
			}
			out = append(out, r.ID)
		}
		return out, n
	}
	cases := []struct {
		name  string
		f     loan.ReversalFilter
		scope authz.ListScope
		want  []int64
	}{
		{"all", loan.ReversalFilter{}, all, []int64{ids[3], ids[2], ids[1], ids[0]}},
		{"proposed", loan.ReversalFilter{Status: loan.RevProposed}, all, []int64{ids[3], ids[2], ids[0]}},
		{"recoveries", loan.ReversalFilter{Kind: loan.RevRecovery}, all, []int64{ids[1]}},
		{"of loan 8", loan.ReversalFilter{LoanID: 8}, all, []int64{ids[3], ids[2]}},
		{"two kinds", loan.ReversalFilter{Kinds: []loan.ReversalKind{loan.RevRepayment, loan.RevCompensation}}, all, []int64{ids[3], ids[0]}},
		{"no kinds", loan.ReversalFilter{Kinds: []loan.ReversalKind{}}, all, nil},
		{"not one's own", loan.ReversalFilter{NotProposedBy: one}, all, []int64{ids[3], ids[1]}},
		{"a district", loan.ReversalFilter{}, authz.ListScope{Districts: []string{"411281"}}, []int64{ids[3], ids[1]}},
		{"another bank", loan.ReversalFilter{}, authz.ListScope{Banks: []string{"RCB-LB"}}, nil},
		{"an empty scope", loan.ReversalFilter{}, authz.ListScope{}, nil},
	}
	for _, c := range cases {
		got, n := list(c.f, c.scope, 0, 0)
		if int(n) != len(c.want) || asJSON(got) != asJSON(c.want) {
			t.Errorf("%s: %v of %d, want %v", c.name, got, n, c.want)
		}
	}
	if got, n := list(loan.ReversalFilter{}, all, 1, 2); n != 4 || asJSON(got) != asJSON([]int64{ids[2], ids[1]}) {
		t.Fatalf("second page of two = %v of %d", got, n)
	}
}
