package httpapi_test

import (
	"bytes"
	"testing"

	"chuangdai/internal/httpapi"
)

// TestOwnJSONServedAsGin reads a loan with a repayment and an application
// with its history (an edit after a return), its stages and identity claims
// by the service's own encoders and then through gin's c.JSON
// (encoding/json): the same status, headers that matter and bytes; and so
// the lists, by the pages' encoder where the items have one and by gin's
// where they have not.
func TestOwnJSONServedAsGin(t *testing.T) {
	c := newCast(t)
	s := c.s
	l := c.loan(t)
	id := jsonID(l["id"])
	s.Do("POST", "/api/v1/loans/"+id+"/repayments", c.bank, repayment("50000.00", "1064.30", "2024-06-20", "R-1"), "Idempotency-Key", "r-1").Want(201)

	nid := c.nextID()
	body := individual(nid)
	body["business_name"], body["purpose"] = `灵宝 <苹果> & "冷库"`, "cold\tstorage \u2029 \x01"
	app := jsonID(s.Do("POST", "/api/v1/applications", c.owner, body).Want(201).JSON()["id"])
	appPath := "/api/v1/applications/" + app
	s.Do("POST", appPath+"/submit", c.owner, nil).Want(200)
	s.Do("POST", appPath+"/decisions", c.hrss, map[string]any{"decision": "return", "comment": "请补充 <营业执照> & 证明"}).Want(200)
	s.Do("PATCH", appPath, c.owner, map[string]any{"purpose": "cold <storage> & 冷库", "jobs_planned": 4}, "If-Match", `"3"`).Want(200)
	s.Do("POST", "/api/v1/applications", c.other, individual(nid)).Want(201)

	reads := []struct{ path, token string }{
		{"/api/v1/loans/" + id, c.auditor}, {"/api/v1/loans/" + id, c.owner},
		{appPath, c.owner}, {appPath, c.hrss}, {appPath, c.auditor},
		{"/api/v1/applications?sort=deadline", c.hrss}, {"/api/v1/applications?status=returned&sort=-deadline", c.hrss},
		{"/api/v1/applications", c.owner}, {"/api/v1/applications?page=2&page_size=1", c.auditor},
		{"/api/v1/loans", c.auditor}, {"/api/v1/loans?page=9", c.auditor}, {"/api/v1/users", c.admin},
	}
	for _, r := range reads {
		own := s.Do("GET", r.path, r.token, nil).Want(200)
		restore := httpapi.GinJSON()
		gin := s.Do("GET", r.path, r.token, nil).Want(200)
		restore()
		if !bytes.Equal(own.Body, gin.Body) {
			t.Errorf("GET %s:\n own %s\n gin %s", r.path, own.Body, gin.Body)
		}
		for _, h := range []string{"Content-Type", "ETag", "Content-Length"} {
			if own.Header.Get(h) != gin.Header.Get(h) {
				t.Errorf("GET %s: %s %q, gin's %q", r.path, h, own.Header.Get(h), gin.Header.Get(h))
			}
		}
	}
}
