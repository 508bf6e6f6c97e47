package support

import (
	"context"
	"slices"

	"chuangdai/internal/apperr"
	"chuangdai/internal/application"
	"chuangdai/internal/auth"
	"chuangdai/internal/authz"
	"chuangdai/internal/beijing"
	"chuangdai/internal/idnum"
)

// openStatuses are the application statuses whose waiver the person profile
// shows: the newest of them is the application in progress.
var openStatuses = map[string]bool{
	"draft": true, "eligibility_review": true, "guarantee_review": true, "bank_review": true, "approved": true, "returned": true,
}

// readable reports whether p may read kind (KindProfile or KindIdentity)
// for a person with records r. What decides is where the person applied and
// borrowed: the districts of their applications and loans, and the banks of
// their applications. Training, incubation and service records give no
// access: an officer who writes a record about someone does not see their
// loans by doing so.
func (s *Service) readable(p auth.Principal, kind string, r Records) bool {
	if s.authz.Can(p, authz.Read, authz.Resource{Kind: kind}) {
		return true // a role that reads every profile (auditors)
	}
	for _, l := range r.Loans {
		if s.authz.Can(p, authz.Read, authz.Resource{Kind: kind, District: l.DistrictCode, Bank: l.BankCode}) {
			return true
		}
	}
	return false
}

// masked returns the profile with every resident ID number masked
// (410102********1234), for callers who see the person but not their identity.
func (pr Profile) masked() Profile {
	pr.NationalID = idnum.Mask(pr.NationalID)
	pr.Training = slices.Clone(pr.Training)
	for i := range pr.Training {
		pr.Training[i].NationalID = idnum.Mask(pr.Training[i].NationalID)
	}
	pr.Tenancies = slices.Clone(pr.Tenancies)
	for i := range pr.Tenancies {
		pr.Tenancies[i].NationalID = idnum.Mask(pr.Tenancies[i].NationalID)
	}
	pr.Services = slices.Clone(pr.Services)
	for i := range pr.Services {
		pr.Services[i].NationalID = idnum.Mask(pr.Services[i].NationalID)
	}
	pr.Loans = slices.Clone(pr.Loans)
	for i := range pr.Loans {
		pr.Loans[i].NationalID = idnum.Mask(pr.Loans[i].NationalID)
	}
	if pr.WaiverSource != nil {
		src := *pr.WaiverSource
		src.Tenancy.NationalID = idnum.Mask(src.Tenancy.NationalID)
		pr.WaiverSource = &src
	}
	return pr
}

// PersonProfile returns the four-in-one profile of the person with the
// resident ID number; the waiver is that of their newest open application.
// Roles that read no profile (entrepreneurs, administrators) are refused; a
// person the caller may not see, or one with no record at all, is not found.
func (s *Service) PersonProfile(ctx context.Context, p auth.Principal, nationalID string) (Profile, error) {
	if !s.authz.HasAny(p, authz.Read, KindProfile) {
		return Profile{}, apperr.Forbiddenf("your role does not read people's four-in-one profiles: open the profile of an application instead")
	}
	res, err := idnum.ParseResident(nationalID)
	if err != nil {
		return Profile{}, apperr.NotFoundf("no four-in-one records for %q: the resident ID number %v", nationalID, err)
	}
	r, err := s.store.Records(ctx, res.Number)
	if err != nil {
		return Profile{}, apperr.Contextf(err, "read the four-in-one records of %s", idnum.Mask(res.Number))
	}
	if r.Empty() || !s.readable(p, KindProfile, r) {
		return Profile{}, apperr.NotFoundf("no four-in-one records for %s that you may see", idnum.Mask(res.Number))
	}
	pr := Profile{NationalID: res.Number, Records: r}
	for _, l := range r.Loans {
		if openStatuses[l.Status] {
			pr.CounterGuaranteeWaived, pr.WaiverReason, pr.WaiverSource = s.waiver(l, r.Tenancies)
			break
		}
	}
	if !s.readable(p, KindIdentity, r) {
		return pr.masked(), nil
	}
	return pr, nil
}

// ApplicationLookup returns the application with the id as the caller may
// see it: one they may not see is a not_found error; MaskIdentity is set when
// the caller may not see the applicant's identity in full.
type ApplicationLookup func(ctx context.Context, p auth.Principal, id application.ID) (Loan, error)

// ApplicationProfile returns the profile of an application's applicant with
// the waiver of that application. The caller sees the profile exactly when
// they see the application; an applicant not verified as the person sees it
// without records, and so the waiver only as the amount decides it.
func (s *Service) ApplicationProfile(ctx context.Context, p auth.Principal, id application.ID) (Profile, error) {
	app, err := s.apps(ctx, p, id)
	if err != nil {
		return Profile{}, apperr.Contextf(err, "read application %d for its profile", id)
	}
	var r Records
	if !app.Withhold {
		if r, err = s.store.Records(ctx, app.NationalID); err != nil {
			return Profile{}, apperr.Contextf(err, "read the four-in-one records of the applicant of application %d", id)
		}
	}
	pr := Profile{NationalID: app.NationalID, Records: r}
	pr.CounterGuaranteeWaived, pr.WaiverReason, pr.WaiverSource = s.waiver(app, r.Tenancies)
	if p.UserID == app.OwnerID {
		pr.WaiverSource = nil
	}
	if app.MaskIdentity {
		return pr.masked(), nil
	}
	return pr, nil
}

// waiver is Waiver under the version in force on the day l was applied
// for; none was in force then: no waiver rule, not waived.
func (s *Service) waiver(l Loan, tenancies []Tenancy) (bool, string, *WaiverSource) {
	amount := l.Amount
	if l.ApprovedAmount != nil {
		amount = *l.ApprovedAmount
	}
	on := beijing.Day(l.CreatedAt)
	if l.SubmittedAt != nil {
		on = beijing.Day(*l.SubmittedAt)
	}
	v, err := s.policy.At(on)
	if err != nil {
		return false, "", nil
	}
	waived, reason, base := Waiver(v, Application{BorrowerType: l.BorrowerType, Amount: amount, AppliedOn: on}, tenancies)
	if base == nil {
		return waived, reason, nil
	}
	return waived, reason, &WaiverSource{Tenancy: *base, AppliedOn: on, RecordedAfterApplication: base.RecordedAfter(on)}
}

// Figures returns a year's four-in-one figures: every district for auditors
// and administrators, their own for district officers.
func (s *Service) Figures(ctx context.Context, p auth.Principal, year int) (Figures, error) {
	scope := s.authz.Scope(p, authz.Read, KindFigures)
	if scope.Empty() {
		return Figures{}, apperr.Forbiddenf("your role may not read the four-in-one figures")
	}
	if year < 2000 || year > 2100 {
		return Figures{}, apperr.Field("year", "must be a year between 2000 and 2100, such as ?year=2024")
	}
	var districts []string
	if !scope.All {
		districts = scope.Districts
	}
	f, err := s.store.Figures(ctx, year, districts)
	f.Year = year
	return f, apperr.Contextf(err, "read the four-in-one figures of %d", year)
}
