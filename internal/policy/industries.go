package policy

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"chuangdai/configs"
	"chuangdai/internal/msg"
)

// Industry is one entry of the industry list applicants choose from: the
// city's industrial clusters (cluster), its key industrial chains (chain)
// and the everyday trades of small businesses (general). A retired entry
// still names the applications and loans that carry it but is no longer
// offered.
type Industry struct {
	Code     string `yaml:"code"`
	ZH       string `yaml:"zh"`
	EN       string `yaml:"en"`
	Category string `yaml:"category"`
	Retired  bool   `yaml:"retired"`
	// Aliases are other names applicants and files use for it (零售).
	Aliases []string `yaml:"aliases"`
}

// Localize renders the label in the reader's language (msg.Localizer).
func (i Industry) Localize(l msg.Lang) string {
	if l == msg.EN {
		return i.EN
	}
	return i.ZH
}

// IndustryCategories are the groups of the industry list.
var IndustryCategories = []string{"cluster", "chain", "general"}

var industryPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

func (p *Policy) checkIndustries() error {
	var errs []error
	seen := map[string]bool{}
	for i, x := range p.Industries {
		bad := func(format string, args ...any) {
			errs = append(errs, fmt.Errorf("industries[%d] (%s): "+format, append([]any{i, x.Code}, args...)...))
		}
		if !industryPattern.MatchString(x.Code) {
			bad("code must be lower-case letters, digits and _ (at most 40)")
		}
		for _, name := range append([]string{x.Code, x.ZH}, x.Aliases...) {
			if seen[name] {
				bad("%q names another industry too: codes, zh labels and aliases must be unique", name)
			}
			seen[name] = true
		}
		if x.ZH == "" || x.EN == "" {
			bad("needs both labels, zh and en")
		}
		if !slices.Contains(IndustryCategories, x.Category) {
			bad("category must be cluster, chain or general")
		}
	}
	return errors.Join(errs...)
}

// defaultIndustries reads the industry list of the built-in policy file,
// for a policy file that has none of its own.
func defaultIndustries() ([]Industry, error) {
	var p struct {
		Industries []Industry `yaml:"industries"`
	}
	if err := yaml.NewDecoder(bytes.NewReader(configs.Policy)).Decode(&p); err != nil {
		return nil, err
	}
	return p.Industries, nil
}

// IndustryOf finds the entry whose code, Chinese or English label or alias
// is v (retired ones included).
func (p *Policy) IndustryOf(v string) (Industry, bool) {
	v = strings.TrimSpace(v)
	for _, x := range p.Industries {
		if x.Code == v || x.ZH == v || strings.EqualFold(x.EN, v) || slices.Contains(x.Aliases, v) {
			return x, true
		}
	}
	return Industry{}, false
}
