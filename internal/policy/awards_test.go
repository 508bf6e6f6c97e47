package policy

import (
	"strings"
	"testing"

	"chuangdai/configs"
)

// A year takes the award rule in force on its 31 December; a year before
// the first rule has none.
func TestAwardRuleOfAYear(t *testing.T) {
	p, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	if r, ok := p.Award(2022); ok {
		t.Errorf("2022 has the rule %+v, before the first one (2023-01-01)", r)
	}
	for _, y := range []int{2023, 2026} {
		r, ok := p.Award(y)
		if !ok || r.Rate.String() != "0.01" || r.MinRecoveryRate.String() != "0.9" || r.MinLeverage.String() != "2" {
			t.Errorf("%d: %+v %v", y, r, ok)
		}
	}
	// A rule from 1 July 2024 applies to 2024 (in force on 31 December).
	src := strings.Replace(string(configs.Policy), "awards:\n", "awards:\n  - {effective_from: 2024-07-01, rate: \"0.02\", min_recovery_rate: \"0.95\", min_leverage: \"3\"}\n", 1)
	q, err := Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := q.Award(2024); r.Rate.String() != "0.02" {
		t.Errorf("2024: %+v", r)
	}
	if r, _ := q.Award(2023); r.Rate.String() != "0.01" {
		t.Errorf("2023: %+v", r)
	}
	for _, bad := range []string{`rate: "0"`, `rate: "1.5"`, `min_recovery_rate: "1.2"`} {
		src := strings.Replace(string(configs.Policy), `rate: "0.01"`, bad, 1)
		if strings.HasPrefix(bad, "min_") {
			src = strings.Replace(string(configs.Policy), `min_recovery_rate: "0.90"`, bad, 1)
		}
		if _, err := Parse([]byte(src)); err == nil || !strings.Contains(err.Error(), "awards[0]") {
			t.Errorf("%s: %v", bad, err)
		}
	}
}
