package apptest

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// Route is a way to reach the test's PostgreSQL server: directly, or
// through a PgBouncer in transaction pooling mode. The multi-instance tests
// run once per route.
type Route struct {
	Name string
	// URL turns a direct database URL into one that takes this route.
	URL func(databaseURL string) string
}

// Routes lists the routes to test: directly, and on PostgreSQL also through
// a PgBouncer started for the test (transaction pooling, a pool of 5 server
// connections), once with each query mode the README names for it
// (default_query_exec_mode exec and simple_protocol). Without pgbouncer
// installed those routes are skipped, or fail when
// CHUANGDAI_REQUIRE_POSTGRES=1 (CI installs it).
func Routes(t testing.TB) []Route {
	routes := []Route{{Name: "direct", URL: func(u string) string { return u }}}
	if Engine() != "postgres" {
		return routes
	}
	for _, mode := range []string{"exec", "simple_protocol"} {
		routes = append(routes, Route{Name: "pgbouncer-" + mode, URL: func(u string) string { return PgBouncer(t, 5).URL(u, mode) }})
	}
	return routes
}

// Bouncer is a PgBouncer running for one test.
type Bouncer struct{ addr string }

// PgBouncer starts pgbouncer on a free port in front of the test's
// PostgreSQL server, in transaction pooling mode with pool server
// connections per database, and stops it when the test ends. It hands out
// its server connections in turn (server_round_robin), as a busy bouncer
// does, so that a client's next transaction lands on another server
// connection: session state (a session lock, a prepared statement, a SET)
// shows at once instead of when the pool is busy.
func PgBouncer(t testing.TB, pool int) *Bouncer {
	t.Helper()
	admin, err := url.Parse(os.Getenv("CHUANGDAI_TEST_DATABASE_URL"))
	if err != nil || admin.Host == "" {
		t.Fatalf("PgBouncer needs CHUANGDAI_TEST_DATABASE_URL: %v", err)
	}
	bin, err := exec.LookPath("pgbouncer")
	if err != nil {
		bin = "/usr/sbin/pgbouncer"
	}
	if _, err := os.Stat(bin); err != nil {
		if os.Getenv("CHUANGDAI_REQUIRE_POSTGRES") == "1" {
			t.Fatal("pgbouncer is not installed (apt-get install pgbouncer); CHUANGDAI_REQUIRE_POSTGRES=1 runs the multi-instance tests through it")
		}
		t.Skip("pgbouncer is not installed (apt-get install pgbouncer)")
	}
	dir, err := os.MkdirTemp("", "chuangdai-pgbouncer")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	port := freePort(t)
	host, dbPort, _ := net.SplitHostPort(admin.Host)
	ini := fmt.Sprintf(`[databases]
* = host=%s port=%s

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = %d
unix_socket_dir =
auth_type = trust
auth_file = %s
pool_mode = transaction
server_round_robin = 1
default_pool_size = %d
max_client_conn = 1000
ignore_startup_parameters = extra_float_digits
logfile = %s
pidfile = %s
`, host, dbPort, port, filepath.Join(dir, "users.txt"), pool, filepath.Join(dir, "pgbouncer.log"), filepath.Join(dir, "pgbouncer.pid"))
	name := admin.User.Username()
	files := map[string]string{"pgbouncer.ini": ini, "users.txt": fmt.Sprintf("%q \"\"\n", name)}
	for f, body := range files {
		if err := os.WriteFile(filepath.Join(dir, f), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(bin, filepath.Join(dir, "pgbouncer.ini"))
	// It dies with the test process, even one that is killed.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if os.Geteuid() == 0 {
		// pgbouncer refuses to run as root: run it as the database's
		// system user.
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("pgbouncer does not run as root and there is no postgres user: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	out, err := os.Create(filepath.Join(dir, "stdout.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start pgbouncer: %v", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	})
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return &Bouncer{addr: addr}
		}
		select {
		case <-exited:
			log, _ := os.ReadFile(filepath.Join(dir, "pgbouncer.log"))
			early, _ := os.ReadFile(filepath.Join(dir, "stdout.log"))
			t.Fatalf("pgbouncer stopped: %s%s", early, log)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("pgbouncer did not listen within 10 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// URL turns a direct database URL into one through the bouncer, with a
// query mode that transaction pooling needs (mode: exec or simple_protocol;
// no prepared statement outlives its transaction).
func (b *Bouncer) URL(databaseURL, mode string) string {
	u, err := url.Parse(databaseURL)
	if err != nil {
		panic(err)
	}
	u.Host = b.addr
	q := u.Query()
	q.Set("default_query_exec_mode", mode)
	u.RawQuery = q.Encode()
	return u.String()
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
