package demo_test

import (
	"context"
	"io"
	"strings"
	"testing"

	"chuangdai/internal/apptest"
	"chuangdai/internal/demo"
)

func TestSeedRecordsFourInOne(t *testing.T) {
	a := apptest.New(t)
	ctx := context.Background()
	d, err := demo.Seed(ctx, a, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	bases, err := a.Support.Bases(ctx, d.Admin)
	if err != nil || len(bases) != 3 {
		t.Fatalf("bases %v: %v", bases, err)
	}
	auditor := d.ByName["auditor"]
	p, err := a.Support.PersonProfile(ctx, auditor, "41128219960909075X")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Training) != 1 || len(p.Tenancies) != 1 || len(p.Services) != 1 || p.Tenancies[0].BaseLevel != "national" {
		t.Fatalf("刘洋's profile %+v", p)
	}
	// 刘洋 moved into the national base before applying: the guarantee centre
	// sees his counter-guarantee waived.
	seen, err := a.Support.PersonProfile(ctx, d.ByName["guarantee.lingbao"], "41128219960909075X")
	if err != nil {
		t.Fatal(err)
	}
	if len(seen.Loans) != 1 || !seen.CounterGuaranteeWaived || !strings.Contains(seen.WaiverReason, "三门峡市创业孵化示范基地") {
		t.Fatalf("刘洋's profile: loans %d, waiver %v %q", len(seen.Loans), seen.CounterGuaranteeWaived, seen.WaiverReason)
	}
	f, err := a.Support.Figures(ctx, auditor, 2024)
	if err != nil {
		t.Fatal(err)
	}
	for _, df := range f.Districts {
		if df.DistrictCode == "411282" && (df.PeopleTrained != 3 || df.Tenants != 3) {
			t.Fatalf("2024 figures of 灵宝市 %+v", df)
		}
	}
}
