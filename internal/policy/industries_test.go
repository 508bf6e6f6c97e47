package policy

import (
	"strings"
	"testing"

	"chuangdai/configs"
)

// TestBuiltInIndustries: the shipped list is the city's "8+6" industrial
// clusters (8 + 6 = 14) and its 12 key chains, with the everyday trades;
// an entry is found by its code or either label.
func TestBuiltInIndustries(t *testing.T) {
	p, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	n := map[string]int{}
	for _, x := range p.Industries {
		n[x.Category]++
	}
	if n["cluster"] != 14 || n["chain"] != 12 || n["general"] == 0 {
		t.Errorf("categories %v, want 14 clusters and 12 chains", n)
	}
	for _, v := range []string{"chain_apple", "苹果产业链", " apple chain "} {
		if x, ok := p.IndustryOf(v); !ok || x.Code != "chain_apple" {
			t.Errorf("IndustryOf(%q) = %+v, %v", v, x, ok)
		}
	}
	if x, ok := p.IndustryOf("零售"); !ok || x.Code != "retail" {
		t.Errorf("the alias 零售 finds %+v, %v", x, ok)
	}
	if _, ok := p.IndustryOf("苹果"); ok {
		t.Error("free text found as an industry")
	}
}

// TestIndustriesDefaultAndChecks: a policy file without industries takes
// the built-in list; a bad list is refused with the reason.
func TestIndustriesDefaultAndChecks(t *testing.T) {
	base := string(configs.Policy)
	cut := base[:strings.Index(base, "industries:")] + base[strings.Index(base, "# Documents the applicant"):]
	p, err := Parse([]byte(cut))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Industries) < 26 {
		t.Errorf("without a list of its own the file has %d industries", len(p.Industries))
	}
	for list, want := range map[string]string{
		"industries:\n  - {code: a, category: cluster, zh: 甲, en: A}\n  - {code: a, category: chain, zh: 乙, en: B}\n":               "must be unique",
		"industries:\n  - {code: a, category: cluster, zh: 甲, en: A, aliases: [乙]}\n  - {code: b, category: chain, zh: 乙, en: B}\n": "names another industry",
		"industries:\n  - {code: A-1, category: cluster, zh: 甲, en: A}\n":                                                           "lower-case",
		"industries:\n  - {code: a, category: trade, zh: 甲, en: A}\n":                                                               "category",
		"industries:\n  - {code: a, category: chain, zh: 甲}\n":                                                                      "both labels",
	} {
		_, err := Parse([]byte(strings.Replace(cut, "# Documents the applicant", list+"# Documents the applicant", 1)))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want it to say %q", list, err, want)
		}
	}
}
