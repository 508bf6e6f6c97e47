package report

import (
	"slices"
	"strings"
	"testing"
	"time"

	"chuangdai/internal/apperr"
	"chuangdai/internal/money"
	"chuangdai/internal/policy"
	"chuangdai/internal/sheet"
)

func checker(t testing.TB) legacyChecker {
	t.Helper()
	pol, err := policy.Load("")
	if err != nil {
		t.Fatal(err)
	}
	return legacyChecker{
		s: &Service{policy: pol}, districts: map[string]string{"411282": "灵宝市"}, banks: map[string]string{"ICBC-SMX": "工行"},
		today: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), days: map[int64]*legacyDay{},
	}
}

// a valid row: 11010519491231002X is a woman's resident ID number.
var goodRow = map[string]string{
	"external_ref": "OLD-1", "name": "王芳", "national_id": "11010519491231002X", "gender": "female",
	"key_group": "returning_migrant_worker", "borrower_type": "individual", "district_code": "411282", "bank_code": "ICBC-SMX",
	"principal": "200000.00", "annual_rate": "0.0395", "term_months": "24", "disbursed_on": "2024-03-15", "jobs_created": "3",
}

func TestLegacyRowsAreCheckedLikeNewLoans(t *testing.T) {
	c := checker(t)
	for _, tc := range []struct {
		name   string
		change map[string]string
		fields []string
	}{
		{"valid", nil, nil},
		{"女 for a woman", map[string]string{"gender": "女"}, nil},
		{"man's sex for a woman's number", map[string]string{"gender": "male"}, []string{"gender"}},
		{"checksum", map[string]string{"national_id": "110105194912310021"}, []string{"national_id"}},
		{"enterprise without key group", map[string]string{"borrower_type": "enterprise", "key_group": "", "principal": "4000000.00"}, nil},
		{"individual without key group", map[string]string{"key_group": ""}, []string{"key_group"}},
		{"unknown borrower type", map[string]string{"borrower_type": "company"}, []string{"borrower_type"}},
		{"unknown district and bank", map[string]string{"district_code": "419999", "bank_code": "NOPE"}, []string{"district_code", "bank_code"}},
		{"over the individual cap", map[string]string{"principal": "300000.01"}, []string{"principal"}},
		{"partnership up to its cap", map[string]string{"borrower_type": "partnership", "principal": "4000000.00"}, nil},
		{"zero principal", map[string]string{"principal": "0.00"}, []string{"principal"}},
		// LPR on 2024-03-15 is 3.45 %: the cap is 4.95 %.
		{"rate at the cap", map[string]string{"annual_rate": "0.0495"}, nil},
		{"rate over the cap", map[string]string{"annual_rate": "0.049501"}, []string{"annual_rate"}},
		// A day before the first policy version (2020-01-01) has no caps:
		// refused on the day, not checked with a later version's numbers.
		{"no policy version before 2020-01-01", map[string]string{"disbursed_on": "2019-12-31"}, []string{"disbursed_on"}},
		{"no policy version nor LPR", map[string]string{"disbursed_on": "2019-08-19"}, []string{"disbursed_on"}},
		// 财金〔2020〕21号 through 2022-12-31: individual 200,000.00,
		// enterprise 3,000,000.00; the 2023 caps from 2023-01-01.
		{"2020 individual cap", map[string]string{"disbursed_on": "2020-01-01", "principal": "200000.00"}, nil},
		{"over the 2020 individual cap", map[string]string{"disbursed_on": "2021-06-01", "principal": "200000.01"}, []string{"principal"}},
		{"over the 2020 cap on its last day", map[string]string{"disbursed_on": "2022-12-31", "principal": "250000.00"}, []string{"principal"}},
		{"the 2023 cap from its first day", map[string]string{"disbursed_on": "2023-01-01", "principal": "250000.00"}, nil},
		{"over the 2020 enterprise cap", map[string]string{"borrower_type": "enterprise", "key_group": "", "disbursed_on": "2022-06-01", "principal": "3000000.01"}, []string{"principal"}},
		{"2020 enterprise cap", map[string]string{"borrower_type": "enterprise", "key_group": "", "disbursed_on": "2022-06-01", "principal": "3000000.00"}, nil},
		{"term over 36 months", map[string]string{"term_months": "37"}, []string{"term_months"}},
		{"enterprise term over 24", map[string]string{"borrower_type": "enterprise", "term_months": "25"}, []string{"term_months"}},
		{"future", map[string]string{"disbursed_on": "2025-01-02"}, []string{"disbursed_on"}},
		{"bad date", map[string]string{"disbursed_on": "2024/03/15"}, []string{"disbursed_on"}},
		{"no such day", map[string]string{"disbursed_on": "2024-02-30"}, []string{"disbursed_on"}},
		{"no date", map[string]string{"disbursed_on": ""}, []string{"disbursed_on"}},
		{"last day of year 9999", map[string]string{"disbursed_on": "9999-12-31"}, []string{"disbursed_on"}},
		// 0001-01-02 is a day, but no policy version was in force then;
		// 0001-01-01 is Go's zero time, no day.
		{"year 1", map[string]string{"disbursed_on": "0001-01-02"}, []string{"disbursed_on"}},
		{"the zero day", map[string]string{"disbursed_on": "0001-01-01"}, []string{"disbursed_on"}},
		{"negative jobs", map[string]string{"jobs_created": "-1"}, []string{"jobs_created"}},
		{"no reference", map[string]string{"external_ref": ""}, []string{"external_ref"}},
		{"no name", map[string]string{"name": ""}, []string{"name"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			row := map[string]string{}
			for k, v := range goodRow {
				row[k] = v
			}
			for k, v := range tc.change {
				row[k] = v
			}
			var f apperr.Fields
			l := c.check(func(col string) string { return row[col] }, &f)
			var got []string
			for _, e := range f.List() {
				got = append(got, e.Field)
			}
			slices.Sort(got)
			want := slices.Clone(tc.fields)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("fields %v, want %v (%v)", got, want, f.List())
			}
			if tc.fields == nil && tc.name == "valid" {
				if !l.Female || l.Maturity.Format(time.DateOnly) != "2026-03-15" || money.FormatFen(l.PrincipalFen) != "200000.00" ||
					l.SubsidyRatePPM != 19750 || l.BorrowerRatePPM != 19750 || l.JobsCreated != 3 || money.FormatFen(l.SubsidyCapFen) != "300000.00" {
					t.Errorf("loan %+v", l)
				}
			}
		})
	}
}

func TestParseBankList(t *testing.T) {
	from, to := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, 12, 31, 0, 0, 0, 0, time.UTC)
	lines, err := ParseBankList(sheet.Upload{Body: strings.NewReader("\uFEFFbank_reference,name,amount,disbursed_on\nD-1,张三,200000.00,2024-03-15\n\nD-2,李四,1.5,2024-12-31\n")}, from, to)
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 2 || lines[0].AmountFen != 20_000_000 || lines[1].AmountFen != 150 || lines[1].Row != 4 || lines[0].Name != "张三" {
		t.Errorf("lines %+v", lines)
	}
	for _, tc := range []struct{ name, body, field string }{
		{"no person column", "bank_reference,amount,disbursed_on\nD-1,1.00,2024-03-15\n", "national_id"},
		{"unknown column", "bank_reference,name,amount,disbursed_on,memo\n", "memo"},
		{"outside the period", "bank_reference,name,amount,disbursed_on\nD-1,张三,1.00,2025-01-01\n", "disbursed_on"},
		{"twice", "bank_reference,name,amount,disbursed_on\nD-1,张三,1.00,2024-01-01\nD-1,李四,2.00,2024-01-02\n", "bank_reference"},
		{"bad amount", "bank_reference,name,amount,disbursed_on\nD-1,张三,1.005,2024-01-01\n", "amount"},
		{"bad ID", "bank_reference,national_id,amount,disbursed_on\nD-1,110105194912310021,1.00,2024-01-01\n", "national_id"},
		{"empty", "", "file"},
	} {
		_, err := ParseBankList(sheet.Upload{Body: strings.NewReader(tc.body)}, from, to)
		e, ok := apperr.As(err)
		if !ok || e.Kind != apperr.Invalid || len(e.Fields) != 1 || e.Fields[0].Field != tc.field {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

// The legacy file's columns are API.md's, in its order, then the optional
// ones added since (a file with API.md's header stays valid).
func TestLegacySpecIsTheHeaderOfAPI(t *testing.T) {
	var names []string
	for _, c := range LegacySpec(nil, nil).Columns {
		names = append(names, c.Name)
	}
	if !slices.Equal(names[:len(LegacyColumns)], LegacyColumns) {
		t.Fatalf("columns %v, API.md %v", names, LegacyColumns)
	}
	for _, c := range LegacySpec(nil, nil).Columns[len(LegacyColumns):] {
		if c.Required {
			t.Errorf("column %s added after API.md's header is required", c.Name)
		}
	}
}
