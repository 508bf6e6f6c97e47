package report

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"chuangdai/internal/loan"
)

// The checked loans of a large file spill to a temporary file in sorted
// runs, sealed: the file holds no name or resident ID number in clear, the
// runs merge back into district-and-day order with every loan as it was
// (every field, its subsidy regime included),
// and closing removes the file.
func TestSpilledRunsAreSealedAndMergeInOrder(t *testing.T) {
	const nid, name = "11010519491231002X", "欧阳娜娜"
	from2021, from2024 := time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	regimes := []loan.Regime{{Method: loan.NoSubsidy}, {Method: "share", From: &from2021},
		{Method: "lpr_minus", From: &from2024, Funding: &loan.Funding{Central: decimal.RequireFromString("0.5"),
			Provincial: decimal.RequireFromString("0.25"), City: decimal.RequireFromString("0.15"), County: decimal.RequireFromString("0.10")}}}
	created := time.Date(2026, 12, 2, 5, 44, 0, 123456000, time.UTC)
	var in []LegacyLoan
	for i := range 2*legacyRun + 7 {
		on := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, (i*7919)%365)
		in = append(in, LegacyLoan{ExternalRef: fmt.Sprintf("R-%05d", i), Name: name, NationalID: nid, Female: i%2 == 0,
			KeyGroup: "college_graduate", BorrowerType: "individual", BankCode: "ICBC-SMX",
			DistrictCode: []string{"411282", "411281", "411200"}[i%3], PrincipalFen: int64(i) * 100,
			AnnualRatePPM: 39500, SubsidyRatePPM: int64(i % 39500), BorrowerRatePPM: 39500 - int64(i%39500), SubsidyCapFen: -int64(i),
			Regime: regimes[i%3], TermMonths: 1 + i%60, JobsCreated: i % 7, DisbursedOn: on, Maturity: on.AddDate(2, 0, 0), CreatedAt: created})
	}
	runs := &legacyRuns{}
	for _, l := range in {
		if err := runs.add(l); err != nil {
			t.Fatal(err)
		}
	}
	if runs.file == nil || len(runs.spans) != 2 {
		t.Fatalf("%d loans spilled %d runs, want 2", len(in), len(runs.spans))
	}
	raw, err := os.ReadFile(runs.file.Name())
	if err != nil {
		t.Fatal(err)
	}
	for _, clear := range []string{nid, name, "R-00001", "411282"} {
		if bytes.Contains(raw, []byte(clear)) {
			t.Errorf("the spilled runs hold %q in clear", clear)
		}
	}
	var out []LegacyLoan
	err = runs.batches(func(b []LegacyLoan) error {
		if len(b) > legacyBatch {
			t.Errorf("a batch of %d loans", len(b))
		}
		out = append(out, b...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := slices.Clone(in)
	slices.SortFunc(want, func(a, b LegacyLoan) int { return compareLegacy(&a, &b) })
	if len(out) != len(want) {
		t.Fatalf("%d loans merged back, want %d", len(out), len(want))
	}
	for i := range want {
		if !reflect.DeepEqual(out[i], want[i]) {
			t.Fatalf("loan %d merged back as %+v, want %+v", i, out[i], want[i])
		}
	}
	path := runs.file.Name()
	if err := runs.close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the spilled runs' file is still there after close: %v", err)
	}
}
