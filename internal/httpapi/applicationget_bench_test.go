package httpapi_test

import (
	"io"
	"net/http"
	"testing"

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
