package apptest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// The media types of the files some routes answer with, read as bytes.
var fileMedia = []string{
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	"application/pdf", "image/png", "image/jpeg", "application/octet-stream",
}

var registerDecoders sync.Once

// documents caches the parsed OpenAPI document (by its SHA-256) and its
// router: every server of a test binary serves the same one.
var documents sync.Map

type document struct {
	doc    *openapi3.T
	router routers.Router
	err    error
}

// LoadOpenAPI parses and validates an OpenAPI document with kin-openapi and
// builds the router that finds a request's operation in it.
func LoadOpenAPI(b []byte) (*openapi3.T, routers.Router, error) {
	key := sha256.Sum256(b)
	if d, ok := documents.Load(key); ok {
		d := d.(*document)
		return d.doc, d.router, d.err
	}
	d := &document{}
	loader := openapi3.NewLoader()
	d.doc, d.err = loader.LoadFromData(b)
	if d.err == nil {
		d.err = d.doc.Validate(context.Background())
	}
	if d.err == nil {
		d.router, d.err = gorillamux.NewRouter(d.doc)
	}
	documents.Store(key, d)
	return d.doc, d.router, d.err
}

// answered holds the operations ("METHOD /path") that answered a success
// which fit the document, in this test binary.
var answered sync.Map

// Answered reports whether the operation (method and OpenAPI path) has
// answered a success that fits the document in this test binary.
func Answered(method, path string) bool {
	_, ok := answered.Load(method + " " + path)
	return ok
}

// checkResponse validates an answer against the operation the document
// gives for its request: the status must be documented (or fall to the
// problem of "default") and the body must fit its schema. Requests to
// paths the document does not describe (health, metrics, the web UI, an
// unknown path) are not checked.
func (s *Server) checkResponse(req *http.Request, resp *http.Response, body []byte) {
	s.t.Helper()
	if s.App == nil || s.App.Server == nil {
		return
	}
	registerDecoders.Do(func() {
		for _, m := range fileMedia {
			openapi3filter.RegisterBodyDecoder(m, openapi3filter.FileBodyDecoder)
		}
	})
	_, router, err := LoadOpenAPI(s.App.Server.OpenAPI)
	if err != nil {
		s.t.Errorf("the served OpenAPI document does not load: %v", err)
		return
	}
	route, params, err := router.FindRoute(req)
	if err != nil {
		return
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 resp.StatusCode,
		Header:                 resp.Header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	err = openapi3filter.ValidateResponse(context.Background(), in)
	if err == nil && resp.StatusCode < 300 {
		answered.Store(req.Method+" "+route.Path, true)
	}
	if err != nil {
		msg := err.Error()
		if len(msg) > 2000 {
			msg = msg[:2000] + "…"
		}
		s.t.Errorf("%s %s answered %d, which the OpenAPI document does not describe: %s\nbody: %.500s",
			req.Method, req.URL.Path, resp.StatusCode, strings.TrimSpace(msg), body)
	}
}
