package audit

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode"

	"chuangdai/internal/idnum"
)

// Masked returns e as its readers see it: every resident ID number and
// phone number in before and after is masked (410102********1234,
// 138****8000), as in every other view. The stored event, and so the hash
// chain that Verify recomputes, is untouched; the hashes shown are those of
// the stored content.
func (e Event) Masked() Event {
	e.Before = maskJSON(e.Before)
	e.After = maskJSON(e.After)
	return e
}

// maskJSON rewrites a JSON document keeping its order: values under a
// phone-like key are masked as phone numbers, and in every string any
// resident ID number or mobile number standing on its own is masked. A
// document that does not parse (none is written so) is withheld whole
// rather than shown unmasked.
func maskJSON(raw json.RawMessage) json.RawMessage {
	if raw == nil {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var out bytes.Buffer
	if err := maskValue(dec, &out, ""); err != nil {
		return json.RawMessage(`"(withheld: not valid JSON)"`)
	}
	return out.Bytes()
}

func maskValue(dec *json.Decoder, out *bytes.Buffer, key string) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch t := tok.(type) {
	case json.Delim:
		open, end := byte('['), byte(']')
		if t == '{' {
			open, end = '{', '}'
		}
		out.WriteByte(open)
		for i := 0; dec.More(); i++ {
			if i > 0 {
				out.WriteByte(',')
			}
			inner := key
			if t == '{' {
				k, err := dec.Token()
				if err != nil {
					return err
				}
				inner, _ = k.(string)
				writeString(out, inner)
				out.WriteByte(':')
			}
			if err := maskValue(dec, out, inner); err != nil {
				return err
			}
		}
		if _, err := dec.Token(); err != nil {
			return err
		}
		out.WriteByte(end)
	case string:
		if phoneKey(key) {
			writeString(out, idnum.MaskPhone(t))
		} else {
			writeString(out, maskText(t))
		}
	case json.Number:
		out.WriteString(t.String())
	case bool:
		if t {
			out.WriteString("true")
		} else {
			out.WriteString("false")
		}
	case nil:
		out.WriteString("null")
	}
	return nil
}

func writeString(out *bytes.Buffer, s string) {
	b, _ := json.Marshal(s)
	out.Write(b)
}

// phoneKey reports whether a JSON key names a phone number (phone, Phone,
// mobile, contact_phone …).
func phoneKey(k string) bool {
	k = strings.ToLower(k)
	return strings.Contains(k, "phone") || strings.Contains(k, "mobile")
}

// maskText masks each run of letters and digits that is a resident ID number
// (17 digits and a check character) or a mainland mobile number (11 digits
// from 1).
func maskText(s string) string {
	var b strings.Builder
	run := -1
	flush := func(end int) {
		if run < 0 {
			return
		}
		w := s[run:end]
		switch {
		case residentLike(w):
			b.WriteString(idnum.Mask(w))
		case mobileLike(w):
			b.WriteString(idnum.MaskPhone(w))
		default:
			b.WriteString(w)
		}
		run = -1
	}
	for i, r := range s {
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			if run < 0 {
				run = i
			}
			continue
		}
		flush(i)
		b.WriteRune(r)
	}
	flush(len(s))
	return b.String()
}

func residentLike(w string) bool {
	if len(w) != 18 || !allDigits(w[:17]) {
		return false
	}
	c := w[17]
	return c == 'X' || c == 'x' || (c >= '0' && c <= '9')
}

func mobileLike(w string) bool {
	return len(w) == 11 && w[0] == '1' && allDigits(w)
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
