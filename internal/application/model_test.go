package application

import (
	"errors"
	"testing"
	"time"

	"chuangdai/internal/apperr"
	"chuangdai/internal/auth"
	"chuangdai/internal/beijing"
	"chuangdai/internal/policy"
)

func TestNextFollowsThePath(t *testing.T) {
	allowed := map[Status]map[Action]Status{
		Draft:             {ActSubmit: EligibilityReview, ActWithdraw: Withdrawn},
		Returned:          {ActSubmit: EligibilityReview, ActWithdraw: Withdrawn},
		EligibilityReview: {ActApprove: GuaranteeReview, ActReturn: Returned, ActReject: Rejected, ActWithdraw: Withdrawn},
		GuaranteeReview:   {ActApprove: BankReview, ActReturn: Returned, ActReject: Rejected, ActWithdraw: Withdrawn},
		BankReview:        {ActApprove: Approved, ActReturn: Returned, ActReject: Rejected, ActWithdraw: Withdrawn},
		Approved:          {ActDisburse: Disbursed},
		Disbursed:         {},
		Rejected:          {},
		Withdrawn:         {},
	}
	actions := []Action{ActSubmit, ActApprove, ActReturn, ActReject, ActWithdraw, ActDisburse}
	for _, from := range Statuses {
		for _, act := range actions {
			want, ok := allowed[from][act]
			got, err := Next(from, act)
			if ok {
				if err != nil || got != want {
					t.Errorf("Next(%s, %s) = %s, %v; want %s", from, act, got, err, want)
				}
				continue
			}
			var e *apperr.Error
			if !errors.As(err, &e) || e.Kind != apperr.Conflict || e.Code != "application.invalid_state" {
				t.Errorf("Next(%s, %s) = %s, %v; want application.invalid_state", from, act, got, err)
			}
		}
	}
}

func TestStatusSets(t *testing.T) {
	for _, s := range Statuses {
		wantOpen := s != Disbursed && s != Rejected && s != Withdrawn
		if s.Open() != wantOpen {
			t.Errorf("%s.Open() = %v", s, s.Open())
		}
		_, hasAction := StageAction(s)
		if hasAction != s.InReview() || (StageRole(s) != "") != s.InReview() {
			t.Errorf("%s: stage action %v, role %q, in review %v", s, hasAction, StageRole(s), s.InReview())
		}
	}
	if Status("paid").Valid() {
		t.Error("unknown status is valid")
	}
}

func TestNumber(t *testing.T) {
	cases := []struct {
		district string
		year     int
		seq      int64
		want     string
	}{
		{"411282", 2024, 123, "411282-2024-000123"},
		{"411281", 2025, 1, "411281-2025-000001"},
		{"411200", 2024, 999999, "411200-2024-999999"},
	}
	for _, c := range cases {
		if got := Number(c.district, c.year, c.seq); got != c.want {
			t.Errorf("Number(%s, %d, %d) = %s, want %s", c.district, c.year, c.seq, got, c.want)
		}
	}
}

func TestDay(t *testing.T) {
	// 16:30 UTC on 31 Dec is already 1 Jan in Beijing.
	got := beijing.Day(time.Date(2024, 12, 31, 16, 30, 0, 0, time.UTC))
	if got.Format(time.DateOnly) != "2025-01-01" {
		t.Fatalf("Day = %s", got)
	}
}

func TestDeadline(t *testing.T) {
	p, err := policy.Load("")
	if err != nil {
		t.Fatal(err)
	}
	at := func(s string) *time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, beijing.Zone)
		if err != nil {
			t.Fatal(err)
		}
		return &v
	}
	cases := []struct {
		name     string
		status   Status
		entered  *time.Time
		now      *time.Time
		deadline string
		late, ok bool
	}{
		// Friday 15 March 2024 + 5 working days → Friday 22 March.
		{"eligibility on time", EligibilityReview, at("2024-03-15 10:00"), at("2024-03-22 23:00"), "2024-03-22", false, true},
		{"eligibility late", EligibilityReview, at("2024-03-15 10:00"), at("2024-03-23 00:01"), "2024-03-22", true, true},
		// The bank has 3 working days; 29 Sep 2024 is a make-up workday, 1–7 Oct holidays.
		{"bank over the national day", BankReview, at("2024-09-27 09:00"), at("2024-10-08 12:00"), "2024-10-08", false, true},
		// Monday + 5 working days → the next Monday.
		{"guarantee", GuaranteeReview, at("2024-03-11 08:00"), at("2024-03-12 08:00"), "2024-03-18", false, true},
		{"draft has none", Draft, nil, at("2024-03-12 08:00"), "", false, false},
		{"approved has none", Approved, at("2024-03-11 08:00"), at("2024-03-12 08:00"), "", false, false},
	}
	for _, c := range cases {
		a := Application{Status: c.status, StageEnteredAt: c.entered}
		d, late, ok := a.Deadline(p, *c.now)
		if ok != c.ok || late != c.late || (ok && d.Format(time.DateOnly) != c.deadline) {
			t.Errorf("%s: Deadline = %s, late %v, ok %v; want %s, %v, %v", c.name, d.Format(time.DateOnly), late, ok, c.deadline, c.late, c.ok)
		}
	}
}

func TestDecidedOtherStage(t *testing.T) {
	alice, bob := auth.UserID(1), auth.UserID(2)
	a := Application{History: []HistoryEntry{
		{ActorID: &bob, Action: ActCreate, ToStatus: Draft},
		{ActorID: &bob, Action: ActSubmit, FromStatus: Draft, ToStatus: EligibilityReview},
		{ActorID: &alice, Action: ActReturn, FromStatus: EligibilityReview, ToStatus: Returned},
		{ActorID: &bob, Action: ActSubmit, FromStatus: Returned, ToStatus: EligibilityReview},
	}}
	cases := []struct {
		user  auth.UserID
		stage Status
		want  bool
	}{
		{alice, EligibilityReview, false}, // the same stage again is allowed
		{alice, GuaranteeReview, true},
		{alice, BankReview, true},
		{bob, GuaranteeReview, false}, // submitting is no decision
		{3, GuaranteeReview, false},
	}
	for _, c := range cases {
		if got := a.DecidedOtherStage(c.user, c.stage); got != c.want {
			t.Errorf("DecidedOtherStage(%d, %s) = %v, want %v", c.user, c.stage, got, c.want)
		}
	}
}

func TestInvolves(t *testing.T) {
	lead, partner, other := "11010519491231002X", "440524188001010014", "411282199001010013"
	a := Application{ApplicantID: 7, Fields: Fields{NationalID: lead, Partners: []Partner{{NationalID: lead}, {NationalID: partner}}}}
	for _, c := range []struct {
		name string
		p    auth.Principal
		want bool
	}{
		{"the applicant's account", auth.Principal{UserID: 7}, true},
		{"the lead by number, lower-case check letter", auth.Principal{UserID: 8, Persons: []string{"11010519491231002x"}}, true},
		{"a partner by number", auth.Principal{UserID: 9, Persons: []string{other, partner}}, true},
		{"someone else", auth.Principal{UserID: 10, Persons: []string{other}}, false},
		{"no number, another account", auth.Principal{UserID: 11}, false},
		{"a system principal", auth.System("daily-job"), false},
	} {
		if got := a.Involves(c.p); got != c.want {
			t.Errorf("%s: Involves = %v, want %v", c.name, got, c.want)
		}
	}
}

// The queue's deadlines, computed once per status and Beijing day of entry,
// are Application.Deadline's for every entry: each hour of three weeks
// around a weekend and the National Day holidays (the memo answers most
// of them from an earlier one of the same Beijing day: 22 days), every
// status, and none.
func TestDeadlineMemo(t *testing.T) {
	p, err := policy.Load("")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2024, 10, 9, 3, 0, 0, 0, time.UTC)
	m := newDeadlineMemo(p, now)
	statuses := []Status{Draft, EligibilityReview, GuaranteeReview, BankReview, Approved, Returned}
	checked := 0
	for h := range 21 * 24 {
		entered := time.Date(2024, 9, 24, 0, 0, 0, 0, time.UTC).Add(time.Duration(h) * time.Hour)
		for _, st := range statuses {
			d, late, ok := m.of(st, &entered)
			wd, wlate, wok := Application{Status: st, StageEnteredAt: &entered}.Deadline(p, now)
			if !d.Equal(wd) || late != wlate || ok != wok {
				t.Fatalf("%s entered %s: %s %v %v, want %s %v %v", st, entered, d, late, ok, wd, wlate, wok)
			}
			if ok {
				checked++
			}
		}
	}
	if d, late, ok := m.of(EligibilityReview, nil); ok || late || !d.IsZero() {
		t.Errorf("no entry: %s %v %v", d, late, ok)
	}
	if checked == 0 || len(m.seen) != 22*len(statuses) {
		t.Errorf("%d deadlines checked, %d computed", checked, len(m.seen))
	}
}
