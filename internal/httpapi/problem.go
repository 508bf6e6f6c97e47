package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"chuangdai/internal/apperr"
	"chuangdai/internal/msg"
	"chuangdai/internal/requestid"
)

// problem is the RFC 9457 body of every error answer. Title, detail and
// the field messages are in the reader's language (Accept-Language); type,
// code, field and row never change with it.
type problem struct {
	Type      string         `json:"type"`
	Title     string         `json:"title"`
	Status    int            `json:"status"`
	Detail    string         `json:"detail"`
	Code      string         `json:"code"`
	Errors    []fieldProblem `json:"errors,omitempty"`
	RequestID string         `json:"request_id"`
}

// fieldProblem is one entry of a problem's errors.
type fieldProblem struct {
	Row     int    `json:"row,omitempty"`
	Field   string `json:"field"`
	Message string `json:"message"`
}

// titleOf is the problem title of a status.
func titleOf(status int) msg.Text {
	switch status {
	case http.StatusBadRequest:
		return msg.New("Bad request")
	case http.StatusUnauthorized:
		return msg.New("Not signed in")
	case http.StatusForbidden:
		return msg.New("Not allowed")
	case http.StatusNotFound:
		return msg.New("Not found")
	case http.StatusMethodNotAllowed:
		return msg.New("Method not allowed")
	case http.StatusConflict:
		return msg.New("Conflict")
	case http.StatusRequestEntityTooLarge:
		return msg.New("Request too large")
	case http.StatusUnprocessableEntity:
		return msg.New("Invalid input")
	case http.StatusTooManyRequests:
		return msg.New("Too many requests")
	case http.StatusServiceUnavailable:
		return msg.New("Service unavailable")
	}
	return msg.New("Internal error")
}

// language is the reader's language, from Accept-Language.
func language(c *gin.Context) msg.Lang {
	return msg.FromAcceptLanguage(c.GetHeader("Accept-Language"))
}

func statusOf(k apperr.Kind) int {
	switch k {
	case apperr.BadRequest:
		return http.StatusBadRequest
	case apperr.Unauthenticated:
		return http.StatusUnauthorized
	case apperr.Forbidden:
		return http.StatusForbidden
	case apperr.NotFound:
		return http.StatusNotFound
	case apperr.Conflict:
		return http.StatusConflict
	case apperr.TooLarge:
		return http.StatusRequestEntityTooLarge
	case apperr.Invalid:
		return http.StatusUnprocessableEntity
	case apperr.RateLimited:
		return http.StatusTooManyRequests
	case apperr.Unavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// fail answers err as problem+json. Internal errors are logged with the
// request id and shown only as "internal error".
func (a *api) fail(c *gin.Context, err error) {
	if c.Request.Context().Err() != nil && errors.Is(err, context.Canceled) {
		// The client went away; nobody reads an answer, and it is no error
		// of ours. 499 is the status proxies log for it.
		a.log.InfoContext(c.Request.Context(), "client closed the request", "request_id", requestid.From(c.Request.Context()))
		c.AbortWithStatus(499)
		return
	}
	e, ok := apperr.As(err)
	if !ok || e.Kind == apperr.Internal {
		a.log.ErrorContext(c.Request.Context(), "request failed", "request_id", requestid.From(c.Request.Context()), "error", err.Error())
		e = apperr.New(apperr.Internal, "internal", "internal error: the request id identifies it in the server log")
	}
	if e.Kind == apperr.Unavailable {
		a.log.WarnContext(c.Request.Context(), "dependency unavailable", "request_id", requestid.From(c.Request.Context()), "error", err.Error())
	}
	status := statusOf(e.Kind)
	if e.Kind == apperr.RateLimited && e.RetryAfter > 0 {
		c.Header("Retry-After", strconv.Itoa(e.RetryAfter))
	}
	if status == http.StatusUnauthorized {
		c.Header("WWW-Authenticate", `Bearer realm="chuangdai"`)
	}
	writeProblem(c, status, e)
}

func writeProblem(c *gin.Context, status int, e *apperr.Error) {
	lang := language(c)
	p := problem{
		Type:      "/problems/" + e.Code,
		Title:     titleOf(status).Render(lang),
		Status:    status,
		Detail:    e.Message.Render(lang),
		Code:      e.Code,
		RequestID: requestid.From(c.Request.Context()),
	}
	for _, f := range e.Fields {
		p.Errors = append(p.Errors, fieldProblem{Row: f.Row, Field: f.Field, Message: f.Message.Render(lang)})
	}
	body, _ := json.Marshal(p)
	if len(e.Extra) > 0 {
		m := map[string]any{}
		_ = json.Unmarshal(body, &m)
		for k, v := range e.Extra {
			if _, taken := m[k]; !taken {
				m[k] = v
			}
		}
		body, _ = json.Marshal(m)
	}
	c.Abort()
	c.Header("Content-Language", lang.Tag())
	c.Header("Vary", "Accept-Language")
	c.Data(status, "application/problem+json", body)
}

// bind decodes a JSON body strictly into dst: malformed JSON is 400, an
// unknown field, a value of the wrong type or a string holding a NUL is 422
// naming the field.
func bind(c *gin.Context, dst any) error {
	dec := json.NewDecoder(c.Request.Body)
	dec.DisallowUnknownFields()
	err := dec.Decode(dst)
	if err == nil {
		if dec.More() {
			return apperr.New(apperr.BadRequest, "bad_request", "the body holds more than one JSON value: send exactly one object")
		}
		return refuseNULInBody(dst)
	}
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return apperr.Newf(apperr.TooLarge, "request_too_large", "the body is larger than %d bytes", tooBig.Limit)
	case errors.Is(err, io.EOF):
		return apperr.New(apperr.BadRequest, "bad_request", "the body is empty: send a JSON object")
	case errors.As(err, &syn):
		return apperr.Newf(apperr.BadRequest, "bad_request", "the body is not valid JSON (at byte %d): send one JSON object", syn.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return apperr.New(apperr.BadRequest, "bad_request", "the body is not valid JSON: it ends in the middle of a value")
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return apperr.New(apperr.BadRequest, "bad_request", "the body must be a JSON object")
		}
		return apperr.Field(field, "has the wrong type: expected %s", typeName(typ.Type.String()))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return apperr.Field(field, "is not a field of this request: remove it")
	}
	return &apperr.Error{Kind: apperr.BadRequest, Code: "bad_request", Message: msg.New("the body could not be read: send it again"), Err: err}
}

func typeName(t string) msg.Text {
	switch {
	case strings.HasPrefix(t, "int"):
		return msg.New("a whole number")
	case t == "string", t == "*string":
		return msg.New("a string")
	case t == "bool":
		return msg.New("true or false")
	case strings.HasPrefix(t, "[]"):
		return msg.New("an array")
	}
	return msg.New("an object")
}
