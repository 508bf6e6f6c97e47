// Package refdata keeps the reference data every other capability reads:
// districts (reporting units), handling banks and annual targets.
package refdata

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"chuangdai/internal/apperr"
	"chuangdai/internal/audit"
	"chuangdai/internal/auth"
	"chuangdai/internal/authz"
	"chuangdai/internal/money"
)

// District is a reporting unit (county, district or the city itself).
type District struct {
	Code      string
	Name      string
	CreatedAt time.Time
}

// Bank is a handling bank.
type Bank struct {
	Code      string
	Name      string
	CreatedAt time.Time
}

// Target is a district's annual target.
type Target struct {
	DistrictCode       string
	DistrictName       string
	LoanAmount         decimal.Decimal
	ReturneeLoanAmount *decimal.Decimal
	Jobs               *int
}

// Store is what reference data needs from persistence.
type Store interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	CreateDistrict(ctx context.Context, d District) error
	ListDistricts(ctx context.Context) ([]District, error)
	DistrictExists(ctx context.Context, code string) (bool, error)
	CreateBank(ctx context.Context, b Bank) error
	ListBanks(ctx context.Context) ([]Bank, error)
	// ReplaceTargets deletes the year's targets and inserts items.
	ReplaceTargets(ctx context.Context, year int, items []Target, at time.Time) error
	Targets(ctx context.Context, year int) ([]Target, error)
}

// Service implements reference data.
type Service struct {
	store Store
	authz *authz.Enforcer
	audit *audit.Recorder
	now   func() time.Time
}

// NewService wires the reference data service.
func NewService(s Store, z *authz.Enforcer, a *audit.Recorder) *Service {
	return &Service{store: s, authz: z, audit: a, now: time.Now}
}

var (
	districtCodePattern = regexp.MustCompile(`^[0-9]{6}$`)
	bankCodePattern     = regexp.MustCompile(`^[A-Z0-9][A-Z0-9_-]{1,31}$`)
)

func (s *Service) require(p auth.Principal, act authz.Action, kind, forbidden string) error {
	if !s.authz.Can(p, act, authz.Resource{Kind: kind}) {
		return apperr.Forbiddenf(forbidden)
	}
	return nil
}

func checkName(f *apperr.Fields, name string) string {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		f.Add("name", "is required")
	case len([]rune(name)) > 100:
		f.Add("name", "must be at most 100 characters")
	}
	return name
}

// CreateDistrict adds a reporting unit.
func (s *Service) CreateDistrict(ctx context.Context, p auth.Principal, d District) (District, error) {
	if err := s.require(p, authz.Create, "district", "your role may not create districts"); err != nil {
		return District{}, err
	}
	var f apperr.Fields
	if !districtCodePattern.MatchString(d.Code) {
		f.Add("code", "must be the 6-digit administrative division code, such as 411282")
	}
	d.Name = checkName(&f, d.Name)
	if err := f.Err(); err != nil {
		return District{}, err
	}
	d.CreatedAt = s.now().UTC()
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.CreateDistrict(ctx, d); err != nil {
			return err
		}
		return s.audit.Record(ctx, p, "district.create", "district", d.Code, nil, map[string]string{"code": d.Code, "name": d.Name})
	})
	return d, err
}

// ListDistricts returns every district.
func (s *Service) ListDistricts(ctx context.Context, p auth.Principal) ([]District, error) {
	if err := s.require(p, authz.Read, "district", "your role may not read districts"); err != nil {
		return nil, err
	}
	return s.store.ListDistricts(ctx)
}

// CreateBank adds a handling bank.
func (s *Service) CreateBank(ctx context.Context, p auth.Principal, b Bank) (Bank, error) {
	if err := s.require(p, authz.Create, "bank", "your role may not create banks"); err != nil {
		return Bank{}, err
	}
	var f apperr.Fields
	if !bankCodePattern.MatchString(b.Code) {
		f.Add("code", "must be 2–32 capital letters, digits, - or _, such as ICBC-SMX")
	}
	b.Name = checkName(&f, b.Name)
	if err := f.Err(); err != nil {
		return Bank{}, err
	}
	b.CreatedAt = s.now().UTC()
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.CreateBank(ctx, b); err != nil {
			return err
		}
		return s.audit.Record(ctx, p, "bank.create", "bank", b.Code, nil, map[string]string{"code": b.Code, "name": b.Name})
	})
	return b, err
}

// ListBanks returns every bank.
func (s *Service) ListBanks(ctx context.Context, p auth.Principal) ([]Bank, error) {
	if err := s.require(p, authz.Read, "bank", "your role may not read banks"); err != nil {
		return nil, err
	}
	return s.store.ListBanks(ctx)
}

// TargetInput is one line of PUT /targets/{year} as the client sent it.
type TargetInput struct {
	DistrictCode       string
	LoanAmount         string
	ReturneeLoanAmount *string
	Jobs               *int
}

// targetAudit is how a target appears in the audit trail.
type targetAudit struct {
	DistrictCode       string  `json:"district_code"`
	LoanAmount         string  `json:"loan_amount"`
	ReturneeLoanAmount *string `json:"returnee_loan_amount,omitempty"`
	Jobs               *int    `json:"jobs,omitempty"`
}

func auditTargets(ts []Target) []targetAudit {
	out := make([]targetAudit, 0, len(ts))
	for _, t := range ts {
		a := targetAudit{DistrictCode: t.DistrictCode, LoanAmount: money.Format(t.LoanAmount), Jobs: t.Jobs}
		if t.ReturneeLoanAmount != nil {
			s := money.Format(*t.ReturneeLoanAmount)
			a.ReturneeLoanAmount = &s
		}
		out = append(out, a)
	}
	return out
}

// ValidYear reports whether year is one the bureau could plan for.
func ValidYear(year int) bool { return year >= 2000 && year <= 2100 }

// PutTargets replaces a year's targets; nil items (none sent) is refused,
// an empty list clears the year.
func (s *Service) PutTargets(ctx context.Context, p auth.Principal, year int, items []TargetInput) ([]Target, error) {
	if err := s.require(p, authz.Write, "target", "your role may not set annual targets"); err != nil {
		return nil, err
	}
	var f apperr.Fields
	if !ValidYear(year) {
		f.Add("year", "must be a year between 2000 and 2100")
	}
	if items == nil {
		f.Add("items", "is required: send the list of district targets (an empty list clears the year)")
	}
	seen := map[string]bool{}
	targets := make([]Target, 0, len(items))
	for i, it := range items {
		prefix := "items[" + strconv.Itoa(i) + "]."
		t := Target{DistrictCode: it.DistrictCode, Jobs: it.Jobs}
		switch {
		case it.DistrictCode == "":
			f.Add(prefix+"district_code", "is required")
		case seen[it.DistrictCode]:
			f.Add(prefix+"district_code", "appears twice: give each district one line")
		default:
			seen[it.DistrictCode] = true
			ok, err := s.store.DistrictExists(ctx, it.DistrictCode)
			if err != nil {
				return nil, err
			}
			if !ok {
				f.Add(prefix+"district_code", "no such district")
			}
		}
		amt, err := money.Parse(it.LoanAmount)
		if err != nil || amt.IsNegative() {
			f.Add(prefix+"loan_amount", "must be an amount ≥ 0 with at most two decimals, such as \"67420000.00\"")
		}
		t.LoanAmount = amt
		if it.ReturneeLoanAmount != nil {
			r, err := money.Parse(*it.ReturneeLoanAmount)
			if err != nil || r.IsNegative() {
				f.Add(prefix+"returnee_loan_amount", "must be an amount ≥ 0 with at most two decimals")
			}
			t.ReturneeLoanAmount = &r
		}
		if it.Jobs != nil && *it.Jobs < 0 {
			f.Add(prefix+"jobs", "must be 0 or more")
		}
		targets = append(targets, t)
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		before, err := s.store.Targets(ctx, year)
		if err != nil {
			return err
		}
		if err := s.store.ReplaceTargets(ctx, year, targets, s.now().UTC()); err != nil {
			return err
		}
		return s.audit.Record(ctx, p, "targets.replace", "targets", strconv.Itoa(year), auditTargets(before), auditTargets(targets))
	})
	if err != nil {
		return nil, err
	}
	return s.store.Targets(ctx, year)
}

// Targets returns a year's targets.
func (s *Service) Targets(ctx context.Context, p auth.Principal, year int) ([]Target, error) {
	if err := s.require(p, authz.Read, "target", "your role may not read annual targets"); err != nil {
		return nil, err
	}
	if !ValidYear(year) {
		return nil, apperr.Field("year", "must be a year between 2000 and 2100")
	}
	return s.store.Targets(ctx, year)
}
