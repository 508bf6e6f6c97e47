package policy

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"time"

	"chuangdai/internal/msg"
)

// DocumentKind is one kind of document the bureau collects, with its label
// in each language.
type DocumentKind struct {
	ZH string `yaml:"zh"`
	EN string `yaml:"en"`
}

// Localize renders the label in the reader's language (msg.Localizer).
func (k DocumentKind) Localize(l msg.Lang) string {
	if l == msg.EN {
		return k.EN
	}
	return k.ZH
}

// DocumentRule puts a kind on the checklist of the applications it applies
// to: every borrower type and key group when the lists are empty, else only
// those listed.
type DocumentRule struct {
	Kind          string   `yaml:"kind"`
	Required      bool     `yaml:"required"`
	BorrowerTypes []string `yaml:"borrower_types"`
	KeyGroups     []string `yaml:"key_groups"`
}

// Documents is the document checklist (材料清单) in force from EffectiveFrom.
type Documents struct {
	EffectiveFrom Date   `yaml:"effective_from"`
	Source        string `yaml:"source"`
	// SubmitRequires makes submitting an application refuse it while a
	// required document is missing or rejected. Off, the checklist is what
	// the officers check and return with (一次性告知), and applicants who
	// bring paper to the counter are not held up.
	SubmitRequires bool                    `yaml:"submit_requires"`
	Kinds          map[string]DocumentKind `yaml:"kinds"`
	Rules          []DocumentRule          `yaml:"checklist"`
}

// ChecklistItem is one document an application needs.
type ChecklistItem struct {
	Kind     string
	Label    DocumentKind
	Required bool
}

var kindPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

func (p *Policy) checkDocuments() error {
	var errs []error
	seen := map[string]bool{}
	for i, d := range p.Documents {
		bad := func(format string, args ...any) {
			errs = append(errs, fmt.Errorf("documents[%d] (%s): "+format, append([]any{i, d.EffectiveFrom.Format(time.DateOnly)}, args...)...))
		}
		if d.EffectiveFrom.IsZero() {
			bad("effective_from is required")
		}
		if day := d.EffectiveFrom.Format(time.DateOnly); seen[day] {
			bad("another checklist takes effect on the same day: one checklist per day")
		} else {
			seen[day] = true
		}
		for k, l := range d.Kinds {
			if !kindPattern.MatchString(k) {
				bad("kind %q must be lower-case letters, digits and _ (at most 40)", k)
			}
			if l.ZH == "" || l.EN == "" {
				bad("kind %s needs both labels, zh and en", k)
			}
		}
		for j, r := range d.Rules {
			if _, ok := d.Kinds[r.Kind]; !ok {
				bad("checklist[%d]: kind %q is not among the kinds of this checklist", j, r.Kind)
			}
			for _, bt := range r.BorrowerTypes {
				if !slices.Contains([]string{"individual", "partnership", "enterprise"}, bt) {
					bad("checklist[%d]: borrower type %q is not individual, partnership or enterprise", j, bt)
				}
			}
		}
		if len(d.Rules) == 0 {
			bad("checklist: at least one document is needed")
		}
	}
	return errors.Join(errs...)
}

func (p *Policy) sortDocuments() {
	sort.Slice(p.Documents, func(i, j int) bool {
		return p.Documents[i].EffectiveFrom.Before(p.Documents[j].EffectiveFrom.Time)
	})
}

// DocumentsAt returns the checklist in force on day; ok is false before the
// first one (then nothing is asked for).
func (p *Policy) DocumentsAt(day time.Time) (d Documents, ok bool) {
	for _, x := range p.Documents {
		if !x.EffectiveFrom.After(day) {
			d, ok = x, true
		}
	}
	return d, ok
}

// Checklist returns, in the order of the file, the documents an application
// of borrowerType and keyGroup needs under d. A kind listed by several rules
// that apply appears once, required when any of them requires it.
func (d Documents) Checklist(borrowerType, keyGroup string) []ChecklistItem {
	var out []ChecklistItem
	at := map[string]int{}
	for _, r := range d.Rules {
		if len(r.BorrowerTypes) > 0 && !slices.Contains(r.BorrowerTypes, borrowerType) {
			continue
		}
		if len(r.KeyGroups) > 0 && !slices.Contains(r.KeyGroups, keyGroup) {
			continue
		}
		if i, dup := at[r.Kind]; dup {
			out[i].Required = out[i].Required || r.Required
			continue
		}
		at[r.Kind] = len(out)
		out = append(out, ChecklistItem{Kind: r.Kind, Label: d.Kinds[r.Kind], Required: r.Required})
	}
	return out
}

// Label returns the labels of kind in d; ok is false for a kind d does not know.
func (d Documents) Label(kind string) (DocumentKind, bool) {
	l, ok := d.Kinds[kind]
	return l, ok
}
