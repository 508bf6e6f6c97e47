package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
	"sync"
	"testing"
)

func TestTokens(t *testing.T) {
	tk := NewTokens([]byte("0123456789abcdef0123456789abcdef"))
	id := NewSessionID()
	tok := tk.Sign(id)
	got, err := tk.Parse(tok)
	if err != nil || got != id {
		t.Fatalf("Parse = %q, %v", got, err)
	}
	other := NewTokens([]byte("another key another key another k"))
	if _, err := other.Parse(tok); err == nil {
		t.Fatal("token accepted under another key")
	}
	for _, bad := range []string{"", ".", id, id + ".", tok + "x", "x" + tok} {
		if _, err := tk.Parse(bad); err == nil {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
}

func TestHasher(t *testing.T) {
	h := NewHasher(4)
	hash, err := h.Hash("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !h.Verify(hash, "correct horse") || h.Verify(hash, "wrong horse") || h.Verify("", "correct horse") {
		t.Fatal("Verify gave a wrong answer")
	}
}

func TestCheckPassword(t *testing.T) {
	cases := map[string]string{
		"Sh0rt-pw":                "must be at least 10 characters long",
		"longenough":              "must mix at least three",
		"longenough12":            "must mix at least three",
		"LONGENOUGH12":            "must mix at least three",
		"Long-Enough":             "",
		"long-enough-1":           "",
		"长城-Great-Wall":           "",
		"1234567890":              "must mix at least three",
		"Alice123-secret":         "must not contain the user name",
		"my-ALICE123-pw":          "must not contain the user name",
		"Password123":             "is one of the most common passwords",
		"QWERTY123456!":           "is one of the most common passwords",
		"Iloveyou2024!":           "is one of the most common passwords",
		"!!Sunshine-2025":         "is one of the most common passwords",
		"1qaz2wsx3edc":            "must mix at least three",
		"1qaz2wsx3EDC":            "is one of the most common passwords",
		strings.Repeat("Ab1", 25): "must be at most 72 bytes long",
	}
	for pw, want := range cases {
		got := ""
		if err := CheckPassword(pw, "alice123"); err != nil {
			got = err.Error()
		}
		if (want == "") != (got == "") || !strings.HasPrefix(got, want) {
			t.Errorf("CheckPassword(%q) = %q, want %q", pw, got, want)
		}
	}
	// The embedded list is real and whole: thousands of lines, the most
	// common first entries among them.
	if n := strings.Count(commonPasswords, "\n"); n < 5000 {
		t.Fatalf("%d common passwords embedded", n)
	}
	for _, p := range []string{"123456", "password", "qwerty", "iloveyou", "1qaz2wsx3edc"} {
		if !listed(p) {
			t.Errorf("%q is not in the list", p)
		}
	}
}

// A token's signature is the unpadded base64url HMAC-SHA256 of its session
// id under the key (a known answer), the same from goroutines signing and
// checking at once; a signature of the right length with one character
// changed, or padded, is refused.
func TestTokenIsTheHMACOfTheSession(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	tk := NewTokens(key)
	if got, want := tk.Sign("session-one"), "session-one."+knownMAC(key, "session-one"); got != want {
		t.Fatalf("Sign = %q, want %q", got, want)
	}
	if sigLen != base64.RawURLEncoding.EncodedLen(sha256.Size) {
		t.Fatalf("sigLen %d", sigLen)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				id := fmt.Sprintf("s-%d-%d", g, i)
				tok := tk.Sign(id)
				if tok != id+"."+knownMAC(key, id) {
					t.Errorf("Sign(%q) = %q", id, tok)
					return
				}
				if got, err := tk.Parse(tok); err != nil || got != id {
					t.Errorf("Parse(%q) = %q, %v", tok, got, err)
					return
				}
			}
		})
	}
	wg.Wait()
	tok := tk.Sign("session-one")
	for i := len("session-one."); i < len(tok); i++ {
		changed := []byte(tok)
		changed[i] ^= 1
		if _, err := tk.Parse(string(changed)); err == nil {
			t.Errorf("Parse(%q) accepted", changed)
		}
	}
	if _, err := tk.Parse(tok + "="); err == nil {
		t.Error("a padded signature was accepted")
	}
}

func knownMAC(key []byte, id string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func BenchmarkTokenParse(b *testing.B) {
	tk := NewTokens([]byte("0123456789abcdef0123456789abcdef"))
	tok := tk.Sign(NewSessionID())
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tk.Parse(tok); err != nil {
			b.Fatal(err)
		}
	}
}
