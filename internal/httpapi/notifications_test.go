package httpapi_test

import (
	"strconv"
	"strings"
	"testing"
)

type inboxAnswer struct {
	Items []struct {
		ID         int64
		Template   string
		Text       string
		Params     map[string]string
		EntityType string `json:"entity_type"`
		EntityID   string `json:"entity_id"`
		Read       bool
	}
	Total, Unread  int64
	Page, PageSize int
}

func inboxOf(t *testing.T, c *cast, token, query string, headers ...string) inboxAnswer {
	t.Helper()
	var out inboxAnswer
	c.s.Do("GET", "/api/v1/notifications"+query, token, nil, headers...).Want(200).Decode(&out)
	return out
}

func templatesOf(in inboxAnswer) []string {
	var out []string
	for _, it := range in.Items {
		out = append(out, it.Template)
	}
	return out
}

// TestInboxTellsTheApplicantAndTheStageOfficers: submitting tells the
// applicant and the district's HRSS officers (not another district's);
// a return with missing documents tells the applicant the comment and the
// missing list by their labels, in Chinese by default and English on
// request; each user sees only their own notifications, newest first, with
// the unread count; reading one is idempotent and another user's is 404.
func TestInboxTellsTheApplicantAndTheStageOfficers(t *testing.T) {
	c := newCast(t)
	s := c.s
	app := c.application(t, c.owner, "eligibility_review")
	s.Do("POST", "/api/v1/applications/"+app+"/decisions", c.hrss,
		map[string]any{"decision": "return", "comment": "请补充材料", "missing_documents": []string{"returnee_proof", "premises"}}).Want(200)

	mine := inboxOf(t, c, c.owner, "")
	if got := strings.Join(templatesOf(mine), ","); got != "application.returned,application.submitted" {
		t.Fatalf("applicant's inbox %s", got)
	}
	if mine.Total != 2 || mine.Unread != 2 {
		t.Fatalf("total %d unread %d", mine.Total, mine.Unread)
	}
	ret := mine.Items[0]
	if ret.EntityType != "application" || ret.EntityID != app || ret.Params["comment"] != "请补充材料" {
		t.Fatalf("returned %+v", ret)
	}
	for _, want := range []string{"已被退回", "请补充材料", "返乡创业农民工证明、经营场所证明"} {
		if !strings.Contains(ret.Text, want) {
			t.Errorf("text %q lacks %q", ret.Text, want)
		}
	}
	en := inboxOf(t, c, c.owner, "", "Accept-Language", "en")
	if !strings.Contains(en.Items[0].Text, "was returned: 请补充材料. Documents missing:") {
		t.Errorf("English text %q", en.Items[0].Text)
	}

	officer := inboxOf(t, c, c.hrss, "")
	if got := strings.Join(templatesOf(officer), ","); got != "application.to_review" {
		t.Fatalf("hrss inbox %s", got)
	}
	if got := inboxOf(t, c, c.hrss2, ""); got.Total != 1 {
		t.Fatalf("the district's second officer has %d", got.Total)
	}
	for name, tok := range map[string]string{"other district": c.hrssOther, "other entrepreneur": c.other, "guarantee": c.guar, "bank": c.bank, "auditor": c.auditor} {
		if got := inboxOf(t, c, tok, ""); got.Total != 0 || len(got.Items) != 0 {
			t.Errorf("%s sees %v", name, templatesOf(got))
		}
	}

	id := strconv.FormatInt(ret.ID, 10)
	s.Do("POST", "/api/v1/notifications/"+id+"/read", c.other, nil).WantProblem(404, "not_found")
	s.Do("POST", "/api/v1/notifications/"+id+"/read", c.hrss, nil).WantProblem(404, "not_found")
	s.Do("POST", "/api/v1/notifications/nope/read", c.owner, nil).WantProblem(404, "not_found")
	for range 2 {
		if r := s.Do("POST", "/api/v1/notifications/"+id+"/read", c.owner, nil).Want(200).JSON(); r["read"] != true {
			t.Fatalf("read %v", r)
		}
	}
	if got := s.Do("GET", "/api/v1/notifications/unread-count", c.owner, nil).Want(200).JSON()["unread"]; got != float64(1) {
		t.Fatalf("unread-count %v", got)
	}
	unread := inboxOf(t, c, c.owner, "?unread=true")
	if got := strings.Join(templatesOf(unread), ","); got != "application.submitted" || unread.Total != 1 || unread.Unread != 1 {
		t.Fatalf("unread filter %s total %d unread %d", got, unread.Total, unread.Unread)
	}
	paged := inboxOf(t, c, c.owner, "?page=2&page_size=1")
	if got := strings.Join(templatesOf(paged), ","); got != "application.submitted" || paged.Total != 2 || paged.Page != 2 {
		t.Fatalf("page 2: %s total %d", got, paged.Total)
	}
	r := s.Do("GET", "/api/v1/notifications?unread=maybe&page=0", c.owner, nil).WantProblem(422, "validation_failed")
	if got := strings.Join(r.FieldErrors(), ","); got != "page,unread" {
		t.Fatalf("fields %s", got)
	}
}

// TestNotificationSettings: SMS is on until the user turns it off; the
// setting is the caller's own; a body without sms or with the wrong type is
// 422 naming the field.
func TestNotificationSettings(t *testing.T) {
	c := newCast(t)
	s := c.s
	if got := s.Do("GET", "/api/v1/me/notification-settings", c.owner, nil).Want(200).JSON()["sms"]; got != true {
		t.Fatalf("default sms %v", got)
	}
	if got := s.Do("PUT", "/api/v1/me/notification-settings", c.owner, map[string]any{"sms": false}).Want(200).JSON()["sms"]; got != false {
		t.Fatalf("put sms %v", got)
	}
	if got := s.Do("GET", "/api/v1/me/notification-settings", c.owner, nil).Want(200).JSON()["sms"]; got != false {
		t.Fatalf("sms after put %v", got)
	}
	if got := s.Do("GET", "/api/v1/me/notification-settings", c.other, nil).Want(200).JSON()["sms"]; got != true {
		t.Fatalf("another user's sms %v", got)
	}
	for body, field := range map[string]string{`{}`: "sms", `{"sms":"yes"}`: "sms", `{"sms":true,"phone":"1"}`: "phone"} {
		r := s.Do("PUT", "/api/v1/me/notification-settings", c.owner, body).WantProblem(422, "validation_failed")
		if got := strings.Join(r.FieldErrors(), ","); got != field {
			t.Errorf("%s: fields %s", body, got)
		}
	}
	s.Do("GET", "/api/v1/me/notification-settings", "", nil).WantProblem(401, "auth.unauthenticated")
}
