package store_test

import (
	"cmp"
	"context"
	"encoding/json"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"chuangdai/internal/app"
	"chuangdai/internal/apperr"
	"chuangdai/internal/application"
	"chuangdai/internal/apptest"
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
	a, exec := fixtureApp(t)
	ctx := context.Background()
	loans := store.Loans{DB: a.DB}
	now := time.Date(2024, 3, 5, 8, 30, 15, 123456000, time.UTC)
	open := func(number string) loan.ID {
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
		id.String() + ", 200, 0, '2024-04-01', 2024, 4, 2, 'ICBC-SMX', 'R-1', '2024-04-01 09:00:00')")
	exec("INSERT INTO reversals (id, kind, loan_id, target_id, district_code, bank_code, amount_fen, original_on, reason, status, proposed_by, proposed_at) VALUES (7, 'repayment', " +
		id.String() + ", " + strconv.FormatInt(r1, 10) + ", '411282', 'ICBC-SMX', 100001, '2024-06-20', '错账', 'confirmed', 1, " + fixtureAt + ")")
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
		func() (loan.Loan, error) { return lockedRead(t, loans, id), nil },
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
	// A row with no hash (the column is nullable) reads as gorm reads it.
	exec("UPDATE loans SET national_id_hash = NULL WHERE id = " + bare.String())
	none, err := loans.Get(ctx, all, bare)
	if err != nil || len(none.Repayments) != 0 || len(none.Recoveries) != 0 || len(none.Extensions) != 0 {
		t.Fatalf("a loan without children: %s, %v", asJSON(none), err)
	}

	// Get reads outside a transaction (through pgx on PostgreSQL) every
	// column as the locked read of Update does (through gorm), the
	// nullable ones set.
	exec("UPDATE loans SET external_ref = 'X-1', borrower_id = 1, bank_reference = 'D-1', disbursed_by = 1, overdue_since = '2024-05-01', " +
		"ever_overdue = TRUE, days_overdue = 3, checked_on = '2024-05-02', settled_on = '2024-05-03', compensated_on = '2024-05-04', " +
		"compensation_fen = 100, fund_share_ppm = 800000, fund_paid_fen = 80, bank_borne_fen = 20, compensated_by = 1, recovered_fen = 7, " +
		"recovered_fund_fen = 5, write_off_proposed_by = 1, write_off_proposed_at = " + fixtureAt + ", write_off_reason = '核销', " +
		"write_off_confirmed_by = 1, written_off_on = '2024-05-06', written_off_fen = 10, written_off_fund_fen = 8, " +
		"original_maturity_date = '2026-03-01' WHERE id = " + id.String())
	got, err := loans.Get(ctx, all, id)
	if err != nil {
		t.Fatal(err)
	}
	if locked := lockedRead(t, loans, id); !reflect.DeepEqual(got, locked) {
		t.Errorf("Get read\n%s\nthe locked read\n%s", asJSON(got), asJSON(locked))
	}
	if got.ExternalRef == nil || *got.ExternalRef != "X-1" || got.Compensation == nil || got.WriteOff == nil {
		t.Errorf("the nullable columns: %s", asJSON(got))
	}
	// The scope is in the statement: what it does not hold is not found.
	for _, c := range []struct {
		scope authz.ListScope
		found bool
	}{
		{authz.ListScope{Districts: []string{"411282"}}, true}, {authz.ListScope{Banks: []string{"ICBC-SMX"}}, true},
		{authz.ListScope{Owners: []auth.UserID{1}}, true}, {authz.ListScope{Districts: []string{"411200"}, Banks: []string{"CCB-SMX"}, Owners: []auth.UserID{2}}, false},
		{authz.ListScope{}, false},
	} {
		_, err := loans.Get(ctx, c.scope, id)
		if found := err == nil; found != c.found || (err != nil && apperr.KindOf(err) != apperr.NotFound) {
			t.Errorf("scope %+v: %v", c.scope, err)
		}
	}
	if _, err := loans.Get(ctx, all, bare+100); apperr.KindOf(err) != apperr.NotFound {
		t.Errorf("no such loan: %v", err)
	}
}

func asJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// The pgx reads of a loan and of an application (PostgreSQL, outside a
// transaction) work on every route to the database: directly, and through
// PgBouncer's transaction pooling in both query modes the README names,
// from two instances whose statements meet on the same server connections.
func TestDirectReadsOnEveryRoute(t *testing.T) {
	for _, route := range apptest.Routes(t) {
		t.Run(route.Name, func(t *testing.T) {
			url := route.URL(apptest.DatabaseURL(t))
			ctx := context.Background()
			var instances []store.Loans
			var applications []store.Applications
			var first *app.App
			for range 2 {
				a, err := app.Open(ctx, apptest.Config(url), apptest.Logger(t))
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { _ = a.Close() })
				instances = append(instances, store.Loans{DB: a.DB})
				applications = append(applications, store.Applications{DB: a.DB})
				first = cmp.Or(first, a)
			}
			baseFixture(func(q string) {
				if _, err := first.DB.SQL().Exec(q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			})
			l, err := loan.New(first.Policy, loan.Loan{Number: "DK411282-2024-000001", Name: "张伟", NationalID: "11010519491231002X", KeyGroup: "college_graduate",
				BorrowerType: "individual", Jobs: 1, DistrictCode: "411282", BankCode: "ICBC-SMX", Principal: decimal.NewFromInt(100000),
				AnnualRate: decimal.RequireFromString("0.0395"), SubsidyCap: decimal.NewFromInt(300000), TermMonths: 24,
				Method: loan.InterestQuarterly, DisbursedOn: loan.Date(2024, 3, 1)}, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			id, err := instances[0].Create(ctx, l)
			if err != nil {
				t.Fatal(err)
			}
			now := time.Now().UTC()
			appID, err := applications[0].Create(ctx, application.Application{Number: "SQ411282-2024-000001", Status: application.EligibilityReview,
				Version: 1, ApplicantID: 1, CreatedAt: now, UpdatedAt: now,
				Fields: application.Fields{BorrowerType: application.Individual, Name: "张伟", NationalID: "11010519491231002X",
					DistrictCode: "411282", BankCode: "ICBC-SMX", Amount: decimal.NewFromInt(100000), TermMonths: 24, BirthDate: time.Date(1949, 12, 31, 0, 0, 0, 0, time.UTC)},
				History: []application.HistoryEntry{{At: now, Actor: "anna", Action: application.ActSubmit, ToStatus: application.EligibilityReview}}})
			if err != nil {
				t.Fatal(err)
			}
			for i := range 20 {
				scope := []authz.ListScope{{All: true}, {Districts: []string{"411282"}}, {Banks: []string{"ICBC-SMX", "CCB-SMX"}}}[i%3]
				got, err := instances[i%2].Get(ctx, scope, id)
				if err != nil || got.Number != "DK411282-2024-000001" || got.NationalID != "11010519491231002X" {
					t.Fatalf("read %d: %v %+v", i, err, got)
				}
				if _, err := instances[i%2].Get(ctx, authz.ListScope{Districts: []string{"411200"}}, id); apperr.KindOf(err) != apperr.NotFound {
					t.Fatalf("read %d out of scope: %v", i, err)
				}
				a, err := applications[i%2].Get(ctx, scope, appID)
				if err != nil || a.Number != "SQ411282-2024-000001" || a.NationalID != "11010519491231002X" || len(a.History) != 1 {
					t.Fatalf("application read %d: %v %+v", i, err, a)
				}
				if _, err := applications[i%2].Get(ctx, authz.ListScope{Districts: []string{"411200"}}, appID); apperr.KindOf(err) != apperr.NotFound {
					t.Fatalf("application read %d out of scope: %v", i, err)
				}
			}
		})
	}
}
