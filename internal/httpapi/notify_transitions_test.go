package httpapi_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"chuangdai/internal/apptest"
	"chuangdai/internal/auth"
	"chuangdai/internal/notify"
)

// TestEveryTransitionIsTold: each step of an application's path writes its
// notifications: the applicant hears that it was submitted, advanced to the
// guarantee and the bank stage (with the stage's label) and approved with the
// amount; the officers of each next stage hear that it waits for them, the
// bank's officers that it waits to be disbursed; a rejection tells the
// applicant the comment, and the documents missing when it names them (the
// one-time list); a withdrawal under review tells the officers of that stage
// and not the applicant. Officers of other stages hear nothing of it.
func TestEveryTransitionIsTold(t *testing.T) {
	c := newCast(t)
	s := c.s
	app := c.application(t, c.owner, "approved")

	mine := inboxOf(t, c, c.owner, "")
	if got := strings.Join(templatesOf(mine), ","); got != "application.approved,application.advanced,application.advanced,application.submitted" {
		t.Fatalf("the applicant's inbox: %s", got)
	}
	if !has(mine, "application.approved", map[string]string{"amount": "200000.00"}) ||
		!has(mine, "application.advanced", map[string]string{"stage": "guarantee_review", "stage_label": "担保审核"}) ||
		!has(mine, "application.advanced", map[string]string{"stage": "bank_review", "stage_label": "银行审核"}) {
		t.Fatalf("the applicant's notifications: %+v", mine.Items)
	}
	for _, it := range mine.Items {
		if it.EntityType != "application" || it.EntityID != app || it.Params["number"] == "" {
			t.Errorf("%s names %s %s, number %q", it.Template, it.EntityType, it.EntityID, it.Params["number"])
		}
	}
	if !strings.Contains(mine.Items[0].Text, "金额 200,000.00 元") {
		t.Errorf("approval text %q", mine.Items[0].Text)
	}
	for _, tok := range []string{c.guar, c.guar2} {
		if got := inboxOf(t, c, tok, ""); strings.Join(templatesOf(got), ",") != "application.to_review" ||
			!has(got, "application.to_review", map[string]string{"stage": "guarantee_review"}) {
			t.Fatalf("the guarantee officers' inbox: %+v", got.Items)
		}
	}
	for _, tok := range []string{c.bank, c.bank2} {
		got := inboxOf(t, c, tok, "")
		if strings.Join(templatesOf(got), ",") != "application.to_disburse,application.to_review" ||
			!has(got, "application.to_review", map[string]string{"stage": "bank_review"}) {
			t.Fatalf("the bank officers' inbox: %+v", got.Items)
		}
	}
	if got := inboxOf(t, c, c.hrss, ""); strings.Join(templatesOf(got), ",") != "application.to_review" {
		t.Fatalf("the HRSS officer's inbox: %v", templatesOf(got))
	}
	for name, tok := range map[string]string{"other bank": c.bankOther, "other district": c.guarOther} {
		if got := inboxOf(t, c, tok, ""); got.Total != 0 {
			t.Errorf("%s: %v", name, templatesOf(got))
		}
	}

	rejected := c.application(t, c.other, "eligibility_review")
	s.Do("POST", "/api/v1/applications/"+rejected+"/decisions", c.hrss, map[string]any{"decision": "reject", "comment": "不属于重点群体"}).Want(200)
	got := inboxOf(t, c, c.other, "")
	if strings.Join(templatesOf(got), ",") != "application.rejected,application.submitted" ||
		!has(got, "application.rejected", map[string]string{"comment": "不属于重点群体"}) || !strings.Contains(got.Items[0].Text, "不属于重点群体") {
		t.Fatalf("the rejected applicant's inbox: %+v", got.Items)
	}

	// A rejection that names documents tells them, all at once.
	listed := c.application(t, c.other, "eligibility_review")
	s.Do("POST", "/api/v1/applications/"+listed+"/decisions", c.hrss,
		map[string]any{"decision": "reject", "comment": "材料不实", "missing_documents": []string{"returnee_proof", "premises"}}).Want(200)
	got = inboxOf(t, c, c.other, "")
	if !has(got, "application.rejected", map[string]string{"comment": "材料不实", "missing": "返乡创业农民工证明、经营场所证明（租赁合同或产权证明）"}) ||
		got.Items[0].Text != "您的创业担保贷款申请 "+got.Items[0].Params["number"]+" 未获批准：材料不实。缺少的材料：返乡创业农民工证明、经营场所证明（租赁合同或产权证明）。" {
		t.Fatalf("the rejection with documents: %+v", got.Items[0])
	}
	if en := inboxOf(t, c, c.other, "", "Accept-Language", "en"); !strings.HasSuffix(en.Items[0].Text, "was rejected: 材料不实. Documents missing: Proof of returning migrant worker, Proof of premises (lease or ownership).") {
		t.Fatalf("English text %q", en.Items[0].Text)
	}
	if _, ok := mine.Items[0].Params["missing"]; ok {
		t.Fatal("an approval names missing documents")
	}
	for _, it := range inboxOf(t, c, c.other, "?page_size=200").Items {
		if it.Template == "application.rejected" && it.EntityID == rejected && (it.Params["missing"] != "" || strings.Contains(it.Text, "缺少")) {
			t.Fatalf("a rejection naming no documents names some: %+v", it)
		}
	}

	withdrawn := c.application(t, c.other, "eligibility_review")
	s.Do("POST", "/api/v1/applications/"+withdrawn+"/withdraw", c.other, nil).Want(200)
	for _, tok := range []string{c.hrss, c.hrss2} {
		got := inboxOf(t, c, tok, "")
		if countOf(got, "application.withdrawn") != 1 || got.Items[0].Template != "application.withdrawn" || got.Items[0].EntityID != withdrawn {
			t.Fatalf("the HRSS officers after the withdrawal: %+v", got.Items)
		}
	}
	if got := inboxOf(t, c, c.other, ""); countOf(got, "application.withdrawn") != 0 || countOf(got, "application.submitted") != 3 {
		t.Fatalf("the applicant after the withdrawal: %v", templatesOf(got))
	}
	if got := inboxOf(t, c, c.guar, ""); got.Total != 1 {
		t.Fatalf("the guarantee officers heard of the other stage's withdrawal: %v", templatesOf(got))
	}
}

// failingNotifier writes the notifications of a change, then fails it.
type failingNotifier struct{ real *notify.Service }

func (f failingNotifier) Notify(ctx context.Context, e notify.Event, to ...notify.Audience) error {
	if err := f.real.Notify(ctx, e, to...); err != nil {
		return err
	}
	return errors.New("the change fails after its notifications")
}

// TestTheOutboxIsWrittenInTheChangesTransaction: notifications are written
// in the transaction of their change, never apart from it: a submission
// that fails after writing its notifications leaves the application a
// draft, without history, and tells nobody; notifications written in a
// transaction that rolls back are not there; the same event told twice to
// a user is one notification.
func TestTheOutboxIsWrittenInTheChangesTransaction(t *testing.T) {
	c := newCast(t)
	s := c.s
	ctx := context.Background()
	app := c.draft(t)
	s.App.Applications.SetNotifier(failingNotifier{s.App.Notifications})
	s.Do("POST", "/api/v1/applications/"+app+"/submit", c.owner, nil).WantProblem(500, "internal")
	s.App.Applications.SetNotifier(s.App.Notifications)
	a := s.Do("GET", "/api/v1/applications/"+app, c.owner, nil).Want(200).JSON()
	if a["status"] != "draft" || len(a["history"].([]any)) != 1 {
		t.Fatalf("after the failed submission: %v, history %v", a["status"], a["history"])
	}
	for name, tok := range map[string]string{"applicant": c.owner, "HRSS officer": c.hrss} {
		if got := inboxOf(t, c, tok, ""); got.Total != 0 {
			t.Fatalf("the %s was told of a submission that failed: %v", name, templatesOf(got))
		}
	}

	me := s.Do("GET", "/api/v1/me", c.owner, nil).Want(200).JSON()
	owner := auth.UserID(me["id"].(float64))
	e := notify.Event{Key: "test:twice", Template: "application.submitted", Params: map[string]string{"number": "N1"}}
	err := s.App.DB.InTx(ctx, func(ctx context.Context) error {
		if err := s.App.Notifications.Notify(ctx, e, notify.User(owner)); err != nil {
			return err
		}
		return errors.New("roll back")
	})
	if err == nil {
		t.Fatal("the transaction did not fail")
	}
	if got := inboxOf(t, c, c.owner, ""); got.Total != 0 {
		t.Fatalf("a rolled-back notification is in the inbox: %v", templatesOf(got))
	}
	for range 2 {
		if err := s.App.Notifications.Notify(ctx, e, notify.User(owner), notify.Officers(auth.HRSSOfficer, apptest.District, "")); err != nil {
			t.Fatal(err)
		}
	}
	if got := inboxOf(t, c, c.owner, ""); got.Total != 1 {
		t.Fatalf("one event told twice: %d notifications", got.Total)
	}
	if got := inboxOf(t, c, c.hrss, ""); got.Total != 1 {
		t.Fatalf("one event told twice to the officers: %d notifications", got.Total)
	}
}
