package store_test

import (
	"context"
	"encoding/json"
	"strconv"
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

// A loan is read in one statement with its repayments, recoveries and
// extensions as JSON arrays: every field of every child comes back as
// written, in the loan's order, whether the store wrote it or SQL did (as
// a migration's backfill would, with a timestamp without zone), and a
// loan without children has none. Locked for an update, too.
func TestLoanReadInOneStatement(t *testing.T) {
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
	open := func(number string) int64 {
		t.Helper()
		l, err := loan.New(a.Policy, loan.Loan{Number: number, Name: "张伟", NationalID: "11010519491231002X", KeyGroup: "college_graduate",
			BorrowerType: "individual", Jobs: 1, DistrictCode: "411282", BankCode: "ICBC-SMX", Principal: decimal.NewFromInt(100000),
			AnnualRate: decimal.RequireFromString("0.0395"), SubsidyCap: decimal.NewFromInt(300000), TermMonths: 24,
			Method: loan.InterestQuarterly, DisbursedOn: loan.Date(2024, 3, 1)}, now)
		if err != nil {
			t.Fatal(err)
		}
		id, err := loans.Create(ctx, l)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	id, bare := open("DK411282-2024-000001"), open("DK411282-2024-000002")
	by := auth.UserID(1)
	later := now.Add(time.Hour)
	r1, err := loans.AddRepayment(ctx, loan.Repayment{LoanID: id, Principal: decimal.RequireFromString("1000.01"), Interest: decimal.RequireFromString("329.17"),
		PaidOn: loan.Date(2024, 6, 20), BankReference: "R-2", RecordedBy: by, CreatedAt: now}, "ICBC-SMX")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := loans.AddRepayment(ctx, loan.Repayment{LoanID: id, Principal: decimal.NewFromInt(5), PaidOn: loan.Date(2024, 9, 20),
		BankReference: "R-3", CreatedAt: now}, "ICBC-SMX"); err != nil {
		t.Fatal(err)
	}
	exec("INSERT INTO loan_repayments (loan_id, principal_fen, interest_fen, paid_on, paid_year, paid_month, paid_quarter, bank_code, bank_reference, created_at) VALUES (" +
		strconv.FormatInt(id, 10) + ", 200, 0, '2024-04-01', 2024, 4, 2, 'ICBC-SMX', 'R-1', '2024-04-01 09:00:00')")
	exec("INSERT INTO reversals (id, kind, loan_id, target_id, district_code, bank_code, amount_fen, original_on, reason, status, proposed_by, proposed_at) VALUES (7, 'repayment', " +
		strconv.FormatInt(id, 10) + ", " + strconv.FormatInt(r1, 10) + ", '411282', 'ICBC-SMX', 100001, '2024-06-20', '错账', 'confirmed', 1, " + fixtureAt + ")")
	exec("UPDATE loan_repayments SET reversed_by = 7, reversed_at = " + fixtureAt + " WHERE id = " + strconv.FormatInt(r1, 10))
	if _, err := loans.AddRecovery(ctx, loan.Recovery{LoanID: id, Amount: decimal.RequireFromString("300.50"), Fund: decimal.RequireFromString("240.40"),
		Bank: decimal.RequireFromString("60.10"), RecoveredOn: loan.Date(2024, 12, 1), Note: "追回「一部分」", RecordedBy: by, CreatedAt: later}); err != nil {
		t.Fatal(err)
	}
	e1, err := loans.AddExtension(ctx, loan.Extension{LoanID: id, OldMaturity: loan.Date(2026, 3, 1), NewMaturity: loan.Date(2027, 3, 1),
		Reason: "疫情", State: loan.ExtensionProposed, ProposedBy: by, ProposedAt: now})
	if err != nil {
		t.Fatal(err)
	}
	rejected := loan.Extension{ID: e1, LoanID: id, State: loan.ExtensionRejected, RejectedBy: &by, RejectedAt: &later, RejectReason: "材料不全"}
	if err := loans.UpdateExtension(ctx, rejected, loan.ExtensionProposed); err != nil {
		t.Fatal(err)
	}

	all := authz.ListScope{All: true}
	reads := []func() (loan.Loan, error){
		func() (loan.Loan, error) { return loans.Get(ctx, all, id) },
		// Update's row-locked read, which the closure sees.
		func() (loan.Loan, error) {
			var got loan.Loan
			_, err := loans.Update(ctx, all, id, func(_ context.Context, l *loan.Loan) (audit.Event, error) {
				got = *l
				return audit.Event{}, loan.ErrUnchanged
			})
			return got, err
		},
	}
	for _, read := range reads {
		got, err := read()
		if err != nil {
			t.Fatal(err)
		}
		if got.Number != "DK411282-2024-000001" || !got.AnnualRate.Equal(decimal.RequireFromString("0.0395")) {
			t.Fatalf("the loan's own columns: %+v", got)
		}
		var refs []string
		for _, r := range got.Repayments {
			refs = append(refs, r.BankReference)
		}
		if len(refs) != 3 || refs[0] != "R-1" || refs[1] != "R-2" || refs[2] != "R-3" {
			t.Fatalf("repayments in the order paid: %v", refs)
		}
		r := got.Repayments[1]
		reversedAt := time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)
		if r.ID != r1 || r.LoanID != id || r.Principal.String() != "1000.01" || r.Interest.String() != "329.17" || !r.PaidOn.Equal(loan.Date(2024, 6, 20)) ||
			r.RecordedBy != by || !r.CreatedAt.Equal(now) || r.ReversedBy == nil || *r.ReversedBy != 7 || r.ReversedAt == nil || !r.ReversedAt.Equal(reversedAt) {
			t.Errorf("repayment: %s", asJSON(r))
		}
		if sql := got.Repayments[0]; !sql.CreatedAt.Equal(time.Date(2024, 4, 1, 9, 0, 0, 0, time.UTC)) || sql.RecordedBy != 0 || sql.ReversedAt != nil {
			t.Errorf("repayment written by SQL: %s", asJSON(sql))
		}
		if len(got.Recoveries) != 1 {
			t.Fatalf("recoveries: %s", asJSON(got.Recoveries))
		}
		if c := got.Recoveries[0]; c.Amount.String() != "300.5" || c.Fund.String() != "240.4" || c.Bank.String() != "60.1" ||
			!c.RecoveredOn.Equal(loan.Date(2024, 12, 1)) || c.Note != "追回「一部分」" || c.RecordedBy != by || !c.CreatedAt.Equal(later) || c.ReversedAt != nil {
			t.Errorf("recovery: %s", asJSON(c))
		}
		if len(got.Extensions) != 1 {
			t.Fatalf("extensions: %s", asJSON(got.Extensions))
		}
		if e := got.Extensions[0]; e.ID != e1 || !e.OldMaturity.Equal(loan.Date(2026, 3, 1)) || !e.NewMaturity.Equal(loan.Date(2027, 3, 1)) ||
			e.Reason != "疫情" || e.State != loan.ExtensionRejected || e.ProposedBy != by || !e.ProposedAt.Equal(now) ||
			e.RejectedBy == nil || *e.RejectedBy != by || e.RejectedAt == nil || !e.RejectedAt.Equal(later) || e.RejectReason != "材料不全" ||
			e.ConfirmedBy != nil || e.ConfirmedAt != nil {
			t.Errorf("extension: %s", asJSON(e))
		}
	}
	none, err := loans.Get(ctx, all, bare)
	if err != nil || len(none.Repayments) != 0 || len(none.Recoveries) != 0 || len(none.Extensions) != 0 {
		t.Fatalf("a loan without children: %s, %v", asJSON(none), err)
	}
}

func asJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
