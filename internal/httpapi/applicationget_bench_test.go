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
	req, err := http.NewRequest("GET", s.URL+"/api/v1/applications/"+id, nil)
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+owner)
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
