package crypt_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"chuangdai/internal/crypt"
)

func ring(t *testing.T, keys ...crypt.Key) *crypt.Ring {
	t.Helper()
	r, err := crypt.NewRing(keys)
	if err != nil {
		t.Fatal(err)
	}
	return r.WithLookup([]byte("0123456789abcdef0123456789abcdef"))
}

func key(t *testing.T, id int) crypt.Key {
	t.Helper()
	k, err := crypt.Generate(id)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSealOpen(t *testing.T) {
	k1, k2 := key(t, 1), key(t, 2)
	old := ring(t, k1)
	const id = "11010519491231002X"
	a, err := old.Seal("loans.national_id", id)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := old.Seal("loans.national_id", id)
	if a == b || !strings.HasPrefix(a, "v1:") || strings.Contains(a, id) {
		t.Fatalf("sealed %q and %q: want distinct v1: ciphertexts without the number", a, b)
	}
	if got, err := old.Open("loans.national_id", a); err != nil || got != id {
		t.Fatalf("open: %q, %v", got, err)
	}
	if _, err := old.Open("applications.national_id", a); err == nil {
		t.Fatal("a ciphertext moved to another column opened")
	}
	damaged := a[:len(a)-2] + "AA"
	if _, err := old.Open("loans.national_id", damaged); err == nil {
		t.Fatal("a damaged ciphertext opened")
	}
	// The newest key seals; the older one still opens its values.
	both := ring(t, k2, k1)
	c, _ := both.Seal("loans.national_id", id)
	if id, _ := crypt.KeyOf(c); id != 2 {
		t.Fatalf("sealed under key %d, want 2 (the newest)", id)
	}
	if got, err := both.Open("loans.national_id", a); err != nil || got != id {
		t.Fatalf("open a key 1 value with ring 2,1: %q, %v", got, err)
	}
	if _, err := old.Open("loans.national_id", c); !errors.Is(err, crypt.ErrNoKey) {
		t.Fatalf("open a key 2 value without key 2: %v, want ErrNoKey", err)
	}
	// Empty stays empty; a value in clear (an older release's) reads as it is.
	if s, _ := old.Seal("users.phone", ""); s != "" {
		t.Fatalf("empty sealed to %q", s)
	}
	if got, err := old.Open("users.phone", "13800138000"); err != nil || got != "13800138000" {
		t.Fatalf("clear value: %q, %v", got, err)
	}
}

func TestHash(t *testing.T) {
	r := ring(t, key(t, 1))
	if r.Hash("11010519491231002x") != r.Hash(" 11010519491231002X") {
		t.Fatal("the check letter's case or spaces change the hash")
	}
	if r.Hash("11010519491231002X") == r.Hash("110105194912310029") || r.Hash("") != "" {
		t.Fatal("hash does not tell numbers apart, or hashes nothing")
	}
	other, _ := crypt.NewRing([]crypt.Key{key(t, 1)})
	if other.WithLookup([]byte("another lookup key, 32 bytes....")).Hash("11010519491231002X") == r.Hash("11010519491231002X") {
		t.Fatal("the hash does not depend on the lookup key")
	}
	if crypt.NormalPhone("+86 138-0013 8000") != "8613800138000" {
		t.Fatal("NormalPhone keeps digits only")
	}
}

func TestParse(t *testing.T) {
	k1, k2 := key(t, 1), key(t, 2)
	keys, err := crypt.Parse(k2.String() + ", " + k1.String())
	if err != nil || len(keys) != 2 || keys[0].ID != 2 || keys[1].ID != 1 {
		t.Fatalf("parse: %v, %v", keys, err)
	}
	for _, bad := range []string{"", "x:abc", "0:" + strings.TrimPrefix(k1.String(), "1:"), "1:c2hvcnQ=", "1"} {
		if _, err := crypt.Parse(bad); err == nil {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
	if _, err := crypt.NewRing([]crypt.Key{k1, k1}); err == nil {
		t.Error("a ring with key 1 twice")
	}
}

func TestKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys")
	k1, k2 := key(t, 1), key(t, 2)
	if err := crypt.WriteFile(path, []crypt.Key{k2, k1}); err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(path)
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %04o, want 0600", st.Mode().Perm())
	}
	keys, err := crypt.ReadFile(path)
	if err != nil || len(keys) != 2 || keys[0].String() != k2.String() {
		t.Fatalf("read back: %v, %v", keys, err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := crypt.ReadFile(path); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("a key file others can read: %v", err)
	}
}

func TestSealedShape(t *testing.T) {
	r := ring(t, key(t, 3))
	s, _ := r.Seal("documents.filename", "a")
	if !crypt.Sealed(s) {
		t.Fatalf("%q is not sealed", s)
	}
	for _, clear := range []string{"v2:scan.pdf", "visa.pdf", "v1:", "13800138000", "{\"a\":1}", ""} {
		if crypt.Sealed(clear) {
			t.Errorf("%q taken for sealed", clear)
		}
		if got, err := r.Open("documents.filename", clear); err != nil || got != clear {
			t.Errorf("Open(%q) = %q, %v", clear, got, err)
		}
	}
}

// The hash of a number is the same HMAC-SHA256 whatever HMAC computes it
// (Hash keeps them for reuse): the hashes stored by earlier releases, the
// unique indexes and the joins on them stay as they are, however many
// goroutines hash at once.
func TestHashIsTheKeyedHMACOfTheNumber(t *testing.T) {
	r := ring(t, key(t, 1))
	const want = "bfbd4ca17e57f0a57de0a6c4a05597f0110358d8db4dbf4ded4635a23c79cd41"
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				if got := r.Hash("11010519491231002x"); got != want {
					t.Errorf("hash %s, want %s", got, want)
					return
				}
			}
		})
	}
	wg.Wait()
}
