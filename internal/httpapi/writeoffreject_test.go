package httpapi_test

import (
	"strings"
	"testing"
	"time"
)

// A proposed write-off can be turned down: by another guarantee officer of
// the district, or withdrawn by its proposer. The loan is plainly
// compensated again, so its compensation can be reversed and a write-off
// proposed anew; the audit trail keeps the proposal and the comment.
func TestRejectAProposedWriteOff(t *testing.T) {
	c := newCast(t)
	s := c.s
	ln := c.loan(t)
	id := jsonID(ln["id"])
	if _, err := s.App.Loans.RunDaily(t.Context(), time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	s.Do("POST", "/api/v1/loans/"+id+"/compensation", c.guar, map[string]any{"compensated_on": "2024-07-10"}).Want(200)
	wo := "/api/v1/loans/" + id + "/write-off"
	reversal := map[string]any{"kind": "compensation", "id": ln["id"], "reason": "代偿录错"}

	// Nothing proposed yet: nothing to reject.
	s.Do("POST", wo+"/reject", c.guar2, map[string]any{}).WantProblem(409, "loan.invalid_state")
	s.Do("POST", wo, c.guar, map[string]any{"reason": "借款人无财产可供执行"}).Want(200)
	// While proposed, the compensation cannot be reversed.
	s.Do("POST", "/api/v1/reversals", c.guar2, reversal).WantProblem(409, "loan.invalid_state")
	s.Do("POST", wo+"/reject", c.bank, map[string]any{}).WantProblem(403, "forbidden")
	s.Do("POST", wo+"/reject", c.auditor, map[string]any{}).WantProblem(403, "forbidden")
	s.Do("POST", wo+"/reject", c.guarOther, map[string]any{}).WantProblem(404, "not_found")
	if f := s.Do("POST", wo+"/reject", c.guar2, map[string]any{"comment": strings.Repeat("长", 700)}).WantProblem(422, "validation_failed").FieldErrors(); !contains(f, "comment") {
		t.Errorf("a long comment: errors %v", f)
	}
	// Another officer of the district refuses it.
	l := s.Do("POST", wo+"/reject", c.guar2, map[string]any{"comment": "仍在执行拍卖"}).Want(200).JSON()["loan"].(map[string]any)
	if l["status"] != "compensated" || l["write_off"] != nil {
		t.Fatalf("after the rejection: %v", l)
	}
	s.Do("POST", wo+"/confirm", c.guar, nil).WantProblem(409, "loan.invalid_state")
	s.Do("POST", wo+"/reject", c.guar2, map[string]any{}).WantProblem(409, "loan.invalid_state")
	ev := s.Do("GET", "/api/v1/audit-events?entity_type=loan&entity_id="+id, c.auditor, nil).Want(200).JSON()["items"].([]any)[0].(map[string]any)
	before, after := ev["before"].(map[string]any), ev["after"].(map[string]any)
	if ev["action"] != "loan.reject_write_off" || ev["actor"] != "guar2" || before["write_off_reason"] != "借款人无财产可供执行" ||
		after["comment"] != "仍在执行拍卖" || after["write_off_reason"] != nil || after["status"] != "compensated" {
		t.Errorf("audit event %v", ev)
	}

	// Proposed again, and withdrawn by its own proposer (no comment needed).
	s.Do("POST", wo, c.guar, map[string]any{"reason": "再次核销"}).Want(200)
	if l := s.Do("POST", wo+"/reject", c.guar, map[string]any{}).Want(200).JSON()["loan"].(map[string]any); l["write_off"] != nil {
		t.Fatalf("after the withdrawal: %v", l)
	}
	// The compensation can be reversed again: proposed, then turned down,
	// so that the write-off goes through to the end.
	r := s.Do("POST", "/api/v1/reversals", c.guar2, reversal).Want(201).JSON()
	s.Do("POST", "/api/v1/reversals/"+jsonID(r["id"])+"/reject", c.guar2, map[string]any{"comment": "不冲正"}).Want(200)
	s.Do("POST", wo, c.guar, map[string]any{"reason": "第三次"}).Want(200)
	done := s.Do("POST", wo+"/confirm", c.guar2, nil).Want(200).JSON()["loan"].(map[string]any)
	if done["status"] != "written_off" || done["write_off"].(map[string]any)["amount"] != "200000.00" {
		t.Fatalf("written off: %v", done)
	}
	// A confirmed write-off is not rejected.
	s.Do("POST", wo+"/reject", c.guar, map[string]any{}).WantProblem(409, "loan.invalid_state")
}
