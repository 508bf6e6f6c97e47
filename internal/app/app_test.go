package app_test

import (
	"context"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"chuangdai/internal/app"
	"chuangdai/internal/apptest"
	"chuangdai/internal/user"
	"chuangdai/migrations"
)

// Several instances started at once on one database all come up, and the
// schema is migrated exactly once (goose refuses to apply a version twice,
// so a race without the lock fails here on PostgreSQL), directly and through
// PgBouncer's transaction pooling (where a session lock would not hold).
func TestInstancesStartingTogetherMigrateOnce(t *testing.T) {
	for _, route := range apptest.Routes(t) {
		t.Run(route.Name, func(t *testing.T) { instancesMigrateOnce(t, route.URL(apptest.DatabaseURL(t))) })
	}
}

func instancesMigrateOnce(t *testing.T, url string) {
	n := 3
	if apptest.Engine() == "sqlite" {
		// SQLite serves one instance; still, opening it twice in a row must
		// find the schema in place and change nothing.
		n = 1
	}
	open := func() *app.App {
		a, err := app.Open(context.Background(), apptest.Config(url), apptest.Logger(t))
		if err != nil {
			t.Errorf("open: %v", err)
			return nil
		}
		return a
	}
	apps := make([]*app.App, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { apps[i] = open() })
	}
	wg.Wait()
	if again := open(); again != nil {
		apps = append(apps, again)
	}
	for _, a := range apps {
		if a == nil {
			t.FailNow()
		}
		defer a.Close()
	}
	var versions, want int
	if err := apps[0].DB.SQL().QueryRow("SELECT count(*) FROM goose_db_version WHERE version_id > 0").Scan(&versions); err != nil {
		t.Fatal(err)
	}
	entries, err := fs.ReadDir(migrations.FS, apptest.Engine())
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".sql") {
			want++
		}
	}
	if versions != want {
		t.Fatalf("%d migrations recorded, want %d", versions, want)
	}
	var dup int
	if err := apps[0].DB.SQL().QueryRow("SELECT count(*) FROM (SELECT version_id FROM goose_db_version GROUP BY version_id HAVING count(*) > 1) d").Scan(&dup); err != nil {
		t.Fatal(err)
	}
	if dup != 0 {
		t.Fatalf("%d migrations were applied twice", dup)
	}
}

// Without a configured key, instances on one database generate and share one
// signing key: a token from one is accepted by the other, also after restart.
func TestGeneratedTokenKeyIsSharedAcrossInstances(t *testing.T) {
	for _, route := range apptest.Routes(t) {
		t.Run(route.Name, func(t *testing.T) { tokenKeyShared(t, route.URL(apptest.DatabaseURL(t))) })
	}
}

func tokenKeyShared(t *testing.T, url string) {
	cfg := apptest.Config(url)
	cfg.TokenKey = ""
	ctx := context.Background()
	a1, err := app.Open(ctx, cfg, apptest.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer a1.Close()
	if _, err := a1.Users.CreateFromCLI(ctx, user.CreateInput{Username: "admin", Password: "long-enough-1", Role: "admin"}); err != nil {
		t.Fatal(err)
	}
	res, err := a1.Users.Login(ctx, "admin", "long-enough-1", "")
	if err != nil {
		t.Fatal(err)
	}
	a2, err := app.Open(ctx, cfg, apptest.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer a2.Close()
	if _, err := a2.Users.Authenticate(ctx, res.Token); err != nil {
		t.Fatalf("second instance refused the first one's token: %v", err)
	}
	other := cfg
	other.TokenKey = "a-different-configured-key-0123456789"
	a3, err := app.Open(ctx, other, apptest.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer a3.Close()
	if _, err := a3.Users.Authenticate(ctx, res.Token); err == nil {
		t.Fatal("an instance with another key accepted the token")
	}
}

// SIGTERM (a cancelled context) lets a request in flight finish.
func TestShutdownFinishesRequestsInFlight(t *testing.T) {
	a := apptest.New(t)
	started := make(chan struct{})
	a.Server.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		time.Sleep(300 * time.Millisecond)
		_, _ = io.WriteString(w, "finished")
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- a.ServeListener(ctx, ln) }()
	body := make(chan string, 1)
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String() + "/slow")
		if err != nil {
			body <- "error: " + err.Error()
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		body <- string(b)
	}()
	<-started
	cancel()
	if got := <-body; got != "finished" {
		t.Fatalf("request in flight got %q", got)
	}
	if err := <-served; err != nil {
		t.Fatalf("serve returned %v", err)
	}
	if _, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
		t.Fatal("still accepting connections after shutdown")
	}
}

// serve runs the daily job itself once it starts (and then every day).
func TestServeRunsTheDailyJob(t *testing.T) {
	a := apptest.New(t)
	var logs syncBuffer
	a.Log = slog.New(slog.NewJSONHandler(&logs, nil))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- a.ServeListener(ctx, ln) }()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(logs.String(), "daily job done") {
		if time.Now().After(deadline) {
			t.Fatalf("the daily job did not run; logs:\n%s", logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-served; err != nil {
		t.Fatal(err)
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
