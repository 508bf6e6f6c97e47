package store_test

import (
	"context"
	"testing"

	"chuangdai/internal/authz"
	"chuangdai/internal/loan"
	"chuangdai/internal/store"
)

// Risk figures per district or bank, in the scope: open (active and
// overdue) loans and their outstanding, overdue outstanding, all principal
// disbursed and compensated, summed in fen exactly; settled and compensated
// loans count only in what was disbursed and compensated; a scope sees only
// its rows, an empty one none.
func TestRiskFigures(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	loans := store.Loans{DB: db}
	exec := sqlExec(t, db)
	placesFixture(exec)
	district(t, db, "411281", "义马市")
	exec("INSERT INTO banks (code, name, created_at, updated_at) VALUES ('RCB-LB', '灵宝农商银行', " + fixtureAt + ", " + fixtureAt + ")")
	insertLoan(exec, 1, "NULL", "NULL", "411282199001010013", "individual", 10000001, 30000000)
	insertLoan(exec, 2, "NULL", "NULL", "411282199001010021", "individual", 20000002, 30000000)
	insertLoan(exec, 3, "NULL", "NULL", "411282199001010030", "individual", 30000003, 30000000)
	insertLoan(exec, 4, "NULL", "NULL", "411282199001010048", "individual", 40000004, 30000000)
	insertLoan(exec, 5, "NULL", "NULL", "411282199001010056", "individual", 50000005, 30000000)
	exec("UPDATE loans SET status = 'overdue', outstanding_fen = 1500000 WHERE id = 2")
	exec("UPDATE loans SET status = 'settled', outstanding_fen = 0 WHERE id = 3")
	exec("UPDATE loans SET status = 'compensated', outstanding_fen = 0, compensation_fen = 39000001 WHERE id = 4")
	exec("UPDATE loans SET district_code = '411281', bank_code = 'RCB-LB', outstanding_fen = 49999999 WHERE id = 5")

	figures := func(by loan.RiskGroup, scope authz.ListScope) string {
		t.Helper()
		fs, err := loans.RiskFigures(ctx, by, scope)
		if err != nil {
			t.Fatal(err)
		}
		out := ""
		for _, f := range fs {
			out += f.Code + " " + string(rune('0'+f.Loans)) + " " + f.Outstanding.StringFixed(2) + " " + f.Overdue.StringFixed(2) + " " +
				f.Disbursed.StringFixed(2) + " " + f.Compensated.StringFixed(2) + "; "
		}
		return out
	}
	all := authz.ListScope{All: true}
	for _, c := range []struct {
		name  string
		by    loan.RiskGroup
		scope authz.ListScope
		want  string
	}{
		{"by district", loan.RiskByDistrict, all, "411281 1 499999.99 0.00 500000.05 0.00; 411282 2 115000.01 15000.00 1000000.10 390000.01; "},
		{"by bank", loan.RiskByBank, all, "ICBC-SMX 2 115000.01 15000.00 1000000.10 390000.01; RCB-LB 1 499999.99 0.00 500000.05 0.00; "},
		{"a district's", loan.RiskByDistrict, authz.ListScope{Districts: []string{"411281"}}, "411281 1 499999.99 0.00 500000.05 0.00; "},
		{"a bank's by district", loan.RiskByDistrict, authz.ListScope{Banks: []string{"ICBC-SMX"}}, "411282 2 115000.01 15000.00 1000000.10 390000.01; "},
		{"nobody's", loan.RiskByDistrict, authz.ListScope{}, ""},
	} {
		if got := figures(c.by, c.scope); got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.name, got, c.want)
		}
	}
}
