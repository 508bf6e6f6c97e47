package httpapi_test

import (
	"fmt"
	"strings"
	"testing"

	"chuangdai/internal/apptest"
)

type stageAnswer struct {
	Stage, Status string
	Deadline      *string
	WorkingDays   *int    `json:"working_days"`
	DecidedAt     *string `json:"decided_at"`
	DecidedByName string  `json:"decided_by_name"`
}

type stagedApplication struct {
	Status        string
	StageDeadline *string `json:"stage_deadline"`
	Stages        []stageAnswer
	History       []struct {
		Actor     string
		ActorName string `json:"actor_name"`
		Action    string
	}
}

// namedUser creates a user whose name differs from the user name.
func namedUser(s *apptest.Server, username, name, role, district, bank string) string {
	body := map[string]string{"username": username, "password": apptest.Password, "name": name, "role": role}
	if district != "" {
		body["district_code"] = district
	}
	if bank != "" {
		body["bank_code"] = bank
	}
	s.Do("POST", "/api/v1/users", s.AdminToken, body).Want(201)
	return s.Login(username, apptest.Password)
}

// TestApplicationStagesAndNames: one application answers its stepper
// (资格 → 担保 → 银行 → 放款) with each reached stage's deadline and who
// decided it, by name; its history names the people. A return marks the
// stage that returned it; resubmitting starts every stage again.
func TestApplicationStagesAndNames(t *testing.T) {
	c := newCast(t)
	s := c.s
	hrss := namedUser(s, "li.na", "李娜", "hrss_officer", apptest.District, "")
	guar := namedUser(s, "wang.qiang", "王强", "guarantee_officer", apptest.District, "")
	id := c.at(t, "draft", nil)
	get := func() stagedApplication {
		t.Helper()
		var a stagedApplication
		s.Do("GET", path(id, ""), c.owner, nil).Want(200).Decode(&a)
		if len(a.Stages) != 4 || a.Stages[0].Stage != "eligibility_review" || a.Stages[1].Stage != "guarantee_review" ||
			a.Stages[2].Stage != "bank_review" || a.Stages[3].Stage != "disbursement" {
			t.Fatalf("stages %+v", a.Stages)
		}
		return a
	}
	statuses := func(a stagedApplication) []string {
		var out []string
		for _, st := range a.Stages {
			out = append(out, st.Status)
		}
		return out
	}
	same := func(label string, got []string, want ...string) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("%s: %v, want %v", label, got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("%s: %v, want %v", label, got, want)
				return
			}
		}
	}
	same("draft", statuses(get()), "pending", "pending", "pending", "pending")

	s.Do("POST", path(id, "/submit"), c.owner, nil).Want(200)
	a := get()
	same("submitted", statuses(a), "current", "pending", "pending", "pending")
	if e := a.Stages[0]; e.Deadline == nil || a.StageDeadline == nil || *e.Deadline != *a.StageDeadline || e.WorkingDays == nil || *e.WorkingDays != 5 {
		t.Errorf("eligibility deadline %+v, stage_deadline %v", e, a.StageDeadline)
	}
	s.Do("POST", path(id, "/decisions"), hrss, map[string]any{"decision": "approve"}).Want(200)
	s.Do("POST", path(id, "/decisions"), guar, map[string]any{"decision": "return", "comment": "补充租赁合同"}).Want(200)
	a = get()
	same("returned", statuses(a), "done", "returned", "pending", "pending")
	if a.Stages[0].DecidedByName != "李娜" || a.Stages[0].DecidedAt == nil || a.Stages[1].DecidedByName != "王强" || a.Stages[2].Deadline != nil {
		t.Errorf("decided %+v", a.Stages)
	}
	names := map[string]string{}
	for _, h := range a.History {
		names[h.Action] = h.Actor + "/" + h.ActorName
	}
	if names["approve"] != "li.na/李娜" || names["return"] != "wang.qiang/王强" || names["submit"] != "owner/owner" {
		t.Errorf("history names %v", names)
	}

	s.Do("POST", path(id, "/submit"), c.owner, nil).Want(200)
	same("resubmitted", statuses(get()), "current", "pending", "pending", "pending")
	s.Do("POST", path(id, "/decisions"), hrss, map[string]any{"decision": "approve"}).Want(200)
	s.Do("POST", path(id, "/decisions"), guar, map[string]any{"decision": "approve", "comment": "反担保已落实"}).Want(200)
	s.Do("POST", path(id, "/decisions"), c.bank, contract).Want(200)
	a = get()
	same("approved", statuses(a), "done", "done", "done", "current")
	if b := a.Stages[2]; b.WorkingDays == nil || *b.WorkingDays != 3 || b.DecidedByName != "bank" || a.Stages[3].Deadline != nil {
		t.Errorf("bank stage %+v, disbursement %+v", b, a.Stages[3])
	}
	// Lists carry no stepper.
	list := s.Do("GET", "/api/v1/applications", c.owner, nil).Want(200).JSON()
	if _, ok := list["items"].([]any)[0].(map[string]any)["stages"]; ok {
		t.Error("a list item carries stages")
	}
}

// TestEditsAfterAReturnInTheHistory: an edit of a returned application is an
// entry of its history, by name, with the fields it changed (resident ID
// numbers masked); edits of a draft before its first submission are not.
func TestEditsAfterAReturnInTheHistory(t *testing.T) {
	c := newCast(t)
	s := c.s
	id := c.at(t, "draft", nil)
	s.Do("PATCH", path(id, ""), c.owner, map[string]any{"purpose": "设备"}).Want(200)
	s.Do("POST", path(id, "/submit"), c.owner, nil).Want(200)
	s.Do("POST", path(id, "/decisions"), c.hrss, map[string]any{"decision": "return", "comment": "金额过高"}).Want(200)
	s.Do("PATCH", path(id, ""), c.owner, map[string]any{"amount": "150000.00", "national_id": c.nextID()}).Want(200)
	var a struct {
		History []struct {
			Action    string
			ActorName string `json:"actor_name"`
			Changes   []struct {
				Field         string
				Before, After any
			}
		}
	}
	s.Do("GET", path(id, ""), c.hrss, nil).Want(200).Decode(&a)
	var actions []string
	for _, h := range a.History {
		actions = append(actions, h.Action)
	}
	if len(actions) != 4 || actions[0] != "create" || actions[1] != "submit" || actions[2] != "return" || actions[3] != "edit" {
		t.Fatalf("history %v", actions)
	}
	edit := a.History[3]
	if edit.ActorName != "owner" {
		t.Errorf("edit by %q", edit.ActorName)
	}
	got := map[string]string{}
	for _, ch := range edit.Changes {
		got[ch.Field] = fmt.Sprint(ch.Before) + " → " + fmt.Sprint(ch.After)
	}
	if len(got) != 2 || got["amount"] != "200000 → 150000" || !strings.Contains(got["national_id"], "********") || strings.Contains(got["national_id"], "19900101") {
		t.Errorf("edit changes %v", got)
	}
}
