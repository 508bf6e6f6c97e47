package store_test

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"chuangdai/internal/apperr"
	"chuangdai/internal/application"
	"chuangdai/internal/audit"
	"chuangdai/internal/auth"
	"chuangdai/internal/authz"
	"chuangdai/internal/config"
	"chuangdai/internal/identity"
	"chuangdai/internal/listing"
	"chuangdai/internal/store"
)

// Get reads an application outside a transaction (in one statement through
// pgx on PostgreSQL) exactly as the locked read of Update does (through
// gorm): every column, the nullable ones set and not, whether its number
// is verified, and its history in order with each actor's name (the
// account's, its user name when the account has none, the recorded actor
// without an account), the missing documents and the changes. The scope is
// in the statement.
func TestApplicationReadAsTheLockedRead(t *testing.T) {
	a, exec := fixtureApp(t)
	ctx := context.Background()
	exec("INSERT INTO users (id, username, name, password_hash, password_changed_at, created_at, updated_at) VALUES (2, 'wang', '王芳', 'x', " +
		fixtureAt + ", " + fixtureAt + ", " + fixtureAt + ")")
	apps := store.Applications{DB: a.DB}
	now := time.Date(2024, 3, 5, 8, 30, 15, 123456000, time.UTC)
	anna, wang := auth.UserID(1), auth.UserID(2)
	submitted := now.Add(time.Hour)
	full := application.Application{Number: "SQ411282-2024-000001", Status: application.EligibilityReview, Version: 1, ApplicantID: anna,
		CreatedAt: now, UpdatedAt: now, SubmittedAt: &submitted, StageEnteredAt: &submitted,
		Fields: application.Fields{BorrowerType: application.Individual, Name: "张伟", NationalID: "11010519491231002X", Phone: "13800138000",
			KeyGroup: "college_graduate", DistrictCode: "411282", BankCode: "ICBC-SMX", Amount: decimal.NewFromInt(200000), TermMonths: 24,
			BusinessName: "灵宝苹果合作社", Industry: "agriculture", Purpose: "冷库", JobsPlanned: 3, BirthDate: time.Date(1949, 12, 31, 0, 0, 0, 0, time.UTC),
			Partners:   []application.Partner{{Name: "李娜", NationalID: "110105194912310037", KeyGroup: "college_graduate"}},
			OtherLoans: []application.OtherLoan{{Holder: "self", Kind: "mortgage", Balance: decimal.RequireFromString("1234.56")}}},
		History: []application.HistoryEntry{
			{At: now, ActorID: &anna, Actor: "anna", Action: application.ActCreate, ToStatus: application.Draft},
			{At: submitted, ActorID: &wang, Actor: "wang", Action: application.ActSubmit, FromStatus: application.Draft,
				ToStatus: application.EligibilityReview, Comment: "请审核", MissingDocuments: []string{"id_card", "business_license"},
				Changes: []application.FieldChange{{Field: "name", Before: json.RawMessage(`"张"`), After: json.RawMessage(`"张伟"`)}}},
			{At: submitted.Add(time.Minute), Actor: "system", Action: application.ActEdit, FromStatus: application.EligibilityReview,
				ToStatus: application.EligibilityReview},
		}}
	id, err := apps.Create(ctx, full)
	if err != nil {
		t.Fatal(err)
	}
	draft, err := apps.Create(ctx, application.Application{Status: application.Draft, Version: 1, ApplicantID: wang, CreatedAt: now, UpdatedAt: now})
	if err != nil {
		t.Fatal(err)
	}
	all := authz.ListScope{All: true}
	locked := func(id application.ID) application.Application {
		t.Helper()
		var got application.Application
		if _, err := apps.Update(ctx, all, id, func(_ context.Context, a *application.Application) (audit.Event, error) {
			got = *a
			return audit.Event{}, errProbe
		}); !errors.Is(err, errProbe) {
			t.Fatal(err)
		}
		return got
	}
	same := func(what string, id application.ID) application.Application {
		t.Helper()
		got, err := apps.Get(ctx, all, id)
		if err != nil {
			t.Fatal(err)
		}
		if want := locked(id); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: Get read\n%s\nthe locked read\n%s", what, asJSON(got), asJSON(want))
		}
		return got
	}
	got := same("submitted", id)
	var names []string
	for _, h := range got.History {
		names = append(names, h.ActorName)
	}
	if len(got.History) != 3 || names[0] != "anna" || names[1] != "王芳" || names[2] != "system" || got.History[2].ActorID != nil ||
		len(got.History[1].MissingDocuments) != 2 || len(got.History[1].Changes) != 1 || got.History[1].Comment != "请审核" ||
		got.History[1].FromStatus != application.Draft || !got.History[1].At.Equal(submitted) {
		t.Errorf("history: %s", asJSON(got.History))
	}
	if got.NationalID != "11010519491231002X" || got.Phone != "13800138000" || len(got.Partners) != 1 || got.IdentityVerified {
		t.Errorf("the sealed columns opened: %s", asJSON(got))
	}
	if d := same("a draft without history", draft); d.Number != "" || d.DistrictCode != "" || d.History != nil {
		t.Errorf("draft: %s", asJSON(d))
	}

	verifiedBy, verifiedIn := wang, int64(id)
	if err := apps.BindIdentity(ctx, identity.Identity{NationalID: full.NationalID, UserID: anna, Method: identity.Officer, VerifiedBy: &verifiedBy,
		ApplicationID: &verifiedIn, VerifiedAt: now}); err != nil {
		t.Fatal(err)
	}
	exec("UPDATE applications SET enterprise_name = '灵宝果业', enterprise_credit_code = '91411282MA000000X1', enterprise_employees = 12, " +
		"enterprise_new_key_group_hires = 4, not_employed = TRUE, approved_amount_fen = 15000000, annual_rate_ppm = 39500, approved_term_months = 12, " +
		"approved_at = " + fixtureAt + ", approved_by = 2, disbursed_at = " + fixtureAt + " WHERE id = " + id.String())
	got = same("the nullable columns set", id)
	if !got.IdentityVerified || got.Enterprise == nil || got.Enterprise.Employees != 12 || got.ApprovedAmount == nil || got.AnnualRate == nil ||
		got.ApprovedBy == nil || got.DisbursedAt == nil || got.NotEmployed == nil {
		t.Errorf("the nullable columns: %s", asJSON(got))
	}

	for _, c := range []struct {
		scope authz.ListScope
		found bool
	}{
		{authz.ListScope{Districts: []string{"411282"}}, true}, {authz.ListScope{Banks: []string{"ICBC-SMX"}}, true},
		{authz.ListScope{Owners: []auth.UserID{anna}}, true},
		{authz.ListScope{Districts: []string{"411200"}, Banks: []string{"CCB-SMX"}, Owners: []auth.UserID{wang}}, false},
		{authz.ListScope{}, false},
	} {
		_, err := apps.Get(ctx, c.scope, id)
		if found := err == nil; found != c.found || (err != nil && apperr.KindOf(err) != apperr.NotFound) {
			t.Errorf("scope %+v: %v", c.scope, err)
		}
	}
	if _, err := apps.Get(ctx, all, draft+100); apperr.KindOf(err) != apperr.NotFound {
		t.Errorf("no such application: %v", err)
	}
}

// Get answers the history in the order of its entries' ids whatever order
// the statement's rows come in: on PostgreSQL, read by connections that
// may not scan an index, the entries come in the order they were written
// (ids 30, 10, 20), and the read without a transaction answers them as the
// locked read does, by id.
func TestApplicationReadSortsTheHistory(t *testing.T) {
	a, exec := fixtureApp(t)
	ctx := context.Background()
	apps := store.Applications{DB: a.DB}
	now := time.Date(2024, 3, 5, 8, 30, 0, 0, time.UTC)
	id, err := apps.Create(ctx, application.Application{Status: application.Draft, Version: 1, ApplicantID: 1, CreatedAt: now, UpdatedAt: now})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range []string{"30, 'edit'", "10, 'create'", "20, 'submit'"} {
		exec("INSERT INTO application_history (id, application_id, at, actor_id, actor, action, to_status) VALUES (" + strings.Replace(e, ",",
			", "+id.String()+", "+fixtureAt+", 1, 'anna',", 1) + ", 'draft')")
	}
	if a.DB.Engine == config.Postgres {
		var name string
		if err := a.DB.SQL().QueryRow("SELECT current_database()").Scan(&name); err != nil {
			t.Fatal(err)
		}
		exec("ALTER DATABASE " + name + " SET enable_indexscan = off")
		exec("ALTER DATABASE " + name + " SET enable_bitmapscan = off")
		// The connections open from here on scan no index.
		a.DB.SQL().SetMaxIdleConns(0)
		a.DB.SQL().SetMaxIdleConns(2)
	}
	got, err := apps.Get(ctx, authz.ListScope{All: true}, id)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, h := range got.History {
		actions = append(actions, string(h.Action))
	}
	var want application.Application
	if _, err := apps.Update(ctx, authz.ListScope{All: true}, id, func(_ context.Context, x *application.Application) (audit.Event, error) {
		want = *x
		return audit.Event{}, errProbe
	}); !errors.Is(err, errProbe) {
		t.Fatal(err)
	}
	if !slices.Equal(actions, []string{"create", "submit", "edit"}) || !reflect.DeepEqual(got, want) {
		t.Errorf("Get read\n%s\nthe locked read\n%s", asJSON(got), asJSON(want))
	}
}

// Stages, List and Some answer outside a transaction (through pgx on
// PostgreSQL) what they answer inside one (through gorm), for every filter
// and sort of a list, every kind of scope and pages up to past the end,
// and the expected rows.
func TestApplicationListsOutsideATransaction(t *testing.T) {
	a, exec := fixtureApp(t)
	ctx := context.Background()
	exec("INSERT INTO districts (code, name, created_at, updated_at) VALUES ('411281', '义马市', " + fixtureAt + ", " + fixtureAt + ")")
	exec("INSERT INTO banks (code, name, created_at, updated_at) VALUES ('RCB-LB', '农商行', " + fixtureAt + ", " + fixtureAt + ")")
	apps := store.Applications{DB: a.DB}
	base := time.Date(2024, 3, 5, 8, 30, 0, 0, time.UTC)
	var ids []application.ID
	for i, c := range []struct {
		status   application.Status
		district string
		bank     string
		name     string
		group    string
		borrower application.BorrowerType
	}{
		{application.EligibilityReview, "411282", "ICBC-SMX", "张伟", "college_graduate", application.Individual},
		{application.EligibilityReview, "411282", "RCB-LB", "李_娜", "returning_migrant_worker", application.Individual},
		{application.GuaranteeReview, "411281", "ICBC-SMX", "王%芳", "college_graduate", application.Partnership},
		{application.Draft, "411281", "RCB-LB", "赵强", "college_graduate", application.Individual},
		{application.EligibilityReview, "411281", "RCB-LB", "孙丽", "college_graduate", application.Individual},
	} {
		at := base.Add(time.Duration(i) * 25 * time.Hour)
		x := application.Application{Status: c.status, Version: 1, ApplicantID: 1, CreatedAt: at, UpdatedAt: at,
			Fields: application.Fields{BorrowerType: c.borrower, Name: c.name, DistrictCode: c.district, BankCode: c.bank, KeyGroup: c.group,
				NationalID: "11010519491231002X", BusinessName: "合作社" + strconv.Itoa(i), Amount: decimal.NewFromInt(int64(100000 + i))}}
		if c.status != application.Draft {
			x.Number = "SQ" + c.district + "-2024-00000" + strconv.Itoa(i)
			x.SubmittedAt, x.StageEnteredAt = &at, &at
			x.BirthDate, x.TermMonths = time.Date(1949, 12, 31, 0, 0, 0, 0, time.UTC), 24
		}
		id, err := apps.Create(ctx, x)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	all := authz.ListScope{All: true}
	filters := []application.Filter{
		{}, {NewestFirst: true}, {Statuses: []application.Status{application.EligibilityReview, application.GuaranteeReview}},
		{DistrictCode: "411281"}, {BankCode: "RCB-LB"}, {KeyGroup: "college_graduate"}, {BorrowerType: application.Partnership},
		{SubmittedFrom: "2024-03-06", SubmittedTo: "2024-03-07"}, {NationalID: "11010519491231002X"}, {Query: "_"}, {Query: "%芳"},
		{Query: "sq411282"}, {Sort: listing.Sort{Key: "submitted_at", Desc: true}}, {Sort: listing.Sort{Key: "name"}},
		{Sort: listing.Sort{Key: "amount", Desc: true}},
	}
	scopes := []authz.ListScope{all, {Districts: []string{"411282"}}, {Banks: []string{"RCB-LB"}}, {Owners: []auth.UserID{1}},
		{Districts: []string{"411281"}, Banks: []string{"ICBC-SMX"}}, {Owners: []auth.UserID{2}}}
	inTx := func(fn func(ctx context.Context) error) {
		t.Helper()
		if err := a.DB.InTx(ctx, fn); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range filters {
		for _, scope := range scopes {
			got, err := apps.Stages(ctx, f, scope)
			if err != nil {
				t.Fatal(err)
			}
			var want []application.StageRef
			inTx(func(ctx context.Context) (err error) { want, err = apps.Stages(ctx, f, scope); return })
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Stages %+v %+v: %s, in a transaction %s", f, scope, asJSON(got), asJSON(want))
			}
			for _, p := range [][2]int{{0, 100}, {0, 2}, {1, 2}, {4, 2}, {9, 2}} {
				got, total, err := apps.List(ctx, f, scope, p[0], p[1])
				if err != nil {
					t.Fatal(err)
				}
				var want []application.Application
				var wantTotal int64
				inTx(func(ctx context.Context) (err error) {
					want, wantTotal, err = apps.List(ctx, f, scope, p[0], p[1])
					return
				})
				if total != wantTotal || !reflect.DeepEqual(got, want) {
					t.Errorf("List %+v %+v page %v: %d %s, in a transaction %d %s", f, scope, p, total, asJSON(got), wantTotal, asJSON(want))
				}
			}
		}
	}
	stages := func(f application.Filter) (out []application.ID) {
		got, err := apps.Stages(ctx, f, all)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range got {
			out = append(out, r.ID)
		}
		return out
	}
	for _, c := range []struct {
		f    application.Filter
		want []application.ID
	}{
		{application.Filter{}, []application.ID{ids[0], ids[1], ids[2], ids[4], ids[3]}},
		{application.Filter{NewestFirst: true}, []application.ID{ids[4], ids[3], ids[2], ids[1], ids[0]}},
		{application.Filter{Query: "_"}, []application.ID{ids[1]}}, {application.Filter{Query: "%芳"}, []application.ID{ids[2]}},
		{application.Filter{SubmittedFrom: "2024-03-06", SubmittedTo: "2024-03-07"}, []application.ID{ids[1], ids[2]}},
		{application.Filter{Statuses: []application.Status{application.EligibilityReview}, DistrictCode: "411282"}, []application.ID{ids[0], ids[1]}},
	} {
		if got := stages(c.f); !slices.Equal(got, c.want) {
			t.Errorf("Stages %+v: %v, want %v", c.f, got, c.want)
		}
	}
	if got, total, err := apps.List(ctx, application.Filter{Statuses: []application.Status{application.EligibilityReview}}, all, 1, 1); err != nil ||
		total != 3 || len(got) != 1 || got[0].ID != ids[1] || got[0].NationalID != "11010519491231002X" {
		t.Errorf("List page 2 of the eligibility review: %d %s %v", total, asJSON(got), err)
	}
	if got, total, err := apps.List(ctx, application.Filter{}, all, 5, 2); err != nil || total != 5 || len(got) != 0 {
		t.Errorf("List past the end: %d %s %v", total, asJSON(got), err)
	}
	if got, err := apps.Stages(ctx, application.Filter{}, authz.ListScope{Districts: []string{"411200"}}); err != nil || len(got) != 0 {
		t.Errorf("Stages of another district: %v %v", got, err)
	}

	for _, scope := range scopes {
		some := append(slices.Clone(ids[1:4]), ids[0]+100)
		got, err := apps.Some(ctx, some, scope)
		if err != nil {
			t.Fatal(err)
		}
		var want []application.Application
		inTx(func(ctx context.Context) (err error) { want, err = apps.Some(ctx, some, scope); return })
		slices.SortFunc(got, func(a, b application.Application) int { return cmp.Compare(a.ID, b.ID) })
		slices.SortFunc(want, func(a, b application.Application) int { return cmp.Compare(a.ID, b.ID) })
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Some %+v: %s, in a transaction %s", scope, asJSON(got), asJSON(want))
		}
	}
	got, err := apps.Some(ctx, ids[1:3], authz.ListScope{Districts: []string{"411282"}})
	if err != nil || len(got) != 1 || got[0].ID != ids[1] || got[0].Name != "李_娜" || got[0].NationalID != "11010519491231002X" {
		t.Errorf("Some in a district: %s %v", asJSON(got), err)
	}
}
