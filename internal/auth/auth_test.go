package auth

import "testing"

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
	cases := map[string]bool{"short": false, "longenough": true, "alice123": false}
	for pw, ok := range cases {
		if got := CheckPassword(pw, "alice123") == ""; got != ok {
			t.Errorf("CheckPassword(%q) ok=%v, want %v", pw, got, ok)
		}
	}
}
