package application

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"chuangdai/internal/apperr"
	"chuangdai/internal/idnum"
	"chuangdai/internal/policy"
)

// rid builds a valid resident ID number born on birth (YYYYMMDD).
func rid(birth string, seq int) string {
	body := "411282" + birth + fmt.Sprintf("%03d", seq)
	return idnum.WithCheckDigit(body)
}

func loadPolicy(t *testing.T) *policy.Policy {
	t.Helper()
	p, err := policy.Load("")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

var ruleDay = time.Date(2024, 3, 15, 0, 0, 0, 0, time.UTC)

// versionAt is the shipped policy's version in force on day.
func versionAt(t *testing.T, day time.Time) policy.Version {
	t.Helper()
	v, err := loadPolicy(t).At(day)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func validIndividual() Input {
	return Input{
		BorrowerType: "individual", Name: "张伟", NationalID: rid("19900101", 11), Phone: "13800138000",
		KeyGroup: "returning_migrant_worker", DistrictCode: "411282", BankCode: "ICBC-SMX",
		Amount: "200000.00", TermMonths: 24, BusinessName: "灵宝苹果合作社", Industry: "agriculture", Purpose: "cold storage", JobsPlanned: 3,
		NotEmployed: ptrTo(true),
	}
}

func ptrTo[T any](v T) *T { return &v }

func partners(n int) []Partner {
	out := make([]Partner, n)
	for i := range out {
		out[i] = Partner{Name: fmt.Sprintf("合伙人%d", i+1), NationalID: rid("19850505", 100+i), KeyGroup: "college_graduate", NotEmployed: ptrTo(true)}
	}
	return out
}

// validPartnership is a partnership of n partners led by the first.
func validPartnership(n int) Input {
	in := validIndividual()
	in.BorrowerType, in.Partners, in.Amount = "partnership", partners(n), "500000.00"
	in.NationalID = in.Partners[0].NationalID
	return in
}

func validEnterprise() Input {
	in := validIndividual()
	in.BorrowerType, in.Amount, in.KeyGroup = "enterprise", "3000000.00", ""
	in.Enterprise = &FirmInput{Name: "灵宝果业有限公司", CreditCode: "91350100M000100Y43", Employees: 50, NewKeyGroupHires: 5}
	return in
}

func fieldsOf(f *apperr.Fields) []string {
	var out []string
	for _, e := range f.List() {
		out = append(out, e.Field)
	}
	sort.Strings(out)
	return out
}

func TestValidate(t *testing.T) {
	v := versionAt(t, ruleDay)
	cases := []struct {
		name string
		in   func() Input
		want []string
	}{
		{"valid individual", validIndividual, nil},
		{"individual at the cap", func() Input { in := validIndividual(); in.Amount = "300000.00"; return in }, nil},
		{"individual over the cap", func() Input { in := validIndividual(); in.Amount = "300000.01"; return in }, []string{"amount"}},
		{"amount with three decimals", func() Input { in := validIndividual(); in.Amount = "100.001"; return in }, []string{"amount"}},
		{"amount zero", func() Input { in := validIndividual(); in.Amount = "0.00"; return in }, []string{"amount"}},
		{"amount not a number", func() Input { in := validIndividual(); in.Amount = "1e5"; return in }, []string{"amount"}},
		{"individual term 37", func() Input { in := validIndividual(); in.TermMonths = 37; return in }, []string{"term_months"}},
		{"term 0", func() Input { in := validIndividual(); in.TermMonths = 0; return in }, []string{"term_months"}},
		{"bad checksum", func() Input {
			in := validIndividual()
			last := byte('0')
			if in.NationalID[17] == '0' {
				last = '1'
			}
			in.NationalID = in.NationalID[:17] + string(last)
			return in
		}, []string{"national_id"}},
		{"reference ID of a 74-year-old", func() Input { in := validIndividual(); in.NationalID = "11010519491231002X"; return in }, []string{"national_id"}},
		{"17 years old", func() Input { in := validIndividual(); in.NationalID = rid("20060316", 11); return in }, []string{"national_id"}},
		{"18 today", func() Input { in := validIndividual(); in.NationalID = rid("20060315", 11); return in }, nil},
		{"60 years old", func() Input { in := validIndividual(); in.NationalID = rid("19640101", 11); return in }, nil},
		{"61 years old", func() Input { in := validIndividual(); in.NationalID = rid("19630101", 11); return in }, []string{"national_id"}},
		{"unknown key group", func() Input { in := validIndividual(); in.KeyGroup = "students"; return in }, []string{"key_group"}},
		{"missing key group", func() Input { in := validIndividual(); in.KeyGroup = ""; return in }, []string{"key_group"}},
		{"unknown borrower type", func() Input { in := validIndividual(); in.BorrowerType = "cooperative"; return in }, []string{"borrower_type"}},
		{"everything missing", func() Input { return Input{} }, []string{"amount", "bank_code", "borrower_type", "district_code", "key_group", "name", "national_id", "phone", "term_months"}},
		{"everything missing of an individual", func() Input { return Input{BorrowerType: "individual"} }, []string{"amount", "bank_code", "district_code", "key_group", "name", "national_id", "phone", "term_months"}},
		{"bad phone and district", func() Input { in := validIndividual(); in.Phone = "call me"; in.DistrictCode = "4112"; return in }, []string{"district_code", "phone"}},
		{"partners on an individual", func() Input { in := validIndividual(); in.Partners = partners(2); return in }, []string{"partners"}},
		{"firm on an individual", func() Input { in := validIndividual(); in.Enterprise = validEnterprise().Enterprise; return in }, []string{"enterprise"}},

		{"valid partnership", func() Input { return validPartnership(2) }, nil},
		{"partnership of one", func() Input { return validPartnership(1) }, []string{"partners"}},
		{"partnership of 2 at 660000.00", func() Input { in := validPartnership(2); in.Amount = "660000.00"; return in }, nil},
		{"partnership of 2 over 660000.00", func() Input { in := validPartnership(2); in.Amount = "660000.01"; return in }, []string{"amount"}},
		{"partnership of 13 capped at 4000000.00", func() Input { in := validPartnership(13); in.Amount = "4000000.00"; return in }, nil},
		{"partnership of 13 over the cap", func() Input { in := validPartnership(13); in.Amount = "4000000.01"; return in }, []string{"amount"}},
		{"partner with bad ID and key group", func() Input {
			in := validPartnership(3)
			in.Partners[1].NationalID, in.Partners[2].KeyGroup, in.Partners[2].Name = "411282199001011234", "none", ""
			return in
		}, []string{"partners[1].national_id", "partners[2].key_group", "partners[2].name"}},
		{"partner too old", func() Input { in := validPartnership(2); in.Partners[1].NationalID = rid("19500101", 7); return in }, []string{"partners[1].national_id"}},
		{"partner 17 years old", func() Input { in := validPartnership(3); in.Partners[2].NationalID = rid("20060316", 7); return in }, []string{"partners[2].national_id"}},
		{"lead not listed", func() Input { in := validPartnership(2); in.NationalID = rid("19900101", 11); return in }, []string{"partners"}},
		{"lead listed second", func() Input {
			in := validPartnership(2)
			in.NationalID = in.Partners[1].NationalID
			return in
		}, nil},
		{"same partner twice", func() Input {
			in := validPartnership(2)
			in.Partners[1].NationalID = in.Partners[0].NationalID
			return in
		}, []string{"partners[1].national_id"}},

		{"valid enterprise", validEnterprise, nil},
		{"enterprise at the cap", func() Input { in := validEnterprise(); in.Amount = "4000000.00"; return in }, nil},
		{"enterprise over the cap", func() Input { in := validEnterprise(); in.Amount = "4000000.01"; return in }, []string{"amount"}},
		{"enterprise term 25", func() Input { in := validEnterprise(); in.TermMonths = 25; return in }, []string{"term_months"}},
		{"enterprise applicant's age is not checked", func() Input { in := validEnterprise(); in.NationalID = "11010519491231002X"; return in }, nil},
		{"enterprise without firm", func() Input { in := validEnterprise(); in.Enterprise = nil; return in }, []string{"enterprise"}},
		{"bad credit code", func() Input { in := validEnterprise(); in.Enterprise.CreditCode = "91350100M000100Y44"; return in }, []string{"enterprise.credit_code"}},
		{"no employees", func() Input { in := validEnterprise(); in.Enterprise.Employees = 0; return in }, []string{"enterprise.employees"}},
		{"hires 10% of 50 short", func() Input { in := validEnterprise(); in.Enterprise.NewKeyGroupHires = 4; return in }, []string{"enterprise.new_key_group_hires"}},
		{"100 staff need 10", func() Input {
			in := validEnterprise()
			in.Enterprise.Employees, in.Enterprise.NewKeyGroupHires = 100, 9
			return in
		}, []string{"enterprise.new_key_group_hires"}},
		{"101 staff need 5%", func() Input {
			in := validEnterprise()
			in.Enterprise.Employees, in.Enterprise.NewKeyGroupHires = 101, 6
			return in
		}, nil},
		{"200 staff, 9 hires short of 5%", func() Input {
			in := validEnterprise()
			in.Enterprise.Employees, in.Enterprise.NewKeyGroupHires = 200, 9
			return in
		}, []string{"enterprise.new_key_group_hires"}},
		{"more hires than staff", func() Input { in := validEnterprise(); in.Enterprise.NewKeyGroupHires = 51; return in }, []string{"enterprise.new_key_group_hires"}},

		{"allowed other loans", func() Input {
			in := validIndividual()
			in.OtherLoans = []OtherLoanInput{{"applicant", "housing", "500000.00"}, {"spouse", "consumer", "49999.99"}, {"spouse", "student", "0.00"}}
			return in
		}, nil},
		{"business loan and big consumer credit", func() Input {
			in := validIndividual()
			in.OtherLoans = []OtherLoanInput{{"applicant", "car", "1.00"}, {"spouse", "business", "1000.00"}, {"applicant", "consumer", "50000.01"}}
			return in
		}, []string{"other_loans[1].kind", "other_loans[2].balance"}},
		// 5万元以下 includes 50,000.00 itself.
		{"consumer credit of exactly 50000.00", func() Input {
			in := validIndividual()
			in.OtherLoans = []OtherLoanInput{{"spouse", "consumer", "50000.00"}}
			return in
		}, nil},
		{"consumer credit of 50000.01", func() Input {
			in := validIndividual()
			in.OtherLoans = []OtherLoanInput{{"spouse", "consumer", "50000.01"}}
			return in
		}, []string{"other_loans[0].balance"}},

		// Not employed by an organisation: a person declaring employment is
		// refused; no declaration (API.md's body has none) is "not declared".
		{"individual without the declaration", func() Input { in := validIndividual(); in.NotEmployed = nil; return in }, nil},
		{"individual employed", func() Input { in := validIndividual(); in.NotEmployed = ptrTo(false); return in }, []string{"not_employed"}},
		{"partner without the declaration", func() Input { in := validPartnership(3); in.Partners[1].NotEmployed = nil; return in }, nil},
		{"partner employed", func() Input { in := validPartnership(2); in.Partners[0].NotEmployed = ptrTo(false); return in }, []string{"partners[0].not_employed"}},
		{"partnership lead's own declaration may be left out", func() Input { in := validPartnership(2); in.NotEmployed = nil; return in }, nil},
		{"partnership lead declaring employment", func() Input { in := validPartnership(2); in.NotEmployed = ptrTo(false); return in }, []string{"not_employed"}},
		{"enterprise without the declaration", func() Input { in := validEnterprise(); in.NotEmployed = nil; return in }, nil},
		{"bad other loan entry", func() Input {
			in := validIndividual()
			in.OtherLoans = []OtherLoanInput{{"cousin", "mortgage", "-1.00"}}
			return in
		}, []string{"other_loans[0].balance", "other_loans[0].holder", "other_loans[0].kind"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var f apperr.Fields
			out := Validate(v, ruleDay, c.in(), &f)
			got := fieldsOf(&f)
			want := slices.Clone(c.want)
			sort.Strings(want)
			if !slices.Equal(got, want) {
				t.Fatalf("fields %v, want %v (%v)", got, want, f.List())
			}
			if len(want) == 0 && (out.BirthDate.IsZero() || !out.Amount.IsPositive()) {
				t.Fatalf("valid input normalised to %+v", out)
			}
		})
	}
}

func TestValidateDerivesBirthAndSex(t *testing.T) {
	v := versionAt(t, ruleDay)
	in := validIndividual()
	in.NationalID = rid("19900101", 12) // an even sequence is a woman
	var f apperr.Fields
	out := Validate(v, ruleDay, in, &f)
	if !f.Empty() || !out.Female || out.BirthDate.Format(time.DateOnly) != "1990-01-01" {
		t.Fatalf("got female=%v birth=%s errors=%v", out.Female, out.BirthDate, f.List())
	}
}

func TestLimits(t *testing.T) {
	v := versionAt(t, ruleDay)
	cases := []struct {
		t        BorrowerType
		partners int
		cap      string
		term     int
	}{
		{Individual, 0, "300000", 36},
		{Partnership, 2, "660000", 36},
		{Partnership, 5, "1650000", 36},
		{Partnership, 12, "3960000", 36},
		{Partnership, 13, "4000000", 36},
		{Enterprise, 0, "4000000", 24},
	}
	for _, c := range cases {
		cap, term := Limits(v, c.t, c.partners)
		if cap.String() != c.cap || term != c.term {
			t.Errorf("Limits(%s, %d) = %s, %d; want %s, %d", c.t, c.partners, cap, term, c.cap, c.term)
		}
	}
}

func TestCheckHistory(t *testing.T) {
	v := versionAt(t, ruleDay)
	cases := []struct {
		name string
		h    History
		ok   bool
	}{
		{"first loan", History{}, true},
		{"two repaid loans", History{LoansHeld: 2}, true},
		{"three loans held", History{LoansHeld: 3}, false},
		{"open application", History{OpenApplications: 1}, false},
		{"open loan", History{LoansHeld: 1, OpenLoans: 1}, false},
		{"past overdue", History{LoansHeld: 1, AnyOverdue: true}, false},
	}
	for _, c := range cases {
		err := CheckHistory(v, "national_id", c.h)
		if c.ok != (err == nil) {
			t.Errorf("%s: CheckHistory = %v", c.name, err)
			continue
		}
		if err != nil {
			e, _ := apperr.As(err)
			if e.Kind != apperr.Invalid || len(e.Fields) != 1 || e.Fields[0].Field != "national_id" {
				t.Errorf("%s: error %+v, want 422 on national_id", c.name, e)
			}
		}
	}
}

func TestCheckContract(t *testing.T) {
	p := loadPolicy(t)
	str := func(s string) *string { return &s }
	num := func(n int) *int { return &n }
	ind := Application{Fields: Fields{BorrowerType: Individual, Amount: decimal.RequireFromString("200000.00")}}
	ent := Application{Fields: Fields{BorrowerType: Enterprise, Amount: decimal.RequireFromString("1000000.00")}}
	// LPR 3.45% from 2023-08-21 and 3.35% from 2024-07-22; the cap adds 150 bp.
	march, august := time.Date(2024, 3, 15, 0, 0, 0, 0, time.UTC), time.Date(2024, 8, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name string
		day  time.Time
		a    Application
		in   ContractInput
		want []string
	}{
		{"at the rate cap", march, ind, ContractInput{str("200000.00"), str("0.0495"), num(36)}, nil},
		{"above the rate cap", march, ind, ContractInput{str("200000.00"), str("0.0496"), num(36)}, []string{"annual_rate"}},
		{"cap follows the LPR date", august, ind, ContractInput{str("100000.00"), str("0.0495"), num(12)}, []string{"annual_rate"}},
		{"new cap", august, ind, ContractInput{str("100000.00"), str("0.0485"), num(12)}, nil},
		{"more than requested", march, ind, ContractInput{str("200000.01"), str("0.04"), num(12)}, []string{"approved_amount"}},
		{"zero amount and rate", march, ind, ContractInput{str("0.00"), str("0"), num(12)}, []string{"annual_rate", "approved_amount"}},
		{"rate as percent text", march, ind, ContractInput{str("100.00"), str("4.5%"), num(12)}, []string{"annual_rate"}},
		{"enterprise term 25", march, ent, ContractInput{str("1000000.00"), str("0.04"), num(25)}, []string{"term_months"}},
		{"individual term 36", march, ind, ContractInput{str("1000.00"), str("0.04"), num(36)}, nil},
		{"nothing given", march, ind, ContractInput{}, []string{"annual_rate", "approved_amount", "term_months"}},
		// 2019-12-31 has an LPR (4.15%) but no policy version: neither the
		// rate's spread nor the longest term is known, and both say so.
		{"no policy version", time.Date(2019, 12, 31, 0, 0, 0, 0, time.UTC), ind, ContractInput{str("1000.00"), str("0.04"), num(12)}, []string{"annual_rate", "term_months"}},
		{"first day of the 2020 version", time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), ind, ContractInput{str("1000.00"), str("0.04"), num(12)}, nil},
	}
	for _, c := range cases {
		got, err := CheckContract(p, c.day, c.a, c.in)
		var fields []string
		if e, ok := apperr.As(err); ok {
			for _, f := range e.Fields {
				fields = append(fields, f.Field)
				if noVersion := strings.HasPrefix(f.Message.Format(), "there is no policy version in force on %s"); noVersion != (c.name == "no policy version") {
					t.Errorf("%s: %s: %s", c.name, f.Field, f.Message)
				}
			}
		} else if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		sort.Strings(fields)
		if !slices.Equal(fields, c.want) {
			t.Errorf("%s: fields %v, want %v (%v)", c.name, fields, c.want, err)
		}
		if err == nil && (!got.Amount.Equal(decimal.RequireFromString(*c.in.ApprovedAmount)) ||
			!got.Rate.Equal(decimal.RequireFromString(*c.in.AnnualRate)) || got.TermMonths != *c.in.TermMonths) {
			t.Errorf("%s: contract %+v", c.name, got)
		}
	}
}

func TestParseFilter(t *testing.T) {
	cases := []struct {
		q    map[string]string
		want []string
	}{
		{map[string]string{}, nil},
		{map[string]string{"status": "bank_review", "district_code": "411282", "bank_code": "ICBC-SMX", "key_group": "online_merchant",
			"borrower_type": "enterprise", "from": "2024-01-01", "to": "2024-12-31", "q": "张"}, nil},
		{map[string]string{"status": "paid"}, []string{"status"}},
		{map[string]string{"district_code": "41"}, []string{"district_code"}},
		{map[string]string{"key_group": "x", "borrower_type": "y"}, []string{"borrower_type", "key_group"}},
		{map[string]string{"from": "2024-13-01", "to": "yesterday"}, []string{"from", "to"}},
		{map[string]string{"from": "2024-02-01", "to": "2024-01-31"}, []string{"to"}},
	}
	for _, c := range cases {
		var f apperr.Fields
		ParseFilter(func(k string) string { return c.q[k] }, &f)
		if got := fieldsOf(&f); !slices.Equal(got, c.want) {
			t.Errorf("ParseFilter(%v) fields %v, want %v", c.q, got, c.want)
		}
	}
}

func TestPatchApply(t *testing.T) {
	str := func(s string) *string { return &s }
	ent := validEnterprise()
	cases := []struct {
		name  string
		in    Input
		patch Patch
		check func(Input) bool
	}{
		{"nothing changes", validIndividual(), Patch{}, func(out Input) bool { return out.Amount == "200000.00" && out.Name == "张伟" }},
		{"some fields", validIndividual(), Patch{Amount: str("1.00"), TermMonths: new(int)}, func(out Input) bool {
			return out.Amount == "1.00" && out.TermMonths == 0 && out.Phone == "13800138000"
		}},
		{"to a partnership", validIndividual(), Patch{BorrowerType: str("partnership"), Partners: &[]Partner{{Name: "A"}, {Name: "B"}}}, func(out Input) bool {
			return out.BorrowerType == "partnership" && len(out.Partners) == 2
		}},
		{"from a partnership drops partners", validPartnership(2), Patch{BorrowerType: str("individual")}, func(out Input) bool {
			return out.BorrowerType == "individual" && out.Partners == nil
		}},
		{"from an enterprise drops the firm", ent, Patch{BorrowerType: str("individual")}, func(out Input) bool { return out.Enterprise == nil }},
		{"an enterprise keeps its firm", ent, Patch{Name: str("陈静")}, func(out Input) bool { return out.Enterprise != nil && out.Name == "陈静" }},
		{"other loans replaced", validIndividual(), Patch{OtherLoans: &[]OtherLoanInput{{"spouse", "car", "1.00"}}}, func(out Input) bool {
			return len(out.OtherLoans) == 1 && out.OtherLoans[0].Kind == "car"
		}},
	}
	for _, c := range cases {
		if out := c.patch.Apply(c.in); !c.check(out) {
			t.Errorf("%s: %+v", c.name, out)
		}
	}
}

func TestInputOfRoundTrips(t *testing.T) {
	v := versionAt(t, ruleDay)
	for _, in := range []Input{validIndividual(), validPartnership(3), validEnterprise()} {
		in.OtherLoans = []OtherLoanInput{{"spouse", "housing", "1000.50"}}
		var f apperr.Fields
		first := Validate(v, ruleDay, in, &f)
		second := Validate(v, ruleDay, InputOf(first), &f)
		if !f.Empty() || !second.Amount.Equal(first.Amount) || second.NationalID != first.NationalID ||
			len(second.Partners) != len(first.Partners) || (first.Enterprise == nil) != (second.Enterprise == nil) ||
			!second.OtherLoans[0].Balance.Equal(first.OtherLoans[0].Balance) {
			t.Errorf("%s: %+v became %+v (%v)", in.BorrowerType, first, second, f.List())
		}
	}
}

// The subsidy cap is the cap of the borrower type (default policy).
func TestSubsidyCap(t *testing.T) {
	v := versionAt(t, ruleDay)
	for _, c := range []struct {
		t        BorrowerType
		partners int
		want     string
	}{
		{Individual, 0, "300000"},
		{Partnership, 2, "660000"},   // 1.1 × 2 × 300,000.00
		{Partnership, 3, "990000"},   // 1.1 × 3 × 300,000.00
		{Partnership, 12, "3960000"}, // 1.1 × 12 × 300,000.00
		{Partnership, 13, "4000000"}, // 1.1 × 13 × 300,000.00 = 4,290,000.00 → the partnership cap
		{Enterprise, 0, "4000000"},
	} {
		if got := SubsidyCap(v, c.t, c.partners); !got.Equal(decimal.RequireFromString(c.want)) {
			t.Errorf("%s of %d: %s, want %s", c.t, c.partners, got, c.want)
		}
	}
}
