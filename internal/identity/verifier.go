package identity

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Check is what a real-name check is asked: does this resident ID number
// belong to the person of this name, who holds this account's phone?
// Evidence is whatever the check service's own flow gave the applicant (a
// certification id after a face check, an SMS code), passed on as typed.
type Check struct {
	NationalID string
	Name       string
	Phone      string
	Evidence   string
}

// Verifier is the IdentityVerifier port: a real-name check outside
// chuangdai. Match false means the service answered and did not confirm the
// person; an error means it could not answer.
type Verifier interface {
	Verify(ctx context.Context, c Check) (match bool, err error)
}

// HTTPVerifier asks a real-name check service over HTTP:
//
//	POST <URL>  Authorization: Bearer <Token>  (when a token is set)
//	{"national_id":"…","name":"…","phone":"…","evidence":"…"}
//	→ 200 {"match":true|false}
//
// Any other answer, or none within Timeout, is an error.
type HTTPVerifier struct {
	URL     string
	Token   string
	Client  *http.Client
	Timeout time.Duration
}

// NewHTTPVerifier returns a verifier for the service at url that waits at
// most ten seconds for an answer.
func NewHTTPVerifier(url, token string) *HTTPVerifier {
	return &HTTPVerifier{URL: url, Token: token, Client: http.DefaultClient, Timeout: 10 * time.Second}
}

type checkRequest struct {
	NationalID string `json:"national_id"`
	Name       string `json:"name"`
	Phone      string `json:"phone"`
	Evidence   string `json:"evidence,omitempty"`
}

type checkAnswer struct {
	Match *bool `json:"match"`
}

// Verify implements Verifier.
func (v *HTTPVerifier) Verify(ctx context.Context, c Check) (bool, error) {
	body, err := json.Marshal(checkRequest(c))
	if err != nil {
		return false, err
	}
	ctx, cancel := context.WithTimeout(ctx, v.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, v.URL, bytes.NewReader(body))
	if err != nil {
		return false, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if v.Token != "" {
		req.Header.Set("Authorization", "Bearer "+v.Token)
	}
	resp, err := v.Client.Do(req)
	if err != nil {
		return false, fmt.Errorf("real-name check: %w", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return false, fmt.Errorf("real-name check: read the answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return false, fmt.Errorf("real-name check answered %s", resp.Status)
	}
	var a checkAnswer
	if err := json.Unmarshal(raw, &a); err != nil || a.Match == nil {
		return false, fmt.Errorf("real-name check answered without a match field: %.200s", raw)
	}
	return *a.Match, nil
}
