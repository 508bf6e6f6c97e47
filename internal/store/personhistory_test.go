package store_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"chuangdai/internal/application"
	"chuangdai/internal/auth"
	"chuangdai/internal/config"
	"chuangdai/internal/identity"
	"chuangdai/internal/store"
)

// TestPersonHistory: the one query behind the one-open-application and
// re-loan rules, by hand: the person's applications in progress (lead or
// partner) of the asking account, verified by an officer, or of the account
// the number is bound to (IdentityHolder then names it), the one excluded
// left out; loans held and open from the loan rows (a cancelled one not, an
// ever-overdue one setting AnyOverdue) and a disbursed application without
// a loan row. Applications.Claims lists the other accounts' applications
// for the number.
func TestPersonHistory(t *testing.T) {
	db := newDB(t)
	scopeFixture(t, db)
	exec := sqlExec(t, db)
	ctx := context.Background()
	apps := store.Applications{DB: db}
	const p, q = "11010519491231002X", "411282199001010013"
	hash := store.Hash(db, p)
	person := func(app, loanID, role string, verified bool) {
		exec("INSERT INTO application_persons (application_id, loan_id, national_id, national_id_hash, role, verified) VALUES (" +
			app + ", " + loanID + ", '" + p + "', '" + hash + "', '" + role + "', " + strconv.FormatBool(verified) + ")")
	}
	for _, a := range []struct {
		id        int
		applicant int
		status    string
		role      string
		verified  bool
	}{
		{1, 1, "guarantee_review", "lead", false}, // another account's unverified claim
		{2, 2, "draft", "lead", false},            // the asking account's
		{3, 15, "eligibility_review", "partner", true},
		{4, 2, "rejected", "lead", true},
		{5, 1, "disbursed", "lead", true}, // disbursed, no loan row
	} {
		insertApplication(exec, a.id, "individual", p, a.status, "[]")
		exec("UPDATE applications SET applicant_id = " + strconv.Itoa(a.applicant) + " WHERE id = " + strconv.Itoa(a.id))
		person(strconv.Itoa(a.id), "NULL", a.role, a.verified)
	}
	exec("UPDATE applications SET national_id_hash = '" + hash + "'")
	for _, l := range []struct {
		id     int
		status string
	}{{7, "settled"}, {8, "cancelled"}, {9, "active"}} {
		insertLoan(exec, l.id, "NULL", "'OLD-"+strconv.Itoa(l.id)+"'", p, "individual", 10000000, 30000000)
		exec("UPDATE loans SET status = '" + l.status + "', ever_overdue = " + strconv.FormatBool(l.id == 7) + " WHERE id = " + strconv.Itoa(l.id))
		person("NULL", strconv.Itoa(l.id), "lead", true)
	}
	history := func(nid string, exclude application.ID, account auth.UserID) application.History {
		t.Helper()
		h, err := apps.PersonHistory(ctx, nid, exclude, account)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	want := application.History{OpenApplications: 2, MineOpen: 1, LoansHeld: 3, OpenLoans: 2, AnyOverdue: true}
	if h := history(strings.ToLower(p), 0, 2); h != want {
		t.Errorf("history asked by account 2: %+v, want %+v", h, want)
	}
	want.OpenApplications = 1
	if h := history(p, 3, 2); h != want {
		t.Errorf("history without application 3: %+v, want %+v", h, want)
	}
	if h := history(q, 0, 2); h != (application.History{}) {
		t.Errorf("another person's history: %+v, want none", h)
	}

	want.OpenApplications, want.MineOpen = 1, 1
	if h := history(p, 0, 15); h != want {
		t.Errorf("history asked by account 15 (only its own and the verified count): %+v, want %+v", h, want)
	}

	if h, err := apps.IdentityHolder(ctx, p); err != nil || h != nil {
		t.Fatalf("holder before binding: %+v, %v", h, err)
	}
	officer := auth.UserID(15)
	if err := apps.BindIdentity(ctx, identity.Identity{NationalID: p, UserID: 1, Method: identity.Officer, VerifiedBy: &officer, VerifiedAt: time.Date(2024, 3, 1, 2, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	if h, err := apps.IdentityHolder(ctx, strings.ToLower(p)); err != nil || h == nil || h.UserID != 1 || h.Method != identity.Officer {
		t.Errorf("holder after binding to account 1: %+v, %v", h, err)
	}
	want.OpenApplications = 2
	if h := history(p, 0, 15); h != want {
		t.Errorf("history asked by account 15, the number bound to account 1: %+v, want %+v", h, want)
	}
	// The claims on the number of accounts other than the asking one,
	// newest first, verified where the number is bound to that account.
	claims, err := apps.Claims(ctx, p, 2)
	var got []string
	for _, c := range claims {
		got = append(got, fmt.Sprint(c.ApplicationID, " ", c.Applicant, " ", c.Status, " ", c.Verified))
	}
	if want := []string{"5 user1 disbursed true", "3 user15 eligibility_review false", "1 user1 guarantee_review true"}; err != nil || !slices.Equal(got, want) {
		t.Errorf("claims of accounts other than 2: %q, %v; want %q", got, err, want)
	}
}

// TestLockPerson: a transaction that locks a person waits for another that
// holds the same person (any case of the X) until it ends; on PostgreSQL
// another person's lock does not wait (SQLite runs one writer at a time
// anyway).
func TestLockPerson(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	apps := store.Applications{DB: db}
	const p, q = "11010519491231002X", "411282199001010013"
	held, release := make(chan struct{}), make(chan struct{})
	go func() {
		_ = db.InTx(ctx, func(ctx context.Context) error {
			if err := apps.LockPerson(ctx, p); err != nil {
				t.Error(err)
			}
			close(held)
			<-release
			return nil
		})
	}()
	<-held
	if db.Engine == config.Postgres {
		if err := db.InTx(ctx, func(ctx context.Context) error { return apps.LockPerson(ctx, q) }); err != nil {
			t.Errorf("another person's lock: %v", err)
		}
	}
	got := make(chan error, 1)
	go func() {
		got <- db.InTx(ctx, func(ctx context.Context) error { return apps.LockPerson(ctx, strings.ToLower(p)) })
	}()
	select {
	case err := <-got:
		t.Fatalf("the same person locked while held: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	close(release)
	select {
	case err := <-got:
		if err != nil {
			t.Errorf("the same person once released: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the lock was not given once released")
	}
}
