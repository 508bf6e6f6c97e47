package store_test

import (
	"context"
	"testing"
	"time"

	"chuangdai/internal/apperr"
	"chuangdai/internal/auth"
	"chuangdai/internal/authz"
	"chuangdai/internal/loan"
	"chuangdai/internal/store"
)

// A loan's extensions: one open proposal at a time per loan (a second is a
// conflict, another loan's is not); a decision applies only from the state
// it was taken on and to the loan it names (else a conflict that changes
// nothing); once decided, the loan may be proposed an extension again; an
// extension of an unknown loan is refused.
func TestLoanExtensions(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	loans := store.Loans{DB: db}
	exec := sqlExec(t, db)
	placesFixture(exec)
	insertLoan(exec, 7, "NULL", "NULL", "411282199001010013", "individual", 10000000, 30000000)
	insertLoan(exec, 8, "NULL", "NULL", "411282199001010021", "individual", 10000000, 30000000)
	by := account(t, db, "bank.one", auth.Binding{Role: auth.BankOfficer, Bank: "ICBC-SMX"})
	decider := account(t, db, "guarantee.one", auth.Binding{Role: auth.GuaranteeOfficer})
	at := time.Date(2024, 7, 1, 2, 3, 4, 0, time.UTC)
	propose := func(loanID loan.ID) (int64, error) {
		return loans.AddExtension(ctx, loan.Extension{LoanID: loanID, OldMaturity: loan.Date(2026, 3, 15), NewMaturity: loan.Date(2027, 3, 15),
			Reason: "疫情", State: loan.ExtensionProposed, ProposedBy: by, ProposedAt: at})
	}
	id, err := propose(7)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := propose(7); apperr.KindOf(err) != apperr.Conflict {
		t.Fatalf("a second open proposal: %v, want a conflict", err)
	}
	other, err := propose(8)
	if err != nil {
		t.Fatalf("another loan's proposal: %v", err)
	}
	if _, err := propose(99); err == nil || apperr.KindOf(err) == apperr.Conflict {
		t.Fatalf("an extension of an unknown loan: %v, want refused, not a conflict", err)
	}

	decided := at.Add(time.Hour)
	confirmed := loan.Extension{ID: id, LoanID: 7, State: loan.ExtensionConfirmed, ConfirmedBy: &decider, ConfirmedAt: &decided}
	if err := loans.UpdateExtension(ctx, loan.Extension{ID: id, LoanID: 8, State: loan.ExtensionConfirmed, ConfirmedBy: &decider, ConfirmedAt: &decided},
		loan.ExtensionProposed); apperr.KindOf(err) != apperr.Conflict {
		t.Fatalf("deciding an extension through another loan: %v, want a conflict", err)
	}
	if err := loans.UpdateExtension(ctx, confirmed, loan.ExtensionProposed); err != nil {
		t.Fatal(err)
	}
	reason := "迟了"
	if err := loans.UpdateExtension(ctx, loan.Extension{ID: id, LoanID: 7, State: loan.ExtensionRejected, RejectedBy: &decider, RejectedAt: &decided,
		RejectReason: reason}, loan.ExtensionProposed); apperr.KindOf(err) != apperr.Conflict {
		t.Fatalf("deciding a decided extension: %v, want a conflict", err)
	}
	l, err := loans.Get(ctx, authz.ListScope{All: true}, 7)
	if err != nil || len(l.Extensions) != 1 {
		t.Fatalf("loan 7's extensions: %s, %v", asJSON(l.Extensions), err)
	}
	if e := l.Extensions[0]; e.State != loan.ExtensionConfirmed || e.ConfirmedBy == nil || *e.ConfirmedBy != decider || e.ConfirmedAt == nil ||
		!e.ConfirmedAt.Equal(decided) || e.RejectedBy != nil || e.RejectReason != "" || e.Reason != "疫情" || !e.NewMaturity.Equal(loan.Date(2027, 3, 15)) {
		t.Fatalf("the confirmed extension read back as %s", asJSON(e))
	}
	if _, err := propose(7); err != nil {
		t.Fatalf("a proposal after the last was confirmed: %v", err)
	}
	if l, err := loans.Get(ctx, authz.ListScope{All: true}, 8); err != nil || len(l.Extensions) != 1 || l.Extensions[0].ID != other || l.Extensions[0].State != loan.ExtensionProposed {
		t.Fatalf("loan 8's extensions: %s, %v", asJSON(l.Extensions), err)
	}
}
