package application

import (
	"context"
	"strconv"
	"strings"
	"time"

	"chuangdai/internal/auth"
	"chuangdai/internal/authz"
	"chuangdai/internal/beijing"
	"chuangdai/internal/msg"
	"chuangdai/internal/notify"
)

// Notifier writes the notifications of a change in the caller's
// transaction (notify.Service).
type Notifier interface {
	Notify(ctx context.Context, e notify.Event, to ...notify.Audience) error
}

// SetNotifier makes the service tell people of its transitions; without
// one it tells nobody.
func (s *Service) SetNotifier(n Notifier) { s.notifier = n }

// StageOfficers is the audience that decides stage st of a: the district's
// HRSS or guarantee officers, or the chosen bank's officers (also those who
// disburse an approved application).
func StageOfficers(a Application, st Status) (notify.Audience, bool) {
	switch st {
	case EligibilityReview:
		return notify.Officers(auth.HRSSOfficer, a.DistrictCode, ""), true
	case GuaranteeReview:
		return notify.Officers(auth.GuaranteeOfficer, a.DistrictCode, ""), true
	case BankReview, Approved:
		return notify.Officers(auth.BankOfficer, "", a.BankCode), true
	}
	return notify.Audience{}, false
}

// tell writes the notifications of the transition of a (already moved to
// to, at its new version) in the caller's transaction: the applicant hears
// of every change of their application, the officers of the next stage that
// it waits for them.
func (s *Service) tell(ctx context.Context, a Application, act Action, from Status, comment string, missing []string, now time.Time) error {
	if s.notifier == nil {
		return nil
	}
	to := a.Status
	ev := func(template string, params map[string]string) notify.Event {
		params["number"] = a.Number
		return notify.Event{Key: "application:" + a.ID.String() + ":v" + strconv.Itoa(a.Version),
			Template: template, Params: params, EntityType: Kind, EntityID: a.ID.String()}
	}
	applicant := notify.User(a.ApplicantID)
	stage := func(st Status) map[string]string {
		return map[string]string{"stage": string(st), "stage_label": msg.Label("status", st).Localize(msg.ZH)}
	}
	var events []struct {
		e  notify.Event
		to notify.Audience
	}
	add := func(e notify.Event, to notify.Audience) {
		events = append(events, struct {
			e  notify.Event
			to notify.Audience
		}{e, to})
	}
	if officers, ok := StageOfficers(a, to); ok && to.InReview() {
		add(ev("application.to_review", stage(to)), officers)
	}
	switch {
	case act == ActSubmit:
		add(ev("application.submitted", map[string]string{}), applicant)
	case act == ActApprove && to.InReview():
		add(ev("application.advanced", stage(to)), applicant)
	case act == ActApprove && to == Approved:
		amount := ""
		if a.ApprovedAmount != nil {
			amount = a.ApprovedAmount.StringFixed(2)
		}
		add(ev("application.approved", map[string]string{"amount": amount}), applicant)
		officers, _ := StageOfficers(a, Approved)
		add(ev("application.to_disburse", map[string]string{"amount": amount}), officers)
	case act == ActReturn:
		zh, en := s.missingLabels(a, from, missing, now)
		add(ev("application.returned", map[string]string{"comment": comment, "missing": zh, "missing_en": en}), applicant)
	case act == ActReject:
		params := map[string]string{"comment": comment}
		if len(missing) > 0 {
			params["missing"], params["missing_en"] = s.missingLabels(a, from, missing, now)
		}
		add(ev("application.rejected", params), applicant)
	case act == ActWithdraw:
		if officers, ok := StageOfficers(a, from); ok && from.InReview() {
			add(ev("application.withdrawn", map[string]string{}), officers)
		}
	}
	for _, e := range events {
		if err := s.notifier.Notify(ctx, e.e, e.to); err != nil {
			return err
		}
	}
	return nil
}

// missingLabels names the missing document kinds by their labels in the
// checklist a had in status from, in Chinese and in English ("无" / "none"
// when the list is empty).
func (s *Service) missingLabels(a Application, from Status, missing []string, now time.Time) (zh, en string) {
	if len(missing) == 0 {
		return "无", "none"
	}
	a.Status = from
	labels := map[string][2]string{}
	for _, it := range a.Checklist(s.policy, now) {
		labels[it.Kind] = [2]string{it.Label.ZH, it.Label.EN}
	}
	var zs, es []string
	for _, k := range missing {
		l, ok := labels[k]
		if !ok {
			l = [2]string{k, k}
		}
		zs, es = append(zs, l[0]), append(es, l[1])
	}
	return strings.Join(zs, "、"), strings.Join(es, ", ")
}

// TellDeadlines tells the officers of each stage whose applications must
// be decided by tomorrow (the daily job of day), once per application and
// stage; their SMS wait for the morning. It returns how many it told.
func (s *Service) TellDeadlines(ctx context.Context, day time.Time) (int, error) {
	if s.notifier == nil {
		return 0, nil
	}
	tomorrow := day.AddDate(0, 0, 1)
	f := Filter{Statuses: []Status{EligibilityReview, GuaranteeReview, BankReview}}
	told := 0
	const batch = 500
	for offset := 0; ; offset += batch {
		as, _, err := s.store.List(ctx, f, authz.ListScope{All: true}, offset, batch)
		if err != nil {
			return told, err
		}
		for _, a := range as {
			deadline, _, ok := a.Deadline(s.policy, s.now())
			if !ok || !beijing.Day(deadline).Equal(tomorrow) {
				continue
			}
			officers, _ := StageOfficers(a, a.Status)
			e := notify.Event{Key: "deadline:" + a.ID.String() + ":v" + strconv.Itoa(a.Version), Template: "stage.deadline",
				Params: map[string]string{"number": a.Number, "stage": string(a.Status), "stage_label": msg.Label("status", a.Status).Localize(msg.ZH),
					"deadline": tomorrow.Format(time.DateOnly)},
				EntityType: Kind, EntityID: a.ID.String(), NotBefore: notify.Morning(day)}
			if err := s.notifier.Notify(ctx, e, officers); err != nil {
				return told, err
			}
			told++
		}
		if len(as) < batch {
			return told, nil
		}
	}
}
