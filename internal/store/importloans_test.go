package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"chuangdai/internal/app"
	"chuangdai/internal/apperr"
	"chuangdai/internal/application"
	"chuangdai/internal/apptest"
	"chuangdai/internal/config"
	"chuangdai/internal/loan"
	"chuangdai/internal/store"
)

// InsertLoans writes each imported loan whole, with its lead's row under
// the loan's own id (on PostgreSQL the ids are drawn before the COPY), and
// a loan whose external_ref another loan took since the check is a
// conflict, with nothing of the batch left behind; on PostgreSQL it names
// the field (SQLite's driver answers a bare duplicate key, without the
// constraint). On every route to the database: the COPYs run on the
// transaction's connection, so they hold through PgBouncer's transaction
// pooling in both query modes.
func TestImportedLoansGetTheirLeadsAndConflictsNameTheField(t *testing.T) {
	for _, route := range apptest.Routes(t) {
		t.Run(route.Name, func(t *testing.T) {
			a, err := app.Open(context.Background(), apptest.Config(route.URL(apptest.DatabaseURL(t))), apptest.Logger(t))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = a.Close() })
			importedLoans(t, a)
		})
	}
}

func importedLoans(t *testing.T, a *app.App) {
	ctx := context.Background()
	baseFixture(func(q string) {
		t.Helper()
		if _, err := a.DB.SQL().Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	})
	now := time.Date(2024, 3, 5, 8, 30, 15, 0, time.UTC)
	ids := []string{"11010519491231002X", "110105194912310021", "110105194912310048"}
	imported := func(n int, ref string) loan.Loan {
		t.Helper()
		l, err := loan.New(a.Policy, loan.Loan{Number: fmt.Sprintf("DK411282-2024-%06d", n), ExternalRef: &ref, Name: "张伟",
			NationalID: ids[n%len(ids)], KeyGroup: "college_graduate", BorrowerType: "individual", Jobs: 1, DistrictCode: "411282",
			BankCode: "ICBC-SMX", Principal: decimal.NewFromInt(int64(10000 * n)), AnnualRate: decimal.RequireFromString("0.0395"),
			SubsidyCap: decimal.NewFromInt(300000), TermMonths: 24, Method: loan.InterestQuarterly, DisbursedOn: loan.Date(2024, 3, 1)}, now)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	reports := store.Reports{DB: a.DB}
	batch := []loan.Loan{imported(1, "OLD-1"), imported(2, "OLD-2"), imported(3, "OLD-3")}
	if err := a.DB.InTx(ctx, func(ctx context.Context) error { return reports.InsertLoans(ctx, batch) }); err != nil {
		t.Fatal(err)
	}
	var wrong int
	if err := a.DB.SQL().QueryRow(`SELECT COUNT(*) FROM loans l LEFT JOIN application_persons p ON p.loan_id = l.id AND p.role = 'lead' AND p.verified
		WHERE p.id IS NULL OR p.national_id_hash IS DISTINCT FROM l.national_id_hash`).Scan(&wrong); err != nil {
		t.Fatal(err)
	}
	var loans, persons int
	if err := a.DB.SQL().QueryRow("SELECT (SELECT COUNT(*) FROM loans), (SELECT COUNT(*) FROM application_persons)").Scan(&loans, &persons); err != nil {
		t.Fatal(err)
	}
	if wrong != 0 || loans != 3 || persons != 3 {
		t.Errorf("%d loans, %d persons, %d loans without their own lead; want 3, 3, 0", loans, persons, wrong)
	}
	var number string
	var principal int64
	if err := a.DB.SQL().QueryRow("SELECT number, principal_fen FROM loans WHERE external_ref = 'OLD-2'").Scan(&number, &principal); err != nil {
		t.Fatal(err)
	}
	if number != "DK411282-2024-000002" || principal != 2_000_000 {
		t.Errorf("OLD-2 reads back as %s of %d fen", number, principal)
	}

	if found, err := reports.ExistingRefs(ctx, []string{"OLD-3", "NEW-1", "OLD-1"}); err != nil || len(found) != 2 || !found["OLD-1"] || !found["OLD-3"] {
		t.Errorf("existing references: %v %v, want OLD-1 and OLD-3", found, err)
	}

	again := []loan.Loan{imported(4, "OLD-4"), imported(5, "OLD-2")}
	err := a.DB.InTx(ctx, func(ctx context.Context) error { return reports.InsertLoans(ctx, again) })
	if apperr.KindOf(err) != apperr.Conflict || a.DB.Engine == config.Postgres && !strings.Contains(err.Error(), "external_ref") {
		t.Fatalf("a taken external_ref: %v, want a conflict naming external_ref", err)
	}
	if err := a.DB.SQL().QueryRow("SELECT (SELECT COUNT(*) FROM loans), (SELECT COUNT(*) FROM application_persons)").Scan(&loans, &persons); err != nil {
		t.Fatal(err)
	}
	if loans != 3 || persons != 3 {
		t.Errorf("after the refused batch %d loans and %d persons, want 3 and 3", loans, persons)
	}
	if a.DB.Engine != config.Postgres {
		return
	}
	// A row that cannot be written, after enough rows for the COPY to have
	// sent some: the COPY is abandoned, the batch refused whole with that
	// row's error, and the connection serves the next batch.
	var long []loan.Loan
	for n := 10; n < 400; n++ {
		long = append(long, imported(n, fmt.Sprintf("LONG-%d", n)))
	}
	appID := application.ID(1)
	long[len(long)-1].ApplicationID = &appID
	err = a.DB.InTx(ctx, func(ctx context.Context) error { return reports.InsertLoans(ctx, long) })
	if err == nil || !strings.Contains(err.Error(), "is of an application") {
		t.Fatalf("a loan of an application in an import: %v", err)
	}
	long = long[:len(long)-1]
	if err := a.DB.InTx(ctx, func(ctx context.Context) error { return reports.InsertLoans(ctx, long) }); err != nil {
		t.Fatal(err)
	}
	if err := a.DB.SQL().QueryRow("SELECT (SELECT COUNT(*) FROM loans), (SELECT COUNT(*) FROM application_persons)").Scan(&loans, &persons); err != nil {
		t.Fatal(err)
	}
	if loans != 3+len(long) || persons != loans {
		t.Errorf("after the abandoned and the written batch %d loans and %d persons, want %d of each", loans, persons, 3+len(long))
	}
}
