package httpapi_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"chuangdai/internal/apptest"
	"chuangdai/internal/beijing"
)

// has reports whether the inbox holds template with the parameters want.
func has(in inboxAnswer, template string, want map[string]string) bool {
	for _, it := range in.Items {
		if it.Template != template {
			continue
		}
		ok := true
		for k, v := range want {
			ok = ok && it.Params[k] == v
		}
		if ok {
			return true
		}
	}
	return false
}

func countOf(in inboxAnswer, template string) int {
	n := 0
	for _, it := range in.Items {
		if it.Template == template {
			n++
		}
	}
	return n
}

// TestLoanEventsAreTold: the disbursement tells the borrower; the daily job
// tells the borrower of a repayment due in seven days and of the loan
// falling overdue (and the district's guarantee officers), once however
// often it runs; a quarter's subsidy checked and paid, and a compensation,
// tell the borrower and the bank's officers. Officers of another bank or
// district hear nothing.
func TestLoanEventsAreTold(t *testing.T) {
	c := newCast(t)
	s := c.s
	l := c.loan(t)
	id := jsonID(l["id"])
	number := l["number"].(string)
	if !has(inboxOf(t, c, c.owner, "?page_size=200"), "loan.disbursed", map[string]string{"number": number, "amount": "200000.00", "date": "2024-03-15"}) {
		t.Fatalf("no disbursement notification: %v", templatesOf(inboxOf(t, c, c.owner, "")))
	}
	if !has(inboxOf(t, c, c.bank, "?page_size=200"), "application.to_disburse", map[string]string{"amount": "200000.00"}) {
		t.Fatal("the bank's officers were not told to disburse")
	}

	// 13 June 2024: the quarter's interest is due on 20 June, in seven days.
	ctx := context.Background()
	for range 2 {
		if _, err := s.App.RunDaily(ctx, time.Date(2024, 6, 13, 0, 0, 0, 0, time.UTC)); err != nil {
			t.Fatal(err)
		}
	}
	if got := inboxOf(t, c, c.owner, "?page_size=200"); countOf(got, "loan.due") != 1 || !has(got, "loan.due", map[string]string{"number": number, "date": "2024-06-20"}) {
		t.Fatalf("due reminders: %v", templatesOf(got))
	}
	// Unpaid on 1 July: overdue since 21 June.
	for range 2 {
		if _, err := s.App.RunDaily(ctx, time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC)); err != nil {
			t.Fatal(err)
		}
	}
	if got := inboxOf(t, c, c.owner, "?page_size=200"); countOf(got, "loan.overdue") != 1 || !has(got, "loan.overdue", map[string]string{"date": "2024-06-21"}) {
		t.Fatalf("overdue: %v", templatesOf(got))
	}
	if got := inboxOf(t, c, c.guar, "?page_size=200"); countOf(got, "loan.overdue_officer") != 1 {
		t.Fatalf("guarantee officer: %v", templatesOf(got))
	}
	if got := inboxOf(t, c, c.guarOther, ""); got.Total != 0 {
		t.Fatalf("another district's guarantee officer: %v", templatesOf(got))
	}

	base := "/api/v1/loans/" + id + "/subsidy/2024Q2/"
	s.Do("POST", base+"claim", c.bank, nil).Want(200)
	s.Do("POST", base+"check", c.hrss, map[string]any{"decision": "approve"}).Want(200)
	s.Do("POST", base+"pay", c.hrss2, nil).Want(200)
	s.Do("POST", "/api/v1/loans/"+id+"/compensation", c.guar, map[string]any{"compensated_on": "2024-08-01"}).Want(200)
	for _, tok := range []string{c.owner, c.bank, c.bank2} {
		got := inboxOf(t, c, tok, "?page_size=200")
		for _, want := range []string{"subsidy.checked", "subsidy.paid", "loan.compensated"} {
			if countOf(got, want) != 1 {
				t.Errorf("%s: %d, inbox %v", want, countOf(got, want), templatesOf(got))
			}
		}
		if !has(got, "subsidy.paid", map[string]string{"period": "2024Q2", "amount": "1064.31"}) || !has(got, "loan.compensated", map[string]string{"amount": "160000.00"}) {
			t.Errorf("params: %+v", got.Items[:3])
		}
	}
	if got := inboxOf(t, c, c.bankOther, ""); got.Total != 0 {
		t.Fatalf("another bank's officer: %v", templatesOf(got))
	}
}

// TestStageDeadlineTomorrowAndTheDigest: the daily job of the day before a
// stage's deadline tells that stage's officers, once; the officers' items
// wait for their daily digest, one SMS each counting them, sent in the
// morning, never twice the same day and not in the inbox; an officer who
// turned SMS off gets none and their items are not kept for later.
func TestStageDeadlineTomorrowAndTheDigest(t *testing.T) {
	sink := newSMSSink(t, 0)
	s := smsServer(t, sink, 8)
	c := newCastOn(s)
	body := map[string]string{"username": "hrss.phone", "password": apptest.Password, "name": "王芳", "role": "hrss_officer", "district_code": apptest.District, "phone": "13312345678"}
	s.Do("POST", "/api/v1/users", s.AdminToken, body).Want(201)
	officer := s.Login("hrss.phone", apptest.Password)
	s.Do("PUT", "/api/v1/me/notification-settings", c.hrss2, map[string]any{"sms": false}).Want(200)

	app := c.applicationNow(t, c.owner, "eligibility_review")
	a := s.Do("GET", "/api/v1/applications/"+app, c.hrss, nil).Want(200).JSON()
	deadline, err := time.Parse(time.DateOnly, a["stage_deadline"].(string))
	if err != nil {
		t.Fatalf("stage_deadline %v", a["stage_deadline"])
	}
	day := deadline.AddDate(0, 0, -1)
	ctx := context.Background()
	for range 2 {
		if n, err := s.App.Applications.TellDeadlines(ctx, day.AddDate(0, 0, -1)); err != nil || n != 0 {
			t.Fatalf("two days before: %d %v", n, err)
		}
		if _, err := s.App.Applications.TellDeadlines(ctx, day); err != nil {
			t.Fatal(err)
		}
	}
	for _, tok := range []string{officer, c.hrss} {
		got := inboxOf(t, c, tok, "")
		if countOf(got, "stage.deadline") != 1 || !has(got, "stage.deadline", map[string]string{"stage": "eligibility_review", "deadline": day.AddDate(0, 0, 1).Format(time.DateOnly)}) {
			t.Fatalf("deadline: %v", got.Items)
		}
		if !strings.Contains(got.Items[0].Text, "资格审核") {
			t.Errorf("text %q", got.Items[0].Text)
		}
	}
	if got := inboxOf(t, c, c.guar, ""); countOf(got, "stage.deadline") != 0 {
		t.Fatal("the guarantee officers were told of the eligibility deadline")
	}

	// Yesterday's digest: its morning is past, so it goes at once.
	yesterday := beijing.Day(time.Now()).AddDate(0, 0, -1)
	made, err := s.App.Notifications.Digest(ctx, yesterday)
	if err != nil {
		t.Fatal(err)
	}
	again, err := s.App.Notifications.Digest(ctx, yesterday)
	if err != nil || again != 0 {
		t.Fatalf("a second digest of the same day: %d %v", again, err)
	}
	// hrss (no phone) and hrss.phone: the district's HRSS officers with SMS on.
	if made != 2 {
		t.Fatalf("%d digests", made)
	}
	dispatch(t, s, &logBuffer{}, func() bool { return len(sink.delivered()) >= 1 })
	time.Sleep(50 * time.Millisecond)
	var digests []smsCall
	for _, call := range sink.all() {
		if call.Template == "digest" {
			digests = append(digests, call)
		}
	}
	// to_review of the submission and the deadline.
	if len(digests) != 1 || digests[0].Phone != "13312345678" || digests[0].Params["count"] != "2" || digests[0].Params["date"] != yesterday.Format(time.DateOnly) {
		t.Fatalf("digests %+v", digests)
	}
	if got := inboxOf(t, c, officer, ""); slices.Contains(templatesOf(got), "digest") {
		t.Fatal("the digest is in the inbox")
	}
	// The officer with a phone had items (the application to review, the
	// deadline) and got none of them by SMS: only the digest.
	for _, call := range sink.all() {
		if call.Phone == "13312345678" && call.Template != "digest" {
			t.Errorf("the officer got an SMS for an item: %s", call.Template)
		}
		if call.Phone != "13312345678" && call.Phone != "13800138000" {
			t.Errorf("SMS to %s (%s)", call.Phone, call.Template)
		}
	}
}
