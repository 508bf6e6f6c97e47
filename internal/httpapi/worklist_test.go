package httpapi_test

import (
	"context"
	"testing"
	"time"

	"chuangdai/internal/apptest"
)

type worklistBody struct {
	Items []struct {
		Key, Label, List string
		Count            int
	}
}

// counts returns the caller's work lists by key, and the label of each.
func counts(t *testing.T, s *apptest.Server, token string, lang ...string) (map[string]int, map[string]string) {
	t.Helper()
	var w worklistBody
	s.Do("GET", "/api/v1/worklist", token, nil, lang...).Want(200).Decode(&w)
	n, labels := map[string]int{}, map[string]string{}
	for _, it := range w.Items {
		n[it.Key], labels[it.Key] = it.Count, it.Label
		// The list behind each count answers, and holds as many.
		if got := int(s.Do("GET", it.List, token, nil).Want(200).JSON()["total"].(float64)); got != it.Count {
			t.Errorf("%s: count %d, its list %s has %d", it.Key, it.Count, it.List, got)
		}
	}
	return n, labels
}

// TestWorkListsCountWhatWaitsForEachRole: every role sees the counts of its
// own work, in its own scope, each with the list behind it.
func TestWorkListsCountWhatWaitsForEachRole(t *testing.T) {
	c := newCast(t)
	for _, st := range []string{"draft", "returned", "eligibility_review", "guarantee_review", "bank_review", "approved"} {
		c.at(t, st, nil)
	}
	c.loan(t)
	own, labels := counts(t, c.s, c.owner)
	if own["draft"] != 1 || own["returned"] != 1 || len(own) != 2 || labels["draft"] != "草稿" {
		t.Errorf("applicant: %v %v", own, labels)
	}
	if _, en := counts(t, c.s, c.owner, "Accept-Language", "en"); en["returned"] != "Returned for changes" {
		t.Errorf("English labels %v", en)
	}
	if got, _ := counts(t, c.s, c.hrss); got["eligibility_review"] != 1 || got["subsidy_claimed"] != 0 || got["subsidy_checked"] != 0 {
		t.Errorf("hrss: %v", got)
	}
	if got, _ := counts(t, c.s, c.hrssOther); got["eligibility_review"] != 0 {
		t.Errorf("hrss of another district: %v", got)
	}
	// The loan falls overdue on 21 June 2024: 11 days on 1 July, 102 days on
	// 30 September, when it is counted as waiting for compensation too.
	for _, step := range []struct {
		day  time.Time
		want [2]int
	}{{time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC), [2]int{1, 0}}, {time.Date(2024, 9, 30, 0, 0, 0, 0, time.UTC), [2]int{1, 1}}} {
		day, want := step.day, step.want
		if _, err := c.s.App.Loans.RunDaily(context.Background(), day); err != nil {
			t.Fatal(err)
		}
		if got, _ := counts(t, c.s, c.guar); got["guarantee_review"] != 1 || got["loans_overdue"] != want[0] || got["compensation_due"] != want[1] || got["write_off_proposed"] != 0 {
			t.Errorf("guarantee on %s: %v", day.Format(time.DateOnly), got)
		}
	}
	if got, _ := counts(t, c.s, c.guarOther); got["loans_overdue"] != 0 {
		t.Errorf("guarantee of another district: %v", got)
	}
	got, _ := counts(t, c.s, c.bank)
	if got["bank_review"] != 1 || got["approved"] != 1 {
		t.Errorf("bank: %v", got)
	}
	if _, ok := got["subsidy_pending"]; !ok {
		t.Errorf("bank: no subsidy to claim list: %v", got)
	}
	if got, _ := counts(t, c.s, c.auditor); len(got) != 0 {
		t.Errorf("auditor: %v", got)
	}
	if got, _ := counts(t, c.s, c.admin); len(got) != 0 {
		t.Errorf("admin: %v", got)
	}
}

// TestSubsidyBatchClaimCheckPay: the bank claims ended quarters in one
// batch, an HRSS officer checks them, another pays them; each quarter gets
// its own result, a bad one does not stop the others, and every rule of the
// single step holds (ended quarters only, four eyes, scope).
func TestSubsidyBatchClaimCheckPay(t *testing.T) {
	c := newCast(t)
	l := c.loan(t)
	id := l["id"]
	var pending struct {
		Total int
		Items []struct {
			LoanID                  float64 `json:"loan_id"`
			Period, Subsidy, Status string
			LoanNumber              string `json:"loan_number"`
		}
	}
	c.s.Do("GET", "/api/v1/subsidy-claims?status=pending&period=2024Q2", c.bank, nil).Want(200).Decode(&pending)
	var perLoan struct {
		Items []struct {
			Period, Subsidy string
			EndOn           string `json:"end_on"`
			Claimable       bool
		}
	}
	c.s.Do("GET", "/api/v1/loans/"+jsonID(id)+"/subsidy", c.bank, nil).Want(200).Decode(&perLoan)
	want := ""
	for _, it := range perLoan.Items {
		if it.Period == "2024Q2" {
			want = it.Subsidy
		}
		// 申报贴息 is offered for ended quarters only.
		if ended := it.EndOn < time.Now().In(time.FixedZone("CST", 8*3600)).Format(time.DateOnly); it.Claimable != ended {
			t.Errorf("%s (ends %s): claimable %v", it.Period, it.EndOn, it.Claimable)
		}
	}
	if pending.Total != 1 || pending.Items[0].LoanNumber != l["number"] || pending.Items[0].Subsidy != want || want == "" || pending.Items[0].Status != "pending" {
		t.Fatalf("pending 2024Q2: %+v, the loan's own subsidy %q", pending, want)
	}
	if n := c.s.Do("GET", "/api/v1/subsidy-claims?status=pending&period=2024Q2", c.bankOther, nil).Want(200).JSON()["total"]; n != 0.0 {
		t.Errorf("another bank sees %v", n)
	}
	c.s.Do("GET", "/api/v1/subsidy-claims?status=pending&period=2999Q1", c.bank, nil).WantProblem(422, "validation_failed")
	c.s.Do("GET", "/api/v1/subsidy-claims?status=lost", c.bank, nil).WantProblem(422, "validation_failed")

	type result struct {
		OK     bool
		Status int
		Code   string
		Detail string
		Item   *struct{ Status string }
	}
	batch := func(token, action string, extra map[string]any, items ...[2]any) (int, int, []result) {
		t.Helper()
		body := map[string]any{"action": action}
		for k, v := range extra {
			body[k] = v
		}
		var list []map[string]any
		for _, it := range items {
			list = append(list, map[string]any{"loan_id": it[0], "period": it[1]})
		}
		body["items"] = list
		var out struct {
			Succeeded, Failed int
			Results           []result
		}
		c.s.Do("POST", "/api/v1/subsidy-claims/batch", token, body).Want(200).Decode(&out)
		return out.Succeeded, out.Failed, out.Results
	}
	ok, failed, res := batch(c.bank, "claim", nil, [2]any{id, "2024Q2"}, [2]any{id, "2024Q3"}, [2]any{id, "2999Q1"}, [2]any{999999, "2024Q2"}, [2]any{id, "2024Q2"})
	if ok != 2 || failed != 3 || !res[0].OK || res[0].Item.Status != "claimed" || res[2].Status != 404 || res[3].Status != 404 ||
		res[4].Status != 409 || res[4].Code != "subsidy.invalid_state" || res[4].Detail == "" {
		t.Errorf("claim batch: %d ok, %d failed: %+v", ok, failed, res)
	}
	if got, _ := counts(t, c.s, c.hrss); got["subsidy_claimed"] != 2 {
		t.Errorf("hrss to check: %v", got)
	}
	if ok, _, res := batch(c.bankOther, "claim", nil, [2]any{id, "2024Q4"}); ok != 0 || res[0].Status != 404 {
		t.Errorf("another bank claims: %+v", res)
	}
	if ok, _, _ := batch(c.hrss, "check", map[string]any{"decision": "approve"}, [2]any{id, "2024Q2"}, [2]any{id, "2024Q3"}); ok != 2 {
		t.Errorf("check batch: %d ok", ok)
	}
	if ok, _, res := batch(c.hrss, "pay", nil, [2]any{id, "2024Q2"}); ok != 0 || res[0].Code != "four_eyes" {
		t.Errorf("the checker pays: %+v", res)
	}
	if got, _ := counts(t, c.s, c.hrss2); got["subsidy_checked"] != 2 {
		t.Errorf("hrss2 to pay: %v", got)
	}
	if ok, _, _ := batch(c.hrss2, "pay", nil, [2]any{id, "2024Q2"}, [2]any{id, "2024Q3"}); ok != 2 {
		t.Errorf("pay batch: %d ok", ok)
	}
	if n := c.s.Do("GET", "/api/v1/subsidy-claims?status=paid", c.auditor, nil).Want(200).JSON()["total"]; n != 2.0 {
		t.Errorf("paid: %v", n)
	}
	for _, bad := range []map[string]any{{"action": "approve", "items": []any{map[string]any{"loan_id": 1, "period": "2024Q2"}}}, {"action": "claim", "items": []any{}}} {
		c.s.Do("POST", "/api/v1/subsidy-claims/batch", c.bank, bad).WantProblem(422, "validation_failed")
	}
	c.s.Do("POST", "/api/v1/subsidy-claims/batch", c.guar, map[string]any{"action": "claim"}).WantProblem(403, "forbidden")
}
