package loan

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"chuangdai/internal/money"
)

func yuan(v string) decimal.Decimal { return decimal.RequireFromString(v) }

// The fund and the bank share the compensation, every recovery and the
// write-off in the compensation's shares; the fund's share is rounded half-up
// to the fen and the bank takes the rest.
func TestFundAndBankShares(t *testing.T) {
	type rec struct{ amount, fund, bank string }
	for _, tc := range []struct {
		name               string
		amount, share      string
		fund, bank         string // the compensation
		recoveries         []rec
		fundLeft, bankLeft string // written off
		fundBack, bankBack string // recovered in all
	}{
		{
			// 200,000.00 × 0.80 = 160,000.00, the bank 40,000.00.
			// 50,000.00 back: the fund's share of 50,000.00 is 40,000.00, the bank 10,000.00.
			// 30,000.00 more: the fund's share of 80,000.00 is 64,000.00, so 24,000.00 of it; the bank 6,000.00.
			// Written off: fund 160,000.00 − 64,000.00 = 96,000.00, bank 40,000.00 − 16,000.00 = 24,000.00,
			// together 120,000.00 = 200,000.00 − 80,000.00.
			name: "default 80/20", amount: "200000.00", share: "0.80", fund: "160000.00", bank: "40000.00",
			recoveries: []rec{{"50000.00", "40000.00", "10000.00"}, {"30000.00", "24000.00", "6000.00"}},
			fundLeft:   "96000.00", bankLeft: "24000.00", fundBack: "64000.00", bankBack: "16000.00",
		},
		{
			// 0.03 × 0.80 = 0.024 → the fund pays 0.02, the bank bears 0.01.
			// Three recoveries of 0.01: the fund's share of 0.01, 0.02, 0.03 is
			// 0.008 → 0.01, 0.016 → 0.02, 0.024 → 0.02, so its parts are 0.01, 0.01, 0.00
			// and the bank's 0.00, 0.00, 0.01. Rounding each recovery alone would give
			// the fund 0.03 back of the 0.02 it paid.
			name: "fen by fen", amount: "0.03", share: "0.80", fund: "0.02", bank: "0.01",
			recoveries: []rec{{"0.01", "0.01", "0.00"}, {"0.01", "0.01", "0.00"}, {"0.01", "0.00", "0.01"}},
			fundLeft:   "0.00", bankLeft: "0.00", fundBack: "0.02", bankBack: "0.01",
		},
		{
			// A bank agreement of 75%: 100,000.01 × 0.75 = 75,000.0075 → 75,000.01 (half-up: the
			// fund takes the half fen), the bank 25,000.00.
			// 0.02 back: 0.015 → 0.02 for the fund, 0.00 for the bank.
			// The remaining 99,999.99: the fund's share of 100,000.01 is 75,000.01 again,
			// so 74,999.99 of it; the bank 25,000.00. Nothing is left to write off.
			name: "agreed 75%, half fen", amount: "100000.01", share: "0.75", fund: "75000.01", bank: "25000.00",
			recoveries: []rec{{"0.02", "0.02", "0.00"}, {"99999.99", "74999.99", "25000.00"}},
			fundLeft:   "0.00", bankLeft: "0.00", fundBack: "75000.01", bankBack: "25000.00",
		},
		{
			// 333.33 × 0.70 = 233.331 → 233.33, the bank 100.00.
			// 111.11 back: 77.777 → 77.78 for the fund, 33.33 for the bank.
			// Written off: fund 233.33 − 77.78 = 155.55, bank 100.00 − 33.33 = 66.67,
			// together 222.22 = 333.33 − 111.11.
			name: "70%", amount: "333.33", share: "0.70", fund: "233.33", bank: "100.00",
			recoveries: []rec{{"111.11", "77.78", "33.33"}},
			fundLeft:   "155.55", bankLeft: "66.67", fundBack: "77.78", bankBack: "33.33",
		},
		{
			// No recovery: each side writes off all of its own share.
			name: "nothing back", amount: "80000.00", share: "0.80", fund: "64000.00", bank: "16000.00",
			fundLeft: "64000.00", bankLeft: "16000.00", fundBack: "0.00", bankBack: "0.00",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := NewCompensation(time.Date(2024, 10, 8, 0, 0, 0, 0, time.UTC), yuan(tc.amount), yuan(tc.share), 1)
			if money.Format(c.Fund) != tc.fund || money.Format(c.Bank) != tc.bank {
				t.Fatalf("compensation fund %s bank %s, want %s and %s", c.Fund, c.Bank, tc.fund, tc.bank)
			}
			l := Loan{Compensation: &c, Recovered: decimal.Zero, RecoveredFund: decimal.Zero}
			for i, r := range tc.recoveries {
				fund, bank := c.ShareRecovery(l.Recovered, yuan(r.amount))
				if money.Format(fund) != r.fund || money.Format(bank) != r.bank {
					t.Errorf("recovery %d of %s: fund %s bank %s, want %s and %s", i+1, r.amount, money.Format(fund), money.Format(bank), r.fund, r.bank)
				}
				l.Recovered, l.RecoveredFund = l.Recovered.Add(yuan(r.amount)), l.RecoveredFund.Add(fund)
			}
			fund, bank := l.Unrecovered()
			if money.Format(fund) != tc.fundLeft || money.Format(bank) != tc.bankLeft {
				t.Errorf("written off fund %s bank %s, want %s and %s", money.Format(fund), money.Format(bank), tc.fundLeft, tc.bankLeft)
			}
			if got := money.Format(l.RecoveredFund); got != tc.fundBack || money.Format(l.Recovered.Sub(l.RecoveredFund)) != tc.bankBack {
				t.Errorf("recovered fund %s bank %s, want %s and %s", got, l.Recovered.Sub(l.RecoveredFund), tc.fundBack, tc.bankBack)
			}
			// The fund's basis: paid − recovered = written off, to the fen.
			if !c.Fund.Sub(l.RecoveredFund).Equal(fund) || !c.Amount.Sub(l.Recovered).Equal(fund.Add(bank)) {
				t.Errorf("paid %s − recovered %s ≠ written off %s", c.Fund, l.RecoveredFund, fund)
			}
		})
	}
}

// However the recoveries come in, each splits exactly into two non-negative
// parts, the fund's recovered total is its share of the total rounded once,
// and recovering everything gives each side back exactly what it paid.
func TestRecoverySharesAddUp(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 4))
	for range 2000 {
		amountFen := 1 + rng.Int64N(40_000_000)
		share := decimal.New(rng.Int64N(1_000_001), -6)
		c := NewCompensation(time.Time{}, money.FromFen(amountFen), share, 1)
		left, recovered, fundBack := amountFen, decimal.Zero, decimal.Zero
		for left > 0 {
			part := 1 + rng.Int64N(left)
			if rng.IntN(4) == 0 {
				part = min(left, 1+rng.Int64N(3))
			}
			a := money.FromFen(part)
			fund, bank := c.ShareRecovery(recovered, a)
			if fund.IsNegative() || bank.IsNegative() || !fund.Add(bank).Equal(a) {
				t.Fatalf("share %s of %s after %s: fund %s bank %s", share, a, recovered, fund, bank)
			}
			recovered, fundBack = recovered.Add(a), fundBack.Add(fund)
			if !fundBack.Equal(money.RoundFen(recovered.Mul(share))) || fundBack.GreaterThan(c.Fund) {
				t.Fatalf("share %s: fund recovered %s of %s, paid %s", share, fundBack, recovered, c.Fund)
			}
			left -= part
		}
		if !fundBack.Equal(c.Fund) || !recovered.Sub(fundBack).Equal(c.Bank) {
			t.Fatalf("share %s of %s: all recovered gives the fund %s (paid %s)", share, c.Amount, fundBack, c.Fund)
		}
	}
}
