package msg

import (
	_ "embed"
	"fmt"
	"strconv"
	"strings"
	"sync"
)

//go:embed zh_CN.po
var zhPO string

// Catalogue is a parsed translation file: messages by English format, and
// enum labels by kind (msgctxt) and code.
type Catalogue struct {
	messages map[string]string
	labels   map[string]map[string]string
}

// Messages returns the message translations (English format → Chinese).
func (c *Catalogue) Messages() map[string]string { return c.messages }

// Labels returns the enum labels (kind → code → Chinese label).
func (c *Catalogue) Labels() map[string]map[string]string { return c.labels }

// Chinese returns the embedded Chinese catalogue.
func Chinese() *Catalogue { return catalogue() }

var catalogue = sync.OnceValue(func() *Catalogue {
	c, err := ParsePO(zhPO)
	if err != nil {
		panic("zh_CN.po: " + err.Error()) // embedded; the catalogue test parses it
	}
	return c
})

// ParsePO reads the subset of the gettext PO format the catalogue uses:
// comments (#…), msgctxt, msgid and msgstr with quoted strings that may go on
// over continuation lines. An entry with a msgctxt is an enum label of that
// kind; one without is a message.
func ParsePO(src string) (*Catalogue, error) {
	c := &Catalogue{messages: map[string]string{}, labels: map[string]map[string]string{}}
	var ctxt, id, str *string
	var cur **string
	flush := func(line int) error {
		if id == nil && str == nil && ctxt == nil {
			return nil
		}
		if id == nil || str == nil {
			return fmt.Errorf("line %d: an entry needs both msgid and msgstr", line)
		}
		if *id == "" {
			if ctxt != nil {
				return fmt.Errorf("line %d: empty msgid", line)
			}
			ctxt, id, str = nil, nil, nil // the PO header
			return nil
		}
		if *str == "" {
			return fmt.Errorf("line %d: %q has no translation", line, *id)
		}
		if ctxt != nil {
			m := c.labels[*ctxt]
			if m == nil {
				m = map[string]string{}
				c.labels[*ctxt] = m
			}
			if _, dup := m[*id]; dup {
				return fmt.Errorf("line %d: label %s %q appears twice", line, *ctxt, *id)
			}
			m[*id] = *str
		} else {
			if _, dup := c.messages[*id]; dup {
				return fmt.Errorf("line %d: message %q appears twice", line, *id)
			}
			c.messages[*id] = *str
		}
		ctxt, id, str = nil, nil, nil
		return nil
	}
	lines := strings.Split(src, "\n")
	for n, raw := range lines {
		line := strings.TrimSpace(raw)
		num := n + 1
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
			continue
		case strings.HasPrefix(line, `"`):
			if cur == nil || *cur == nil {
				return nil, fmt.Errorf("line %d: a continuation line outside an entry", num)
			}
			s, err := strconv.Unquote(line)
			if err != nil {
				return nil, fmt.Errorf("line %d: %v", num, err)
			}
			**cur += s
			continue
		}
		key, rest, ok := strings.Cut(line, " ")
		if !ok {
			return nil, fmt.Errorf("line %d: expected msgctxt, msgid or msgstr", num)
		}
		s, err := strconv.Unquote(strings.TrimSpace(rest))
		if err != nil {
			return nil, fmt.Errorf("line %d: %v", num, err)
		}
		switch key {
		case "msgctxt":
			if err := flush(num); err != nil {
				return nil, err
			}
			ctxt, cur = &s, &ctxt
		case "msgid":
			if id != nil {
				if err := flush(num); err != nil {
					return nil, err
				}
			}
			id, cur = &s, &id
		case "msgstr":
			if id == nil || str != nil {
				return nil, fmt.Errorf("line %d: msgstr without its msgid", num)
			}
			str, cur = &s, &str
		default:
			return nil, fmt.Errorf("line %d: unknown keyword %s", num, key)
		}
	}
	if err := flush(len(lines)); err != nil {
		return nil, err
	}
	return c, nil
}
