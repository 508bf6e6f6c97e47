package httpapi_test

import (
	"context"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"chuangdai/internal/apptest"
)

func dec(t *testing.T, v any) decimal.Decimal {
	t.Helper()
	s, ok := v.(string)
	if !ok {
		t.Fatalf("amount %v is not a string", v)
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		t.Fatalf("amount %q: %v", s, err)
	}
	return d
}

// wantFigures compares the string fields of m with want.
func wantFigures(t *testing.T, what string, m map[string]any, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if m[k] != v {
			t.Errorf("%s %s = %v, want %s", what, k, m[k], v)
		}
	}
}

// Recoveries are shared between the fund and the bank in the shares of the
// compensation, whatever the bank's agreement says later; a write-off writes
// off each side's unrecovered share; so for the fund paid − recovered =
// written off, to the fen, per loan and per district.
func TestFundSharesOnOneBasis(t *testing.T) {
	c := newCast(t)
	s := c.s
	a, b := c.loan(t), c.loan(t) // 200,000.00 each, disbursed 2024-03-15
	aid, bid := jsonID(a["id"]), jsonID(b["id"])
	if _, err := s.App.Loans.RunDaily(context.Background(), time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	comp := func(id string) map[string]any {
		return s.Do("POST", "/api/v1/loans/"+id+"/compensation", c.guar, map[string]any{"compensated_on": "2024-07-10"}).Want(200).JSON()["loan"].(map[string]any)
	}
	// A: the policy's 80%: the fund pays 160,000.00, the bank bears 40,000.00.
	wantFigures(t, "compensation of A", comp(aid)["compensation"].(map[string]any),
		map[string]string{"fund_amount": "160000.00", "bank_amount": "40000.00", "fund_recovered": "0.00", "bank_recovered": "0.00"})
	// The bank agrees 70% from now on: B is compensated 140,000.00 / 60,000.00;
	// A keeps the 80% it was compensated with.
	if _, err := s.App.DB.SQL().Exec(sqlRebind("UPDATE banks SET compensation_fund_share_ppm = 700000 WHERE code = ?"), apptest.Bank); err != nil {
		t.Fatal(err)
	}
	wantFigures(t, "compensation of B", comp(bid)["compensation"].(map[string]any),
		map[string]string{"fund_amount": "140000.00", "bank_amount": "60000.00"})

	recover := func(id, amount, on string) map[string]any {
		return s.Do("POST", "/api/v1/loans/"+id+"/recoveries", c.guar, map[string]any{"amount": amount, "recovered_on": on}).Want(201).JSON()
	}
	// A, 50,000.01: the fund's share is 50,000.01 × 0.80 = 40,000.008 → 40,000.01, the bank 10,000.00.
	r := recover(aid, "50000.01", "2024-08-01")
	wantFigures(t, "first recovery of A", r["recovery"].(map[string]any), map[string]string{"amount": "50000.01", "fund_amount": "40000.01", "bank_amount": "10000.00"})
	// A, 29,999.99: recovered 80,000.00 in all, the fund's share 64,000.00,
	// so 64,000.00 − 40,000.01 = 23,999.99 of this one; the bank 6,000.00.
	r = recover(aid, "29999.99", "2024-09-01")
	wantFigures(t, "second recovery of A", r["recovery"].(map[string]any), map[string]string{"fund_amount": "23999.99", "bank_amount": "6000.00"})
	wantFigures(t, "compensation of A", r["loan"].(map[string]any)["compensation"].(map[string]any),
		map[string]string{"fund_recovered": "64000.00", "bank_recovered": "16000.00"})
	// B, 10,000.00 at 70%: 7,000.00 and 3,000.00.
	r = recover(bid, "10000.00", "2024-08-01")
	wantFigures(t, "recovery of B", r["recovery"].(map[string]any), map[string]string{"fund_amount": "7000.00", "bank_amount": "3000.00"})

	writeOff := func(id string) map[string]any {
		s.Do("POST", "/api/v1/loans/"+id+"/write-off", c.guar, map[string]any{"reason": "借款人无财产可供执行"}).Want(200)
		return s.Do("POST", "/api/v1/loans/"+id+"/write-off/confirm", c.guar2, nil).Want(200).JSON()["loan"].(map[string]any)
	}
	// A: 200,000.00 − 80,000.00 = 120,000.00 written off: the fund
	// 160,000.00 − 64,000.00 = 96,000.00, the bank 40,000.00 − 16,000.00 = 24,000.00.
	// B: 190,000.00: the fund 140,000.00 − 7,000.00 = 133,000.00, the bank 60,000.00 − 3,000.00 = 57,000.00.
	for _, tc := range []struct {
		id   string
		want map[string]string
	}{
		{aid, map[string]string{"amount": "120000.00", "fund_amount": "96000.00", "bank_amount": "24000.00"}},
		{bid, map[string]string{"amount": "190000.00", "fund_amount": "133000.00", "bank_amount": "57000.00"}},
	} {
		l := writeOff(tc.id)
		wo := l["write_off"].(map[string]any)
		wantFigures(t, "write-off of "+tc.id, wo, tc.want)
		// Per loan, on each side: paid − recovered = written off.
		cm := l["compensation"].(map[string]any)
		if !dec(t, cm["fund_amount"]).Sub(dec(t, cm["fund_recovered"])).Equal(dec(t, wo["fund_amount"])) ||
			!dec(t, cm["bank_amount"]).Sub(dec(t, cm["bank_recovered"])).Equal(dec(t, wo["bank_amount"])) {
			t.Errorf("loan %s: compensation %v, write-off %v", tc.id, cm, wo)
		}
	}

	// Per district and in total: the fund paid 300,000.00, recovered
	// 64,000.00 + 7,000.00 = 71,000.00 and wrote off 96,000.00 + 133,000.00 =
	// 229,000.00 = 300,000.00 − 71,000.00; the bank 100,000.00, 19,000.00, 81,000.00.
	exp := s.Do("GET", "/api/v1/guarantee/exposure", c.guar, nil).Want(200).JSON()
	want := map[string]string{"compensated": "300000.00", "recovered": "71000.00", "written_off": "229000.00",
		"bank_compensated": "100000.00", "bank_recovered": "19000.00", "bank_written_off": "81000.00"}
	rows := exp["rows"].([]any)
	if len(rows) != 1 {
		t.Fatalf("exposure rows %v", rows)
	}
	for what, m := range map[string]map[string]any{"district": rows[0].(map[string]any), "total": exp["total"].(map[string]any)} {
		wantFigures(t, what, m, want)
		for _, side := range []string{"", "bank_"} {
			if !dec(t, m[side+"compensated"]).Sub(dec(t, m[side+"recovered"])).Equal(dec(t, m[side+"written_off"])) {
				t.Errorf("%s %sside: %v", what, side, m)
			}
		}
	}

	// Per loan in the exposure too (group_by=loan), each side adding up:
	// A the fund 160,000.00 − 64,000.00 = 96,000.00, the bank 40,000.00 −
	// 16,000.00 = 24,000.00; B 140,000.00 − 7,000.00 = 133,000.00 and
	// 60,000.00 − 3,000.00 = 57,000.00; the total is the districts' total.
	byLoan := s.Do("GET", "/api/v1/guarantee/exposure?group_by=loan", c.guar, nil).Want(200).JSON()
	perLoan := map[string]map[string]string{
		aid: {"compensated": "160000.00", "recovered": "64000.00", "written_off": "96000.00",
			"bank_compensated": "40000.00", "bank_recovered": "16000.00", "bank_written_off": "24000.00"},
		bid: {"compensated": "140000.00", "recovered": "7000.00", "written_off": "133000.00",
			"bank_compensated": "60000.00", "bank_recovered": "3000.00", "bank_written_off": "57000.00"},
	}
	loanRows := byLoan["rows"].([]any)
	if len(loanRows) != len(perLoan) {
		t.Fatalf("exposure by loan: %v", loanRows)
	}
	for _, r := range loanRows {
		m := r.(map[string]any)
		id := jsonID(m["loan_id"])
		want, ok := perLoan[id]
		if !ok || m["loan_number"] == "" {
			t.Fatalf("exposure row of loan %s: %v", id, m)
		}
		wantFigures(t, "exposure of loan "+id, m, want)
	}
	wantFigures(t, "total by loan", byLoan["total"].(map[string]any), want)
	s.Do("GET", "/api/v1/guarantee/exposure?group_by=bank", c.guar, nil).WantProblem(422, "validation_failed")
}

// checkFundShares checks the correction of the fund shares on the records
// of the last release (migration fund_shares): its recoveries were counted
// whole against the fund and its write-off wrote off the whole rest. Each
// recovery is split in the compensation's share and each side of the
// written-off loan adds up.
func checkFundShares(t *testing.T, s *apptest.Server, token string, ids ...string) {
	t.Helper()
	for _, id := range ids {
		l := s.Do("GET", "/api/v1/loans/"+id, token, nil).Want(200).JSON()
		cm, ok := l["compensation"].(map[string]any)
		if !ok {
			t.Fatalf("loan %s has no compensation: %v", id, l)
		}
		share := dec(t, cm["fund_share"])
		recovered, fund := decimal.Zero, decimal.Zero
		for _, x := range l["recoveries"].([]any) {
			r := x.(map[string]any)
			recovered = recovered.Add(dec(t, r["amount"]))
			fund = fund.Add(dec(t, r["fund_amount"]))
			if !dec(t, r["fund_amount"]).Add(dec(t, r["bank_amount"])).Equal(dec(t, r["amount"])) {
				t.Errorf("loan %s: recovery %v does not add up", id, r)
			}
		}
		if recovered.IsZero() || !fund.Equal(recovered.Mul(share).Round(2)) || cm["fund_recovered"] != fund.StringFixed(2) {
			t.Errorf("loan %s: recovered %s, of it the fund's %s at %s; compensation %v", id, recovered, fund, share, cm)
		}
		if wo, _ := l["write_off"].(map[string]any); wo != nil && wo["amount"] != nil {
			if !dec(t, cm["fund_amount"]).Sub(fund).Equal(dec(t, wo["fund_amount"])) || !dec(t, wo["fund_amount"]).Add(dec(t, wo["bank_amount"])).Equal(dec(t, wo["amount"])) {
				t.Errorf("loan %s: compensation %v, write-off %v", id, cm, wo)
			}
		}
	}
}
