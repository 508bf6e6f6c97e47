package support

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"chuangdai/internal/policy"
)

func day(s string) time.Time {
	d, ok := ParseDay(s)
	if !ok {
		panic(s)
	}
	return d
}

func TestWaiver(t *testing.T) {
	pol, err := policy.Load("")
	if err != nil {
		t.Fatal(err)
	}
	v, err := pol.At(day("2024-06-01"))
	if err != nil {
		t.Fatal(err)
	}
	moved := day("2024-03-01")
	out := day("2024-04-30")
	national := Tenancy{BaseName: "三门峡国家级示范基地", BaseLevel: "national", MoveIn: moved}
	provincial := Tenancy{BaseName: "河南省示范基地", BaseLevel: "provincial", MoveIn: moved}
	municipal := Tenancy{BaseName: "灵宝市孵化园", BaseLevel: "municipal", MoveIn: moved}
	ended := Tenancy{BaseName: "河南省示范基地", BaseLevel: "provincial", MoveIn: moved, MoveOut: &out}
	later := Tenancy{BaseName: "三门峡国家级示范基地", BaseLevel: "national", MoveIn: day("2024-07-01")}
	amt := decimal.RequireFromString
	individualReason := "个人贷款不超过10万元 / individual loan ≤ 100,000.00"
	cases := []struct {
		name      string
		app       Application
		tenancies []Tenancy
		waived    bool
		reason    string
	}{
		{"individual at the limit", Application{"individual", amt("100000.00"), day("2024-06-01")}, nil, true, individualReason},
		{"individual below the limit", Application{"individual", amt("50000.00"), day("2024-06-01")}, []Tenancy{national}, true, individualReason},
		{"individual a fen above", Application{"individual", amt("100000.01"), day("2024-06-01")}, nil, false, ""},
		{"enterprise under the amount", Application{"enterprise", amt("80000.00"), day("2024-06-01")}, nil, false, ""},
		{"national base", Application{"individual", amt("200000.00"), day("2024-06-01")}, []Tenancy{municipal, national}, true,
			"国家级创业孵化示范基地推荐：三门峡国家级示范基地 / recommended by the national incubation demonstration base 三门峡国家级示范基地"},
		{"provincial base, partnership", Application{"partnership", amt("600000.00"), day("2024-06-01")}, []Tenancy{provincial}, true,
			"省级创业孵化示范基地推荐：河南省示范基地 / recommended by the provincial incubation demonstration base 河南省示范基地"},
		{"national preferred over provincial", Application{"enterprise", amt("600000.00"), day("2024-06-01")}, []Tenancy{provincial, national}, true,
			"国家级创业孵化示范基地推荐：三门峡国家级示范基地 / recommended by the national incubation demonstration base 三门峡国家级示范基地"},
		{"ended tenancy still counts", Application{"individual", amt("200000.00"), day("2024-06-01")}, []Tenancy{ended}, true,
			"省级创业孵化示范基地推荐：河南省示范基地 / recommended by the provincial incubation demonstration base 河南省示范基地"},
		{"municipal base only", Application{"individual", amt("200000.00"), day("2024-06-01")}, []Tenancy{municipal}, false, ""},
		{"moved in after applying", Application{"individual", amt("200000.00"), day("2024-06-01")}, []Tenancy{later}, false, ""},
		{"moved in on the day", Application{"individual", amt("200000.00"), day("2024-07-01")}, []Tenancy{later}, true,
			"国家级创业孵化示范基地推荐：三门峡国家级示范基地 / recommended by the national incubation demonstration base 三门峡国家级示范基地"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			waived, reason, _ := Waiver(v, c.app, c.tenancies)
			if waived != c.waived || reason != c.reason {
				t.Fatalf("Waiver = %v %q, want %v %q", waived, reason, c.waived, c.reason)
			}
		})
	}

	// The limit and the levels come from the policy.
	v.CounterGuarantee.WaivedIndividualUpTo = policy.Amount{Decimal: amt("150000.00")}
	v.CounterGuarantee.WaivedBaseLevels = []string{"national", "provincial", "municipal"}
	if w, r, _ := Waiver(v, Application{"individual", amt("120000.00"), day("2024-06-01")}, nil); !w || r != "个人贷款不超过15万元 / individual loan ≤ 150,000.00" {
		t.Errorf("policy limit: %v %q", w, r)
	}
	if w, _, _ := Waiver(v, Application{"enterprise", amt("120000.00"), day("2024-06-01")}, []Tenancy{municipal}); !w {
		t.Error("a policy waiving municipal bases should waive")
	}
}

func TestGrouped(t *testing.T) {
	for in, want := range map[string]string{"0": "0.00", "999.5": "999.50", "1000": "1,000.00", "100000": "100,000.00", "4000000": "4,000,000.00", "-1234.5": "-1,234.50"} {
		if got := grouped(decimal.RequireFromString(in)); got != want {
			t.Errorf("grouped(%s) = %s, want %s", in, got, want)
		}
	}
	for in, want := range map[string]string{"100000": "10万元", "150000": "15万元", "12345.6": "12345.60元"} {
		if got := yuanCN(decimal.RequireFromString(in)); got != want {
			t.Errorf("yuanCN(%s) = %s, want %s", in, got, want)
		}
	}
}
