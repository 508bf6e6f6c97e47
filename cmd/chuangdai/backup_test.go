package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"chuangdai/internal/app"
	"chuangdai/internal/apptest"
	"chuangdai/internal/auth"
)

// A backup taken while the service runs restores into a database whose
// data and audit chain are intact.
func TestBackupAndRestore(t *testing.T) {
	src := apptest.DatabaseURL(t)
	t.Setenv("CHUANGDAI_DATABASE_URL", src)
	t.Setenv("CHUANGDAI_PASSWORD_COST", "4")
	if _, err := runCLI(t, "", "seed", "demo"); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "backup.bin")
	out, err := runCLI(t, "", "backup", "--to", file)
	if err != nil || !strings.Contains(out, "backup written") {
		t.Fatalf("backup: %q, %v", out, err)
	}
	if _, err := runCLI(t, "", "backup", "--to", file); err == nil {
		t.Fatal("backup overwrote an existing file")
	}

	restored := apptest.DatabaseURL(t)
	if apptest.Engine() == "sqlite" {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(strings.TrimPrefix(restored, "sqlite://"), data, 0o600); err != nil {
			t.Fatal(err)
		}
	} else {
		cmd := exec.Command("pg_restore", "--no-owner", "--dbname", restored, file)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("pg_restore: %v: %s", err, b)
		}
	}
	ctx := context.Background()
	a, err := app.Open(ctx, apptest.Config(restored), apptest.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	n, err := a.UserCount(ctx)
	if err != nil || n < 6 {
		t.Fatalf("restored users: %d, %v", n, err)
	}
	auditor := auth.Principal{UserID: 1, Username: "check", Bindings: []auth.Binding{{Role: auth.FinanceAuditor}}}
	res, err := a.AuditSv.Verify(ctx, auditor)
	if err != nil || !res.OK || res.Events < 10 {
		t.Fatalf("audit chain after restore: %+v, %v", res, err)
	}
}
