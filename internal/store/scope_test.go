package store_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"testing"
	"time"

	"chuangdai/internal/apperr"
	"chuangdai/internal/application"
	"chuangdai/internal/audit"
	"chuangdai/internal/auth"
	"chuangdai/internal/authz"
	"chuangdai/internal/loan"
	"chuangdai/internal/store"
	"chuangdai/internal/support"
	"chuangdai/internal/user"
)

// The scope of every repository agrees with Can, through the real SQL: for
// each principal, each action and each record of a set (own, another
// applicant's, of each district and bank), the repository's Get finds the
// record exactly when Can allows the action on it, and its List answers
// exactly those records.

// scopePrincipals are the callers the scope tests ask as: each role, bound
// and unbound, two bindings at once, and nobody.
var scopePrincipals = map[string]auth.Principal{
	"entrepreneur 1":      {UserID: 1, Bindings: []auth.Binding{{Role: auth.Entrepreneur}}},
	"entrepreneur 2":      {UserID: 2, Bindings: []auth.Binding{{Role: auth.Entrepreneur}}},
	"hrss 411282":         {UserID: 10, Bindings: []auth.Binding{{Role: auth.HRSSOfficer, District: "411282"}}},
	"guarantee 411281":    {UserID: 11, Bindings: []auth.Binding{{Role: auth.GuaranteeOfficer, District: "411281"}}},
	"bank ICBC":           {UserID: 12, Bindings: []auth.Binding{{Role: auth.BankOfficer, Bank: "ICBC-SMX"}}},
	"auditor":             {UserID: 13, Bindings: []auth.Binding{{Role: auth.FinanceAuditor}}},
	"admin":               {UserID: 14, Bindings: []auth.Binding{{Role: auth.Admin}}},
	"audit admin":         {UserID: 17, Bindings: []auth.Binding{{Role: auth.AuditAdmin}}},
	"hrss and bank":       {UserID: 15, Bindings: []auth.Binding{{Role: auth.HRSSOfficer, District: "411281"}, {Role: auth.BankOfficer, Bank: "RCB-LB"}}},
	"officer, no binding": {UserID: 16, Bindings: []auth.Binding{{Role: auth.HRSSOfficer}}},
	"signed out":          {},
}

// scopeFixture inserts the accounts (the owners 1, 2 and 15), the two
// districts and the two banks of the scope tests' records.
func scopeFixture(t *testing.T, db *store.DB) {
	t.Helper()
	const at = fixtureAt
	for _, q := range []string{
		"INSERT INTO districts (code, name, created_at, updated_at) VALUES ('411282', '灵宝市', " + at + ", " + at + ")",
		"INSERT INTO districts (code, name, created_at, updated_at) VALUES ('411281', '义马市', " + at + ", " + at + ")",
		"INSERT INTO banks (code, name, created_at, updated_at) VALUES ('ICBC-SMX', '工行', " + at + ", " + at + ")",
		"INSERT INTO banks (code, name, created_at, updated_at) VALUES ('RCB-LB', '农商行', " + at + ", " + at + ")",
	} {
		if _, err := db.SQL().ExecContext(context.Background(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	for _, id := range []int64{1, 2, 15} {
		s := strconv.FormatInt(id, 10)
		q := "INSERT INTO users (id, username, password_hash, password_changed_at, created_at, updated_at) VALUES (" + s + ", 'user" + s + "', 'x', " + at + ", " + at + ", " + at + ")"
		if _, err := db.SQL().ExecContext(context.Background(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// errProbe is what the closures of the scope tests' updates answer: it
// tells that the record was found, and writes nothing.
var errProbe = errors.New("probe")

// scopeRecord is one record of the scope tests: its id and what Can sees.
type scopeRecord struct {
	id  int64
	res authz.Resource
}

// checkScope asks, as every principal and for every action, the
// repository's scoped get about each record and its scoped list for all of
// them (when it has one), and compares both with Can. It answers how many records each
// principal may do the first action on.
func checkScope(t *testing.T, kind string, actions []authz.Action, records []scopeRecord,
	get func(authz.ListScope, int64) error, list func(authz.ListScope) ([]int64, error)) map[string]int {
	t.Helper()
	z, err := authz.New()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for name, p := range scopePrincipals {
		for _, act := range actions {
			scope := z.Scope(p, act, kind)
			var want []int64
			for _, r := range records {
				can := z.Can(p, act, r.res)
				err := get(scope, r.id)
				switch {
				case can && err != nil:
					t.Errorf("%s %s %+v: Can allows it, Get answers %v", name, act, r.res, err)
				case !can && apperr.KindOf(err) != apperr.NotFound:
					t.Errorf("%s %s %+v: Can refuses it, Get answers %v, want not found", name, act, r.res, err)
				}
				if can {
					want = append(want, r.id)
				}
			}
			if list != nil {
				got, err := list(scope)
				if err != nil {
					t.Fatalf("%s %s: list: %v", name, act, err)
				}
				slices.Sort(got)
				if !slices.Equal(got, want) {
					t.Errorf("%s %s: the list answers %v, Can allows %v", name, act, got, want)
				}
			}
			if act == actions[0] {
				seen[name] = len(want)
			}
		}
	}
	return seen
}

// TestApplicationScopeAgreesWithCan runs the applications' scoped Get and
// List against Can, on each engine.
func TestApplicationScopeAgreesWithCan(t *testing.T) {
	db := newDB(t)
	scopeFixture(t, db)
	ctx := context.Background()
	apps := store.Applications{DB: db}
	now := time.Date(2024, 3, 1, 2, 0, 0, 0, time.UTC)
	var records []scopeRecord
	for _, owner := range []auth.UserID{1, 2, 15} {
		for _, district := range []string{"411282", "411281"} {
			for _, bank := range []string{"ICBC-SMX", "RCB-LB"} {
				a := application.Application{Status: application.Draft, Version: 1, ApplicantID: owner, CreatedAt: now, UpdatedAt: now,
					Fields: application.Fields{BorrowerType: application.Individual, Name: "张伟", DistrictCode: district, BankCode: bank}}
				id, err := apps.Create(ctx, a)
				if err != nil {
					t.Fatal(err)
				}
				records = append(records, scopeRecord{id: int64(id), res: a.Resource()})
			}
		}
	}
	actions := []authz.Action{authz.Read, authz.Update, application.DecideEligibility, application.DecideGuarantee, application.DecideBank}
	seen := checkScope(t, application.Kind, actions, records,
		func(scope authz.ListScope, raw int64) error {
			id := application.ID(raw)
			a, err := apps.Get(ctx, scope, id)
			if err == nil && a.ID != id {
				t.Errorf("Get %d answers application %d", id, a.ID)
			}
			// Update reads with the same scope, row-locked; fn refuses, so
			// nothing is written.
			_, uerr := apps.Update(ctx, scope, id, func(context.Context, *application.Application) (audit.Event, error) {
				return audit.Event{}, errProbe
			})
			if found := errors.Is(uerr, errProbe); found != (err == nil) {
				t.Errorf("application %d: Get answers %v, Update %v", id, err, uerr)
			}
			return err
		},
		func(scope authz.ListScope) ([]int64, error) {
			as, _, err := apps.List(ctx, application.Filter{}, scope, 0, 100)
			ids := make([]int64, len(as))
			for i, a := range as {
				ids[i] = int64(a.ID)
			}
			return ids, err
		})
	want := map[string]int{"entrepreneur 1": 4, "entrepreneur 2": 4, "hrss 411282": 6, "guarantee 411281": 6, "bank ICBC": 6,
		"auditor": 12, "admin": 0, "audit admin": 0, "hrss and bank": 9, "officer, no binding": 0, "signed out": 0}
	for name, n := range want {
		if seen[name] != n {
			t.Errorf("%s reads %d applications, want %d", name, seen[name], n)
		}
	}
}

// TestLoanScopeAgreesWithCan runs the loans' scoped Get, Update and List
// against Can for every action on loans, on each engine.
func TestLoanScopeAgreesWithCan(t *testing.T) {
	db := newDB(t)
	scopeFixture(t, db)
	ctx := context.Background()
	loans := store.Loans{DB: db}
	var records []scopeRecord
	n := 0
	for _, owner := range []auth.UserID{1, 2, 0} {
		borrower := "NULL"
		if owner != 0 {
			borrower = owner.String()
		}
		for _, district := range []string{"411282", "411281"} {
			for _, bank := range []string{"ICBC-SMX", "RCB-LB"} {
				n++
				id := strconv.Itoa(n)
				q := "INSERT INTO loans (id, number, borrower_id, status, version, name, national_id, gender, borrower_type, district_code, bank_code, principal_fen, outstanding_fen, annual_rate_ppm, subsidy_rate_ppm, borrower_rate_ppm, subsidy_cap_fen, term_months, repayment_method, disbursed_on, disbursed_year, disbursed_month, disbursed_quarter, maturity_date, created_at, updated_at) VALUES (" +
					id + ", 'L" + id + "', " + borrower + ", 'active', 1, '张伟', '', 'male', 'individual', '" + district + "', '" + bank + "', 10000000, 10000000, 39500, 19750, 19750, 30000000, 24, 'quarterly_interest', '2024-03-15', 2024, 3, 1, '2026-03-15', " + fixtureAt + ", " + fixtureAt + ")"
				if _, err := db.SQL().ExecContext(ctx, q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
				res := authz.Resource{Kind: loan.Kind, Owner: owner, District: district, Bank: bank}
				records = append(records, scopeRecord{id: int64(n), res: res})
			}
		}
	}
	actions := []authz.Action{loan.ActRead, loan.ActDisburse, loan.ActRepay, loan.ActClaimSubsidy, loan.ActCheckSubsidy, loan.ActPaySubsidy,
		loan.ActCompensate, loan.ActRecover, loan.ActWriteOff, loan.ActReadSubsidies, loan.ActReadExposure, loan.ActReadRisk}
	seen := checkScope(t, loan.Kind, actions, records,
		func(scope authz.ListScope, raw int64) error {
			id := loan.ID(raw)
			l, err := loans.Get(ctx, scope, id)
			if err == nil && (l.ID != id || l.Resource() != records[raw-1].res) {
				t.Errorf("Get %d answers loan %d as %+v", id, l.ID, l.Resource())
			}
			_, uerr := loans.Update(ctx, scope, id, func(context.Context, *loan.Loan) (audit.Event, error) {
				return audit.Event{}, errProbe
			})
			if found := errors.Is(uerr, errProbe); found != (err == nil) {
				t.Errorf("loan %d: Get answers %v, Update %v", id, err, uerr)
			}
			return err
		},
		func(scope authz.ListScope) ([]int64, error) {
			ls, _, err := loans.List(ctx, loan.Filter{}, scope, 0, 100)
			ids := make([]int64, len(ls))
			for i, l := range ls {
				ids[i] = int64(l.ID)
			}
			return ids, err
		})
	want := map[string]int{"entrepreneur 1": 4, "entrepreneur 2": 4, "hrss 411282": 6, "guarantee 411281": 6, "bank ICBC": 6,
		"auditor": 12, "admin": 0, "audit admin": 0, "hrss and bank": 9, "officer, no binding": 0, "signed out": 0}
	for name, n := range want {
		if seen[name] != n {
			t.Errorf("%s reads %d loans, want %d", name, seen[name], n)
		}
	}
}

// TestTenancyScopeAgreesWithCan runs the incubation records' scoped
// UpdateTenancy against Can (a tenancy's district is its base's), on each
// engine; a refused change writes nothing.
func TestTenancyScopeAgreesWithCan(t *testing.T) {
	db := newDB(t)
	scopeFixture(t, db)
	ctx := context.Background()
	sup := store.Support{DB: db}
	now := time.Date(2024, 3, 1, 2, 0, 0, 0, time.UTC)
	var records []scopeRecord
	for i, district := range []string{"411282", "411281"} {
		b := support.Base{Name: "孵化园" + district, DistrictCode: district, Level: "municipal", CreatedAt: now}
		if err := sup.CreateBase(ctx, &b); err != nil {
			t.Fatal(err)
		}
		for _, nid := range []string{"411282199001010013", "11010519491231002X"} {
			tn := support.Tenancy{BaseID: b.ID, NationalID: nid, EntityName: "小店", MoveIn: time.Date(2024, 1, 1+i, 0, 0, 0, 0, time.UTC), CreatedBy: 1, CreatedAt: now, UpdatedAt: now}
			if err := sup.CreateTenancy(ctx, &tn); err != nil {
				t.Fatal(err)
			}
			records = append(records, scopeRecord{id: tn.ID, res: authz.Resource{Kind: support.KindRecord, District: district}})
		}
	}
	seen := checkScope(t, support.KindRecord, []authz.Action{authz.Update}, records,
		func(scope authz.ListScope, id int64) error {
			_, err := sup.UpdateTenancy(ctx, scope, id, func(_ context.Context, tn *support.Tenancy) (audit.Event, error) {
				if tn.ID != id {
					t.Errorf("UpdateTenancy %d runs on %d", id, tn.ID)
				}
				return audit.Event{}, errProbe
			})
			if errors.Is(err, errProbe) {
				return nil
			}
			return err
		}, nil)
	want := map[string]int{"hrss 411282": 2, "hrss and bank": 2, "entrepreneur 1": 0, "guarantee 411281": 0, "bank ICBC": 0,
		"auditor": 0, "admin": 0, "audit admin": 0, "officer, no binding": 0, "signed out": 0}
	for name, n := range want {
		if seen[name] != n {
			t.Errorf("%s changes %d incubation records, want %d", name, seen[name], n)
		}
	}
}

// TestUserScopeAgreesWithCan runs the accounts' scoped Get, Update and
// List against Can for reading and changing an account, on each engine:
// the account of every principal of the scope tests is among the records,
// so that an account is its own owner where Can says so.
func TestUserScopeAgreesWithCan(t *testing.T) {
	db := newDB(t)
	scopeFixture(t, db)
	ctx := context.Background()
	users := store.Users{DB: db}
	var records []scopeRecord
	for _, id := range []int64{1, 2, 10, 11, 12, 13, 14, 15, 16, 17} {
		if id >= 10 && id != 15 {
			s := strconv.FormatInt(id, 10)
			q := "INSERT INTO users (id, username, password_hash, password_changed_at, created_at, updated_at) VALUES (" + s + ", 'user" + s + "', 'x', " + fixtureAt + ", " + fixtureAt + ", " + fixtureAt + ")"
			if _, err := db.SQL().ExecContext(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		records = append(records, scopeRecord{id: id, res: user.User{ID: auth.UserID(id)}.Resource()})
	}
	seen := checkScope(t, user.Kind, []authz.Action{authz.Read, authz.Update}, records,
		func(scope authz.ListScope, id int64) error {
			r, err := users.Get(ctx, scope, auth.UserID(id))
			if err == nil && r.ID != auth.UserID(id) {
				t.Errorf("Get %d answers user %d", id, r.ID)
			}
			_, uerr := users.Update(ctx, scope, auth.UserID(id), func(context.Context, *user.Record) (audit.Event, error) {
				return audit.Event{}, errProbe
			})
			if found := errors.Is(uerr, errProbe); found != (err == nil) {
				t.Errorf("user %d: Get answers %v, Update %v", id, err, uerr)
			}
			return err
		},
		func(scope authz.ListScope) ([]int64, error) {
			us, _, err := users.ListUsers(ctx, user.Filter{}, scope, 0, 100)
			ids := make([]int64, len(us))
			for i, u := range us {
				ids[i] = int64(u.ID)
			}
			return ids, err
		})
	want := map[string]int{"entrepreneur 1": 0, "entrepreneur 2": 0, "hrss 411282": 0, "guarantee 411281": 0, "bank ICBC": 0,
		"auditor": 0, "admin": len(records), "audit admin": 0, "hrss and bank": 0, "officer, no binding": 0, "signed out": 0}
	for name, n := range want {
		if seen[name] != n {
			t.Errorf("%s reads %d accounts, want %d", name, seen[name], n)
		}
	}
}
