package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"chuangdai/internal/apptest"
	"chuangdai/internal/crypt"
)

// TestKeysNewAndRotate: keys new adds key 2 to the key file, keys rotate
// re-encrypts under it, and the database then opens with key 2 alone.
func TestKeysNewAndRotate(t *testing.T) {
	t.Setenv("CHUANGDAI_DATABASE_URL", apptest.DatabaseURL(t))
	t.Setenv("CHUANGDAI_PASSWORD_COST", "4")
	t.Setenv("CHUANGDAI_DATA_KEYS", "")
	file := filepath.Join(t.TempDir(), "keys")
	if err := crypt.WriteFile(file, mustParse(t, apptest.TestDataKeys)); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CHUANGDAI_DATA_KEY_FILE", file)
	if _, err := runCLI(t, apptest.Password+"\n", "user", "create", "--username", "admin", "--role", "admin", "--password-stdin"); err != nil {
		t.Fatal(err)
	}
	out, err := runCLI(t, "", "keys", "new")
	if err != nil || !strings.Contains(out, "data key 2 added to "+file) {
		t.Fatalf("keys new: %q, %v", out, err)
	}
	out, err = runCLI(t, "", "keys", "rotate")
	if err != nil || !strings.Contains(out, "everything is under data key 2") {
		t.Fatalf("keys rotate: %q, %v", out, err)
	}
	keys, err := crypt.ReadFile(file)
	if err != nil || len(keys) != 2 || keys[0].ID != 2 {
		t.Fatalf("key file after keys new: %v, %v", keys, err)
	}
	if err := crypt.WriteFile(file, keys[:1]); err != nil {
		t.Fatal(err)
	}
	if out, err := runCLI(t, "", "migrate"); err != nil {
		t.Fatalf("open with key 2 alone after the rotation: %q, %v", out, err)
	}
	if st, _ := os.Stat(file); st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %04o", st.Mode().Perm())
	}
}

func mustParse(t *testing.T, s string) []crypt.Key {
	t.Helper()
	k, err := crypt.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
