package store_test

import (
	"context"
	"testing"
	"time"

	"chuangdai/internal/apperr"
	"chuangdai/internal/apptest"
	"chuangdai/internal/auth"
	"chuangdai/internal/notify"
	"chuangdai/internal/store"
	"chuangdai/internal/user"
)

// account inserts a user with bindings and returns its id.
func account(t *testing.T, db *store.DB, username string, bindings ...auth.Binding) auth.UserID {
	t.Helper()
	now := time.Now().UTC().Truncate(time.Second)
	id, err := store.Users{DB: db}.CreateUser(context.Background(), user.Record{User: user.User{Username: username, Name: username,
		PasswordChangedAt: now, CreatedAt: now, Bindings: bindings}, PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// An event reaches each recipient once, by SMS as each chose (an officer's
// in the digest), with its parameters read back as they were sealed; a
// user reads only their own notifications, and reading one twice is
// harmless.
func TestNotificationsInboxAndSettings(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	ns := store.Notifications{DB: db}
	district(t, db, apptest.District, "灵宝市")
	owner := account(t, db, "owner", auth.Binding{Role: auth.Entrepreneur})
	officer := account(t, db, "officer", auth.Binding{Role: auth.HRSSOfficer, District: apptest.District})
	now := time.Date(2024, 3, 1, 2, 0, 0, 0, time.UTC)

	if s, err := ns.Settings(ctx, owner); err != nil || !s.SMS {
		t.Fatalf("settings without a row = %+v, %v; want SMS on", s, err)
	}
	to := []notify.Audience{notify.User(owner), notify.Officers(auth.HRSSOfficer, apptest.District, "")}
	first := notify.Event{Key: "application:1:submitted", Template: "application.submitted", Params: map[string]string{"number": "SQ-1", "name": "张伟"},
		EntityType: "application", EntityID: "1"}
	for range 2 {
		if err := ns.Enqueue(ctx, first, to, now); err != nil {
			t.Fatal(err)
		}
	}
	if err := ns.SetSettings(ctx, owner, notify.Settings{SMS: false}, now); err != nil {
		t.Fatal(err)
	}
	if s, err := ns.Settings(ctx, owner); err != nil || s.SMS {
		t.Fatalf("settings after turning SMS off = %+v, %v", s, err)
	}
	second := notify.Event{Key: "application:1:returned", Template: "application.returned", Params: map[string]string{"number": "SQ-1"},
		EntityType: "application", EntityID: "1"}
	if err := ns.Enqueue(ctx, second, []notify.Audience{notify.User(owner)}, now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}

	in, err := ns.Inbox(ctx, owner, false, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if in.Total != 2 || in.Unread != 2 || len(in.Items) != 2 {
		t.Fatalf("owner's inbox = %d items of %d, %d unread; want 2 of 2, 2 unread", len(in.Items), in.Total, in.Unread)
	}
	newest, oldest := in.Items[0], in.Items[1]
	if newest.EventKey != second.Key || newest.SMSState != notify.SMSOff || oldest.EventKey != first.Key || oldest.SMSState != notify.SMSPending {
		t.Fatalf("owner's inbox = %s (%s), %s (%s); want the return with SMS off, then the submission pending", newest.EventKey, newest.SMSState, oldest.EventKey, oldest.SMSState)
	}
	if oldest.RecipientID != owner || oldest.Params["name"] != "张伟" || oldest.Params["number"] != "SQ-1" || oldest.EntityID != "1" {
		t.Fatalf("the submission read back as %+v", oldest)
	}
	off, err := ns.Inbox(ctx, officer, false, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if off.Total != 1 || off.Items[0].EventKey != first.Key || off.Items[0].SMSState != notify.SMSDigest {
		t.Fatalf("officer's inbox = %+v; want the submission alone, in the digest", off)
	}

	if _, err := ns.MarkRead(ctx, officer, oldest.ID, now); apperr.KindOf(err) != apperr.NotFound {
		t.Fatalf("another user marks the owner's notification read: %v, want not found", err)
	}
	read := now.Add(time.Hour)
	n, err := ns.MarkRead(ctx, owner, oldest.ID, read)
	if err != nil || n.ReadAt == nil || !n.ReadAt.Equal(read) {
		t.Fatalf("mark read = %+v, %v", n, err)
	}
	if n, err := ns.MarkRead(ctx, owner, oldest.ID, read.Add(time.Hour)); err != nil || n.ReadAt == nil || !n.ReadAt.Equal(read) {
		t.Fatalf("marking it read again = %+v, %v; want the first reading kept", n, err)
	}
	if u, err := ns.Unread(ctx, owner); err != nil || u != 1 {
		t.Fatalf("unread = %d, %v; want 1", u, err)
	}
	unread, err := ns.Inbox(ctx, owner, true, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if unread.Total != 1 || unread.Items[0].EventKey != second.Key {
		t.Fatalf("unread inbox = %+v; want the return alone", unread)
	}
	if u, err := ns.Unread(ctx, officer); err != nil || u != 1 {
		t.Fatalf("officer's unread = %d, %v; want 1 (the owner's reading is the owner's)", u, err)
	}
}
