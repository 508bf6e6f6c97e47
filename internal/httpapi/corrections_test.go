package httpapi_test

import (
	"context"
	"strings"
	"testing"
	"time"
)

// beijingNoon is noon in Beijing on the day y-m-d.
func beijingNoon(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 4, 0, 0, 0, time.UTC)
}

// periodStates reads the accounting months as month → state (closed_month
// for a closed one).
func periodStates(t *testing.T, c *cast) (map[string]string, []string) {
	t.Helper()
	r := c.s.Do("GET", "/api/v1/periods?page_size=200", c.auditor, nil).Want(200).JSON()
	out := map[string]string{}
	var order []string
	for _, it := range r["items"].([]any) {
		m := it.(map[string]any)
		state := m["state"].(string)
		if state == "closed" {
			state += " by " + m["closed_month"].(string)
		}
		out[m["month"].(string)] = state
		order = append(order, m["month"].(string))
	}
	if int(r["total"].(float64)) != len(order) {
		t.Errorf("periods total %v, items %d", r["total"], len(order))
	}
	return out, order
}

// wantClosedRefusal wants a 409 period.closed whose detail names the month.
func wantClosedRefusal(t *testing.T, r interface{ JSON() map[string]any }, month string) {
	t.Helper()
	if d, _ := r.JSON()["detail"].(string); !strings.Contains(d, month) || !strings.Contains(d, "已结账") || !strings.Contains(d, "冲正") {
		t.Errorf("period.closed detail %q does not name the closed month %s and the correction", d, month)
	}
}

// A finance auditor closes a month that has ended, and every month before
// it; nothing dated in a closed month is posted afterwards (disbursement,
// repayment, compensation, recovery), while the open months take postings.
func TestClosedMonthsRefusePostings(t *testing.T) {
	c := newCast(t)
	s := c.s
	s.App.Loans.SetClock(func() time.Time { return beijingNoon(2024, 7, 10) })
	l := c.loan(t) // disbursed 2024-03-15
	id := jsonID(l["id"])

	states, order := periodStates(t, c)
	if strings.Join(order, " ") != "2024-07 2024-06 2024-05 2024-04 2024-03" {
		t.Fatalf("months %v, want July back to the first disbursement's March", order)
	}
	for m, st := range states {
		if st != "open" {
			t.Errorf("%s is %s before any close", m, st)
		}
	}

	s.Do("POST", "/api/v1/periods/2024-07/close", c.auditor, nil).WantProblem(409, "period.not_ended")
	s.Do("POST", "/api/v1/periods/2024-13/close", c.auditor, nil).WantProblem(404, "not_found")
	s.Do("POST", "/api/v1/periods/2024-04/close", c.bank, nil).WantProblem(403, "forbidden")
	s.Do("POST", "/api/v1/periods/2024-04/close", c.admin, nil).WantProblem(403, "forbidden")
	s.Do("GET", "/api/v1/periods", c.bank, nil).WantProblem(403, "forbidden")
	got := s.Do("POST", "/api/v1/periods/2024-04/close", c.auditor, nil).Want(200).JSON()
	if got["state"] != "closed" || got["closed_month"] != "2024-04" || got["closed_by_name"] == "" {
		t.Fatalf("close answered %v", got)
	}
	states, _ = periodStates(t, c)
	for m, want := range map[string]string{"2024-03": "closed by 2024-04", "2024-04": "closed by 2024-04", "2024-05": "open", "2024-07": "open"} {
		if states[m] != want {
			t.Errorf("%s is %q, want %q", m, states[m], want)
		}
	}
	s.Do("POST", "/api/v1/periods/2024-03/close", c.auditor, nil).WantProblem(409, "period.closed")

	// A repayment dated in April is refused; in May it posts.
	rep := "/api/v1/loans/" + id + "/repayments"
	r := s.Do("POST", rep, c.bank, repayment("1000.00", "0.00", "2024-04-30", "PC-R1"), "Idempotency-Key", "pc-r1").WantProblem(409, "period.closed")
	wantClosedRefusal(t, r, "2024-04")
	if en := s.Do("POST", rep, c.bank, repayment("1000.00", "0.00", "2024-04-30", "PC-R1"), "Idempotency-Key", "pc-r1b", "Accept-Language", "en").
		WantProblem(409, "period.closed").JSON()["detail"].(string); !strings.Contains(en, "paid_on 2024-04-30 is in the accounting month 2024-04") {
		t.Errorf("English detail %q", en)
	}
	s.Do("POST", rep, c.bank, repayment("1000.00", "0.00", "2024-05-02", "PC-R2"), "Idempotency-Key", "pc-r2").Want(201)
	if got := s.Do("GET", "/api/v1/loans/"+id, c.bank, nil).Want(200).JSON(); got["outstanding_principal"] != "199000.00" || len(got["repayments"].([]any)) != 1 {
		t.Errorf("after one refused and one posted repayment: %v outstanding, %d repayments", got["outstanding_principal"], len(got["repayments"].([]any)))
	}

	// A disbursement dated in April is refused and leaves nothing behind.
	app := c.application(t, c.owner, "approved")
	disb := "/api/v1/applications/" + app + "/disbursement"
	wantClosedRefusal(t, s.Do("POST", disb, c.bank2, disbursement("200000.00", "2024-04-01", "PC-D1"), "Idempotency-Key", "pc-d1").WantProblem(409, "period.closed"), "2024-04")
	if a := s.Do("GET", "/api/v1/applications/"+app, c.bank, nil).Want(200).JSON(); a["status"] != "approved" {
		t.Errorf("application after the refused disbursement: %v", a["status"])
	}
	if n := s.Do("GET", "/api/v1/loans", c.auditor, nil).Want(200).JSON()["total"].(float64); n != 1 {
		t.Errorf("%v loans after the refused disbursement, want 1", n)
	}
	s.Do("POST", disb, c.bank2, disbursement("200000.00", "2024-05-06", "PC-D2"), "Idempotency-Key", "pc-d2").Want(201)

	// The loan falls overdue on 21 June (the interest due on 20 June
	// unpaid); June closed, a compensation dated in June is refused.
	if _, err := s.App.Loans.RunDaily(context.Background(), beijingNoon(2024, 7, 1)); err != nil {
		t.Fatal(err)
	}
	s.Do("POST", "/api/v1/periods/2024-06/close", c.auditor, nil).Want(200)
	comp := "/api/v1/loans/" + id + "/compensation"
	wantClosedRefusal(t, s.Do("POST", comp, c.guar, map[string]any{"compensated_on": "2024-06-25"}).WantProblem(409, "period.closed"), "2024-06")
	s.Do("POST", comp, c.guar, map[string]any{"compensated_on": "2024-07-02"}).Want(200)

	// In August, July closed: a recovery dated in July is refused.
	s.App.Loans.SetClock(func() time.Time { return beijingNoon(2024, 8, 5) })
	s.Do("POST", "/api/v1/periods/2024-07/close", c.auditor, nil).Want(200)
	rec := "/api/v1/loans/" + id + "/recoveries"
	wantClosedRefusal(t, s.Do("POST", rec, c.guar, map[string]any{"amount": "100.00", "recovered_on": "2024-07-20"}).WantProblem(409, "period.closed"), "2024-07")
	s.Do("POST", rec, c.guar, map[string]any{"amount": "100.00", "recovered_on": "2024-08-01"}).Want(201)
	if got := s.Do("GET", "/api/v1/loans/"+id, c.guar, nil).Want(200).JSON(); got["recovered"] != "100.00" {
		t.Errorf("recovered %v after one refused and one posted recovery, want 100.00", got["recovered"])
	}

	states, order = periodStates(t, c)
	if order[0] != "2024-08" || states["2024-08"] != "open" || states["2024-05"] != "closed by 2024-06" || states["2024-07"] != "closed by 2024-07" {
		t.Errorf("months after three closes: %v", states)
	}
	if n := s.Do("GET", "/api/v1/audit-events?entity_type=period", c.auditor, nil).Want(200).JSON()["total"].(float64); n != 3 {
		t.Errorf("%v audit events of closes, want 3", n)
	}
}
