package httpapi_test

import (
	"testing"

	"chuangdai/internal/apptest"
)

// TestIndustryList: every signed-in user reads the industry list, in the
// reader's language: the city's 8+6 industrial clusters (14) and 12 key
// chains, then everyday trades.
func TestIndustryList(t *testing.T) {
	s := apptest.NewServer(t)
	owner := s.User("owner", "entrepreneur", "", "")
	s.Do("GET", "/api/v1/industries", "", nil).WantProblem(401, "auth.unauthenticated")
	var list struct {
		Items []struct {
			Code, Name, Category string
			Active               bool
		}
	}
	s.Do("GET", "/api/v1/industries", owner, nil).Want(200).Decode(&list)
	n := map[string]int{}
	byCode := map[string]string{}
	for _, x := range list.Items {
		n[x.Category]++
		byCode[x.Code] = x.Name
		if !x.Active {
			t.Errorf("%s is retired in the shipped list", x.Code)
		}
	}
	if n["cluster"] != 14 || n["chain"] != 12 || n["general"] == 0 || byCode["chain_apple"] != "苹果产业链" || byCode["retail"] != "批发零售" {
		t.Errorf("industries %v %v", n, byCode)
	}
	s.Do("GET", "/api/v1/industries", owner, nil, "Accept-Language", "en").Want(200).Decode(&list)
	if list.Items[0].Name == "" || list.Items[0].Name == byCode[list.Items[0].Code] {
		t.Errorf("English list %+v", list.Items[0])
	}
}

// TestApplicationIndustry: an application names its industry by code (as
// industry or industry_code) or label, and stores the code; anything off
// the list is 422 naming industry. Free text written before the list keeps
// reading and does not block an edit or a submission.
func TestApplicationIndustry(t *testing.T) {
	c := newCast(t)
	s := c.s
	body := individual(c.nextID())
	delete(body, "industry")
	body["industry_code"] = "chain_apple"
	a := s.Do("POST", "/api/v1/applications", c.owner, body).Want(201).JSON()
	if a["industry"] != "chain_apple" || a["industry_code"] != "chain_apple" || a["industry_label"] != "苹果产业链" {
		t.Errorf("industry %v %v %v", a["industry"], a["industry_code"], a["industry_label"])
	}
	id := a["id"]
	for _, tc := range []struct{ v, want string }{{"零售", "retail"}, {"住宿餐饮", "catering"}, {"agriculture", "agriculture"}, {"", ""}} {
		got := s.Do("PATCH", path(id, ""), c.owner, map[string]any{"industry": tc.v}).Want(200).JSON()
		if got["industry"] != tc.want || got["industry_code"] != tc.want {
			t.Errorf("industry %q stored as %v / %v, want %s", tc.v, got["industry"], got["industry_code"], tc.want)
		}
	}
	if got := s.Do("GET", path(id, ""), c.owner, nil, "Accept-Language", "en").Want(200).JSON(); got["industry_label"] != "" {
		t.Errorf("no industry reads %v", got["industry_label"])
	}
	bad := individual(c.nextID())
	bad["industry"] = "苹果"
	if f := s.Do("POST", "/api/v1/applications", c.owner, bad).WantProblem(422, "validation_failed").FieldErrors(); len(f) != 1 || f[0] != "industry" {
		t.Errorf("errors %v, want industry", f)
	}
	if f := s.Do("PATCH", path(id, ""), c.owner, map[string]any{"industry_code": "mining"}).WantProblem(422, "validation_failed").FieldErrors(); len(f) != 1 || f[0] != "industry" {
		t.Errorf("errors %v, want industry", f)
	}

	// Free text of an application written before the list.
	if _, err := s.App.DB.SQL().Exec(sqlRebind("UPDATE applications SET industry = ? WHERE id = ?"), "苹果深加工", int64(id.(float64))); err != nil {
		t.Fatal(err)
	}
	got := s.Do("PATCH", path(id, ""), c.owner, map[string]any{"purpose": "冷库建设"}).Want(200).JSON()
	if got["industry"] != "苹果深加工" || got["industry_code"] != "" || got["industry_label"] != "苹果深加工" {
		t.Errorf("free text reads %v %v %v", got["industry"], got["industry_code"], got["industry_label"])
	}
	s.Do("POST", path(id, "/submit"), c.owner, nil).Want(200)
}

// TestDisbursementsByIndustry: the report groups loans by the industry's
// code with its label; free text naming a code (零售) counts with it, other
// free text stays a row of its own, and loans without one are 未填写.
func TestDisbursementsByIndustry(t *testing.T) {
	c := newCast(t)
	s := c.s
	c.decideInPast()
	for i, industry := range []string{"retail", "零售", "苹果深加工", "", "chain_apple"} {
		body := individual(c.nextID())
		body["industry"] = "chain_apple"
		id := c.at(t, "approved", body)
		if _, err := s.App.DB.SQL().Exec(sqlRebind("UPDATE applications SET industry = ? WHERE id = ?"), industry, int64(id.(float64))); err != nil {
			t.Fatal(err)
		}
		ref := "IND-" + string(rune('A'+i))
		s.Do("POST", path(id, "/disbursement"), c.bank2, disbursement("150000.00", "2024-03-15", ref), "Idempotency-Key", ref).Want(201)
	}
	var rep struct {
		Rows []struct {
			Key, Label, Amount string
			Loans              int
		}
	}
	s.Do("GET", "/api/v1/reports/disbursements?from=2024-01-01&to=2024-12-31&group_by=industry", c.auditor, nil).Want(200).Decode(&rep)
	got := map[string]string{}
	for _, r := range rep.Rows {
		got[r.Key] = r.Label + " " + r.Amount
	}
	// retail: 2 loans × 150,000.00 = 300,000.00.
	want := map[string]string{"retail": "批发零售 300000.00", "苹果深加工": "苹果深加工 150000.00", "": "未填写 150000.00", "chain_apple": "苹果产业链 150000.00"}
	if len(got) != len(want) {
		t.Errorf("rows %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("row %q = %q, want %q", k, got[k], v)
		}
	}
}
