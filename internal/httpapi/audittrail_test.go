package httpapi_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"chuangdai/internal/apptest"
	"chuangdai/internal/beijing"
)

type auditItem struct {
	Actor       string
	ActorName   string `json:"actor_name"`
	Action      string
	ActionLabel string `json:"action_label"`
	EntityType  string `json:"entity_type"`
	EntityID    string `json:"entity_id"`
	Link        *string
	Changes     []struct {
		Field  string
		Before any
		After  any
	}
}

// TestAuditTrailFiltersAndChanges: the trail filters by actor (user name
// or person's name), action and Beijing days; each event names the actor
// and the action, lists its changes field by field (personal data masked)
// and links to the record's page; the actions list names every action.
func TestAuditTrailFiltersAndChanges(t *testing.T) {
	c := newCast(t)
	s := c.s
	hrss := namedUser(s, "li.na", "李娜", "hrss_officer", apptest.District, "")
	id := c.at(t, "eligibility_review", nil)
	s.Do("POST", path(id, "/decisions"), hrss, map[string]any{"decision": "return", "comment": "补充材料"}).Want(200)
	s.Do("PATCH", path(id, ""), c.owner, map[string]any{"amount": "150000.00", "national_id": c.nextID()}).Want(200)
	app := jsonID(id)

	list := func(q string) []auditItem {
		t.Helper()
		var out struct {
			Items []auditItem
			Total int
		}
		s.Do("GET", "/api/v1/audit-events?entity_type=application&entity_id="+app+q, c.auditor, nil).Want(200).Decode(&out)
		if out.Total != len(out.Items) {
			t.Fatalf("total %d, items %d", out.Total, len(out.Items))
		}
		return out.Items
	}
	all := list("")
	if len(all) != 4 { // create, submit, return, update
		t.Fatalf("events %+v", all)
	}
	for _, q := range []string{"&actor=li.na", "&actor=LI.NA", "&actor=李娜"} {
		if got := list(q); len(got) != 1 || got[0].Action != "application.return" || got[0].ActorName != "李娜" || got[0].ActionLabel != "退回申请" {
			t.Errorf("%s: %+v", q, got)
		}
	}
	upd := list("&action=application.update")
	if len(upd) != 1 || upd[0].Link == nil || *upd[0].Link != "#/applications/"+app {
		t.Fatalf("update events %+v", upd)
	}
	changed := map[string][2]any{}
	for _, ch := range upd[0].Changes {
		changed[ch.Field] = [2]any{ch.Before, ch.After}
	}
	// The trail keeps amounts as decimals.
	if v := changed["amount"]; fmt.Sprint(v[0]) != "200000" || fmt.Sprint(v[1]) != "150000" {
		t.Errorf("amount change %v (all %v)", v, changed)
	}
	if v, ok := changed["national_id"]; !ok || !strings.Contains(v[0].(string), "********") || !strings.Contains(v[1].(string), "********") {
		t.Errorf("national_id change %v: want both masked", v)
	}
	if _, ok := changed["name"]; ok {
		t.Error("an unchanged field is listed")
	}
	if _, ok := changed["partners"]; ok {
		t.Error("no partners before and after is listed as a change")
	}
	today := time.Now().In(beijing.Zone)
	day := today.Format(time.DateOnly)
	if got := list("&from=" + day + "&to=" + day); len(got) != 4 {
		t.Errorf("today: %d events", len(got))
	}
	if got := list("&to=" + today.AddDate(0, 0, -1).Format(time.DateOnly)); len(got) != 0 {
		t.Errorf("until yesterday: %d events", len(got))
	}
	if got := list("&from=" + today.AddDate(0, 0, 1).Format(time.DateOnly)); len(got) != 0 {
		t.Errorf("from tomorrow: %d events", len(got))
	}
	for q, field := range map[string]string{"&from=2024-02-30": "from", "&to=yesterday": "to", "&from=2024-03-02&to=2024-03-01": "to"} {
		if f := s.Do("GET", "/api/v1/audit-events?"+q, c.auditor, nil).WantProblem(422, "validation_failed").FieldErrors(); len(f) != 1 || f[0] != field {
			t.Errorf("%s: errors %v, want %s", q, f, field)
		}
	}

	// The trail downloads as the table shows it.
	rows := csvRecords(t, s.Do("GET", "/api/v1/audit-events?entity_type=application&entity_id="+app+"&action=application.return&format=csv", c.auditor, nil).Want(200).Body)
	if len(rows) != 2 || rows[0][3] != "action" || rows[1][2] != "李娜" || rows[1][3] != "application.return" {
		t.Errorf("audit CSV %q", rows)
	}
	rows = csvRecords(t, s.Do("GET", "/api/v1/audit-events?entity_type=application&entity_id="+app+"&action=application.return&format=csv&headers=labels", c.auditor, nil).Want(200).Body)
	if len(rows) != 2 || rows[0][3] != "操作" || rows[1][3] != "退回申请" {
		t.Errorf("audit CSV with labels %q", rows)
	}
	s.Do("GET", "/api/v1/audit-events?format=xlsx", c.auditor, nil).Want(200)
	s.Do("GET", "/api/v1/audit-events?format=pdf", c.auditor, nil).WantProblem(422, "validation_failed")

	var actions struct {
		Items []struct{ Action, Label string }
	}
	s.Do("GET", "/api/v1/audit-events/actions", c.auditor, nil).Want(200).Decode(&actions)
	labels := map[string]string{}
	for _, a := range actions.Items {
		labels[a.Action] = a.Label
	}
	if labels["application.return"] != "退回申请" || labels["loan.repay"] != "还款" || labels["user.create"] != "新增用户" {
		t.Errorf("actions %v", labels)
	}
	s.Do("GET", "/api/v1/audit-events/actions", c.auditor, nil, "Accept-Language", "en").Want(200).Decode(&actions)
	if actions.Items[0].Label != "Application created" {
		t.Errorf("English actions %+v", actions.Items[0])
	}
	s.Do("GET", "/api/v1/audit-events/actions", c.owner, nil).WantProblem(403, "forbidden")
}
