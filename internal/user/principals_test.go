package user

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"chuangdai/internal/apperr"
	"chuangdai/internal/auth"
	"chuangdai/internal/authz"
)

// principalStore is the part of Store that Authenticate reads, counting
// the reads.
type principalStore struct {
	Store
	gen      uint64
	session  Session
	user     Record
	reads    int
	touches  int
	genError error
}

func (s *principalStore) PrincipalGeneration(context.Context) (uint64, error) {
	return s.gen, s.genError
}

func (s *principalStore) SessionByID(_ context.Context, id string) (Session, error) {
	s.reads++
	if id != s.session.ID {
		return Session{}, apperr.NotFoundf("no session")
	}
	return s.session, nil
}

func (s *principalStore) Get(context.Context, authz.ListScope, auth.UserID) (Record, error) {
	return s.user, nil
}

func (s *principalStore) TouchSession(_ context.Context, _ string, at time.Time) error {
	s.touches++
	s.session.LastSeenAt = at
	return nil
}

func principalService(t *testing.T) (*Service, *principalStore, string, *time.Time) {
	t.Helper()
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	st := &principalStore{gen: 1,
		session: Session{ID: "sess", UserID: 7, CreatedAt: now, ExpiresAt: now.Add(8 * time.Hour), LastSeenAt: now},
		user: Record{User: User{ID: 7, Username: "auditor", PasswordChangedAt: now,
			Bindings: []auth.Binding{{Role: auth.FinanceAuditor}}}}}
	tokens := auth.NewTokens([]byte("test-key"))
	s := NewService(st, auth.NewHasher(4), tokens, nil, nil, DefaultLimits(8*time.Hour), slog.New(slog.NewTextHandler(io.Discard, nil)))
	s.SetClock(func() time.Time { return now })
	return s, st, tokens.Sign("sess"), &now
}

func authenticate(t *testing.T, s *Service, token string) (auth.Principal, error) {
	t.Helper()
	return s.Authenticate(context.Background(), token)
}

// A principal read once is served from memory while the generation stays;
// a new generation reads it again, and what changed (a role, a disabled
// account, a revoked session) shows at once.
func TestPrincipalKeptUntilTheGenerationMoves(t *testing.T) {
	s, st, token, _ := principalService(t)
	for range 3 {
		p, err := authenticate(t, s, token)
		if err != nil || !p.Has(auth.FinanceAuditor) {
			t.Fatalf("principal %+v, %v", p, err)
		}
	}
	if st.reads != 1 {
		t.Fatalf("three requests read the session %d times, want once", st.reads)
	}
	st.user.Bindings = []auth.Binding{{Role: auth.Entrepreneur}}
	if p, _ := authenticate(t, s, token); !p.Has(auth.FinanceAuditor) {
		t.Fatal("the kept principal was not used")
	}
	st.gen++
	if p, err := authenticate(t, s, token); err != nil || p.Has(auth.FinanceAuditor) || !p.Has(auth.Entrepreneur) {
		t.Fatalf("after the generation moved: %+v, %v", p, err)
	}
	st.user.Disabled = true
	st.gen++
	if _, err := authenticate(t, s, token); apperr.KindOf(err) != apperr.Unauthenticated {
		t.Fatalf("disabled account: %v", err)
	}
	st.user.Disabled = false
	revoked := time.Now()
	st.session.RevokedAt = &revoked
	st.gen++
	reads := st.reads
	for range 2 {
		if _, err := authenticate(t, s, token); apperr.KindOf(err) != apperr.Unauthenticated {
			t.Fatalf("revoked session: %v", err)
		}
	}
	if st.reads != reads+2 {
		t.Fatalf("a revoked session was kept: %d reads for 2 requests", st.reads-reads)
	}
}

// The session's lifetime, its idle clock and the password's age are
// checked on every request, also for a kept principal; a use after a
// minute touches the session once.
func TestKeptPrincipalStillExpires(t *testing.T) {
	s, st, token, now := principalService(t)
	s.limits.PasswordMaxAge = 90 * 24 * time.Hour
	if _, err := authenticate(t, s, token); err != nil {
		t.Fatal(err)
	}
	*now = now.Add(59 * time.Minute)
	if _, err := authenticate(t, s, token); err != nil {
		t.Fatal(err)
	}
	if _, err := authenticate(t, s, token); err != nil {
		t.Fatal(err)
	}
	if st.touches != 1 {
		t.Fatalf("%d touches, want 1", st.touches)
	}
	*now = now.Add(59 * time.Minute) // 59 minutes after the touch: still alive
	if _, err := authenticate(t, s, token); err != nil {
		t.Fatalf("used within the idle limit: %v", err)
	}
	*now = now.Add(61 * time.Minute)
	if _, err := authenticate(t, s, token); apperr.KindOf(err) != apperr.Unauthenticated {
		t.Fatalf("idle for 61 minutes: %v", err)
	}
	if st.reads != 1 {
		t.Fatalf("%d reads: the checks must not need the database", st.reads)
	}

	s, st, token, now = principalService(t)
	s.limits.PasswordMaxAge = 90 * 24 * time.Hour
	st.session.ExpiresAt = now.Add(time.Minute)
	if p, err := authenticate(t, s, token); err != nil || p.PasswordExpired {
		t.Fatalf("%+v, %v", p, err)
	}
	*now = now.Add(time.Minute)
	if _, err := authenticate(t, s, token); apperr.KindOf(err) != apperr.Unauthenticated {
		t.Fatalf("past its lifetime: %v", err)
	}
	st.user.PasswordChangedAt = now.Add(-91 * 24 * time.Hour)
	st.session.ExpiresAt = now.Add(time.Hour)
	st.gen++
	if p, err := authenticate(t, s, token); err != nil || !p.PasswordExpired {
		t.Fatalf("password of 91 days: %+v, %v", p, err)
	}
}

// Without a generation (the database does not answer) nothing is served
// from memory.
func TestNoPrincipalWithoutTheGeneration(t *testing.T) {
	s, st, token, _ := principalService(t)
	if _, err := authenticate(t, s, token); err != nil {
		t.Fatal(err)
	}
	st.genError = apperr.New(apperr.Unavailable, "unavailable", "the database does not answer")
	if _, err := authenticate(t, s, token); apperr.KindOf(err) != apperr.Unavailable {
		t.Fatalf("%v", err)
	}
}
