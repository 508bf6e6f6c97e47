package demo_test

import (
	"context"
	"io"
	"strconv"
	"testing"
	"time"

	"chuangdai/internal/apptest"
	"chuangdai/internal/demo"
	"chuangdai/internal/report"
)

func TestDemoBulletinShowsEveryDistrict(t *testing.T) {
	a := apptest.New(t)
	ctx := context.Background()
	d, err := demo.Seed(ctx, a, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	year := demo.BulletinYear(time.Now())
	p, err := a.Reports.Progress(ctx, d.ByName["auditor"], report.ProgressQuery{Year: strconv.Itoa(year)})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Rows) != len(demo.Districts) {
		t.Fatalf("%d bulletin rows, want one per district", len(p.Rows))
	}
	for _, r := range p.Rows {
		if r.Loans == 0 || r.CompletionPct == nil {
			t.Errorf("%s: %d loans, completion %v", r.DistrictName, r.Loans, r.CompletionPct)
			continue
		}
		if pct, _ := strconv.ParseFloat(*r.CompletionPct, 64); pct < 30 || pct > 60 {
			t.Errorf("%s: completion %s%%, want the demo's 34–51 %%", r.DistrictName, *r.CompletionPct)
		}
	}
	if p.Returnee.Total.Loans == 0 || p.Returnee.Total.CompletionPct == nil {
		t.Errorf("returnee block %+v", p.Returnee.Total)
	}
}
