// Package apperr defines the error kinds every layer speaks. Only httpapi turns
// a kind into an HTTP status; services and stores return *Error values (or wrap
// them) so that a client always learns what was wrong and what to do.
//
// Messages are msg.Text values: the English format written at the call site
// (a string literal, the catalogue's message id) with its arguments, rendered
// in the reader's language by httpapi. Pass values as arguments, never
// pre-formatted with fmt.Sprintf: a test walks the source and fails for a
// message that is not a literal with a Chinese translation in msg/zh_CN.po.
package apperr

import (
	"errors"
	"fmt"

	"chuangdai/internal/msg"
)

// Kind classifies an error by what the caller can do about it.
type Kind int

// The kinds, ordered roughly by HTTP status.
const (
	Internal        Kind = iota // a bug or an outage: the caller can only retry later
	BadRequest                  // the request could not be read at all
	Unauthenticated             // no or bad credentials
	Forbidden                   // visible, but this caller may not do it
	NotFound                    // absent or not visible to the caller
	Conflict                    // wrong state, duplicate or stale version
	TooLarge                    // request body above the limit
	Invalid                     // field validation or a business limit
	RateLimited                 // too many attempts
	Unavailable                 // a dependency (the database) is down
)

// FieldError names one bad input field. Row is set for a row of an imported
// file (the header is row 1).
type FieldError struct {
	Row     int      `json:"row,omitempty"`
	Field   string   `json:"field"`
	Message msg.Text `json:"message"`
}

// Row is the error of one field of an imported file's row.
func Row(row int, field, format string, args ...any) FieldError {
	return FieldError{Row: row, Field: field, Message: msg.New(format, args...)}
}

// Error is the error type of the application.
type Error struct {
	Kind    Kind
	Code    string
	Message msg.Text
	Fields  []FieldError
	// RetryAfter is set for RateLimited errors (seconds).
	RetryAfter int
	// Extra are extension members of the problem (RFC 9457 §3.2): figures
	// a client reads without parsing the detail, such as a limit and the
	// amount over it.
	Extra map[string]string
	Err   error
}

func (e *Error) Error() string {
	s := e.Code
	if !e.Message.IsZero() {
		s += ": " + e.Message.String()
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// New builds an error of the given kind and code.
func New(kind Kind, code, message string) *Error {
	return &Error{Kind: kind, Code: code, Message: msg.New(message)}
}

// Newf is New with a message that has arguments.
func Newf(kind Kind, code, format string, args ...any) *Error {
	return &Error{Kind: kind, Code: code, Message: msg.New(format, args...)}
}

// WithText builds an error from a message made elsewhere (by msg.New).
func WithText(kind Kind, code string, text msg.Text) *Error {
	return &Error{Kind: kind, Code: code, Message: text}
}

// NotFoundf reports that something is absent or not visible to the caller.
func NotFoundf(format string, args ...any) *Error {
	return Newf(NotFound, "not_found", format, args...)
}

// Forbiddenf reports that the caller may see but not do something.
func Forbiddenf(format string, args ...any) *Error {
	return Newf(Forbidden, "forbidden", format, args...)
}

// Conflictf reports a duplicate or a stale write.
func Conflictf(format string, args ...any) *Error {
	return Newf(Conflict, "conflict", format, args...)
}

// Wrap marks err as internal, keeping it for the log but never for the
// client; message says, for the log, what was being done. An Unavailable
// error stays what it is: the caller can retry it.
func Wrap(err error, message string) *Error {
	if e, ok := As(err); ok && e.Kind == Unavailable {
		return e
	}
	return &Error{Kind: Internal, Code: "internal", Err: fmt.Errorf("%s: %w", message, err)}
}

// Contextf says what was being done when err happened ("disburse
// application 7: …"), for the log. nil stays nil; As, KindOf, CodeOf and
// errors.Is see through it, so what a client is answered does not change.
func Contextf(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf(format+": %w", append(args, err)...)
}

// As returns the *Error inside err, if any.
func As(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

// KindOf reports the kind of err; anything that is not an *Error is Internal.
func KindOf(err error) Kind {
	if e, ok := As(err); ok {
		return e.Kind
	}
	return Internal
}

// CodeOf reports the code of err, or "internal".
func CodeOf(err error) string {
	if e, ok := As(err); ok {
		return e.Code
	}
	return "internal"
}

// Fields collects field errors so that every bad field is reported at once.
type Fields struct {
	list []FieldError
}

// Add records a bad field.
func (f *Fields) Add(field, message string) {
	f.AddText(field, msg.New(message))
}

// Addf records a bad field with a message that has arguments.
func (f *Fields) Addf(field, format string, args ...any) {
	f.AddText(field, msg.New(format, args...))
}

// AddText records a bad field with a message made elsewhere (by msg.New).
func (f *Fields) AddText(field string, text msg.Text) {
	f.list = append(f.list, FieldError{Field: field, Message: text})
}

// AddErr records a bad field with the message of err: the msg.Error of a
// parser (money, idnum), or the message of an *Error.
func (f *Fields) AddErr(field string, err error) {
	if t, ok := msg.TextOf(err); ok {
		f.AddText(field, t)
		return
	}
	if e, ok := As(err); ok && e.Kind != Internal {
		f.AddText(field, e.Message)
		return
	}
	f.Add(field, "is not valid")
}

// Has reports whether field already has an error.
func (f *Fields) Has(field string) bool {
	for _, e := range f.list {
		if e.Field == field {
			return true
		}
	}
	return false
}

// Empty reports whether no field error was recorded.
func (f *Fields) Empty() bool { return len(f.list) == 0 }

// List returns the recorded field errors.
func (f *Fields) List() []FieldError { return f.list }

// Err returns a validation error listing every recorded field, or nil.
func (f *Fields) Err() error {
	if len(f.list) == 0 {
		return nil
	}
	return Validation(f.list...)
}

// Validation builds the 422 validation_failed error.
func Validation(fields ...FieldError) *Error {
	m := msg.New("some fields are invalid: correct them and send again")
	if len(fields) == 1 {
		m = msg.New("%s: %s", fields[0].Field, fields[0].Message)
	}
	return &Error{Kind: Invalid, Code: "validation_failed", Message: m, Fields: fields}
}

// Field is a shorthand for a validation error on one field.
func Field(field, format string, args ...any) *Error {
	return Validation(FieldError{Field: field, Message: msg.New(format, args...)})
}
