package authz

import (
	"fmt"
	"strings"
	"testing"

	"chuangdai/internal/auth"
)

type line struct{ role, kind, act, scope string }

func policy(t *testing.T) []line {
	t.Helper()
	var out []line
	for _, l := range strings.Split(policyLines(), "\n") {
		if l == "" {
			continue
		}
		f := strings.Split(l, ", ")
		if len(f) != 5 || f[0] != "p" {
			t.Fatalf("malformed policy line %q", l)
		}
		out = append(out, line{f[1], f[2], f[3], f[4]})
	}
	return out
}

func principal(role auth.Role) auth.Principal {
	b := auth.Binding{Role: role}
	if role.NeedsDistrict() {
		b.District = "411282"
	}
	if role.NeedsBank() {
		b.Bank = "ICBC-SMX"
	}
	return auth.Principal{UserID: 7, Username: string(role), Bindings: []auth.Binding{b}}
}

// scopes are the resources every decision is tried against.
var scopes = map[string]Resource{
	"own":            {Owner: 7, District: "411281", Bank: "RCB-LB"},
	"other-owner":    {Owner: 8, District: "411281", Bank: "RCB-LB"},
	"same-district":  {Owner: 8, District: "411282", Bank: "RCB-LB"},
	"same-bank":      {Owner: 8, District: "411281", Bank: "ICBC-SMX"},
	"unowned-global": {},
}

// expected says what a scope of a policy line allows, independent of casbin.
func expected(scope, resource string) bool {
	switch scope {
	case ScopeAll:
		return true
	case ScopeDistrict:
		return resource == "same-district"
	case ScopeBank:
		return resource == "same-bank"
	case ScopeOwn:
		return resource == "own"
	}
	return false
}

// TestPolicyMatrix tries every role × every (kind, action) in the policy ×
// every scope of resource, and checks Can and Scope against what the policy
// lines say.
func TestPolicyMatrix(t *testing.T) {
	z, err := New()
	if err != nil {
		t.Fatal(err)
	}
	lines := policy(t)
	type ka struct{ kind, act string }
	grants := map[auth.Role]map[ka]string{}
	var pairs []ka
	seen := map[ka]bool{}
	for _, l := range lines {
		r := auth.Role(l.role)
		if !r.Valid() {
			t.Fatalf("policy names unknown role %q", l.role)
		}
		switch l.scope {
		case ScopeAll, ScopeDistrict, ScopeBank, ScopeOwn:
		default:
			t.Fatalf("policy line %v has unknown scope", l)
		}
		if grants[r] == nil {
			grants[r] = map[ka]string{}
		}
		k := ka{l.kind, l.act}
		if prev, dup := grants[r][k]; dup {
			t.Fatalf("role %s has two lines for %s %s (%s, %s)", r, l.act, l.kind, prev, l.scope)
		}
		grants[r][k] = l.scope
		if !seen[k] {
			seen[k] = true
			pairs = append(pairs, k)
		}
	}
	for _, role := range auth.Roles {
		p := principal(role)
		for _, k := range pairs {
			scope, granted := grants[role][k]
			ls := z.Scope(p, Action(k.act), k.kind)
			for name, res := range scopes {
				res.Kind = k.kind
				want := granted && expected(scope, name)
				got := z.Can(p, Action(k.act), res)
				if got != want {
					t.Errorf("%s %s %s on %s: Can=%v, want %v", role, k.act, k.kind, name, got, want)
				}
				if ls.Contains(res) != got {
					t.Errorf("%s %s %s on %s: Scope.Contains=%v disagrees with Can=%v", role, k.act, k.kind, name, ls.Contains(res), got)
				}
			}
			if z.HasAny(p, Action(k.act), k.kind) != granted {
				t.Errorf("%s %s %s: HasAny=%v, want %v", role, k.act, k.kind, !granted, granted)
			}
		}
	}
}

func TestFailClosed(t *testing.T) {
	z, err := New()
	if err != nil {
		t.Fatal(err)
	}
	admin := principal(auth.Admin)
	cases := []struct {
		name string
		p    auth.Principal
		act  Action
		res  Resource
	}{
		{"anonymous", auth.Principal{}, Read, Resource{Kind: "district"}},
		{"no bindings", auth.Principal{UserID: 1}, Read, Resource{Kind: "district"}},
		{"unknown kind", admin, Read, Resource{Kind: "nuclear_codes"}},
		{"unknown action", admin, "delete", Resource{Kind: "user"}},
		{"auditor writes targets", principal(auth.FinanceAuditor), Write, Resource{Kind: "target"}},
		{"admin has no bypass on the audit trail's writes", admin, Write, Resource{Kind: "audit"}},
	}
	for _, c := range cases {
		if z.Can(c.p, c.act, c.res) {
			t.Errorf("%s: allowed", c.name)
		}
		if !z.Scope(c.p, c.act, c.res.Kind).Empty() {
			t.Errorf("%s: non-empty scope", c.name)
		}
	}
}

func TestEmptyResourceFieldsNeverMatch(t *testing.T) {
	z, _ := New()
	// A district-bound role must not match a resource whose district is empty,
	// even though the principal's own (empty) bank equals the resource's.
	p := auth.Principal{UserID: 5, Bindings: []auth.Binding{{Role: auth.HRSSOfficer, District: "411282"}}}
	for _, l := range policyLinesFor(t, "hrss_officer") {
		if l.scope != ScopeDistrict {
			continue
		}
		if z.Can(p, Action(l.act), Resource{Kind: l.kind}) {
			t.Errorf("hrss_officer %s %s matched a resource with no district", l.act, l.kind)
		}
	}
}

func policyLinesFor(t *testing.T, role string) []line {
	var out []line
	for _, l := range policy(t) {
		if l.role == role {
			out = append(out, l)
		}
	}
	return out
}

func Example() {
	z, _ := New()
	p := principal(auth.FinanceAuditor)
	fmt.Println(z.Can(p, Read, Resource{Kind: "audit"}), z.Can(p, Write, Resource{Kind: "target"}))
	// Output: true false
}

// A remembered answer is casbin's answer: every question of the policy
// matrix asked twice answers as casbin does the first time, also once the
// memory was emptied for being full.
func TestRememberedAnswersAreCasbins(t *testing.T) {
	z, err := New()
	if err != nil {
		t.Fatal(err)
	}
	asked := 0
	for _, role := range auth.Roles {
		p := principal(role)
		for _, l := range policy(t) {
			for _, r := range scopes {
				r.Kind = l.kind
				want, err := z.e.Enforce(subjectOf(p, p.Bindings[0]), objectOf(r), l.act)
				if err != nil {
					t.Fatal(err)
				}
				for range 2 {
					if got := z.Can(p, Action(l.act), r); got != want {
						t.Fatalf("%s %s %s on %+v: %v, casbin says %v", role, l.act, l.kind, r, got, want)
					}
				}
				asked++
			}
		}
	}
	if len(z.decided) == 0 || len(z.decided) > asked {
		t.Fatalf("%d answers remembered for %d questions", len(z.decided), asked)
	}
	z.decided = map[decision]bool{}
	for len(z.decided) < maxDecisions {
		z.decided[decision{obj: object{Owner: fmt.Sprint(len(z.decided))}}] = true
	}
	p := principal(auth.Entrepreneur)
	if z.Can(p, Read, Resource{Kind: "loan", Owner: 8}) || len(z.decided) != 1 {
		t.Fatalf("a full memory was not emptied (%d answers) or answered wrong", len(z.decided))
	}
}

// casbinScope is Scope as casbin's filter answers it every time.
func casbinScope(t *testing.T, z *Enforcer, p auth.Principal, act Action, kind string) ListScope {
	t.Helper()
	var s ListScope
	for _, b := range p.Bindings {
		lines, err := z.e.GetFilteredPolicy(0, string(b.Role), kind, string(act))
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range lines {
			switch line[3] {
			case ScopeAll:
				s.All = true
			case ScopeDistrict:
				if b.District != "" {
					s.Districts = append(s.Districts, b.District)
				}
			case ScopeBank:
				if b.Bank != "" {
					s.Banks = append(s.Banks, b.Bank)
				}
			case ScopeOwn:
				s.Owners = append(s.Owners, p.UserID)
			}
		}
	}
	return s
}

// Scope's remembered policy lines give casbin's scope for every role (alone
// and beside another), kind and action of the policy and some it lacks,
// asked twice; a full memory starts again from none.
func TestRememberedScopesAreCasbins(t *testing.T) {
	z, err := New()
	if err != nil {
		t.Fatal(err)
	}
	type query struct{ kind, act string }
	queries := []query{{"nothing", "fly"}, {"loan", "fly"}}
	for _, l := range policy(t) {
		queries = append(queries, query{l.kind, l.act})
	}
	for _, role := range auth.Roles {
		alone := principal(role)
		both := principal(role)
		both.Bindings = append(both.Bindings, principal(auth.BankOfficer).Bindings[0], principal(auth.HRSSOfficer).Bindings[0])
		for _, p := range []auth.Principal{alone, both} {
			for _, q := range queries {
				want := casbinScope(t, z, p, Action(q.act), q.kind)
				for range 2 {
					if got := z.Scope(p, Action(q.act), q.kind); fmt.Sprint(got) != fmt.Sprint(want) {
						t.Fatalf("%v %s %s: %+v, casbin says %+v", p.Bindings, q.act, q.kind, got, want)
					}
				}
			}
		}
	}
	if len(z.scopes) == 0 {
		t.Fatal("no scopes remembered")
	}
	z.scopes = map[scopeQuery][]string{}
	for len(z.scopes) < maxDecisions {
		z.scopes[scopeQuery{kind: fmt.Sprint(len(z.scopes))}] = nil
	}
	p := principal(auth.Entrepreneur)
	if got := z.Scope(p, Read, "loan"); fmt.Sprint(got) != fmt.Sprint(casbinScope(t, z, p, Read, "loan")) || len(z.scopes) != 1 {
		t.Fatalf("a full memory was not emptied (%d scopes) or answered wrong: %+v", len(z.scopes), got)
	}
}

func BenchmarkScope(b *testing.B) {
	z, err := New()
	if err != nil {
		b.Fatal(err)
	}
	p := principal(auth.FinanceAuditor)
	b.ReportAllocs()
	for b.Loop() {
		z.Scope(p, Read, "loan")
	}
}
