package httpapi_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"chuangdai/internal/application"
	"chuangdai/internal/apptest"
	"chuangdai/internal/document"
	"chuangdai/internal/document/doctest"
	loanpkg "chuangdai/internal/loan"
	"chuangdai/internal/store"
	"chuangdai/internal/user"
)

// world is two of everything: records in the principals' own district, bank
// and ownership ("own"), and the same records somewhere else ("other").
type world struct {
	s      *apptest.Server
	tokens map[string]string // role → token of the principal playing it
	ids    map[string]map[string]string
}

var matrixUsers = map[string]string{
	"entrepreneur": "owner", "hrss_officer": "hrss", "guarantee_officer": "guar",
	"bank_officer": "bank", "finance_auditor": "auditor", "admin": "admin", "audit_admin": "auditadmin",
}

var matrixRoles = []string{"entrepreneur", "hrss_officer", "guarantee_officer", "bank_officer", "finance_auditor", "admin"}

func newWorld(t *testing.T) *world { return newWorldOn(t, newCast(t)) }

// newWorldOn builds the world with the users of c, on c's server.
func newWorldOn(t *testing.T, c *cast) *world {
	s := c.s
	w := &world{s: s, tokens: map[string]string{
		"entrepreneur": c.owner, "hrss_officer": c.hrss, "guarantee_officer": c.guar,
		"bank_officer": c.bank, "finance_auditor": c.auditor, "admin": c.admin,
	}, ids: map[string]map[string]string{"own": {}, "other": {}}}

	// Own: an application of the entrepreneur in District/Bank, disbursed
	// by the second bank officer (four eyes).
	own := c.loan(t)
	w.ids["own"]["loan"] = jsonID(own["id"])
	w.ids["own"]["application"] = jsonID(own["application_id"])
	w.ids["own"]["national_id"] = loanPersonID(c.seq)

	// Other: another entrepreneur's application in OtherDistrict/OtherBank.
	c.seq++
	otherID := loanPersonID(c.seq)
	body := individual(otherID)
	body["district_code"], body["bank_code"] = apptest.OtherDistrict, apptest.OtherBank
	c.decideInPast()
	app := jsonID(s.Do("POST", "/api/v1/applications", c.other, body).Want(201).JSON()["id"])
	base := "/api/v1/applications/" + app
	s.Do("POST", base+"/submit", c.other, nil).Want(200)
	s.Do("POST", base+"/decisions", c.hrssOther, map[string]any{"decision": "approve"}).Want(200)
	s.Do("POST", base+"/decisions", c.guarOther, map[string]any{"decision": "approve", "comment": "ok"}).Want(200)
	s.Do("POST", base+"/decisions", c.bankOther, map[string]any{"decision": "approve", "approved_amount": "200000.00", "annual_rate": "0.0395", "term_months": 24}).Want(200)
	bankOther2 := s.User("bank.other2", "bank_officer", "", apptest.OtherBank)
	loan := s.Do("POST", base+"/disbursement", bankOther2, disbursement("200000.00", "2024-03-15", "D-"+app), "Idempotency-Key", "disb-other-"+app).Want(201).JSON()["loan"].(map[string]any)
	w.ids["other"]["application"] = app
	w.ids["other"]["loan"] = jsonID(loan["id"])
	w.ids["other"]["national_id"] = otherID

	// Incubation tenancies in each district.
	for scope, district := range map[string]string{"own": apptest.District, "other": apptest.OtherDistrict} {
		officer := c.hrss
		if scope == "other" {
			officer = c.hrssOther
		}
		b := s.Do("POST", "/api/v1/incubation-bases", s.AdminToken, map[string]any{"name": "孵化基地" + district, "district_code": district, "level": "municipal"}).Want(201).JSON()["id"]
		rec := s.Do("POST", "/api/v1/incubation-records", officer, map[string]any{"base_id": b, "national_id": w.ids[scope]["national_id"], "entity_name": "小店", "move_in": "2024-01-01"}).Want(201).JSON()["id"]
		w.ids[scope]["incubation_record"] = jsonID(rec)
	}
	// A document on each application, written straight to the store: both
	// are past the stages where the API adds any.
	for scope, app := range map[string]string{"own": w.ids["own"]["application"], "other": app} {
		id, _ := strconv.ParseInt(app, 10, 64)
		content := doctest.ChromiumPDF
		h := sha256.Sum256(content)
		if err := s.App.Files.Put(context.Background(), hex.EncodeToString(h[:]), content); err != nil {
			t.Fatal(err)
		}
		d, err := store.Documents{DB: s.App.DB}.Add(context.Background(), document.Document{ApplicationID: application.ID(id), Kind: "id_card",
			Filename: "id.pdf", ContentType: document.PDF, Size: int64(len(content)), SHA256: hex.EncodeToString(h[:]),
			UploadedBy: 1, UploadedAt: time.Now().UTC(), State: document.Uploaded})
		if err != nil {
			t.Fatal(err)
		}
		w.ids[scope]["document"] = strconv.FormatInt(d.ID, 10)
	}
	// A proposed extension of each loan, written straight to the store (the
	// loans matured before today, so the API takes none now).
	for _, scope := range []string{"own", "other"} {
		id, _ := strconv.ParseInt(w.ids[scope]["loan"], 10, 64)
		eid, err := store.Loans{DB: s.App.DB}.AddExtension(context.Background(), loanpkg.Extension{LoanID: loanpkg.ID(id), OldMaturity: time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC),
			NewMaturity: time.Date(2026, 6, 15, 0, 0, 0, 0, time.UTC), Reason: "matrix", State: loanpkg.ExtensionProposed, ProposedBy: 1, ProposedAt: time.Now().UTC()})
		if err != nil {
			t.Fatal(err)
		}
		w.ids[scope]["extension"] = strconv.FormatInt(eid, 10)
	}
	// A notification of each entrepreneur: the owner's own, the other's.
	for scope, tok := range map[string]string{"own": c.owner, "other": c.other} {
		items := s.Do("GET", "/api/v1/notifications", tok, nil).Want(200).JSON()["items"].([]any)
		w.ids[scope]["notification"] = jsonID(items[0].(map[string]any)["id"])
	}
	// The audit administrator (三员分立), made where the first administrator
	// is: on the command line.
	if _, err := s.App.Users.CreateFromCLI(context.Background(), user.CreateInput{Username: "auditadmin", Password: apptest.Password, Role: "audit_admin"}); err != nil {
		t.Fatal(err)
	}
	w.tokens["audit_admin"] = s.Login("auditadmin", apptest.Password)
	// A user to manage: the same for both scopes (users are not scoped).
	uid := jsonID(s.Do("POST", "/api/v1/users", s.AdminToken, map[string]string{"username": "managed", "password": "long-enough-1", "role": "finance_auditor"}).Want(201).JSON()["id"])
	w.ids["own"]["user"], w.ids["other"]["user"] = uid, uid
	// A fund movement proposed by another guarantee officer (the fund is
	// the city's: the same for both scopes).
	mv := jsonID(s.Do("POST", "/api/v1/guarantee/fund/movements", c.guar2, map[string]any{"kind": "contribution", "amount": "1000000.00",
		"booked_on": "2024-01-10", "reference": "MATRIX-1"}, "Idempotency-Key", "matrix-movement").Want(201).JSON()["id"])
	w.ids["own"]["fund_movement"], w.ids["other"]["fund_movement"] = mv, mv
	return w
}

// url fills a route's path parameters with the scope's records.
func (w *world) url(path, scope string) (string, bool) {
	ids := w.ids[scope]
	kind := "application"
	switch {
	case strings.HasPrefix(path, "/api/v1/loans/"):
		kind = "loan"
	case strings.HasPrefix(path, "/api/v1/users/"):
		kind = "user"
	case strings.HasPrefix(path, "/api/v1/incubation-records/"):
		kind = "incubation_record"
	case strings.HasPrefix(path, "/api/v1/documents/"):
		kind = "document"
	case strings.HasPrefix(path, "/api/v1/notifications/"):
		kind = "notification"
	case strings.HasPrefix(path, "/api/v1/guarantee/fund/movements/"):
		kind = "fund_movement"
	}
	scoped := strings.Contains(path, "{id}") || strings.Contains(path, "{national_id}")
	r := strings.NewReplacer("{id}", ids[kind], "{eid}", ids["extension"], "{national_id}", ids["national_id"], "{year}", "2024", "{period}", "2024Q2", "{month}", "2024-01")
	return r.Replace(path), scoped
}

// outcome classifies an answer: "deny" for 401/403/404, "allow" otherwise
// (a 422 or 409 means the caller passed authorization and met a rule).
func outcome(status int) string {
	switch status {
	case 401, 403, 404:
		return "deny"
	case 500:
		return "error"
	}
	return "allow"
}

// grant is what a role may reach on a route: "all" scopes, only its "own"
// scope, or "none".
type grant string

// observe calls every route as each of roles on both scopes.
func observe(t *testing.T, w *world, roles []string) map[string]map[string]grant {
	out := map[string]map[string]grant{}
	for _, r := range w.s.App.Server.Routes {
		if r.Public {
			continue
		}
		key := r.Method + " " + r.Path
		out[key] = map[string]grant{}
		for _, role := range roles {
			res := map[string]string{}
			for _, scope := range []string{"own", "other"} {
				url, scoped := w.url(r.Path, scope)
				if !scoped && scope == "other" {
					res["other"] = res["own"]
					continue
				}
				var body any
				if r.Request != nil {
					body = map[string]any{}
				}
				token := w.tokens[role]
				if key == "POST /api/v1/auth/logout" {
					token = w.s.Login(matrixUsers[role], apptest.Password) // a token of its own to revoke
				}
				resp := w.s.Do(r.Method, url, token, body, "Idempotency-Key", "matrix-"+role+"-"+scope+"-"+r.Path)
				res[scope] = outcome(resp.Status)
				if res[scope] == "error" {
					t.Errorf("%s as %s (%s): 500 %s", key, role, scope, resp.Body)
				}
			}
			switch {
			case res["own"] == "allow" && res["other"] == "allow":
				out[key][role] = "all"
			case res["own"] == "allow":
				out[key][role] = "own"
			case res["other"] == "allow":
				out[key][role] = "OTHER-ONLY"
			default:
				out[key][role] = "none"
			}
		}
	}
	return out
}

// expectedMatrix is what each role may reach on each route, in the order of
// matrixRoles: entrepreneur, hrss_officer, guarantee_officer, bank_officer,
// finance_auditor, admin. "own" means only records in the role's own scope
// (its applications, district or bank); "all" means everywhere the route
// reaches (lists are then filtered to the scope); "none" means 403 or 404.
// A new route must be added here, or the test fails.
var expectedMatrix = map[string][6]grant{
	"GET /api/v1/applications":                 {"all", "all", "all", "all", "all", "none"},
	"GET /api/v1/applications/{id}":            {"own", "own", "own", "own", "all", "none"},
	"GET /api/v1/applications/{id}/support":    {"own", "own", "own", "own", "all", "none"},
	"GET /api/v1/applications/{id}/documents":  {"own", "own", "own", "own", "all", "none"},
	"POST /api/v1/applications/{id}/documents": {"own", "own", "own", "own", "none", "none"},
	"GET /api/v1/documents/{id}/content":       {"own", "own", "own", "own", "all", "none"},
	"POST /api/v1/documents/{id}/review":       {"none", "own", "own", "own", "none", "none"},
	"GET /api/v1/audit-events":                 {"none", "none", "none", "none", "all", "all"},
	"GET /api/v1/periods":                      {"none", "none", "none", "none", "all", "all"},
	"POST /api/v1/periods/{month}/close":       {"none", "none", "none", "none", "all", "none"},
	"GET /api/v1/reversals":                    {"none", "all", "all", "all", "all", "none"},
	"POST /api/v1/reversals":                   {"none", "all", "all", "all", "none", "none"},
	// No reversal exists in the world: each confirmation and rejection is
	// 404 (TestRepaymentReversalRestatesTheLoan and the others try the roles).
	"POST /api/v1/reversals/{id}/confirm":                {"none", "none", "none", "none", "none", "none"},
	"POST /api/v1/reversals/{id}/reject":                 {"none", "none", "none", "none", "none", "none"},
	"GET /api/v1/audit-events/verify":                    {"none", "none", "none", "none", "all", "all"},
	"GET /api/v1/audit-events/actions":                   {"none", "none", "none", "none", "all", "all"},
	"GET /api/v1/banks":                                  {"all", "all", "all", "all", "all", "all"},
	"GET /api/v1/districts":                              {"all", "all", "all", "all", "all", "all"},
	"GET /api/v1/industries":                             {"all", "all", "all", "all", "all", "all"},
	"GET /api/v1/imports/loans/template":                 {"none", "none", "none", "none", "none", "all"},
	"GET /api/v1/incubation-records/import/template":     {"none", "all", "none", "none", "none", "none"},
	"GET /api/v1/guarantee/exposure":                     {"none", "none", "all", "none", "all", "none"},
	"GET /api/v1/guarantee/fund":                         {"none", "none", "all", "none", "all", "all"},
	"GET /api/v1/guarantee/fund/journal":                 {"none", "none", "all", "none", "all", "all"},
	"GET /api/v1/guarantee/fund/movements":               {"none", "none", "all", "none", "all", "all"},
	"POST /api/v1/guarantee/fund/movements":              {"none", "none", "all", "none", "none", "none"},
	"POST /api/v1/guarantee/fund/movements/{id}/confirm": {"none", "none", "all", "none", "none", "none"},
	"POST /api/v1/guarantee/fund/movements/{id}/reject":  {"none", "none", "all", "none", "none", "none"},
	"GET /api/v1/incubation-bases":                       {"all", "all", "all", "all", "all", "all"},
	"GET /api/v1/loans":                                  {"all", "all", "all", "all", "all", "none"},
	"GET /api/v1/loans/{id}":                             {"own", "own", "own", "own", "all", "none"},
	"GET /api/v1/loans/{id}/schedule":                    {"own", "own", "own", "own", "all", "none"},
	"GET /api/v1/loans/{id}/statement":                   {"own", "own", "own", "own", "all", "none"},
	"GET /api/v1/loans/{id}/subsidy":                     {"own", "own", "own", "own", "all", "none"},
	"GET /api/v1/me":                                     {"all", "all", "all", "all", "all", "all"},
	"GET /api/v1/me/notification-settings":               {"all", "all", "all", "all", "all", "all"},
	"PUT /api/v1/me/notification-settings":               {"all", "all", "all", "all", "all", "all"},
	"GET /api/v1/notifications":                          {"all", "all", "all", "all", "all", "all"},
	"GET /api/v1/notifications/unread-count":             {"all", "all", "all", "all", "all", "all"},
	"POST /api/v1/notifications/{id}/read":               {"own", "none", "none", "none", "none", "none"},
	"GET /api/v1/notifications/failed":                   {"none", "none", "none", "none", "none", "all"},
	"POST /api/v1/notifications/{id}/retry":              {"none", "none", "none", "none", "none", "all"},
	"GET /api/v1/people/{national_id}/support":           {"none", "own", "own", "own", "all", "none"},
	"GET /api/v1/reports/awards":                         {"none", "none", "none", "none", "all", "all"},
	"GET /api/v1/reports/disbursements":                  {"none", "none", "none", "none", "all", "all"},
	"GET /api/v1/reports/portfolio":                      {"none", "none", "none", "none", "all", "all"},
	"GET /api/v1/reports/progress":                       {"none", "none", "none", "none", "all", "all"},
	"GET /api/v1/reports/reconciliation":                 {"none", "none", "none", "all", "all", "all"}, // a bank officer: their own bank's (TestBankOfficersReconcileTheirOwnBank)
	"GET /api/v1/reports/reconciliation/template":        {"none", "none", "none", "all", "none", "all"},
	"GET /api/v1/subsidies":                              {"none", "all", "none", "none", "all", "none"},
	"GET /api/v1/subsidy-claims":                         {"none", "all", "none", "all", "all", "none"},
	"GET /api/v1/worklist":                               {"all", "all", "all", "all", "all", "all"},
	"POST /api/v1/subsidy-claims/batch":                  {"none", "all", "none", "all", "none", "none"},
	"GET /api/v1/support/figures":                        {"none", "all", "none", "none", "all", "all"},
	"GET /api/v1/training-records/import/template":       {"none", "all", "none", "none", "none", "none"},
	"GET /api/v1/targets/{year}":                         {"all", "all", "all", "all", "all", "all"},
	"GET /api/v1/users":                                  {"none", "none", "none", "none", "none", "all"},
	"GET /api/v1/users/{id}":                             {"none", "none", "none", "none", "none", "all"},
	"PATCH /api/v1/applications/{id}":                    {"own", "none", "none", "none", "none", "none"},
	"PATCH /api/v1/incubation-records/{id}":              {"none", "own", "none", "none", "none", "none"},
	"PATCH /api/v1/users/{id}":                           {"none", "none", "none", "none", "none", "all"},
	"POST /api/v1/applications":                          {"all", "none", "none", "none", "none", "none"},
	"POST /api/v1/applications/{id}/decisions":           {"none", "own", "own", "own", "none", "none"},
	"POST /api/v1/applications/{id}/disbursement":        {"none", "none", "none", "own", "none", "none"},
	"POST /api/v1/applications/{id}/submit":              {"own", "none", "none", "none", "none", "none"},
	"POST /api/v1/applications/{id}/withdraw":            {"own", "none", "none", "none", "none", "none"},
	"POST /api/v1/auth/logout":                           {"all", "all", "all", "all", "all", "all"},
	"POST /api/v1/banks":                                 {"none", "none", "none", "none", "none", "all"},
	"POST /api/v1/districts":                             {"none", "none", "none", "none", "none", "all"},
	"POST /api/v1/imports/loans":                         {"none", "none", "none", "none", "none", "all"},
	"POST /api/v1/incubation-bases":                      {"none", "none", "none", "none", "none", "all"},
	"POST /api/v1/incubation-records":                    {"none", "all", "none", "none", "none", "none"},
	"POST /api/v1/incubation-records/import":             {"none", "all", "none", "none", "none", "none"},
	"POST /api/v1/loans/{id}/compensation":               {"none", "none", "own", "none", "none", "none"},
	"POST /api/v1/loans/{id}/recoveries":                 {"none", "none", "own", "none", "none", "none"},
	"POST /api/v1/loans/{id}/repayments":                 {"none", "none", "none", "own", "none", "none"},
	"POST /api/v1/loans/{id}/subsidy/{period}/check":     {"none", "own", "none", "none", "none", "none"},
	"POST /api/v1/loans/{id}/subsidy/{period}/claim":     {"none", "none", "none", "own", "none", "none"},
	"POST /api/v1/loans/{id}/subsidy/{period}/pay":       {"none", "own", "none", "none", "none", "none"},
	"POST /api/v1/loans/{id}/write-off":                  {"none", "none", "own", "none", "none", "none"},
	"POST /api/v1/loans/{id}/write-off/confirm":          {"none", "none", "own", "none", "none", "none"},
	"POST /api/v1/loans/{id}/write-off/reject":           {"none", "none", "own", "none", "none", "none"},
	"POST /api/v1/me/password":                           {"all", "all", "all", "all", "all", "all"},
	"POST /api/v1/me/identities":                         {"all", "none", "none", "none", "none", "none"},
	"POST /api/v1/reports/reconciliation":                {"none", "none", "none", "all", "none", "all"},
	"POST /api/v1/service-records":                       {"none", "all", "none", "none", "none", "none"},
	"POST /api/v1/training-records":                      {"none", "all", "none", "none", "none", "none"},
	"POST /api/v1/training-records/import":               {"none", "all", "none", "none", "none", "none"},
	"POST /api/v1/users":                                 {"none", "none", "none", "none", "none", "all"},
	"POST /api/v1/users/{id}/password":                   {"none", "none", "none", "none", "none", "all"},
	"POST /api/v1/users/{id}/role-grant/confirm":         {"none", "none", "none", "none", "none", "all"},
	"PUT /api/v1/targets/{year}":                         {"none", "none", "none", "none", "none", "all"},

	// Loan operations (loanops.go).
	"POST /api/v1/loans/{id}/extensions":               {"none", "none", "none", "own", "none", "none"},
	"POST /api/v1/loans/{id}/extensions/{eid}/confirm": {"none", "none", "own", "none", "none", "none"},
	"POST /api/v1/loans/{id}/extensions/{eid}/reject":  {"none", "none", "own", "none", "none", "none"},
	"GET /api/v1/guarantee/risk":                       {"none", "none", "all", "none", "all", "all"},
}

// TestAuthorizationMatrix calls every authenticated route of the router's own
// table as every role, on a record of its own scope and on one outside it,
// and compares what gets through with expectedMatrix.
func TestAuthorizationMatrix(t *testing.T) {
	w := newWorld(t)
	got := observe(t, w, matrixRoles)
	for key, byRole := range got {
		want, ok := expectedMatrix[key]
		if !ok {
			t.Errorf("route %s has no entry in expectedMatrix: decide who may call it", key)
			continue
		}
		for i, role := range matrixRoles {
			if byRole[role] != want[i] {
				t.Errorf("%s as %s: reaches %q, want %q", key, role, byRole[role], want[i])
			}
		}
	}
	for key := range expectedMatrix {
		if _, ok := got[key]; !ok {
			t.Errorf("expectedMatrix names %s, which the router does not serve", key)
		}
	}
	if os.Getenv("CHUANGDAI_PRINT_MATRIX") != "" {
		keys := make([]string, 0, len(got))
		for k := range got {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			var parts []string
			for _, role := range matrixRoles {
				parts = append(parts, fmt.Sprintf("%q", got[k][role]))
			}
			fmt.Printf("\t%q: {%s},\n", k, strings.Join(parts, ", "))
		}
	}
}

// TestEveryRouteNeedsAToken calls every route that is not public without a
// token, and with a forged one: each answers 401.
func TestEveryRouteNeedsAToken(t *testing.T) {
	s := apptest.NewServer(t)
	for _, r := range s.App.Server.Routes {
		if r.Public {
			continue
		}
		url := strings.NewReplacer("{id}", "1", "{national_id}", "11010519491231002X", "{year}", "2024", "{period}", "2024Q2").Replace(r.Path)
		for _, token := range []string{"", "forged.token"} {
			s.Do(r.Method, url, token, map[string]any{}).WantProblem(401, "auth.unauthenticated")
		}
	}
}

// auditAdminReaches is all the audit administrator reaches (三员分立): the
// audit trail, its verification, and their own account.
var auditAdminReaches = map[string]grant{
	"GET /api/v1/audit-events":         "all",
	"GET /api/v1/audit-events/verify":  "all",
	"GET /api/v1/audit-events/actions": "all",
	"GET /api/v1/me":                   "all",
	"GET /api/v1/worklist":             "all", // their own work lists: none, an empty answer
	// Their own inbox and SMS choice, as every account has.
	"GET /api/v1/me/notification-settings":   "all",
	"PUT /api/v1/me/notification-settings":   "all",
	"GET /api/v1/notifications":              "all",
	"GET /api/v1/notifications/unread-count": "all",
	"POST /api/v1/me/password":               "all",
	"POST /api/v1/auth/logout":               "all",
}

// TestAuditAdminReadsTheAuditTrailAndNothingElse calls every authenticated
// route of the route table as the audit administrator: the audit trail, its
// verification, their own account and their (empty) work lists answer; everything else is 403 or 404.
func TestAuditAdminReadsTheAuditTrailAndNothingElse(t *testing.T) {
	w := newWorld(t)
	for key, byRole := range observe(t, w, []string{"audit_admin"}) {
		want := auditAdminReaches[key]
		if want == "" {
			want = "none"
		}
		if byRole["audit_admin"] != want {
			t.Errorf("%s as audit_admin: reaches %q, want %q", key, byRole["audit_admin"], want)
		}
	}
	ok := w.s.Do("GET", "/api/v1/audit-events/verify", w.tokens["audit_admin"], nil).Want(200).JSON()
	if ok["ok"] != true {
		t.Fatalf("verify as audit_admin: %v", ok)
	}
}
