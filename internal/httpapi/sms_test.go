package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"chuangdai/internal/apptest"
	"chuangdai/internal/auth"
	"chuangdai/internal/config"
	"chuangdai/internal/notify"
)

const smsSecret = "sms-webhook-secret-0123456789abcdef"

// smsCall is one request the gateway sink received.
type smsCall struct {
	Delivery, Timestamp, Signature string
	Body                           []byte
	Phone, Template                string
	Params                         map[string]string
	Answered                       int
}

// smsSink is a local SMS gateway: it answers 503 to the first failures
// requests of each delivery id (fail < 0: always), then 200.
type smsSink struct {
	*httptest.Server
	mu    sync.Mutex
	calls []smsCall
	fail  int
	seen  map[string]int
}

func newSMSSink(t *testing.T, fail int) *smsSink {
	k := &smsSink{fail: fail, seen: map[string]int{}}
	k.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		c := smsCall{Delivery: r.Header.Get(notify.DeliveryHeader), Timestamp: r.Header.Get(notify.TimestampHeader),
			Signature: r.Header.Get(notify.SignatureHeader), Body: body}
		var in struct {
			Phone, Template string
			Params          map[string]string
		}
		_ = json.Unmarshal(body, &in)
		c.Phone, c.Template, c.Params = in.Phone, in.Template, in.Params
		k.mu.Lock()
		k.seen[c.Delivery]++
		c.Answered = http.StatusOK
		if k.fail < 0 || k.seen[c.Delivery] <= k.fail {
			c.Answered = http.StatusServiceUnavailable
		}
		k.calls = append(k.calls, c)
		k.mu.Unlock()
		w.WriteHeader(c.Answered)
	}))
	t.Cleanup(k.Close)
	return k
}

// delivered is the calls answered 200.
func (k *smsSink) delivered() []smsCall {
	k.mu.Lock()
	defer k.mu.Unlock()
	var out []smsCall
	for _, c := range k.calls {
		if c.Answered == http.StatusOK {
			out = append(out, c)
		}
	}
	return out
}

func (k *smsSink) all() []smsCall {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]smsCall(nil), k.calls...)
}

// smsServer is a server whose SMS go to sink, retried after 10ms.
func smsServer(t *testing.T, sink *smsSink, attempts int) *apptest.Server {
	return apptest.NewServerWith(t, func(cfg *config.Config) {
		cfg.SMSWebhookURL, cfg.SMSWebhookSecret = sink.URL, smsSecret
		cfg.SMSRetryAfter, cfg.NotifyInterval, cfg.SMSMaxAttempts = 10*time.Millisecond, 10*time.Millisecond, attempts
	})
}

// registerWithPhone opens an entrepreneur's account with a phone and signs in.
func registerWithPhone(t *testing.T, s *apptest.Server, username, phone string) (token string, id auth.UserID) {
	t.Helper()
	r := s.Do("POST", "/api/v1/auth/register", "", map[string]string{"username": username, "password": apptest.Password, "name": "张伟", "phone": phone}).Want(201).JSON()
	return s.Login(username, apptest.Password), auth.UserID(r["id"].(float64))
}

// logBuffer is a JSON log in memory.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// dispatch runs a dispatcher of s (logging into log) until cond holds, or
// fails the test after ten seconds; it stops it before returning.
func dispatch(t *testing.T, s *apptest.Server, log io.Writer, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.App.Dispatcher(slog.New(slog.NewJSONHandler(log, nil))).Run(ctx)
	}()
	defer func() { cancel(); <-done }()
	waitFor(t, cond)
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out waiting for the dispatcher")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestReturnSendsOneSMSWithTheMissingList, end to end with a local HTTP
// sink as the gateway: an officer returns an application with missing
// documents, and the applicant gets exactly one SMS of the return, to the
// account's phone, with the comment and the missing list, signed with the
// secret (the signature verifies, and fails for another body or secret);
// the officers get no SMS per item (their digest is daily); a second
// dispatcher finds nothing to send; the phone is not in the log.
func TestReturnSendsOneSMSWithTheMissingList(t *testing.T) {
	sink := newSMSSink(t, 0)
	s := smsServer(t, sink, 8)
	c := newCastOn(s)
	const phone = "13912345678"
	owner, _ := registerWithPhone(t, s, "applicant.sms", phone)
	c.owner = owner
	app := c.application(t, owner, "eligibility_review")
	s.Do("POST", "/api/v1/applications/"+app+"/decisions", c.hrss,
		map[string]any{"decision": "return", "comment": "请补充材料", "missing_documents": []string{"returnee_proof", "premises"}}).Want(200)

	var log logBuffer
	dispatch(t, s, &log, func() bool { return len(sink.delivered()) >= 2 })
	dispatch(t, s, &log, func() bool { return true })
	time.Sleep(50 * time.Millisecond)

	calls := sink.all()
	var returned []smsCall
	for _, call := range calls {
		if call.Phone != phone {
			t.Errorf("an SMS to %s: %s", call.Phone, call.Template)
		}
		if call.Template == "application.returned" {
			returned = append(returned, call)
		}
	}
	if len(calls) != 2 || len(returned) != 1 {
		t.Fatalf("the gateway received %d requests, %d of the return: %+v", len(calls), len(returned), calls)
	}
	got := returned[0]
	if got.Params["comment"] != "请补充材料" || got.Params["missing"] != "返乡创业农民工证明、经营场所证明（租赁合同或产权证明）" || got.Params["number"] == "" {
		t.Fatalf("params %v", got.Params)
	}
	var fields map[string]any
	if err := json.Unmarshal(got.Body, &fields); err != nil || len(fields) != 3 {
		t.Fatalf("body %s: want exactly phone, template, params", got.Body)
	}
	now := time.Now()
	if !notify.Verify([]byte(smsSecret), got.Timestamp, got.Signature, got.Body, now, 5*time.Minute) {
		t.Fatalf("signature %q of timestamp %q does not verify", got.Signature, got.Timestamp)
	}
	if notify.Verify([]byte(smsSecret), got.Timestamp, got.Signature, bytes.Replace(got.Body, []byte(phone), []byte("13900000000"), 1), now, 5*time.Minute) ||
		notify.Verify([]byte("another-secret-0123456789abcdefgh"), got.Timestamp, got.Signature, got.Body, now, 5*time.Minute) ||
		notify.Verify([]byte(smsSecret), got.Timestamp, got.Signature, got.Body, now.Add(time.Hour), 5*time.Minute) {
		t.Fatal("a changed body, another secret or an old timestamp verifies")
	}
	if strings.Contains(log.String(), phone) {
		t.Fatalf("the phone is in the log: %s", log.String())
	}
}

// TestSMSOffLeavesTheInboxOnly: an entrepreneur who turned SMS off gets
// the submission and the return in the inbox and no SMS; one who left it
// on gets an SMS of each.
func TestSMSOffLeavesTheInboxOnly(t *testing.T) {
	sink := newSMSSink(t, 0)
	s := smsServer(t, sink, 8)
	c := newCastOn(s)
	const quiet, told = "13912340001", "13912340002"
	off, _ := registerWithPhone(t, s, "applicant.quiet", quiet)
	on, _ := registerWithPhone(t, s, "applicant.told", told)
	s.Do("PUT", "/api/v1/me/notification-settings", off, map[string]any{"sms": false}).Want(200)
	for _, tok := range []string{off, on} {
		app := c.application(t, tok, "eligibility_review")
		s.Do("POST", "/api/v1/applications/"+app+"/decisions", c.hrss,
			map[string]any{"decision": "return", "comment": "请补充材料", "missing_documents": []string{"premises"}}).Want(200)
		if got := strings.Join(templatesOf(inboxOf(t, c, tok, "")), ","); got != "application.returned,application.submitted" {
			t.Fatalf("inbox %s", got)
		}
	}
	dispatch(t, s, &logBuffer{}, func() bool { return len(sink.delivered()) >= 2 })
	time.Sleep(50 * time.Millisecond)
	var templates []string
	for _, call := range sink.all() {
		if call.Phone != told {
			t.Fatalf("an SMS to %s (%s)", call.Phone, call.Template)
		}
		templates = append(templates, call.Template)
	}
	if strings.Join(templates, ",") != "application.submitted,application.returned" {
		t.Fatalf("SMS sent: %v", templates)
	}
}

// TestFlakyGatewayDeliversOnce: a gateway that fails twice and then
// answers receives the SMS three times under one delivery id, with a
// growing wait, and takes it once; the failures are logged without the
// phone.
func TestFlakyGatewayDeliversOnce(t *testing.T) {
	sink := newSMSSink(t, 2)
	s := smsServer(t, sink, 8)
	const phone = "13712345678"
	_, id := registerWithPhone(t, s, "applicant.flaky", phone)
	if err := s.App.Notifications.Notify(context.Background(), notify.Event{Key: "test:flaky", Template: "application.submitted",
		Params: map[string]string{"number": "411282-2026-000009"}}, notify.User(id)); err != nil {
		t.Fatal(err)
	}
	var log logBuffer
	dispatch(t, s, &log, func() bool { return len(sink.delivered()) == 1 })
	time.Sleep(50 * time.Millisecond)
	calls := sink.all()
	if len(calls) != 3 || len(sink.delivered()) != 1 || calls[0].Delivery != calls[2].Delivery {
		t.Fatalf("calls %+v", calls)
	}
	if strings.Contains(log.String(), phone) || !strings.Contains(log.String(), "retrying") {
		t.Fatalf("log: %s", log.String())
	}
}

// TestFailedAttemptsWaitLongerEachTime: after each failed attempt the SMS
// waits CHUANGDAI_SMS_RETRY_AFTER, then twice as long, then four times (at
// most an hour): it is not tried again before its time.
func TestFailedAttemptsWaitLongerEachTime(t *testing.T) {
	sink := newSMSSink(t, -1)
	s := apptest.NewServerWith(t, func(cfg *config.Config) {
		cfg.SMSWebhookURL, cfg.SMSWebhookSecret, cfg.SMSRetryAfter, cfg.SMSMaxAttempts = sink.URL, smsSecret, 10*time.Minute, 8
	})
	_, id := registerWithPhone(t, s, "applicant.backoff", "13212345678")
	ctx := context.Background()
	if err := s.App.Notifications.Notify(ctx, notify.Event{Key: "test:backoff", Template: "application.submitted",
		Params: map[string]string{"number": "N1"}}, notify.User(id)); err != nil {
		t.Fatal(err)
	}
	d := s.App.Dispatcher(slog.New(slog.NewJSONHandler(io.Discard, nil)))
	db := s.App.DB.SQL()
	setNext := "UPDATE notifications SET sms_next_at = ? WHERE event_key = 'test:backoff'"
	if apptest.Engine() == "postgres" {
		setNext = strings.Replace(setNext, "?", "$1", 1)
	}
	for attempt, wait := range []time.Duration{10 * time.Minute, 20 * time.Minute, 40 * time.Minute, time.Hour} {
		before := time.Now()
		if n, err := d.Once(ctx); err != nil || n != 1 {
			t.Fatalf("attempt %d: claimed %d, %v", attempt+1, n, err)
		}
		after := time.Now()
		var next time.Time
		var attempts int
		if err := db.QueryRowContext(ctx, "SELECT sms_next_at, sms_attempts FROM notifications WHERE event_key = 'test:backoff'").Scan(&next, &attempts); err != nil {
			t.Fatal(err)
		}
		if attempts != attempt+1 || next.Before(before.Add(wait).Truncate(time.Second)) || next.After(after.Add(wait)) {
			t.Fatalf("after %d failures (%d recorded): next attempt at %s, want %s after the attempt", attempt+1, attempts, next, wait)
		}
		if n, err := d.Once(ctx); err != nil || n != 0 {
			t.Fatalf("tried again before its time: claimed %d, %v", n, err)
		}
		if _, err := db.ExecContext(ctx, setNext, before.Add(-time.Second).UTC()); err != nil {
			t.Fatal(err)
		}
	}
	if got := len(sink.all()); got != 4 {
		t.Fatalf("%d requests, want 4", got)
	}
}

// TestTwoDispatchersDeliverOnce: two dispatchers at once (as two
// instances would) deliver each of forty SMS exactly once.
func TestTwoDispatchersDeliverOnce(t *testing.T) {
	sink := newSMSSink(t, 0)
	s := smsServer(t, sink, 8)
	_, id := registerWithPhone(t, s, "applicant.twice", "13612345678")
	const n = 40
	for i := range n {
		if err := s.App.Notifications.Notify(context.Background(), notify.Event{Key: "test:" + strconv.Itoa(i), Template: "application.submitted",
			Params: map[string]string{"number": strconv.Itoa(i)}}, notify.User(id)); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.App.Dispatcher(slog.New(slog.NewJSONHandler(io.Discard, nil))).Run(ctx)
		}()
	}
	waitFor(t, func() bool { return len(sink.all()) >= n })
	time.Sleep(100 * time.Millisecond)
	cancel()
	wg.Wait()
	seen := map[string]int{}
	for _, c := range sink.all() {
		seen[c.Delivery]++
	}
	if len(seen) != n || len(sink.all()) != n {
		t.Fatalf("%d requests for %d deliveries, want %d each once", len(sink.all()), len(seen), n)
	}
}

// TestUndeliveredSMSIsListedForAdministrators: after the last attempt an
// SMS is failed: administrators see it (with the recipient and the last
// error, never the phone) and the audit trail has notification.failed;
// nobody else sees the list; a retry puts it back to pending and it is
// sent again.
func TestUndeliveredSMSIsListedForAdministrators(t *testing.T) {
	sink := newSMSSink(t, -1)
	s := smsServer(t, sink, 3)
	const phone = "13512345678"
	owner, id := registerWithPhone(t, s, "applicant.failed", phone)
	if err := s.App.Notifications.Notify(context.Background(), notify.Event{Key: "test:failed", Template: "application.submitted",
		Params: map[string]string{"number": "N1"}, EntityType: "application", EntityID: "7"}, notify.User(id)); err != nil {
		t.Fatal(err)
	}
	failed := func() []any {
		return s.Do("GET", "/api/v1/notifications/failed", s.AdminToken, nil).Want(200).JSON()["items"].([]any)
	}
	var log logBuffer
	dispatch(t, s, &log, func() bool { return len(failed()) == 1 })
	if got := len(sink.all()); got != 3 {
		t.Fatalf("%d attempts, want 3", got)
	}
	item := failed()[0].(map[string]any)
	if item["recipient"] != "applicant.failed" || item["attempts"] != float64(3) || !strings.Contains(item["last_error"].(string), "503") ||
		item["template"] != "application.submitted" || item["entity_id"] != "7" {
		t.Fatalf("failed item %v", item)
	}
	list := s.Do("GET", "/api/v1/notifications/failed", s.AdminToken, nil).Want(200)
	if bytes.Contains(list.Body, []byte(phone)) || strings.Contains(log.String(), phone) {
		t.Fatal("the phone is shown in the failed list or the log")
	}
	events := s.Do("GET", "/api/v1/audit-events?entity_type=notification", s.AdminToken, nil).Want(200).JSON()["items"].([]any)
	if len(events) != 1 || events[0].(map[string]any)["action"] != "notification.failed" {
		t.Fatalf("audit %v", events)
	}
	s.Do("GET", "/api/v1/notifications/failed", owner, nil).WantProblem(403, "forbidden")
	nid := jsonID(item["id"])
	s.Do("POST", "/api/v1/notifications/"+nid+"/retry", owner, nil).WantProblem(403, "forbidden")
	if r := s.Do("POST", "/api/v1/notifications/"+nid+"/retry", s.AdminToken, nil).Want(200).JSON(); r["sms_state"] != "pending" || r["attempts"] != float64(0) {
		t.Fatalf("retry %v", r)
	}
	s.Do("POST", "/api/v1/notifications/"+nid+"/retry", s.AdminToken, nil).WantProblem(409, "notification.invalid_state")
	s.Do("POST", "/api/v1/notifications/999999/retry", s.AdminToken, nil).WantProblem(404, "not_found")
	if got := len(failed()); got != 0 {
		t.Fatalf("%d still listed after the retry", got)
	}
	dispatch(t, s, &log, func() bool { return len(sink.all()) == 6 })
}

// TestLogSenderMasksThePhone: without a gateway each SMS is written to the
// log with the phone masked and its Chinese text, a mobile number in a
// comment masked too.
func TestLogSenderMasksThePhone(t *testing.T) {
	s := apptest.NewServerWith(t, func(cfg *config.Config) { cfg.NotifyInterval = 10 * time.Millisecond })
	const phone = "13412345678"
	_, id := registerWithPhone(t, s, "applicant.log", phone)
	for key, template := range map[string]string{"test:log": "application.submitted", "test:log2": "application.rejected"} {
		if err := s.App.Notifications.Notify(context.Background(), notify.Event{Key: key, Template: template,
			Params: map[string]string{"number": "411282-2026-000001", "comment": "请致电 13412345678"}}, notify.User(id)); err != nil {
			t.Fatal(err)
		}
	}
	var log logBuffer
	dispatch(t, s, &log, func() bool { return strings.Count(log.String(), "log sender") == 2 })
	out := log.String()
	if strings.Contains(out, phone) || !strings.Contains(out, "134****5678") || !strings.Contains(out, "您的创业担保贷款申请 411282-2026-000001 已提交") ||
		!strings.Contains(out, "请致电 134****5678") {
		t.Fatalf("log: %s", out)
	}
}
