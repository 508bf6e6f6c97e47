package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
)

// jsonAppender is an answer that writes its own JSON, byte for byte what
// encoding/json writes of it (gin's c.JSON), without reflection.
type jsonAppender interface {
	appendJSON(b []byte) ([]byte, error)
}

// ginJSON is set while a test compares the answers with gin's own.
var ginJSON atomic.Bool

var jsonBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// writeJSON writes body as c.JSON does: by its own encoder when it has one.
func writeJSON(c *gin.Context, status int, body any) {
	v, ok := body.(jsonAppender)
	if !ok || ginJSON.Load() {
		c.JSON(status, body)
		return
	}
	buf := jsonBuffers.Get().(*[]byte)
	defer jsonBuffers.Put(buf)
	b, err := v.appendJSON((*buf)[:0])
	if err != nil {
		// What encoding/json refuses (a time past year 9999, a change that is
		// no JSON) goes to gin, which answers its error as for any answer;
		// so does a page whose items have no encoder of their own
		// (errNoOwnJSON).
		c.JSON(status, body)
		return
	}
	*buf = b
	c.Render(status, appendedJSON(b))
}

// appendedJSON is written as gin's render.JSON writes: its Content-Type
// unless one is set, then the bytes in one Write.
type appendedJSON []byte

var jsonContentType = []string{"application/json; charset=utf-8"}

func (j appendedJSON) Render(w http.ResponseWriter) error {
	j.WriteContentType(w)
	_, err := w.Write(j)
	return err
}

func (appendedJSON) WriteContentType(w http.ResponseWriter) {
	if h := w.Header(); len(h["Content-Type"]) == 0 {
		h["Content-Type"] = jsonContentType
	}
}

const jsonHex = "0123456789abcdef"

// appendJSONString appends s as encoding/json does with HTML escaping: < > &
// and U+2028/U+2029 as \u escapes, invalid UTF-8 as \ufffd.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' && b != '<' && b != '>' && b != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', jsonHex[b>>4], jsonHex[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', jsonHex[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

func appendJSONInt[T ~int | ~int64](b []byte, v T) []byte { return strconv.AppendInt(b, int64(v), 10) }

func appendJSONBool(b []byte, v bool) []byte { return strconv.AppendBool(b, v) }

func appendJSONIntPtr[T ~int | ~int64](b []byte, v *T) []byte {
	if v == nil {
		return append(b, "null"...)
	}
	return appendJSONInt(b, *v)
}

func appendJSONStringPtr(b []byte, v *string) []byte {
	if v == nil {
		return append(b, "null"...)
	}
	return appendJSONString(b, *v)
}

func appendJSONBoolPtr(b []byte, v *bool) []byte {
	if v == nil {
		return append(b, "null"...)
	}
	return appendJSONBool(b, *v)
}

// appendJSONTime appends t as time.Time's MarshalJSON does (RFC 3339 with
// nanoseconds; an error past year 9999).
func appendJSONTime(b []byte, t time.Time) ([]byte, error) {
	b = append(b, '"')
	b, err := t.AppendText(b)
	return append(b, '"'), err
}

func appendJSONTimePtr(b []byte, t *time.Time) ([]byte, error) {
	if t == nil {
		return append(b, "null"...), nil
	}
	return appendJSONTime(b, *t)
}

func appendJSONStrings(b []byte, v []string) []byte {
	if v == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, s := range v {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, s)
	}
	return append(b, ']')
}

// appendJSONRaw appends a json.RawMessage as encoding/json does: compacted,
// HTML-escaped, null when nil.
func appendJSONRaw(b []byte, m json.RawMessage) ([]byte, error) {
	if m == nil {
		return append(b, "null"...), nil
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, m); err != nil {
		return b, err
	}
	out := bytes.NewBuffer(b)
	json.HTMLEscape(out, compact.Bytes())
	return out.Bytes(), nil
}

// appendJSONSlice appends v's elements with each, null for a nil slice.
func appendJSONSlice[T any](b []byte, v []T, each func(*T, []byte) ([]byte, error)) ([]byte, error) {
	if v == nil {
		return append(b, "null"...), nil
	}
	b = append(b, '[')
	for i := range v {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = each(&v[i], b); err != nil {
			return b, err
		}
	}
	return append(b, ']'), nil
}

// errNoOwnJSON refuses a page whose items have no encoder of their own:
// writeJSON then leaves the page to gin.
var errNoOwnJSON = errors.New("the items of this page have no JSON encoder of their own")

// appendJSON writes a page as encoding/json does, when its items write
// their own JSON.
func (l listResponse[T]) appendJSON(b []byte) ([]byte, error) {
	if _, ok := any((*T)(nil)).(jsonAppender); !ok {
		return b, errNoOwnJSON
	}
	b = append(b, `{"items":`...)
	b, err := appendJSONSlice(b, l.Items, func(item *T, b []byte) ([]byte, error) {
		return any(item).(jsonAppender).appendJSON(b)
	})
	if err != nil {
		return b, err
	}
	b = append(b, `,"total":`...)
	b = appendJSONInt(b, l.Total)
	b = append(b, `,"page":`...)
	b = appendJSONInt(b, l.Page)
	b = append(b, `,"page_size":`...)
	b = appendJSONInt(b, l.PageSize)
	return append(b, '}'), nil
}
