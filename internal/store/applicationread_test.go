package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"chuangdai/internal/apperr"
	"chuangdai/internal/application"
	"chuangdai/internal/apptest"
	"chuangdai/internal/audit"
	"chuangdai/internal/auth"
	"chuangdai/internal/authz"
	"chuangdai/internal/identity"
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
	a := apptest.New(t)
	ctx := context.Background()
	exec := func(q string) {
		t.Helper()
		if _, err := a.DB.SQL().Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	baseFixture(exec)
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
	locked := func(id int64) application.Application {
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
	same := func(what string, id int64) application.Application {
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

	verifiedBy := wang
	if err := apps.BindIdentity(ctx, identity.Identity{NationalID: full.NationalID, UserID: anna, Method: identity.Officer, VerifiedBy: &verifiedBy,
		ApplicationID: &id, VerifiedAt: now}); err != nil {
		t.Fatal(err)
	}
	exec("UPDATE applications SET enterprise_name = '灵宝果业', enterprise_credit_code = '91411282MA000000X1', enterprise_employees = 12, " +
		"enterprise_new_key_group_hires = 4, not_employed = TRUE, approved_amount_fen = 15000000, annual_rate_ppm = 39500, approved_term_months = 12, " +
		"approved_at = " + fixtureAt + ", approved_by = 2, disbursed_at = " + fixtureAt + " WHERE id = " + strconv.FormatInt(id, 10))
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
