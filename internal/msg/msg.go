// Package msg holds the messages chuangdai writes for people — problem
// details and field messages — and renders them in Chinese (the default) or
// English.
//
// The catalogue is gettext-style: the English printf format written at the
// call site is the message id, and zh_CN.po maps it to the Chinese format
// (positional verbs such as %[2]s let a translation reorder its arguments).
// A Text keeps the format and its arguments unrendered until httpapi knows
// the reader's language. Arguments that implement Localizer (percent rates,
// amounts of money, enum labels, nested Texts) render themselves in that
// language; every other argument is printed as fmt prints it.
package msg

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/text/language"
)

// Lang is a language messages are rendered in.
type Lang int

// The languages of the catalogue. Chinese is the default.
const (
	ZH Lang = iota
	EN
)

// Tag is the BCP 47 tag of the language, for Content-Language.
func (l Lang) Tag() string {
	if l == EN {
		return "en"
	}
	return "zh-CN"
}

var matcher = language.NewMatcher([]language.Tag{language.SimplifiedChinese, language.English})

// FromAcceptLanguage picks the language of an Accept-Language header:
// English when the reader prefers it, Chinese otherwise (also for an empty,
// malformed or unsupported header).
func FromAcceptLanguage(h string) Lang {
	if strings.TrimSpace(h) == "" {
		return ZH
	}
	tags, _, err := language.ParseAcceptLanguage(h)
	if err != nil || len(tags) == 0 {
		return ZH
	}
	_, i, conf := matcher.Match(tags...)
	if i == 1 && conf != language.No {
		return EN
	}
	return ZH
}

// Localizer is an argument that renders itself in the reader's language.
type Localizer interface {
	Localize(Lang) string
}

// Text is a message: an English printf format (the message id) and its
// arguments, rendered only when the reader's language is known.
type Text struct {
	format string
	args   []any
}

// New makes a message. format must be a string literal with an entry in
// zh_CN.po (a test checks every call site).
func New(format string, args ...any) Text {
	return Text{format: format, args: args}
}

// Format is the message id: the English format.
func (t Text) Format() string { return t.format }

// Args are the message's arguments.
func (t Text) Args() []any { return t.args }

// IsZero reports whether t is no message at all.
func (t Text) IsZero() bool { return t.format == "" }

// Render writes the message in l. A format without a translation (which the
// catalogue test prevents) falls back to English.
func (t Text) Render(l Lang) string {
	if t.format == "" {
		return ""
	}
	f := t.format
	if l == ZH {
		if z, ok := catalogue().messages[f]; ok {
			f = z
		}
	}
	args := make([]any, len(t.args))
	for i, a := range t.args {
		if lz, ok := a.(Localizer); ok {
			args[i] = lz.Localize(l)
		} else {
			args[i] = a
		}
	}
	return fmt.Sprintf(f, args...)
}

// Localize makes a Text usable as an argument of another Text.
func (t Text) Localize(l Lang) string { return t.Render(l) }

// String is the English rendering, for logs and the command line.
func (t Text) String() string { return t.Render(EN) }

// MarshalJSON writes the English rendering; httpapi renders problems in the
// reader's language itself.
func (t Text) MarshalJSON() ([]byte, error) {
	return json.Marshal(t.String())
}

// Error is an error whose text is a message, for packages below apperr
// (money, idnum) whose errors end up in field messages.
type Error struct {
	Text Text
}

// Err makes an error carrying a message.
func Err(format string, args ...any) *Error {
	return &Error{Text: New(format, args...)}
}

func (e *Error) Error() string { return e.Text.String() }

// Localize renders the error's message, so an error can be an argument.
func (e *Error) Localize(l Lang) string { return e.Text.Render(l) }

// TextOf returns the message carried by err, if any.
func TextOf(err error) (Text, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e.Text, true
	}
	return Text{}, false
}
