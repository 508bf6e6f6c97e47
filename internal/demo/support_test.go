package demo_test

import (
	"context"
	"io"
	"strings"
	"testing"

	"chuangdai/internal/apptest"
	"chuangdai/internal/demo"
	"chuangdai/internal/idnum"
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
	if len(seen.Loans) != 1 || !seen.CounterGuaranteeWaived || !strings.Contains(seen.WaiverReason, "三门峡市创业孵化示范基地") ||
		seen.WaiverSource == nil || seen.WaiverSource.RecordedAfterApplication || seen.WaiverSource.Tenancy.CreatorHandle != "hrss.lingbao" {
		t.Fatalf("刘洋's profile: loans %d, waiver %v %q %+v", len(seen.Loans), seen.CounterGuaranteeWaived, seen.WaiverReason, seen.WaiverSource)
	}
	// Two accounts claim 高峰's number; the HRSS officer sees the other claim
	// beside each. His move-in was recorded after he applied: the waiver of
	// his application is flagged.
	gaofeng := idnum.WithCheckDigit("41128219891010091")
	hrss := d.ByName["hrss.lingbao"]
	claims := 0
	for _, id := range d.Applications["eligibility_review"] {
		v, err := a.Applications.Get(ctx, hrss, id)
		if err != nil {
			t.Fatal(err)
		}
		if v.NationalID != gaofeng {
			continue
		}
		claims++
		if len(v.Claims) != 1 || v.IdentityVerified {
			t.Fatalf("application %s: claims %+v, verified %v", v.Number, v.Claims, v.IdentityVerified)
		}
		if v.ApplicantID != d.ByName["gaofeng"].UserID {
			continue
		}
		p, err := a.Support.ApplicationProfile(ctx, hrss, id)
		if err != nil {
			t.Fatal(err)
		}
		if !p.CounterGuaranteeWaived || p.WaiverSource == nil || !p.WaiverSource.RecordedAfterApplication {
			t.Fatalf("高峰's waiver: %v %q %+v", p.CounterGuaranteeWaived, p.WaiverReason, p.WaiverSource)
		}
	}
	if claims != 2 {
		t.Fatalf("%d applications claim 高峰's number, want 2", claims)
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
