package report

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"chuangdai/internal/apperr"
	"chuangdai/internal/loan"
	"chuangdai/internal/money"
)

// An imported loan is kept as integers between the check and the insert;
// what is inserted is the loan loan.New made, to the last field.
func TestImportedLoanIsTheLoanNewMade(t *testing.T) {
	c := checker(t)
	// The subsidy caps: an individual's 300,000.00 in 2024; a partnership
	// of three in 2022 (财金〔2020〕21号), 1.1 × 3 × 200,000.00 =
	// 660,000.00; an enterprise's 3,000,000.00 in 2020.
	for _, tc := range []struct {
		change                           map[string]string
		principal, rate, subsidyCap, day string
		term                             int
	}{
		{nil, "200000.00", "0.0395", "300000.00", "2024-03-15", 24},
		{map[string]string{"borrower_type": "partnership", "partners": "3", "key_group": "college_graduate", "principal": "600000.00",
			"disbursed_on": "2022-03-01", "annual_rate": "0.0435"}, "600000.00", "0.0435", "660000.00", "2022-03-01", 24},
		{map[string]string{"borrower_type": "enterprise", "key_group": "", "principal": "3000000.00", "disbursed_on": "2020-06-01"},
			"3000000.00", "0.0395", "3000000.00", "2020-06-01", 24},
	} {
		change := tc.change
		row := map[string]string{}
		for k, v := range goodRow {
			row[k] = v
		}
		for k, v := range change {
			row[k] = v
		}
		var f apperr.Fields
		l := c.check(func(col string) string { return row[col] }, &f)
		if !f.Empty() {
			t.Fatalf("%v: %v", change, f.List())
		}
		got := l.loan()
		day, err := time.Parse(time.DateOnly, tc.day)
		if err != nil {
			t.Fatal(err)
		}
		ref := row["external_ref"]
		want, err := loan.New(c.s.policy, loan.Loan{
			ExternalRef: &ref, Name: row["name"], NationalID: row["national_id"], Female: true, KeyGroup: row["key_group"],
			BorrowerType: row["borrower_type"], Jobs: 3, JobsCreated: 3, DistrictCode: "411282", BankCode: "ICBC-SMX",
			Principal: decimal.RequireFromString(tc.principal), AnnualRate: decimal.RequireFromString(tc.rate),
			SubsidyCap: decimal.RequireFromString(tc.subsidyCap), TermMonths: tc.term, Method: loan.InterestQuarterly, DisbursedOn: day,
		}, c.now)
		if err != nil {
			t.Fatal(err)
		}
		// Decimals compare by value: JSON writes each as its value.
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		if string(g) != string(w) {
			t.Errorf("%v:\n got %s\nwant %s", change, g, w)
		}
	}
}

// The principal and the rate of a row read as money.ParsePositive and
// money.ParseRate read them, to the coefficient and the exponent.
func TestLegacyNumbersReadAsMoneyReadsThem(t *testing.T) {
	same := func(a, b decimal.Decimal) bool {
		return a.Exponent() == b.Exponent() && a.Coefficient().Cmp(b.Coefficient()) == 0
	}
	for _, s := range []string{"200000.00", "200000", "200000.5", "0.01", "0.00", "0", "007.50", "1234567890123", "12345678901234",
		"1234567890123.45", "-5.00", "1.234", "1.", ".5", "1..2", "", "1e3", "１２", "+1", " 1", "0.0395", "0.049501", "3.95", "100", "1000",
		"0.0000001", "000.000001"} {
		got, err := parsePrincipal(s)
		want, wantErr := money.ParsePositive(s)
		if !errors.Is(err, wantErr) || err == nil && !same(got, want) {
			t.Errorf("principal %q: %v, %v; money.ParsePositive %v, %v", s, got, err, want, wantErr)
		}
		got, err = parseRate(s)
		want, wantErr = money.ParseRate(s)
		if !errors.Is(err, wantErr) || err == nil && !same(got, want) {
			t.Errorf("rate %q: %v, %v; money.ParseRate %v, %v", s, got, err, want, wantErr)
		}
	}
}
