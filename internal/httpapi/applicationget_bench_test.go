package httpapi_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"chuangdai/internal/apptest"
)

// BenchmarkApplicationGet reads an application with two history entries as
// its entrepreneur over HTTP, one request at a time, as the bench's
// request path does, with the CPU this process (server and client) and the
// database's backends spend per request.
func BenchmarkApplicationGet(b *testing.B) {
	s := apptest.NewServer(b)
	owner := s.User("owner", "entrepreneur", "", "")
	id := jsonID(s.Do("POST", "/api/v1/applications", owner, individual(residentID("19900101", 1))).Want(201).JSON()["id"])
	s.Do("POST", "/api/v1/applications/"+id+"/submit", owner, nil).Want(200)
	benchGet(b, s, "/api/v1/applications/"+id, owner)
}

// BenchmarkQueuePage reads the first page of an eligibility queue of 301
// applications sorted by deadline as its HRSS officer, as the bench's queue
// request does: one submitted application and 300 copies of it made by SQL,
// the copies' stages entered every 4 hours from 2 September 2024, so the
// deadlines fall on many days around holidays and make-up workdays.
func BenchmarkQueuePage(b *testing.B) {
	s := apptest.NewServer(b)
	owner := s.User("owner", "entrepreneur", "", "")
	hrss := s.User("hrss", "hrss_officer", apptest.District, "")
	id := jsonID(s.Do("POST", "/api/v1/applications", owner, individual(residentID("19900101", 1))).Want(201).JSON()["id"])
	s.Do("POST", "/api/v1/applications/"+id+"/submit", owner, nil).Want(200)
	db := s.App.DB.SQL()
	rows, err := db.Query("SELECT * FROM applications WHERE 1 = 0")
	if err != nil {
		b.Fatal(err)
	}
	cols, err := rows.Columns()
	rows.Close()
	if err != nil {
		b.Fatal(err)
	}
	var names, values []string
	for _, col := range cols {
		switch col {
		case "id":
			continue
		case "number":
			values = append(values, "number || ?")
		case "stage_entered_at":
			values = append(values, "?")
		default:
			values = append(values, col)
		}
		names = append(names, col)
	}
	copyApp := sqlRebind(fmt.Sprintf("INSERT INTO applications (%s) SELECT %s FROM applications WHERE id = %s",
		strings.Join(names, ", "), strings.Join(values, ", "), id))
	first := time.Date(2024, 9, 2, 1, 0, 0, 0, time.UTC)
	for i := range 300 {
		if _, err := db.Exec(copyApp, fmt.Sprintf("-%d", i), first.Add(time.Duration(i)*4*time.Hour)); err != nil {
			b.Fatal(err)
		}
	}
	queue := "/api/v1/applications?status=eligibility_review&sort=deadline"
	if total := s.Do("GET", queue, hrss, nil).Want(200).JSON()["total"]; total != float64(301) {
		b.Fatalf("the queue holds %v applications, want 301", total)
	}
	benchGet(b, s, queue, hrss)
}

// BenchmarkLoanGet reads a disbursed loan with one repayment (as three
// loans in four of the bench's have) as a finance auditor over HTTP, as
// BenchmarkApplicationGet reads an application.
func BenchmarkLoanGet(b *testing.B) {
	c := newCastOn(apptest.NewServer(b))
	id := jsonID(c.loan(b)["id"])
	c.s.Do("POST", "/api/v1/loans/"+id+"/repayments", c.bank, repayment("50000.00", "1064.30", "2024-06-20", "R1"), "Idempotency-Key", "r-1").Want(201)
	benchGet(b, c.s, "/api/v1/loans/"+id, c.auditor)
}

// benchGet measures GET path as the holder of token, after 100 requests of
// warm-up.
func benchGet(b *testing.B, s *apptest.Server, path, token string) {
	req, err := http.NewRequest("GET", s.URL+path, nil)
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	get := func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			b.Fatalf("status %d: %v", resp.StatusCode, err)
		}
	}
	for range 100 {
		get()
	}
	b.ReportAllocs()
	cpu := apptest.StartCPU(s.App.DB.SQL())
	for b.Loop() {
		get()
	}
	cpu.Report(b)
}
