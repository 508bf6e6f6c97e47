package httpapi_test

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"chuangdai/internal/apptest"
)

// badDays are dates no money action accepts: outside any loan's life, not a
// calendar day, not YYYY-MM-DD, or empty. None of them may cause a 500.
var badDays = []string{"0000-01-01", "0001-01-01", "9999-12-31", "2024-02-30", "", " ", "2024-3-5", "15/03/2024", "2024-03-15T00:00:00Z", "20240315", "yesterday"}

// wantDayRefused posts body with field set to day and wants a 422 naming
// field, whose detail mentions mention (when set).
func wantDayRefused(t *testing.T, s *apptest.Server, url, token string, body map[string]any, field, day, mention string, headers ...string) {
	t.Helper()
	b := map[string]any{}
	for k, v := range body {
		b[k] = v
	}
	b[field] = day
	r := s.Do("POST", url, token, b, headers...).WantProblem(422, "validation_failed")
	if f := r.FieldErrors(); len(f) != 1 || f[0] != field {
		t.Errorf("%s %q: errors %v, want only %s", field, day, f, field)
	}
	if detail, _ := r.JSON()["detail"].(string); mention != "" && !strings.Contains(detail, mention) {
		t.Errorf("%s %q: detail %q does not say %s", field, day, detail, mention)
	}
}

// The dates of money actions are days a bank could book: a disbursement not
// before the bank's approval day, repayments not before the disbursement,
// the compensation not before the disbursement, the last repayment or the
// day the loan fell overdue, recoveries not before the compensation; none
// after today in Beijing. Any other date is a 422 naming the field.
func TestMoneyDatesAreDaysABankCouldBook(t *testing.T) {
	c := newCast(t)
	s := c.s
	// 2024-12-30 17:00 UTC is 2024-12-31 01:00 in Beijing: today is the 31st
	// there, the 30th in UTC.
	s.App.Loans.SetClock(func() time.Time { return time.Date(2024, 12, 30, 17, 0, 0, 0, time.UTC) })
	const tomorrow = "2025-01-01"

	// Disbursement: the bank approved on 2024-03-14 (decidedFrom).
	app := c.application(t, c.owner, "approved")
	url := "/api/v1/applications/" + app + "/disbursement"
	disb := disbursement("200000.00", "", "BD-1")
	for i, day := range append([]string{"2024-03-13", tomorrow}, badDays...) {
		mention := ""
		if day == "2024-03-13" {
			mention = "2024-03-14"
		}
		wantDayRefused(t, s, url, c.bank2, disb, "disbursed_on", day, mention, "Idempotency-Key", "bd-bad-"+string(rune('a'+i)))
	}
	disb["disbursed_on"] = "2024-03-14"
	l := s.Do("POST", url, c.bank2, disb, "Idempotency-Key", "bd-1").Want(201).JSON()["loan"].(map[string]any)
	id := jsonID(l["id"])

	// Repayments: not before the disbursement, up to today in Beijing.
	rep := "/api/v1/loans/" + id + "/repayments"
	body := repayment("0.00", "100.00", "", "BD-R1")
	for i, day := range append([]string{"2024-03-13", tomorrow}, badDays...) {
		mention := ""
		if day == "2024-03-13" {
			mention = "2024-03-14"
		}
		wantDayRefused(t, s, rep, c.bank, body, "paid_on", day, mention, "Idempotency-Key", "bd-rbad-"+string(rune('a'+i)))
	}
	body["paid_on"] = "2024-12-31" // today in Beijing, tomorrow in UTC
	s.Do("POST", rep, c.bank, body, "Idempotency-Key", "bd-r1").Want(201)

	// Compensation of a loan overdue since 2024-06-21 (the interest due on
	// 20 June unpaid), partly repaid on 10 July.
	other := c.loan(t) // disbursed 2024-03-15
	oid := jsonID(other["id"])
	if _, err := s.App.Loans.RunDaily(context.Background(), time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	s.Do("POST", "/api/v1/loans/"+oid+"/repayments", c.bank, repayment("0.00", "1.00", "2024-07-10", "BD-R2"), "Idempotency-Key", "bd-r2").Want(201)
	if got := s.Do("GET", "/api/v1/loans/"+oid, c.guar, nil).Want(200).JSON(); got["status"] != "overdue" || got["overdue_since"] != "2024-06-21" {
		t.Fatalf("loan before compensation: %v", got)
	}
	comp := "/api/v1/loans/" + oid + "/compensation"
	for _, tc := range []struct{ day, mention string }{
		{"2024-03-14", "2024-07-10"}, // before the disbursement
		{"2024-06-20", "2024-07-10"}, // before it fell overdue
		{"2024-07-09", "2024-07-10"}, // before the last repayment
		{tomorrow, ""},
	} {
		wantDayRefused(t, s, comp, c.guar, nil, "compensated_on", tc.day, tc.mention)
	}
	for _, day := range badDays {
		wantDayRefused(t, s, comp, c.guar, nil, "compensated_on", day, "")
	}
	s.Do("POST", comp, c.guar, map[string]any{"compensated_on": "2024-07-10"}).Want(200)

	// Recoveries: not before the compensation.
	rec := "/api/v1/loans/" + oid + "/recoveries"
	recovery := map[string]any{"amount": "1000.00"}
	wantDayRefused(t, s, rec, c.guar, recovery, "recovered_on", "2024-07-09", "2024-07-10")
	for _, day := range append([]string{tomorrow}, badDays...) {
		wantDayRefused(t, s, rec, c.guar, recovery, "recovered_on", day, "")
	}
	recovery["recovered_on"] = "2024-07-10"
	s.Do("POST", rec, c.guar, recovery).Want(201)
	recovery["recovered_on"] = "2024-12-31"
	s.Do("POST", rec, c.guar, recovery).Want(201)
}

// A legacy loan's disbursement day is a real day, not after today; no date
// of a legacy file causes a 500.
func TestLegacyLoanDates(t *testing.T) {
	c := newCast(t)
	row := func(ref, on string) string {
		return legacyHeader + ref + ",王五," + loanPersonID(91) + ",male,retired_soldier,individual," + apptest.District + "," + apptest.Bank +
			",100000.00,0.0395,24," + on + ",2\n"
	}
	tomorrow := time.Now().In(time.FixedZone("CST", 8*3600)).AddDate(0, 0, 1).Format(time.DateOnly)
	for _, day := range append([]string{tomorrow}, badDays...) {
		if strings.TrimSpace(day) == "" || day == "0001-01-01" {
			continue // below
		}
		// The sheet reader takes 2024-3-5 and an instant's day as dates.
		r := c.s.Do("POST", "/api/v1/imports/loans?dry_run=true", c.admin, row("LD-1", day), "Content-Type", "text/csv")
		if r.Status == 200 && (day == "2024-3-5" || strings.HasPrefix(day, "2024-03-15T")) {
			continue
		}
		if f := r.WantProblem(422, "validation_failed").FieldErrors(); !contains(f, "disbursed_on") {
			t.Errorf("disbursed_on %q: errors %v", day, f)
		}
	}
	// Empty: the column is required.
	if f := c.s.Do("POST", "/api/v1/imports/loans", c.admin, row("LD-1", ""), "Content-Type", "text/csv").WantProblem(422, "validation_failed").FieldErrors(); !contains(f, "disbursed_on") {
		t.Errorf("empty disbursed_on: errors %v", f)
	}
	// 0001-01-01 is Go's zero time, no day; 0001-01-02 is a date, but no
	// policy version was in force then: the row is refused on the day.
	for day, field := range map[string]string{"0001-01-01": "disbursed_on", "0001-01-02": "disbursed_on"} {
		if f := c.s.Do("POST", "/api/v1/imports/loans", c.admin, row("LD-1", day), "Content-Type", "text/csv").WantProblem(422, "validation_failed").FieldErrors(); !slices.Equal(f, []string{field}) {
			t.Errorf("disbursed_on %s: errors %v, want %s", day, f, field)
		}
	}
	c.s.Do("POST", "/api/v1/imports/loans", c.admin, row("LD-1", "2024-03-15"), "Content-Type", "text/csv").Want(200)
}

// Dates in queries (reports, loan lists, the statement) never cause a 500
// either: year 0, which Go reads but PostgreSQL refuses, is a 422 naming the
// parameter like any other bad date.
func TestNoDateInAQueryCausesA500(t *testing.T) {
	c := newCast(t)
	id := jsonID(c.loan(t)["id"])
	paths := map[string]string{
		"/api/v1/reports/progress?through=":                                   "through",
		"/api/v1/reports/portfolio?as_of=":                                    "as_of",
		"/api/v1/reports/disbursements?from=":                                 "from",
		"/api/v1/reports/disbursements?to=":                                   "to",
		"/api/v1/reports/reconciliation?bank_code=" + apptest.Bank + "&from=": "from",
		"/api/v1/loans?disbursed_from=":                                       "disbursed_from",
		"/api/v1/loans?maturity_to=":                                          "maturity_to",
		"/api/v1/loans/" + id + "/statement?as_of=":                           "as_of",
	}
	for path, param := range paths {
		for _, day := range append([]string{"10000-01-01", "-0001-01-01"}, badDays...) {
			r := c.s.Do("GET", path+url.QueryEscape(day), c.auditor, nil)
			if r.Status >= 500 {
				t.Errorf("%s%s → %d %s", path, day, r.Status, r.Body)
			}
			if day == "0000-01-01" {
				if f := r.WantProblem(422, "validation_failed").FieldErrors(); !contains(f, param) {
					t.Errorf("%s%s: errors %v, want %s", path, day, f, param)
				}
			}
		}
	}
}

// The dates of the other records a person types — four-in-one records,
// typed and imported, and the fund's movements — never cause a 500 either:
// year 0 and 0001-01-01 (Go's zero time, which the store keeps as no day, so
// a NOT NULL column refused it: a 500 until ParseDay refused it) are a 422
// naming the field, and 9999-12-31 is refused or kept, never a failure.
func TestNoDateInARecordCausesA500(t *testing.T) {
	c := newCast(t)
	s := c.s
	base := s.Do("POST", "/api/v1/incubation-bases", c.admin, map[string]any{"name": "灵宝市创业孵化园", "district_code": apptest.District, "level": "national"}).Want(201).JSON()["id"]
	for i, day := range []string{"0000-01-01", "0001-01-01", "9999-12-31"} {
		id, other := residentID("19900101", 300+i), residentID("19900101", 400+i)
		cases := []struct {
			url, token, field string
			body              map[string]any
			headers           []string
		}{
			{"/api/v1/training-records", c.hrss, "start_date", map[string]any{"national_id": id, "name": "张伟", "course": "SYB", "institution": "灵宝市职业技术学校",
				"start_date": day, "end_date": "2024-03-10", "certificate_no": fmt.Sprint("S-", i), "district_code": apptest.District}, nil},
			{"/api/v1/training-records", c.hrss, "end_date", map[string]any{"national_id": id, "name": "张伟", "course": "SYB", "institution": "灵宝市职业技术学校",
				"start_date": "2024-03-01", "end_date": day, "certificate_no": fmt.Sprint("E-", i), "district_code": apptest.District}, nil},
			{"/api/v1/service-records", c.hrss, "date", map[string]any{"national_id": id, "kind": "mentoring", "date": day, "notes": "开业指导"}, nil},
			{"/api/v1/incubation-records", c.hrss, "move_in", map[string]any{"base_id": base, "national_id": id, "entity_name": "小店", "move_in": day}, nil},
			{"/api/v1/incubation-records", c.hrss, "move_out", map[string]any{"base_id": base, "national_id": other, "entity_name": "小店", "move_in": "2024-01-01", "move_out": day}, nil},
			{"/api/v1/guarantee/fund/movements", c.guar, "booked_on", map[string]any{"kind": "contribution", "amount": "1000.00", "booked_on": day, "reference": fmt.Sprint("ZH-", i)},
				[]string{"Idempotency-Key", fmt.Sprint("record-day-", i)}},
		}
		for _, tc := range cases {
			r := s.Do("POST", tc.url, tc.token, tc.body, tc.headers...)
			switch {
			case r.Status >= 500:
				t.Errorf("%s %s %s: %d %s", tc.url, tc.field, day, r.Status, r.Body)
			case day != "9999-12-31":
				if f := r.WantProblem(422, "validation_failed").FieldErrors(); !slices.Equal(f, []string{tc.field}) {
					t.Errorf("%s %s %s: errors %v, want only %s", tc.url, tc.field, day, f, tc.field)
				}
			}
		}
		// An imported roster names the row and the field.
		csv := "national_id,name,course,institution,start_date,end_date,certificate_no,district_code\n" +
			id + ",张伟,SYB,灵宝市职业技术学校," + day + ",2024-03-10,I-" + fmt.Sprint(i) + "," + apptest.District + "\n"
		r := s.Do("POST", "/api/v1/training-records/import", c.hrss, csv, "Content-Type", "text/csv")
		switch {
		case r.Status >= 500:
			t.Errorf("roster with start_date %s: %d %s", day, r.Status, r.Body)
		case day != "9999-12-31":
			if got := rowErrors(t, r.WantProblem(422, "validation_failed")); !slices.Equal(got, []string{"2:start_date"}) {
				t.Errorf("roster with start_date %s: row errors %v", day, got)
			}
		}
	}
}
