// Package authz decides what a principal may do, with casbin. A decision is
// about a kind of resource with its owner, district and bank, never about a
// URL. Role bindings come from the database with the principal on every
// request; the role → permission lines are the embedded policy.csv. There is
// no super-user: the admin role can do exactly what its lines say.
package authz

import (
	_ "embed"
	"fmt"
	"strings"
	"sync"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
	stringadapter "github.com/casbin/casbin/v2/persist/string-adapter"

	"chuangdai/internal/auth"
)

//go:embed model.conf
var modelText string

//go:embed policy.csv
var policyText string

// Action is what a principal wants to do.
type Action string

// Actions used across capabilities.
const (
	Read   Action = "read"
	Create Action = "create"
	Update Action = "update"
	Write  Action = "write"
)

// Scope names of policy lines.
const (
	ScopeAll      = "all"
	ScopeDistrict = "district"
	ScopeBank     = "bank"
	ScopeOwn      = "own"
)

// Resource is what a decision is about.
type Resource struct {
	Kind string
	// Owner is the user whose record it is (zero: nobody's).
	Owner    auth.UserID
	District string
	Bank     string
}

// subject and object are the request's subject and resource as the casbin
// matcher reads them: user ids in decimal, "" for nobody.
type subject struct {
	Role     string
	UserID   string
	District string
	Bank     string
}

type object struct {
	Kind     string
	Owner    string
	District string
	Bank     string
}

// objectOf is r as the matcher reads it.
func objectOf(r Resource) object {
	return object{Kind: r.Kind, Owner: idText(r.Owner), District: r.District, Bank: r.Bank}
}

// idText is id as the matcher compares it, "" for the zero id.
func idText(id auth.UserID) string {
	if id == 0 {
		return ""
	}
	return id.String()
}

// Enforcer wraps the casbin enforcer.
type Enforcer struct {
	e *casbin.Enforcer
	// decided remembers casbin's answers: the model and the policy are
	// embedded and never change while the process runs, so an answer for
	// the same subject, resource and action is the same answer (issue 16:
	// casbin's evaluation was an eighth of a GET of one loan).
	mu      sync.RWMutex
	decided map[decision]bool
	// scopes remembers the scopes (the fourth field) of the policy lines
	// of each role, kind and action, in the policy's order, for Scope:
	// casbin's filter walked every policy line on every request.
	scopes map[scopeQuery][]string
}

// scopeQuery is one filter of the policy: a role, a kind and an action.
type scopeQuery struct{ role, kind, act string }

// decision is one question to casbin.
type decision struct {
	sub subject
	obj object
	act Action
}

// maxDecisions is how many answers the enforcer remembers before it
// starts again from none.
const maxDecisions = 100_000

// New builds the enforcer from the embedded model and policy.
func New() (*Enforcer, error) {
	m, err := model.NewModelFromString(modelText)
	if err != nil {
		return nil, fmt.Errorf("authz model: %w", err)
	}
	e, err := casbin.NewEnforcer(m, stringadapter.NewAdapter(policyLines()))
	if err != nil {
		return nil, fmt.Errorf("authz policy: %w", err)
	}
	return &Enforcer{e: e, decided: map[decision]bool{}, scopes: map[scopeQuery][]string{}}, nil
}

func policyLines() string {
	var b strings.Builder
	for _, line := range strings.Split(policyText, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return b.String()
}

func subjectOf(p auth.Principal, b auth.Binding) subject {
	return subject{Role: string(b.Role), UserID: idText(p.UserID), District: b.District, Bank: b.Bank}
}

// Can reports whether any of p's role bindings allows act on r.
func (z *Enforcer) Can(p auth.Principal, act Action, r Resource) bool {
	if p.UserID == 0 {
		return false
	}
	obj := objectOf(r)
	for _, b := range p.Bindings {
		if z.allows(decision{subjectOf(p, b), obj, act}) {
			return true
		}
	}
	return false
}

// allows is casbin's answer to d, remembered. An error is a refusal, and
// not remembered.
func (z *Enforcer) allows(d decision) bool {
	z.mu.RLock()
	ok, known := z.decided[d]
	z.mu.RUnlock()
	if known {
		return ok
	}
	ok, err := z.e.Enforce(d.sub, d.obj, string(d.act))
	if err != nil {
		return false
	}
	z.mu.Lock()
	if len(z.decided) >= maxDecisions {
		z.decided = map[decision]bool{}
	}
	z.decided[d] = ok
	z.mu.Unlock()
	return ok
}

// HasAny reports whether p may do act on some resource of kind, in any scope.
// Use it to tell "not allowed at all" (403) from "not visible" (404).
func (z *Enforcer) HasAny(p auth.Principal, act Action, kind string) bool {
	return !z.Scope(p, act, kind).Empty()
}

// ListScope is the SQL filter equivalent of Can for listing: a resource of
// the kind is visible when All is set, or its district is in Districts, or
// its bank is in Banks, or its owner is in Owners.
type ListScope struct {
	All       bool
	Districts []string
	Banks     []string
	Owners    []auth.UserID
}

// Empty reports whether the scope shows nothing.
func (s ListScope) Empty() bool {
	return !s.All && len(s.Districts) == 0 && len(s.Banks) == 0 && len(s.Owners) == 0
}

// Contains reports whether r falls in the scope, exactly as a SQL filter built
// from it would decide.
func (s ListScope) Contains(r Resource) bool {
	if s.All {
		return true
	}
	return contains(s.Districts, r.District) || contains(s.Banks, r.Bank) || contains(s.Owners, r.Owner)
}

// contains reports whether v, not the zero value, is in list.
func contains[T comparable](list []T, v T) bool {
	var zero T
	if v == zero {
		return false
	}
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// Scope returns what p may act on among resources of kind.
func (z *Enforcer) Scope(p auth.Principal, act Action, kind string) ListScope {
	var s ListScope
	if p.UserID == 0 {
		return s
	}
	for _, b := range p.Bindings {
		scopes, ok := z.policyScopes(scopeQuery{string(b.Role), kind, string(act)})
		if !ok {
			continue
		}
		for _, scope := range scopes {
			switch scope {
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

// policyScopes returns the scopes of the policy lines q filters, as casbin
// filters them, remembered; false when casbin's filter fails (not
// remembered).
func (z *Enforcer) policyScopes(q scopeQuery) ([]string, bool) {
	z.mu.RLock()
	scopes, known := z.scopes[q]
	z.mu.RUnlock()
	if known {
		return scopes, true
	}
	lines, err := z.e.GetFilteredPolicy(0, q.role, q.kind, q.act)
	if err != nil {
		return nil, false
	}
	scopes = make([]string, 0, len(lines))
	for _, line := range lines {
		scopes = append(scopes, line[3])
	}
	z.mu.Lock()
	if len(z.scopes) >= maxDecisions {
		z.scopes = map[scopeQuery][]string{}
	}
	z.scopes[q] = scopes
	z.mu.Unlock()
	return scopes, true
}
