package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
)

func TestPanicBecomesProblemWithRequestID(t *testing.T) {
	var logs bytes.Buffer
	a := &api{log: slog.New(slog.NewJSONHandler(&logs, nil))}
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	e.Use(a.requestID, a.recoverPanic)
	e.GET("/boom", func(*gin.Context) { panic("database password is hunter2") })

	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/boom", nil)
	req.Header.Set("X-Request-ID", "req-0123456789")
	e.ServeHTTP(rec, req)

	if rec.Code != 500 || rec.Header().Get("Content-Type") != "application/problem+json" {
		t.Fatalf("status %d, type %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	var p problem
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		t.Fatal(err)
	}
	if p.Code != "internal" || p.RequestID != "req-0123456789" || strings.Contains(rec.Body.String(), "hunter2") {
		t.Fatalf("problem = %s", rec.Body)
	}
	if !strings.Contains(logs.String(), "req-0123456789") {
		t.Fatalf("the panic was not logged with the request id: %s", logs.String())
	}
}

func TestRequestIDIsGeneratedWhenMissingOrMalformed(t *testing.T) {
	a := &api{log: slog.New(slog.NewJSONHandler(&bytes.Buffer{}, nil))}
	e := gin.New()
	e.Use(a.requestID)
	e.GET("/", func(c *gin.Context) { c.Status(204) })
	for _, sent := range []string{"", "bad id with spaces\n"} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.Header.Set("X-Request-ID", sent)
		e.ServeHTTP(rec, req)
		got := rec.Header().Get("X-Request-ID")
		if got == "" || got == sent {
			t.Errorf("sent %q, got %q", sent, got)
		}
	}
}

func TestClientGoneIsNotAnError(t *testing.T) {
	var logs bytes.Buffer
	a := &api{log: slog.New(slog.NewJSONHandler(&logs, nil))}
	e := gin.New()
	e.Use(a.requestID)
	e.GET("/slow", func(c *gin.Context) { a.fail(c, fmt.Errorf("load session: %w", context.Canceled)) })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/slow", nil).WithContext(ctx))
	if rec.Code != 499 || strings.Contains(logs.String(), `"level":"ERROR"`) {
		t.Fatalf("status %d, logs %s", rec.Code, logs.String())
	}
}
