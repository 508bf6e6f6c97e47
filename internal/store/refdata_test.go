package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"chuangdai/internal/apperr"
	"chuangdai/internal/refdata"
	"chuangdai/internal/store"
)

// Reference data: districts and banks list in code order, a code is taken
// once; a year's targets are replaced as a whole (another year's stay), read
// back with the district's name and exact amounts, and a replacement that
// names an unknown district leaves the year's targets as they were.
func TestRefdata(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	rd := store.Refdata{DB: db}
	at := time.Date(2024, 1, 2, 3, 0, 0, 0, time.UTC)
	for _, d := range []refdata.District{{Code: "411282", Name: "灵宝市", CreatedAt: at}, {Code: "411281", Name: "义马市", CreatedAt: at}} {
		if err := rd.CreateDistrict(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	if err := rd.CreateDistrict(ctx, refdata.District{Code: "411281", Name: "重复", CreatedAt: at}); apperr.KindOf(err) != apperr.Conflict {
		t.Fatalf("a taken district code: %v, want a conflict", err)
	}
	if err := rd.CreateBank(ctx, refdata.Bank{Code: "RCB-LB", Name: "灵宝农商银行", CreatedAt: at}); err != nil {
		t.Fatal(err)
	}
	if err := rd.CreateBank(ctx, refdata.Bank{Code: "RCB-LB", Name: "重复", CreatedAt: at}); apperr.KindOf(err) != apperr.Conflict {
		t.Fatalf("a taken bank code: %v, want a conflict", err)
	}
	ds, err := rd.ListDistricts(ctx)
	if err != nil || len(ds) != 2 || ds[0].Code != "411281" || ds[1].Name != "灵宝市" || !ds[0].CreatedAt.Equal(at) {
		t.Fatalf("districts = %+v, %v", ds, err)
	}
	if bs, err := rd.ListBanks(ctx); err != nil || len(bs) != 1 || bs[0].Name != "灵宝农商银行" {
		t.Fatalf("banks = %+v, %v", bs, err)
	}
	for code, want := range map[string]bool{"411282": true, "411200": false} {
		if ok, err := rd.DistrictExists(ctx, code); err != nil || ok != want {
			t.Fatalf("district %s exists = %v, %v; want %v", code, ok, err, want)
		}
	}
	if ok, err := rd.BankExists(ctx, "ICBC-SMX"); err != nil || ok {
		t.Fatalf("an unknown bank exists = %v, %v", ok, err)
	}

	jobs, returnee := 120, decimal.RequireFromString("300000.50")
	targets := func(year int) []refdata.Target {
		t.Helper()
		ts, err := rd.Targets(ctx, year)
		if err != nil {
			t.Fatal(err)
		}
		return ts
	}
	if err := rd.ReplaceTargets(ctx, 2023, []refdata.Target{{DistrictCode: "411281", LoanAmount: decimal.RequireFromString("1.00")}}, at); err != nil {
		t.Fatal(err)
	}
	full := []refdata.Target{
		{DistrictCode: "411282", LoanAmount: decimal.RequireFromString("5000000.00"), ReturneeLoanAmount: &returnee, Jobs: &jobs},
		{DistrictCode: "411281", LoanAmount: decimal.RequireFromString("2000000.01")},
	}
	if err := rd.ReplaceTargets(ctx, 2024, full, at); err != nil {
		t.Fatal(err)
	}
	check := func() {
		t.Helper()
		ts := targets(2024)
		if len(ts) != 2 {
			t.Fatalf("2024 targets = %+v", ts)
		}
		a, b := ts[0], ts[1]
		if a.DistrictCode != "411281" || a.DistrictName != "义马市" || !a.LoanAmount.Equal(full[1].LoanAmount) || a.ReturneeLoanAmount != nil || a.Jobs != nil {
			t.Fatalf("义马市's 2024 target = %+v", a)
		}
		if b.DistrictCode != "411282" || !b.LoanAmount.Equal(full[0].LoanAmount) || b.ReturneeLoanAmount == nil || !b.ReturneeLoanAmount.Equal(returnee) || b.Jobs == nil || *b.Jobs != jobs {
			t.Fatalf("灵宝市's 2024 target = %+v", b)
		}
	}
	check()
	bad := []refdata.Target{{DistrictCode: "411282", LoanAmount: decimal.RequireFromString("9.00")}, {DistrictCode: "411200", LoanAmount: decimal.RequireFromString("9.00")}}
	if err := rd.ReplaceTargets(ctx, 2024, bad, at); err == nil {
		t.Fatal("a target of an unknown district was stored")
	}
	check()
	if err := rd.ReplaceTargets(ctx, 2024, full[1:], at); err != nil {
		t.Fatal(err)
	}
	if ts := targets(2024); len(ts) != 1 || ts[0].DistrictCode != "411281" {
		t.Fatalf("2024 targets after replacing them with one = %+v", ts)
	}
	if ts := targets(2023); len(ts) != 1 || !ts[0].LoanAmount.Equal(decimal.RequireFromString("1.00")) {
		t.Fatalf("2023 targets = %+v; another year's replacement touched them", ts)
	}
}
