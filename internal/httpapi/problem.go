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
	"chuangdai/internal/requestid"
)

// problem is the RFC 9457 body of every error answer.
type problem struct {
	Type      string              `json:"type"`
	Title     string              `json:"title"`
	Status    int                 `json:"status"`
	Detail    string              `json:"detail"`
	Code      string              `json:"code"`
	Errors    []apperr.FieldError `json:"errors,omitempty"`
	RequestID string              `json:"request_id"`
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
	p := problem{
		Type:      "/problems/" + e.Code,
		Title:     http.StatusText(status),
		Status:    status,
		Detail:    e.Message,
		Code:      e.Code,
		Errors:    e.Fields,
		RequestID: requestid.From(c.Request.Context()),
	}
	body, _ := json.Marshal(p)
	c.Abort()
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
	case errors.As(err, &syn), errors.Is(err, io.ErrUnexpectedEOF):
		return apperr.New(apperr.BadRequest, "bad_request", "the body is not valid JSON: "+err.Error())
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return apperr.New(apperr.BadRequest, "bad_request", "the body must be a JSON object")
		}
		return apperr.Field(field, "has the wrong type: expected "+typeName(typ.Type.String()))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return apperr.Field(field, "is not a field of this request: remove it")
	}
	return apperr.New(apperr.BadRequest, "bad_request", "the body could not be read: "+err.Error())
}

func typeName(t string) string {
	switch {
	case strings.HasPrefix(t, "int"):
		return "a whole number"
	case t == "string", t == "*string":
		return "a string"
	case t == "bool":
		return "true or false"
	case strings.HasPrefix(t, "[]"):
		return "an array"
	}
	return "an object"
}
