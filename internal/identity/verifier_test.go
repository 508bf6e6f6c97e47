package identity

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestHTTPVerifierAnswers(t *testing.T) {
	for _, c := range []struct {
		name   string
		status int
		body   string
		match  bool
		fails  bool
	}{
		{"confirmed", 200, `{"match":true}`, true, false},
		{"not confirmed", 200, `{"match":false}`, false, false},
		{"no match field", 200, `{"ok":true}`, false, true},
		{"not JSON", 200, `<html>`, false, true},
		{"an error status", 500, `{"match":true}`, false, true},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(c.status)
			_, _ = w.Write([]byte(c.body))
		}))
		match, err := NewHTTPVerifier(srv.URL, "").Verify(context.Background(), Check{NationalID: "11010519491231002X", Name: "张伟"})
		srv.Close()
		if match != c.match || (err != nil) != c.fails {
			t.Errorf("%s: match %v, err %v", c.name, match, err)
		}
	}
	// A service that never answers is an error once the timeout passes.
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer slow.Close()
	defer close(release)
	v := NewHTTPVerifier(slow.URL, "")
	v.Timeout = 50 * time.Millisecond
	if match, err := v.Verify(context.Background(), Check{}); match || err == nil {
		t.Errorf("a service that does not answer: match %v, err %v", match, err)
	}
}
