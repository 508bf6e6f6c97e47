package policy

import (
	"strings"
	"testing"
	"time"

	"chuangdai/configs"
)

func TestSubsidyRegimesByContractDay(t *testing.T) {
	p, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		day, method, from string
		spread            int
		share             string
	}{
		{"2020-12-31", "", "", 0, ""}, // before the first regime: none
		{"2021-01-01", MethodLPRMinus, "2021-01-01", 150, "0"},
		{"2022-12-31", MethodLPRMinus, "2021-01-01", 150, "0"},
		{"2023-01-01", MethodShare, "2023-01-01", 0, "0.5"},
		{"2026-12-01", MethodShare, "2023-01-01", 0, "0.5"},
	}
	for _, c := range cases {
		r, ok := p.Subsidy(day(c.day))
		if c.method == "" {
			if ok {
				t.Errorf("%s: regime %+v before the first one", c.day, r)
			}
			continue
		}
		if !ok || r.Method != c.method || r.EffectiveFrom.Format(time.DateOnly) != c.from || r.SpreadBP != c.spread || r.Share.String() != c.share {
			t.Errorf("%s: %+v %v", c.day, r, ok)
		}
		if f := r.Funding; f == nil || f.Central.String() != "0.5" || f.Provincial.String() != "0.25" || f.City.String() != "0.25" || !f.County.IsZero() {
			t.Errorf("%s: funding %+v", c.day, r.Funding)
		}
	}
	if p.FirstSubsidy().Format(time.DateOnly) != "2021-01-01" {
		t.Errorf("first regime %s", p.FirstSubsidy())
	}
}

// withoutRegimes is the shipped file as it was before subsidy_regimes: the
// share in the version, no regimes.
func withoutRegimes(t *testing.T) string {
	s := string(configs.Policy)
	i, j := strings.Index(s, "subsidy_regimes:"), strings.Index(s, "# One-year loan prime rate")
	if i < 0 || j < i {
		t.Fatal("the shipped policy has no subsidy_regimes before lpr_1y")
	}
	s = s[:i] + s[j:]
	return strings.Replace(s, "    subsidy:                       # the method: subsidy_regimes below\n", "    subsidy:\n      share: \"0.50\"\n", 1)
}

func TestOldPolicyFileKeepsItsShare(t *testing.T) {
	p, err := Parse([]byte(withoutRegimes(t)))
	if err != nil {
		t.Fatal(err)
	}
	r, ok := p.Subsidy(day("2024-03-15"))
	if !ok || r.Method != MethodShare || r.Share.String() != "0.5" || r.Funding != nil {
		t.Fatalf("regime from the version's share: %+v %v", r, ok)
	}
	if r, ok := p.Subsidy(day("2022-12-31")); ok {
		t.Fatalf("the version's share applied before its own date: %+v", r)
	}
}

func TestBadSubsidyRegimesAreRefused(t *testing.T) {
	shipped := string(configs.Policy)
	regime := "  - effective_from: 2023-01-01\n    source: \"财金〔2023〕75号\"\n    method: share\n    share: \"0.50\"\n    funding: {central: \"0.50\", provincial: \"0.25\", city: \"0.25\", county: \"0\"}\n"
	if !strings.Contains(shipped, regime) {
		t.Fatal("the shipped 2023 regime changed: update this test")
	}
	for name, src := range map[string]string{
		"share in both places": strings.Replace(shipped, "    subsidy:                       # the method: subsidy_regimes below\n", "    subsidy:\n      share: \"0.50\"\n", 1),
		"no regime at all":     strings.Replace(withoutRegimes(t), "      share: \"0.50\"\n", "", 1),
		"unknown method":       strings.Replace(shipped, regime, strings.Replace(regime, "method: share", "method: half", 1), 1),
		"share above 1":        strings.Replace(shipped, regime, strings.Replace(regime, `share: "0.50"`, `share: "1.50"`, 1), 1),
		"share with a spread":  strings.Replace(shipped, regime, regime+"    spread_bp: 10\n", 1),
		"funding not 1":        strings.Replace(shipped, regime, strings.Replace(regime, `county: "0"`, `county: "0.10"`, 1), 1),
		"no funding":           strings.Replace(shipped, regime, strings.Replace(regime, "    funding: {central: \"0.50\", provincial: \"0.25\", city: \"0.25\", county: \"0\"}\n", "", 1), 1),
		"same day twice":       strings.Replace(shipped, regime, regime+regime, 1),
		"lpr_minus with share": strings.Replace(shipped, "    method: lpr_minus\n", "    method: lpr_minus\n    share: \"0.50\"\n", 1),
	} {
		if _, err := Parse([]byte(src)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
