package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"chuangdai/internal/app"
	"chuangdai/internal/apptest"
	"chuangdai/internal/user"
)

// The access log line of a request names the user its token signed in,
// through the router's own authentication; one without a token, or with
// a refused one, names nobody.
func TestAccessLogNamesTheAuthenticatedUser(t *testing.T) {
	var logs bytes.Buffer
	a, err := app.Open(context.Background(), apptest.Config(apptest.DatabaseURL(t)), slog.New(slog.NewJSONHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	admin, err := a.Users.CreateFromCLI(context.Background(), user.CreateInput{Username: "admin", Password: apptest.Password, Name: "Admin", Role: "admin"})
	if err != nil {
		t.Fatal(err)
	}
	serve := func(method, path, token, body string) []byte {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		rec := httptest.NewRecorder()
		a.Server.ServeHTTP(rec, req)
		return rec.Body.Bytes()
	}
	logs.Reset()
	var login struct{ Token string }
	_ = json.Unmarshal(serve(http.MethodPost, "/api/v1/auth/login", "", `{"username":"admin","password":"`+apptest.Password+`"}`), &login)
	if login.Token == "" {
		t.Fatal("no token")
	}
	serve(http.MethodGet, "/api/v1/me", login.Token, "")
	serve(http.MethodGet, "/api/v1/me", login.Token+"x", "")
	serve(http.MethodGet, "/api/v1/me", "", "")
	var got []string
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var l struct {
			Msg, Route string
			Status     int
			UserID     *int64 `json:"user_id"`
		}
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatal(err)
		}
		if l.Msg != "request" {
			continue
		}
		who := "nobody"
		if l.UserID != nil {
			who = "user"
			if *l.UserID != int64(admin.ID) {
				t.Errorf("user_id %d, want %d: %s", *l.UserID, admin.ID, line)
			}
		}
		got = append(got, l.Route+" "+http.StatusText(l.Status)+" "+who)
	}
	want := []string{"/api/v1/auth/login OK nobody", "/api/v1/me OK user", "/api/v1/me Unauthorized nobody", "/api/v1/me Unauthorized nobody"}
	if strings.Join(got, "; ") != strings.Join(want, "; ") {
		t.Fatalf("access log lines:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
