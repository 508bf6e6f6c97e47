package policy

import (
	"slices"
	"strings"
	"testing"

	"chuangdai/configs"
)

// TestDefaultChecklists: the default checklist of DOMAIN.md per borrower
// type and key group: the ID card, the business licence and the premises
// for everyone, the household register for persons, the proof of the key
// group, the partnership agreement, the enterprise's statements and hiring
// roster, and the training certificate as the one optional item.
func TestDefaultChecklists(t *testing.T) {
	p, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := p.DocumentsAt(day("2022-12-31")); ok {
		t.Fatal("a checklist applies before the first one")
	}
	d, ok := p.DocumentsAt(day("2024-03-15"))
	if !ok || d.SubmitRequires {
		t.Fatalf("checklist of 2024: %v, submit_requires %v", ok, d.SubmitRequires)
	}
	for _, c := range []struct {
		borrower, group string
		want            []string
	}{
		{"individual", "retired_soldier", []string{"id_card", "household_register", "business_licence", "discharge_certificate", "premises", "training_certificate?"}},
		{"partnership", "college_graduate", []string{"id_card", "household_register", "business_licence", "diploma", "premises", "partnership_agreement", "training_certificate?"}},
		{"enterprise", "registered_unemployed", []string{"id_card", "business_licence", "unemployment_card", "premises", "financial_statements", "hiring_roster", "training_certificate?"}},
	} {
		var got []string
		for _, it := range d.Checklist(c.borrower, c.group) {
			k := it.Kind
			if !it.Required {
				k += "?"
			}
			if it.Label.ZH == "" || it.Label.EN == "" {
				t.Errorf("%s has no label", it.Kind)
			}
			got = append(got, k)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s/%s: %v, want %v", c.borrower, c.group, got, c.want)
		}
	}
}

// TestChecklistRules: a kind named by two rules that apply is listed once,
// required when either requires it; checklists are chosen by their date.
func TestChecklistRules(t *testing.T) {
	src := string(configs.Policy) + `
  - effective_from: 2026-01-01
    submit_requires: true
    kinds:
      id_card: {zh: 身份证, en: ID card}
      lease: {zh: 租赁合同, en: Lease}
    checklist:
      - {kind: lease, required: false}
      - {kind: id_card, required: true}
      - {kind: lease, required: true, borrower_types: [enterprise]}
`
	p, err := Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	d, _ := p.DocumentsAt(day("2026-01-01"))
	if !d.SubmitRequires {
		t.Fatal("the 2026 checklist is not in force on 2026-01-01")
	}
	for borrower, want := range map[string][]ChecklistItem{
		"individual": {{Kind: "lease", Label: d.Kinds["lease"]}, {Kind: "id_card", Label: d.Kinds["id_card"], Required: true}},
		"enterprise": {{Kind: "lease", Label: d.Kinds["lease"], Required: true}, {Kind: "id_card", Label: d.Kinds["id_card"], Required: true}},
	} {
		if got := d.Checklist(borrower, "college_graduate"); !slices.Equal(got, want) {
			t.Errorf("%s: %+v, want %+v", borrower, got, want)
		}
	}
}

// TestBadChecklistsAreRefused names what is wrong in a checklist.
func TestBadChecklistsAreRefused(t *testing.T) {
	for _, c := range []struct{ checklist, says string }{
		{"kinds: {id_card: {zh: 身份证}}\n    checklist: [{kind: id_card}]", "needs both labels"},
		{"kinds: {id_card: {zh: 身份证, en: ID}}\n    checklist: [{kind: lease}]", `kind "lease" is not among the kinds`},
		{"kinds: {ID-Card: {zh: 身份证, en: ID}}\n    checklist: [{kind: ID-Card}]", "must be lower-case letters"},
		{"kinds: {id_card: {zh: 身份证, en: ID}}\n    checklist: [{kind: id_card, borrower_types: [person]}]", `borrower type "person"`},
		{"kinds: {id_card: {zh: 身份证, en: ID}}\n    checklist: []", "at least one document"},
		{"kinds: {id_card: {zh: 身份证, en: ID}}\n    checklist: [{kind: id_card}]\n  - effective_from: 2024-01-01\n    kinds: {id_card: {zh: 身份证, en: ID}}\n    checklist: [{kind: id_card}]", "one checklist per day"},
	} {
		src := string(configs.Policy) + "\n  - effective_from: 2024-01-01\n    " + c.checklist + "\n"
		_, err := Parse([]byte(src))
		if err == nil || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%q: %v, want it to say %q", c.checklist, err, c.says)
		}
	}
}
