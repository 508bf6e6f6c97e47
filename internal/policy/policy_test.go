package policy

import (
	"chuangdai/configs"
	"chuangdai/internal/msg"
	"strings"
	"testing"
	"time"
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestDefaultPolicyLoads(t *testing.T) {
	p, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	v, err := p.At(day("2024-03-15"))
	if err != nil {
		t.Fatal(err)
	}
	if v.Individual.Cap.String() != "300000" || v.Enterprise.MaxTermMonths != 24 || v.ServiceDays["bank_review"] != 3 {
		t.Fatalf("unexpected defaults %+v", v)
	}
}

func TestLPRByDate(t *testing.T) {
	p, _ := Load("")
	cases := map[string]string{
		"2019-08-20": "0.0425", "2019-09-19": "0.0425", "2024-07-21": "0.0345",
		"2024-07-22": "0.0335", "2024-10-21": "0.031", "2026-01-01": "0.03",
	}
	for d, want := range cases {
		got, err := p.LPR(day(d))
		if err != nil || got.String() != want {
			t.Errorf("LPR(%s) = %s, %v; want %s", d, got, err, want)
		}
	}
	if _, err := p.LPR(day("2019-08-19")); err != ErrNoLPR {
		t.Errorf("LPR before the table: %v", err)
	}
	if c, _ := p.RateCap(day("2024-03-15")); c.String() != "0.0495" {
		t.Errorf("RateCap = %s", c)
	}
}

func TestWorkingDays(t *testing.T) {
	p, _ := Load("")
	cases := []struct {
		start string
		n     int
		want  string
	}{
		{"2024-03-11", 5, "2024-03-18"}, // Monday + 5 → next Monday
		{"2024-03-15", 3, "2024-03-20"}, // Friday + 3 skips the weekend
		{"2024-09-27", 3, "2024-10-08"}, // 29 Sep is a make-up workday; 1–7 Oct holidays
		{"2024-02-08", 1, "2024-02-09"},
		{"2024-02-09", 1, "2024-02-18"}, // Spring Festival; 18 Feb (Sunday) works
	}
	for _, c := range cases {
		got := p.AddWorkingDays(day(c.start), c.n).Format(time.DateOnly)
		if got != c.want {
			t.Errorf("AddWorkingDays(%s, %d) = %s, want %s", c.start, c.n, got, c.want)
		}
	}
}

func TestDatedVersions(t *testing.T) {
	src := strings.Replace(string(configs.Policy), "versions:\n", `versions:
  - effective_from: 2026-01-01
    working_age: {min: 18, max: 65}
    individual: {cap: "500000.00", max_term_months: 36}
    partnership: {factor: "1.10", cap: "4000000.00", max_term_months: 36}
    enterprise: {cap: "4000000.00", max_term_months: 24, hire_ratio: "0.10", large_staff_above: 100, hire_ratio_large: "0.05"}
    max_loans_per_person: 3
    rate_cap_over_lpr_bp: 150
    subsidy: {cap_individual: "500000.00", cap_enterprise: "4000000.00"}
    service_days: {eligibility_review: 5, guarantee_review: 5, bank_review: 3}
`, 1)
	p, err := Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	for d, want := range map[string]string{"2019-12-31": "", "2020-01-01": "200000", "2025-12-31": "300000", "2026-01-01": "500000", "2030-06-30": "500000"} {
		v, err := p.At(day(d))
		if got := v.Individual.Cap.String(); (err == nil) != (want != "") || (want != "" && got != want) {
			t.Errorf("At(%s): cap %s, %v; want %q", d, got, err, want)
		}
	}
}

// TestVersionInForce: the shipped file's versions, on the day before, on
// and after each one's effective date; a day before the first has none, and
// says so (never the first version's numbers).
func TestVersionInForce(t *testing.T) {
	p, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	type numbers struct {
		source                                     string
		individual, partnership, enterprise        string
		individualTerm, enterpriseTerm             int
		hireRatio, hireRatioLarge                  string
		subsidyIndividual, subsidyEnterprise       string
		rateSpread, maxLoans, partnershipTerm      int
		consumerLimit, fundShare, waivedIndividual string
	}
	v2020 := numbers{"财金〔2020〕21号", "200000", "3000000", "3000000", 36, 24, "0.15", "0.08", "200000", "3000000", 150, 3, 36, "50000", "0.8", "100000"}
	v2023 := numbers{"财金〔2023〕75号", "300000", "4000000", "4000000", 36, 24, "0.1", "0.05", "300000", "4000000", 150, 3, 36, "50000", "0.8", "100000"}
	cases := []struct {
		day  string
		want *numbers
	}{
		{"0001-01-02", nil},
		{"2019-05-01", nil},
		{"2019-12-31", nil},
		{"2020-01-01", &v2020},
		{"2020-01-02", &v2020},
		{"2021-06-30", &v2020},
		{"2022-12-31", &v2020},
		{"2023-01-01", &v2023},
		{"2023-01-02", &v2023},
		{"2026-12-01", &v2023},
	}
	for _, c := range cases {
		v, err := p.At(day(c.day))
		if c.want == nil {
			if err == nil {
				t.Errorf("At(%s) = the version of %s, want none in force", c.day, v.EffectiveFrom.Format(time.DateOnly))
				continue
			}
			text, ok := msg.TextOf(err)
			if want := "该日期（" + c.day + "）没有生效的政策版本，无法核对额度；请先在政策文件中加入当时的版本"; !ok || text.Render(msg.ZH) != want {
				t.Errorf("At(%s): %v, want the message %q", c.day, err, want)
			}
			if _, err := p.RateCap(day(c.day)); err == nil {
				t.Errorf("RateCap(%s) answered without a version in force", c.day)
			}
			continue
		}
		if err != nil {
			t.Errorf("At(%s): %v", c.day, err)
			continue
		}
		got := numbers{v.Source, v.Individual.Cap.String(), v.Partnership.Cap.String(), v.Enterprise.Cap.String(),
			v.Individual.MaxTermMonths, v.Enterprise.MaxTermMonths, v.Enterprise.HireRatio.String(), v.Enterprise.HireRatioLarge.String(),
			v.Subsidy.CapIndividual.String(), v.Subsidy.CapEnterprise.String(), v.RateCapOverLPRbp, v.MaxLoansPerPerson,
			v.Partnership.MaxTermMonths, v.ConsumerCreditLimit.String(), v.Compensation.FundShare.String(),
			v.CounterGuarantee.WaivedIndividualUpTo.String()}
		if got != *c.want {
			t.Errorf("At(%s) = %+v, want %+v", c.day, got, *c.want)
		}
	}
}

func TestBadPolicyIsRefused(t *testing.T) {
	for _, src := range []string{
		"versions: []\nlpr_1y: []\n",
		"versions:\n  - effective_from: notadate\n",
		"unknown_key: 1\n",
	} {
		if _, err := Parse([]byte(src)); err == nil {
			t.Errorf("accepted %q", src)
		}
	}
}
