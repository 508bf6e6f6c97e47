package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"chuangdai/internal/apptest"
)

func runCLI(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, strings.NewReader(stdin), &out, &errOut)
	return out.String(), err
}

func TestUserCreate(t *testing.T) {
	t.Setenv("CHUANGDAI_DATABASE_URL", apptest.DatabaseURL(t))
	t.Setenv("CHUANGDAI_PASSWORD_COST", "4")
	out, err := runCLI(t, "first-root-pw-1\n", "user", "create", "--username", "root.admin", "--role", "admin", "--password-stdin")
	if err != nil || !strings.Contains(out, "created user root.admin") {
		t.Fatalf("create admin: %q, %v", out, err)
	}
	cases := []struct {
		name  string
		stdin string
		args  []string
		want  string
	}{
		{"duplicate", "first-root-pw-1\n", []string{"--username", "root.admin", "--role", "admin", "--password-stdin"}, "already exists"},
		{"no stdin flag", "", []string{"--username", "x.admin", "--role", "admin"}, "--password-stdin"},
		{"short password", "short\n", []string{"--username", "x.admin", "--role", "admin", "--password-stdin"}, "at least 10 characters"},
		{"one character class", "onlylowercase\n", []string{"--username", "x.admin", "--role", "admin", "--password-stdin"}, "three of"},
		{"common password", "Password123\n", []string{"--username", "x.admin", "--role", "admin", "--password-stdin"}, "common passwords"},
		{"password with the user name", "x.admin-Pw-1\n", []string{"--username", "x.admin", "--role", "admin", "--password-stdin"}, "user name"},
		{"unknown role", "long-enough-1\n", []string{"--username", "x.admin", "--role", "king", "--password-stdin"}, "role"},
		{"officer without district", "long-enough-1\n", []string{"--username", "x.off", "--role", "hrss_officer", "--password-stdin"}, "district_code"},
		{"unknown flag", "", []string{"--colour", "red"}, "flag provided but not defined"},
	}
	for _, c := range cases {
		_, err := runCLI(t, c.stdin, append([]string{"user", "create"}, c.args...)...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to mention %q", c.name, err, c.want)
		}
		if err != nil && strings.Contains(oneLine(err), "\n") {
			t.Errorf("%s: reason is not one line", c.name)
		}
	}
}

func TestSeedDemoOnceAndIfEmpty(t *testing.T) {
	t.Setenv("CHUANGDAI_DATABASE_URL", apptest.DatabaseURL(t))
	t.Setenv("CHUANGDAI_PASSWORD_COST", "4")
	creds := filepath.Join(t.TempDir(), "creds.txt")
	out, err := runCLI(t, "", "seed", "demo", "--credentials-file", creds)
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
	for _, role := range []string{"admin", "hrss_officer", "guarantee_officer", "bank_officer", "finance_auditor", "entrepreneur"} {
		if !strings.Contains(out, role) {
			t.Errorf("seed output lacks a %s sign-in", role)
		}
	}
	saved, err := os.ReadFile(creds)
	if err != nil || string(saved) != out {
		t.Fatalf("credentials file differs from the output: %v", err)
	}
	if _, err := runCLI(t, "", "seed", "demo"); err == nil || !strings.Contains(err.Error(), "already has users") {
		t.Fatalf("second seed: %v", err)
	}
	out, err = runCLI(t, "", "seed", "demo", "--if-empty")
	if err != nil || !strings.Contains(out, "already loaded") {
		t.Fatalf("seed --if-empty: %q, %v", out, err)
	}
}

func TestMigrateAndBadConfiguration(t *testing.T) {
	t.Setenv("CHUANGDAI_DATABASE_URL", apptest.DatabaseURL(t))
	if out, err := runCLI(t, "", "migrate"); err != nil || !strings.Contains(out, "migrations applied") {
		t.Fatalf("migrate: %q, %v", out, err)
	}
	t.Setenv("CHUANGDAI_DATABASE_URL", "mysql://nope")
	t.Setenv("CHUANGDAI_LOG_LEVEL", "chatty")
	_, err := runCLI(t, "", "migrate")
	if err == nil || !strings.Contains(err.Error(), "database_url") || !strings.Contains(err.Error(), "log_level") {
		t.Fatalf("bad configuration: %v", err)
	}
	t.Setenv("CHUANGDAI_DATABASE_URL", "")
	t.Setenv("CHUANGDAI_LOG_LEVEL", "")
	if _, err := runCLI(t, "", "frobnicate"); err == nil || !strings.Contains(err.Error(), "unknown command") {
		t.Fatalf("unknown command: %v", err)
	}
}
