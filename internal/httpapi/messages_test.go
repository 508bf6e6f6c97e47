package httpapi_test

import (
	"regexp"
	"strings"
	"testing"
)

type problemBody struct {
	Title, Detail, Code string
	Errors              []struct {
		Row            int
		Field, Message string
	}
}

func messageOf(p problemBody, field string) string {
	for _, e := range p.Errors {
		if e.Field == field {
			return e.Message
		}
	}
	return ""
}

// TestProblemsSpeakTheReadersLanguage: detail, title and field messages are
// Chinese by default and English for Accept-Language: en; code and field
// never change; limits are in the unit a person types.
func TestProblemsSpeakTheReadersLanguage(t *testing.T) {
	c := newCast(t)
	body := individual(c.nextID())
	body["amount"] = "900000.00"
	body["key_group"] = "nobody"
	var zh, en problemBody
	r := c.s.Do("POST", "/api/v1/applications", c.owner, body).WantProblem(422, "validation_failed")
	r.Decode(&zh)
	if r.Header.Get("Content-Language") != "zh-CN" {
		t.Errorf("Content-Language %q", r.Header.Get("Content-Language"))
	}
	r = c.s.Do("POST", "/api/v1/applications", c.owner, body, "Accept-Language", "en-GB,en;q=0.9").WantProblem(422, "validation_failed")
	r.Decode(&en)
	if r.Header.Get("Content-Language") != "en" || !strings.Contains(r.Header.Get("Vary"), "Accept-Language") {
		t.Errorf("Content-Language %q, Vary %q", r.Header.Get("Content-Language"), r.Header.Get("Vary"))
	}
	for _, c := range []struct{ got, want string }{
		{zh.Title, "填写有误"},
		{en.Title, "Invalid input"},
		{zh.Detail, "有字段填写有误：请改正后重新提交"},
		{en.Detail, "some fields are invalid: correct them and send again"},
		{messageOf(zh, "amount"), "超过个人贷款的额度上限 300,000.00 元"},
		{messageOf(en, "amount"), "is above the cap of 300,000.00 yuan for individual loans"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
	if kg := messageOf(zh, "key_group"); !strings.HasPrefix(kg, "必须是以下之一：城镇登记失业人员（registered_unemployed）、") {
		t.Errorf("key_group: %q", kg)
	}
	if len(zh.Errors) != len(en.Errors) || zh.Code != en.Code {
		t.Fatalf("the languages disagree on the problem: %+v / %+v", zh, en)
	}
	for i := range zh.Errors {
		if zh.Errors[i].Field != en.Errors[i].Field {
			t.Errorf("field %d: %q / %q", i, zh.Errors[i].Field, en.Errors[i].Field)
		}
	}

	// A bank officer who types the rate as a percentage is told the cap in
	// percent, with the LPR and the spread, and what the value sent means.
	id := c.at(t, "bank_review", nil)
	decision := map[string]any{"decision": "approve", "approved_amount": "150000.00", "annual_rate": "3.95", "term_months": 24}
	c.s.Do("POST", path(id, "/decisions"), c.bank, decision).WantProblem(422, "validation_failed").Decode(&zh)
	cap := regexp.MustCompile(`^年利率不得超过 \d+\.\d{2}%（\d{4}-\d{2}-\d{2} 一年期 LPR \d+\.\d{2}% \+ \d+ 个基点），本次填写的是 395\.00%：利率用小数表示，0\.0395 即 3\.95%$`)
	if m := messageOf(zh, "annual_rate"); !cap.MatchString(m) {
		t.Errorf("rate cap message %q", m)
	}
	c.s.Do("POST", path(id, "/decisions"), c.bank, decision, "Accept-Language", "en").WantProblem(422, "validation_failed").Decode(&en)
	if m := messageOf(en, "annual_rate"); !regexp.MustCompile(`^must not exceed \d+\.\d{2}% on \d{4}-\d{2}-\d{2} \(one-year LPR \d+\.\d{2}% \+ \d+ bp\); 395\.00% was sent`).MatchString(m) {
		t.Errorf("rate cap message %q", m)
	}

	// Problems outside the services: no token, an unknown route, bad JSON.
	for _, p := range []struct {
		method, path, token string
		body                any
		status              int
		code, zh            string
	}{
		{"GET", "/api/v1/me", "", nil, 401, "auth.unauthenticated", "请先登录：在请求头中发送 Authorization: Bearer <token>，token 由 POST /api/v1/auth/login 取得"},
		{"GET", "/api/v1/nothing", c.owner, nil, 404, "not_found", "没有这个接口：GET /api/v1/nothing（接口列表见 /api/openapi.json）"},
		{"POST", "/api/v1/applications", c.owner, `{"name":`, 400, "bad_request", "请求内容不是有效的 JSON：内容不完整"},
		{"POST", "/api/v1/applications", c.owner, `{"name": 7}`, 422, "validation_failed", "name：类型不对：应为字符串"},
		{"GET", "/api/v1/loans/abc", c.owner, nil, 404, "not_found", `没有编号为 "abc" 的贷款`},
	} {
		var got problemBody
		c.s.Do(p.method, p.path, p.token, p.body).WantProblem(p.status, p.code).Decode(&got)
		if got.Detail != p.zh {
			t.Errorf("%s %s: detail %q, want %q", p.method, p.path, got.Detail, p.zh)
		}
	}
}
