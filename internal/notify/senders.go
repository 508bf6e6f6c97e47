package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"time"

	"chuangdai/internal/idnum"
)

// The headers of a webhook request.
const (
	// DeliveryHeader carries the notification's id, the same on every
	// attempt: a gateway that saw it delivered drops the repeat.
	DeliveryHeader = "X-Chuangdai-Delivery"
	// TimestampHeader is the Unix time of the attempt, in seconds.
	TimestampHeader = "X-Chuangdai-Timestamp"
	// SignatureHeader is "sha256=" and the hex HMAC-SHA256, keyed with
	// CHUANGDAI_SMS_WEBHOOK_SECRET, of the timestamp, a dot and the body.
	SignatureHeader = "X-Chuangdai-Signature"
)

// Webhook posts each SMS to an HTTP gateway as JSON
// {"phone","template","params"}, signed (SignatureHeader). Any answer but
// 2xx is an error, tried again later.
type Webhook struct {
	URL    string
	Secret []byte
	Client *http.Client
	Now    func() time.Time
}

type webhookBody struct {
	Phone    string            `json:"phone"`
	Template string            `json:"template"`
	Params   map[string]string `json:"params"`
}

// Sign is the SignatureHeader value of body sent at timestamp.
func Sign(secret []byte, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(timestamp))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Verify is what a gateway does with a request: the signature matches the
// body and the timestamp is within tolerance of now (an old request
// replayed is refused).
func Verify(secret []byte, timestamp, signature string, body []byte, now time.Time, tolerance time.Duration) bool {
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return false
	}
	if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
		return false
	}
	return hmac.Equal([]byte(Sign(secret, timestamp, body)), []byte(signature))
}

// Send implements Sender.
func (w Webhook) Send(ctx context.Context, m SMS) error {
	params := m.Params
	if params == nil {
		params = map[string]string{}
	}
	body, err := json.Marshal(webhookBody{Phone: m.Phone, Template: m.Template, Params: params})
	if err != nil {
		return err
	}
	now := time.Now
	if w.Now != nil {
		now = w.Now
	}
	ts := strconv.FormatInt(now().Unix(), 10)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("SMS gateway request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(DeliveryHeader, strconv.FormatInt(m.ID, 10))
	req.Header.Set(TimestampHeader, ts)
	req.Header.Set(SignatureHeader, Sign(w.Secret, ts, body))
	client := w.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("SMS gateway: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("SMS gateway answered %s", resp.Status)
	}
	return nil
}

// LogSender writes each SMS to the log instead of sending it, the phone
// masked (138****8000): the default when no gateway is configured.
type LogSender struct{ Log *slog.Logger }

// Send implements Sender.
func (l LogSender) Send(_ context.Context, m SMS) error {
	l.Log.Info("SMS (log sender: no CHUANGDAI_SMS_WEBHOOK_URL)", "notification", m.ID, "phone", idnum.MaskPhone(m.Phone), "template", m.Template,
		"text", mobiles.ReplaceAllStringFunc(m.Text, idnum.MaskPhone))
	return nil
}

// mobiles finds mainland mobile numbers in a text (a comment may hold one).
var mobiles = regexp.MustCompile(`1[3-9][0-9]{9}`)
