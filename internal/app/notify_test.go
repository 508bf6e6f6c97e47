package app_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"chuangdai/internal/apptest"
	"chuangdai/internal/config"
	"chuangdai/internal/notify"
	"chuangdai/internal/user"
)

// TestServeDeliversSMSAndStopsGracefully: serve runs the dispatcher; an
// SMS the gateway is still taking when SIGTERM comes is finished and
// recorded as sent, so no later dispatcher sends it again.
func TestServeDeliversSMSAndStopsGracefully(t *testing.T) {
	arrived, release := make(chan struct{}), make(chan struct{})
	var calls atomic.Int32
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if calls.Add(1) == 1 {
			close(arrived)
			<-release
		}
	}))
	defer sink.Close()
	a := apptest.NewWith(t, func(cfg *config.Config) {
		cfg.SMSWebhookURL, cfg.SMSWebhookSecret = sink.URL, "sms-webhook-secret-0123456789abcdef"
		cfg.NotifyInterval, cfg.DailyJobAt = 10*time.Millisecond, "off"
	})
	ctx := context.Background()
	u, err := a.Users.CreateFromCLI(ctx, user.CreateInput{Username: "borrower", Password: apptest.Password, Name: "张伟", Phone: "13912345678", Role: "entrepreneur"})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Notifications.Notify(ctx, notify.Event{Key: "test:serve", Template: "application.submitted", Params: map[string]string{"number": "N1"}}, notify.User(u.ID)); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sctx, stop := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- a.ServeListener(sctx, ln) }()
	select {
	case <-arrived:
	case <-time.After(10 * time.Second):
		t.Fatal("serve sent no SMS")
	}
	stop()
	time.Sleep(50 * time.Millisecond)
	close(release)
	if err := <-served; err != nil {
		t.Fatal(err)
	}
	var state string
	if err := a.DB.SQL().QueryRowContext(ctx, "SELECT sms_state FROM notifications WHERE event_key = 'test:serve'").Scan(&state); err != nil || state != "sent" {
		t.Fatalf("state %q %v", state, err)
	}
	if n, err := a.Dispatcher(slog.New(slog.NewJSONHandler(io.Discard, nil))).Once(ctx); err != nil || n != 0 || calls.Load() != 1 {
		t.Fatalf("after the restart: claimed %d (%v), %d calls", n, err, calls.Load())
	}
}
