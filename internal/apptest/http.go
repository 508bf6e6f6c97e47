package apptest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode"

	"chuangdai/internal/app"
	"chuangdai/internal/config"
	"chuangdai/internal/user"
)

// Server is a chuangdai served over real HTTP on a fresh database.
type Server struct {
	App *app.App
	URL string
	t   testing.TB
	// AdminToken belongs to the "admin" user made by NewServer.
	AdminToken string
}

// The reference data every Server starts with.
const (
	District      = "411282" // 灵宝市
	OtherDistrict = "411281" // 义马市
	Bank          = "ICBC-SMX"
	OtherBank     = "RCB-LB"
	Password      = "pass-word-123"
)

// Attach serves an existing app over HTTP, with no data added.
func Attach(t testing.TB, a *app.App) *Server {
	srv := httptest.NewServer(a.Server)
	t.Cleanup(srv.Close)
	return &Server{App: a, URL: srv.URL, t: t}
}

// NewServer starts a server with an admin, two districts and two banks.
func NewServer(t testing.TB) *Server {
	t.Helper()
	return NewServerWith(t, nil)
}

// NewServerWith is NewServer with settings changed by configure (nil: none).
func NewServerWith(t testing.TB, configure func(*config.Config)) *Server {
	t.Helper()
	s := Attach(t, NewWith(t, configure))
	a := s.App
	if _, err := a.Users.CreateFromCLI(context.Background(), user.CreateInput{Username: "admin", Password: Password, Name: "Admin", Role: "admin"}); err != nil {
		t.Fatalf("create admin: %v", err)
	}
	s.AdminToken = s.Login("admin", Password)
	for _, d := range [][2]string{{District, "灵宝市"}, {OtherDistrict, "义马市"}} {
		s.Do("POST", "/api/v1/districts", s.AdminToken, map[string]string{"code": d[0], "name": d[1]}).Want(201)
	}
	for _, b := range [][2]string{{Bank, "中国工商银行三门峡分行"}, {OtherBank, "灵宝农村商业银行"}} {
		s.Do("POST", "/api/v1/banks", s.AdminToken, map[string]string{"code": b[0], "name": b[1]}).Want(201)
	}
	return s
}

// For returns the server reporting failures to t (a subtest, or the t of a
// fuzz target).
func (s *Server) For(t testing.TB) *Server {
	c := *s
	c.t = t
	return &c
}

// Response is an HTTP answer.
type Response struct {
	t      testing.TB
	Status int
	Header http.Header
	Body   []byte
}

// Do sends a request; body is marshalled to JSON unless it is []byte or a
// string. headers are name, value pairs.
func (s *Server) Do(method, path, token string, body any, headers ...string) *Response {
	s.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		r = bytes.NewReader(b)
	case string:
		r = bytes.NewReader([]byte(b))
	default:
		j, err := json.Marshal(b)
		if err != nil {
			s.t.Fatal(err)
		}
		r = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, s.URL+path, r)
	if err != nil {
		s.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	s.checkResponse(req, resp, b)
	return &Response{t: s.t, Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// Want fails the test unless the status is status; it returns r.
func (r *Response) Want(status int) *Response {
	r.t.Helper()
	if r.Status != status {
		r.t.Fatalf("status %d, want %d; body: %s", r.Status, status, r.Body)
	}
	return r
}

// WantProblem checks status and problem code, and that a problem answered
// in Chinese (the default language) says everything in Chinese.
func (r *Response) WantProblem(status int, code string) *Response {
	r.t.Helper()
	r.Want(status)
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		r.t.Fatalf("content type %q, want application/problem+json", ct)
	}
	var p struct {
		Code, Title, Detail string
		Errors              []struct{ Field, Message string }
	}
	r.Decode(&p)
	if p.Code != code {
		r.t.Fatalf("problem code %v, want %s; body: %s", p.Code, code, r.Body)
	}
	if r.Header.Get("Content-Language") == "zh-CN" {
		texts := []string{p.Title, p.Detail}
		for _, e := range p.Errors {
			texts = append(texts, e.Message)
		}
		for _, s := range texts {
			if !strings.ContainsFunc(s, func(c rune) bool { return unicode.Is(unicode.Han, c) }) {
				r.t.Errorf("problem text %q is not Chinese; body: %s", s, r.Body)
			}
		}
	}
	return r
}

// JSON decodes the body as an object.
func (r *Response) JSON() map[string]any {
	r.t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		r.t.Fatalf("body is not a JSON object: %v: %s", err, r.Body)
	}
	return m
}

// Decode decodes the body into v.
func (r *Response) Decode(v any) {
	r.t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		r.t.Fatalf("decode body: %v: %s", err, r.Body)
	}
}

// FieldErrors lists the fields named in a validation problem.
func (r *Response) FieldErrors() []string {
	r.t.Helper()
	var p struct {
		Errors []struct{ Field string } `json:"errors"`
	}
	r.Decode(&p)
	out := make([]string, len(p.Errors))
	for i, e := range p.Errors {
		out[i] = e.Field
	}
	return out
}

// Login signs in and returns the token.
func (s *Server) Login(username, password string) string {
	s.t.Helper()
	var out struct{ Token string }
	s.Do("POST", "/api/v1/auth/login", "", map[string]string{"username": username, "password": password}).Want(200).Decode(&out)
	return out.Token
}

// User creates a user through the admin API and returns its token.
// district and bank may be empty.
func (s *Server) User(username, role, district, bank string) string {
	s.t.Helper()
	body := map[string]string{"username": username, "password": Password, "name": username, "role": role}
	if district != "" {
		body["district_code"] = district
	}
	if bank != "" {
		body["bank_code"] = bank
	}
	s.Do("POST", "/api/v1/users", s.AdminToken, body).Want(201)
	return s.Login(username, Password)
}

// FormField is one field of a multipart form: a value, or a file when
// Filename is set.
type FormField struct {
	Name, Value string
	Filename    string
	Content     []byte
}

// Form sends a multipart/form-data request with fields, in their order.
func (s *Server) Form(method, path, token string, fields []FormField, headers ...string) *Response {
	s.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for _, f := range fields {
		if f.Filename == "" {
			if err := w.WriteField(f.Name, f.Value); err != nil {
				s.t.Fatal(err)
			}
			continue
		}
		part, err := w.CreateFormFile(f.Name, f.Filename)
		if err == nil {
			_, err = part.Write(f.Content)
		}
		if err != nil {
			s.t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		s.t.Fatal(err)
	}
	return s.Do(method, path, token, body.Bytes(), append([]string{"Content-Type", w.FormDataContentType()}, headers...)...)
}
