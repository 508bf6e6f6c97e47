package fund_test

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"chuangdai/internal/fund"
	"chuangdai/internal/policy"
)

func TestLimitFollowsLastYearsRepaymentRate(t *testing.T) {
	pol, err := policy.Load("")
	if err != nil {
		t.Fatal(err)
	}
	rule := pol.Fund(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	d := decimal.RequireFromString
	for _, tc := range []struct {
		due, onTime string
		limit, rate string // rate "": none fell due
	}{
		{"0.00", "0.00", "5", ""},
		{"400000.00", "360000.00", "10", "0.9"},   // exactly 90%: raised
		{"400000.00", "359999.99", "5", "0.9"},    // 0.899999975 shows as 0.9000 but is below
		{"300000.00", "100000.00", "5", "0.3333"}, // 1/3 rounded to 4 decimals
		{"200000.00", "200000.00", "10", "1"},     // all on time
		{"1000000.00", "875000.00", "5", "0.875"}, // 87.5%
	} {
		limit, rate, basis := fund.LimitFor(rule, fund.Due{Due: d(tc.due), OnTime: d(tc.onTime)})
		if !limit.Equal(d(tc.limit)) {
			t.Errorf("due %s, on time %s: limit %s, want %s", tc.due, tc.onTime, limit, tc.limit)
		}
		switch {
		case tc.rate == "" && rate != nil, tc.rate != "" && (rate == nil || !rate.Equal(d(tc.rate))):
			t.Errorf("due %s, on time %s: rate %v, want %q", tc.due, tc.onTime, rate, tc.rate)
		}
		if basis.IsZero() {
			t.Errorf("due %s: no basis", tc.due)
		}
	}
}

func TestChartBalances(t *testing.T) {
	for a, debit := range map[fund.Account]bool{fund.BankDeposit: true, fund.CompensationPaid: true, fund.WriteOffs: true,
		fund.GovernmentContributions: false, fund.Recoveries: false, fund.ClaimsWrittenOff: false, fund.InterestIncome: false} {
		if a.DebitNormal() != debit || !a.Valid() {
			t.Errorf("%s: debit-normal %v, valid %v", a, a.DebitNormal(), a.Valid())
		}
	}
	if fund.Account("cash").Valid() || len(fund.Accounts) != 7 {
		t.Error("the chart has seven accounts")
	}
}
