package httpapi_test

import (
	"context"
	"strings"
	"testing"

	"chuangdai/internal/apptest"
	"chuangdai/internal/idnum"
	"chuangdai/internal/user"
)

// Resident IDs and phone numbers are shown in full only to the applicant and
// to the officers deciding the application when they open it; lists, and
// auditors, see them masked.
func TestPersonalDataMasking(t *testing.T) {
	c := newCast(t)
	body := individual(c.nextID())
	body["borrower_type"] = "partnership"
	partner := c.nextID()
	body["partners"] = []map[string]any{
		{"name": "张伟", "national_id": body["national_id"], "key_group": "returning_migrant_worker", "not_employed": true},
		{"name": "李娜", "national_id": partner, "key_group": "college_graduate", "not_employed": true},
	}
	id := c.at(t, "guarantee_review", body)
	full := body["national_id"].(string)
	masked := idnum.Mask(full)

	check := func(who, token, url string, wantFull bool) {
		t.Helper()
		raw := string(c.s.Do("GET", url, token, nil).Want(200).Body)
		hasFull := strings.Contains(raw, full) || strings.Contains(raw, partner) || strings.Contains(raw, "13800138000")
		hasMasked := strings.Contains(raw, masked) && strings.Contains(raw, "138****8000") && strings.Contains(raw, idnum.Mask(partner))
		if wantFull && !hasFull {
			t.Errorf("%s %s: personal data masked for someone who needs it: %s", who, url, raw)
		}
		if !wantFull && (hasFull || !hasMasked) {
			t.Errorf("%s %s: personal data not masked: %s", who, url, raw)
		}
	}
	one := path(id, "")
	list := "/api/v1/applications"
	check("applicant", c.owner, one, true)
	check("applicant", c.owner, list, true)
	check("deciding hrss officer", c.hrss, one, true)
	check("deciding guarantee officer", c.guar, one, true)
	check("bank officer", c.bank, one, true)
	check("hrss officer's queue", c.hrss, list, false)
	check("bank officer's queue", c.bank, list, false)
	check("auditor", c.auditor, one, false)
	check("auditor's list", c.auditor, list, false)

	profile := c.s.Do("GET", path(id, "/support"), c.auditor, nil).Want(200).JSON()
	if profile["national_id"] != masked {
		t.Errorf("auditor's profile shows %v", profile["national_id"])
	}
}

// The audit trail masks resident ID and phone numbers for everyone who reads
// it, while the chain it shows still verifies.
func TestAuditTrailMasksPersonalData(t *testing.T) {
	c := newCast(t)
	body := individual(c.nextID())
	body["borrower_type"] = "partnership"
	partner := c.nextID()
	body["partners"] = []map[string]any{
		{"name": "张伟", "national_id": body["national_id"], "key_group": "returning_migrant_worker", "not_employed": true},
		{"name": "李娜", "national_id": partner, "key_group": "college_graduate", "not_employed": true},
	}
	id := c.at(t, "returned", body)
	c.s.Do("PATCH", path(id, ""), c.owner, map[string]any{"phone": "13900139000", "purpose": "联系 13700137000 或 " + partner}).Want(200)
	c.s.Do("POST", "/api/v1/training-records", c.hrss, map[string]any{
		"national_id": partner, "name": "李娜", "course": "SYB", "institution": "灵宝市职业技能培训中心",
		"start_date": "2024-03-01", "end_date": "2024-03-10", "certificate_no": "SYB-AUDIT-1", "district_code": apptest.District,
	}).Want(201)
	full := []string{body["national_id"].(string), partner, "13800138000", "13900139000", "13700137000"}
	if _, err := c.s.App.Users.CreateFromCLI(context.Background(), user.CreateInput{Username: "auditadmin", Password: apptest.Password, Role: "audit_admin"}); err != nil {
		t.Fatal(err)
	}
	auditAdmin := c.s.Login("auditadmin", apptest.Password)
	for who, tok := range map[string]string{"auditor": c.auditor, "admin": c.admin, "audit admin": auditAdmin} {
		raw := string(c.s.Do("GET", "/api/v1/audit-events?page_size=200", tok, nil).Want(200).Body)
		for _, v := range full {
			if strings.Contains(raw, v) {
				t.Errorf("%s reads %s in the audit trail", who, v)
			}
		}
		for _, v := range []string{idnum.Mask(partner), idnum.Mask(full[0]), "138****8000", "139****9000", "137****7000"} {
			if !strings.Contains(raw, v) {
				t.Errorf("%s: the trail does not show %s masked", who, v)
			}
		}
		if v := c.s.Do("GET", "/api/v1/audit-events/verify", tok, nil).Want(200).JSON(); v["ok"] != true {
			t.Errorf("%s: chain %v", who, v)
		}
	}
}
