package httpapi_test

import (
	"fmt"
	"strconv"
	"testing"

	"chuangdai/internal/apptest"
)

// residentID builds a valid resident ID number for a birth date
// (YYYYMMDD) and a sequence; an odd sequence is a man, an even one a woman.
func residentID(birth string, seq int) string {
	weights := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	body := "411282" + birth + fmt.Sprintf("%03d", seq)
	sum := 0
	for i := range 17 {
		sum += int(body[i]-'0') * weights[i]
	}
	return body + string("10X98765432"[sum%11])
}

// individual is a valid individual application in apptest.District and apptest.Bank.
func individual(nationalID string) map[string]any {
	return map[string]any{
		"borrower_type": "individual", "name": "张伟", "national_id": nationalID, "phone": "13800138000",
		"key_group": "returning_migrant_worker", "district_code": apptest.District, "bank_code": apptest.Bank,
		"amount": "200000.00", "term_months": 24, "business_name": "灵宝苹果合作社", "industry": "agriculture",
		"purpose": "cold storage", "jobs_planned": 3,
	}
}

// cast is the set of users an application test needs.
type cast struct {
	s                      *apptest.Server
	owner, other           string
	hrss, hrss2, hrssOther string
	guar, guarOther        string
	bank, bank2, bankOther string
	auditor                string
}

func newCast(t *testing.T) cast {
	s := apptest.NewServer(t)
	return cast{
		s:         s,
		owner:     s.User("owner", "entrepreneur", "", ""),
		other:     s.User("other", "entrepreneur", "", ""),
		hrss:      s.User("hrss", "hrss_officer", apptest.District, ""),
		hrss2:     s.User("hrss2", "hrss_officer", apptest.District, ""),
		hrssOther: s.User("hrss.other", "hrss_officer", apptest.OtherDistrict, ""),
		guar:      s.User("guar", "guarantee_officer", apptest.District, ""),
		guarOther: s.User("guar.other", "guarantee_officer", apptest.OtherDistrict, ""),
		bank:      s.User("bank", "bank_officer", "", apptest.Bank),
		bank2:     s.User("bank2", "bank_officer", "", apptest.Bank),
		bankOther: s.User("bank.other", "bank_officer", "", apptest.OtherBank),
		auditor:   s.User("auditor", "finance_auditor", "", ""),
	}
}

func path(id any, suffix string) string {
	return "/api/v1/applications/" + idString(id) + suffix
}

func idString(id any) string {
	switch v := id.(type) {
	case float64:
		return strconv.FormatInt(int64(v), 10)
	case string:
		return v
	}
	panic(fmt.Sprintf("id %v", id))
}

// create makes a draft for token and returns its id.
func (c cast) create(t *testing.T, token string, body map[string]any) any {
	t.Helper()
	r := c.s.Do("POST", "/api/v1/applications", token, body).Want(201).JSON()
	return r["id"]
}

func TestApplicationHappyPath(t *testing.T) {
	c := newCast(t)
	id := c.create(t, c.owner, individual(residentID("19900101", 11)))
	c.s.Do("POST", path(id, "/submit"), c.owner, nil).Want(200)
	c.s.Do("POST", path(id, "/decisions"), c.hrss, map[string]any{"decision": "approve"}).Want(200)
	c.s.Do("POST", path(id, "/decisions"), c.guar, map[string]any{"decision": "approve"}).Want(200)
	r := c.s.Do("POST", path(id, "/decisions"), c.bank, map[string]any{"decision": "approve", "approved_amount": "150000.00", "annual_rate": "0.0300", "term_months": 24}).Want(200).JSON()
	t.Logf("%v", r)
}
