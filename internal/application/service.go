package application

import (
	"cmp"
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"chuangdai/internal/apperr"
	"chuangdai/internal/audit"
	"chuangdai/internal/auth"
	"chuangdai/internal/authz"
	"chuangdai/internal/beijing"
	"chuangdai/internal/identity"
	"chuangdai/internal/idnum"
	"chuangdai/internal/msg"
	"chuangdai/internal/policy"
)

// Service implements intake, the review path and the queues.
type Service struct {
	store  Store
	authz  *authz.Enforcer
	audit  *audit.Recorder
	policy *policy.Policy
	now    func() time.Time
	// notifier tells people of transitions (SetNotifier).
	notifier Notifier
	// guaranteeChecks may refuse a guarantee approval (AddGuaranteeCheck).
	guaranteeChecks []GuaranteeCheck
}

// GuaranteeCheck may refuse the guarantee centre's approval of a: it runs
// inside the decision's transaction, on the Beijing day of the decision.
type GuaranteeCheck func(ctx context.Context, a Application, day time.Time) error

// AddGuaranteeCheck adds a check of guarantee approvals (the guarantee
// fund's risk triggers).
func (s *Service) AddGuaranteeCheck(c GuaranteeCheck) {
	s.guaranteeChecks = append(s.guaranteeChecks, c)
}

// NewService wires the application service.
func NewService(s Store, z *authz.Enforcer, a *audit.Recorder, p *policy.Policy) *Service {
	return &Service{store: s, authz: z, audit: a, policy: p, now: time.Now}
}

// SetClock replaces the service's clock (tests, and demo data that must
// look as if it arrived days ago).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// View is an application with its current stage's deadline, as callers see it.
type View struct {
	Application
	// StageDeadline is the end of the working day by which the current
	// review stage should be decided; nil outside the review stages.
	StageDeadline *time.Time
	Late          bool
	// Claims are the other accounts' applications naming the same resident
	// ID number, shown to the HRSS officers who decide its eligibility; nil
	// for everyone else.
	Claims []Claim
	// Stages is the progress stepper, for one application (nil in lists).
	Stages []Stage
	// Missing are the fields a draft still lacks, which submitting will
	// require, in the order of the form; empty for a complete draft and
	// every other status.
	Missing []string
}

// viewOf is the view of a; stages are a's stages or nil (in lists). When
// their current stage was entered at a.StageEnteredAt it carries a's
// deadline (the same instant, policy and status), which is taken from there;
// otherwise deadlines answers it, once per status and day of entry for all
// the views of a list.
func (s *Service) viewOf(p auth.Principal, a Application, inList bool, stages []Stage, deadlines *deadlineMemo) View {
	missing := []string{}
	if a.Status == Draft {
		day := beijing.Day(s.now())
		var ignored apperr.Fields
		if v, err := s.policy.At(day); err == nil {
			_, missing = ValidateDraft(v, day, InputOf(a.Fields), &ignored)
		}
	}
	if !s.needsIdentity(p, a, inList) {
		a = a.Redacted()
	}
	v := View{Application: a, Missing: missing, Stages: stages}
	if st, ok := currentStage(a, stages); ok {
		d := *st.Deadline
		v.StageDeadline, v.Late = &d, s.now().After(d)
	} else if d, late, ok := deadlines.of(a.Status, a.StageEnteredAt); ok {
		v.StageDeadline, v.Late = &d, late
	}
	return v
}

// currentStage is the stage of stages a is in, when it was entered at
// a.StageEnteredAt and has a deadline.
func currentStage(a Application, stages []Stage) (Stage, bool) {
	if !a.Status.InReview() || a.StageEnteredAt == nil {
		return Stage{}, false
	}
	for _, st := range stages {
		if st.Stage == string(a.Status) && st.EnteredAt != nil && st.EnteredAt.Equal(*a.StageEnteredAt) && st.Deadline != nil {
			return st, true
		}
	}
	return Stage{}, false
}

// Create takes a new application from an entrepreneur, as a draft; every
// rule is checked.
func (s *Service) Create(ctx context.Context, p auth.Principal, in Input) (View, error) {
	return s.create(ctx, p, in, false)
}

// CreateDraft takes a new application saved half-filled (see
// ValidateDraft): what is given must be well-formed, the rest may come
// later.
func (s *Service) CreateDraft(ctx context.Context, p auth.Principal, in Input) (View, error) {
	return s.create(ctx, p, in, true)
}

func (s *Service) create(ctx context.Context, p auth.Principal, in Input, draft bool) (View, error) {
	if !s.authz.Can(p, authz.Create, authz.Resource{Kind: Kind}) {
		return View{}, apperr.Forbiddenf("only entrepreneurs may apply for a loan")
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	fields, err := s.validate(ctx, now, in, "", draft)
	if err != nil {
		return View{}, err
	}
	var id ID
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.checkPersons(ctx, now, personsOf(fields, nil), 0, p.UserID, false); err != nil {
			return err
		}
		a := Application{Status: Draft, Version: 1, ApplicantID: p.UserID, Fields: fields, CreatedAt: now, UpdatedAt: now,
			History: []HistoryEntry{entry(p, now, ActCreate, "", Draft, "")}}
		if err := s.number(ctx, &a); err != nil {
			return err
		}
		if id, err = s.store.Create(ctx, a); err != nil {
			return err
		}
		return s.audit.Record(ctx, p, "application.create", Kind, id.String(), nil, auditView{Number: a.Number, Status: Draft, Version: 1, Fields: &fields})
	})
	if err != nil {
		return View{}, apperr.Contextf(err, "create an application")
	}
	a, err := s.get(ctx, p, id)
	if err != nil {
		return View{}, err
	}
	return s.one(ctx, p, a)
}

// number hands a its number once its district is known: at its creation,
// or for a draft saved without a district, when one is given.
func (s *Service) number(ctx context.Context, a *Application) error {
	if a.Number != "" || a.DistrictCode == "" {
		return nil
	}
	year := a.CreatedAt.In(beijing.Zone).Year()
	seq, err := s.store.NextSequence(ctx, a.DistrictCode, year)
	if err != nil {
		return err
	}
	a.Number = Number(a.DistrictCode, year, seq)
	return nil
}

// validate runs the rules of Validate (of ValidateDraft for a draft saved
// half-filled) plus those that need the database.
func (s *Service) validate(ctx context.Context, now time.Time, in Input, industryWas string, draft bool) (Fields, error) {
	day := beijing.Day(now)
	var f apperr.Fields
	var out Fields
	v, err := s.policy.At(day)
	if err != nil {
		f.AddErr("amount", err)
		return out, f.Err()
	}
	if draft {
		out, _ = ValidateDraft(v, day, in, &f)
	} else {
		out = Validate(v, day, in, &f)
	}
	out.Industry = s.industry(&f, out.Industry, industryWas)
	if out.DistrictCode != "" && !f.Has("district_code") {
		ok, err := s.store.DistrictExists(ctx, out.DistrictCode)
		if err != nil {
			return out, err
		}
		if !ok {
			f.Add("district_code", "is not a known district: see GET /api/v1/districts")
		}
	}
	if out.BankCode != "" && !f.Has("bank_code") {
		ok, err := s.store.BankExists(ctx, out.BankCode)
		if err != nil {
			return out, err
		}
		if !ok {
			f.Add("bank_code", "is not a known handling bank: see GET /api/v1/banks")
		}
	}
	return out, f.Err()
}

// industry returns the code of the industry v names (its code or a label of
// the policy's list). The value the application already carries (was)
// stays as it is, so that free text written before the list, or a retired
// code, keeps reading and does not block an edit of other fields.
func (s *Service) industry(f *apperr.Fields, v, was string) string {
	if v == "" || v == was {
		return v
	}
	if x, ok := s.policy.IndustryOf(v); ok && (!x.Retired || x.Code == was) {
		return x.Code
	}
	f.Add("industry", "is not an industry of the list: see GET /api/v1/industries")
	return v
}

// Industries is the industry list applicants choose from (retired entries
// included, marked): reference data every role of the loan process reads.
func (s *Service) Industries(p auth.Principal) ([]policy.Industry, error) {
	if !s.authz.Can(p, authz.Read, authz.Resource{Kind: "industry"}) {
		return nil, apperr.Forbiddenf("your role may not read the industry list")
	}
	return s.policy.Industries, nil
}

// Industry finds the entry of the list an application's or loan's industry
// names; ok is false for free text written before the list.
func (s *Service) Industry(v string) (policy.Industry, bool) { return s.policy.IndustryOf(v) }

// person is one person the checks of CheckHistory apply to: the lead or a
// partner, with the JSON path of their national_id.
type person struct {
	field      string
	nationalID string
	lead       bool
}

// personsOf lists the persons of f to check: the lead on national_id, then
// each partner other than the lead on partners[i].national_id; with before,
// only those who are not already persons of before (an edit checks whom it
// adds).
func personsOf(f Fields, before *Fields) []person {
	var out []person
	if f.NationalID != "" && (before == nil || f.NationalID != before.NationalID) {
		out = append(out, person{field: "national_id", nationalID: f.NationalID, lead: true})
	}
	for i, p := range f.Partners {
		if p.NationalID == "" || p.NationalID == f.NationalID {
			continue
		}
		if before != nil && (p.NationalID == before.NationalID || slices.ContainsFunc(before.Partners, func(q Partner) bool { return q.NationalID == p.NationalID })) {
			continue
		}
		out = append(out, person{field: "partners[" + strconv.Itoa(i) + "].national_id", nationalID: p.NationalID})
	}
	return out
}

// checkPersons applies the person checks to every person of ps, inside the
// caller's transaction, for the application self (0 for a new one) of
// account. Their locks are taken first, in the order of the numbers, so
// that two applications naming the same people never wait for each other;
// the field errors of all are answered together.
func (s *Service) checkPersons(ctx context.Context, now time.Time, ps []person, self ID, account auth.UserID, reveal bool) error {
	ids := make([]string, 0, len(ps))
	for _, p := range ps {
		ids = append(ids, p.nationalID)
	}
	slices.Sort(ids)
	for _, id := range slices.Compact(ids) {
		if err := s.store.LockPerson(ctx, id); err != nil {
			return err
		}
	}
	var f apperr.Fields
	for _, p := range ps {
		err := s.checkPerson(ctx, now, p, self, account, reveal)
		e, ok := apperr.As(err)
		switch {
		case err == nil:
		case ok && e.Kind == apperr.Invalid && len(e.Fields) > 0:
			for _, fe := range e.Fields {
				f.AddText(fe.Field, fe.Message)
			}
		default:
			return err
		}
	}
	return f.Err()
}

// checkPerson applies CheckHistory to one person, whose lock the caller
// holds. What the account is told depends on who it is: an account verified
// as the person, or the officer deciding (reveal), hears the reason; any
// other account hears only identity.ErrUnusable, unless what stands in the
// way is its own application in progress. A lead's number bound to another
// account is unusable by this one; a partner's number is bound to the
// partner's own account, which is no obstacle.
func (s *Service) checkPerson(ctx context.Context, now time.Time, p person, self ID, account auth.UserID, reveal bool) error {
	holder, err := s.store.IdentityHolder(ctx, p.nationalID)
	if err != nil {
		return err
	}
	mine := holder != nil && holder.UserID == account
	if p.lead && holder != nil && !mine {
		if reveal {
			return errBoundElsewhere(p.nationalID)
		}
		return identity.ErrUnusable(p.field)
	}
	h, err := s.store.PersonHistory(ctx, p.nationalID, self, account)
	if err != nil {
		return err
	}
	v, err := s.policy.At(beijing.Day(now))
	if err != nil {
		var f apperr.Fields
		f.AddErr(p.field, err)
		return f.Err()
	}
	err = CheckHistory(v, p.field, h)
	if err == nil || reveal || mine || (h.OpenApplications > 0 && h.OpenApplications == h.MineOpen) {
		return err
	}
	return identity.ErrUnusable(p.field)
}

func errBoundElsewhere(nationalID string) error {
	return apperr.Newf(apperr.Conflict, "identity.conflict",
		"the resident ID number %s is verified for another account (see identity_claims): this applicant is not that person; reject the application with a comment",
		idnum.Mask(nationalID))
}

// verify binds the application's resident ID number to its applicant's
// account: the HRSS officer approving the eligibility review has the ID card
// in hand, so the approval is the verification, of the partners' too. Every
// person's history is checked again as it now counts, and the officer hears
// any reason in full; from now on the application counts for each of its
// persons whichever account asks.
func (s *Service) verify(ctx context.Context, p auth.Principal, a Application, now time.Time) error {
	if err := s.checkPersons(ctx, now, personsOf(a.Fields, nil), a.ID, a.ApplicantID, true); err != nil {
		return err
	}
	if err := s.store.VerifyPersons(ctx, a.ID); err != nil {
		return err
	}
	if a.IdentityVerified {
		return nil
	}
	by, app := p.UserID, int64(a.ID)
	id := identity.Identity{NationalID: a.NationalID, UserID: a.ApplicantID, Method: identity.Officer, VerifiedBy: &by, ApplicationID: &app, VerifiedAt: now}
	if err := s.store.BindIdentity(ctx, id); err != nil {
		if apperr.KindOf(err) == apperr.Conflict {
			return errBoundElsewhere(a.NationalID)
		}
		return err
	}
	return s.audit.Record(ctx, p, "identity.verify", "user", a.ApplicantID.String(), nil,
		map[string]any{"national_id": a.NationalID, "method": identity.Officer, "application": a.Number})
}

// one is the view of a single application: the HRSS officers who decide its
// eligibility also see the other claims on its resident ID number.
func (s *Service) one(ctx context.Context, p auth.Principal, a Application) (View, error) {
	v := s.viewOf(p, a, false, a.Stages(s.policy), newDeadlineMemo(s.policy, s.now()))
	if p.UserID == a.ApplicantID || a.NationalID == "" || !s.authz.Can(p, DecideEligibility, a.Resource()) {
		return v, nil
	}
	claims, err := s.store.Claims(ctx, a.NationalID, a.ApplicantID)
	if err != nil {
		return View{}, err
	}
	v.Claims = append([]Claim{}, claims...)
	return v, nil
}

func errNotFound(id ID) error {
	return apperr.NotFoundf("no application with id %d is visible to you", id)
}

// readScope is what p may read of applications: the WHERE clause of every
// read and change of one, so that one p may not see is not found.
func (s *Service) readScope(p auth.Principal) authz.ListScope {
	return s.authz.Scope(p, authz.Read, Kind)
}

// get returns the application if p may read it; anything else is 404.
func (s *Service) get(ctx context.Context, p auth.Principal, id ID) (Application, error) {
	a, err := s.store.Get(ctx, s.readScope(p), id)
	if apperr.KindOf(err) == apperr.NotFound {
		return a, errNotFound(id)
	}
	if err != nil {
		return a, apperr.Contextf(err, "read application %d", id)
	}
	return a, nil
}

// change runs fn, the checks and the transition of an action of p, on the
// application row-locked in the store's Update (see Store), and answers
// the application as written. One p may not read is 404 before fn runs.
func (s *Service) change(ctx context.Context, p auth.Principal, id ID, fn func(ctx context.Context, a *Application) (audit.Event, error)) (View, error) {
	ran := false
	a, err := s.store.Update(ctx, s.readScope(p), id, func(ctx context.Context, a *Application) (audit.Event, error) {
		ran = true
		return fn(ctx, a)
	})
	if !ran && apperr.KindOf(err) == apperr.NotFound {
		return View{}, errNotFound(id)
	}
	if err != nil {
		return View{}, err
	}
	return s.one(ctx, p, a)
}

// Visible returns the whole application if p may read it, for services that
// build on it, and whether p needs its personal data in full (see
// needsIdentity); what they show must follow that answer.
func (s *Service) Visible(ctx context.Context, p auth.Principal, id ID) (Application, bool, error) {
	a, err := s.get(ctx, p, id)
	if err != nil {
		return Application{}, false, err
	}
	return a, s.needsIdentity(p, a, false), nil
}

// Get returns one application with its history.
func (s *Service) Get(ctx context.Context, p auth.Principal, id ID) (View, error) {
	a, err := s.get(ctx, p, id)
	if err != nil {
		return View{}, err
	}
	return s.one(ctx, p, a)
}

// List returns the applications in p's scope that match f, for a queue.
func (s *Service) List(ctx context.Context, p auth.Principal, f Filter, offset, limit int) ([]View, int64, error) {
	scope := s.authz.Scope(p, authz.Read, Kind)
	if scope.Empty() {
		return nil, 0, apperr.Forbiddenf("your role may not read loan applications")
	}
	f.NewestFirst = !scope.All && len(scope.Districts) == 0 && len(scope.Banks) == 0
	if f.Late != nil || f.Sort.Key == SortDeadline {
		return s.listByDeadline(ctx, p, f, scope, offset, limit)
	}
	as, total, err := s.store.List(ctx, f, scope, offset, limit)
	if err != nil {
		return nil, 0, err
	}
	deadlines := newDeadlineMemo(s.policy, s.now())
	out := make([]View, len(as))
	for i, a := range as {
		out[i] = s.viewOf(p, a, true, nil, deadlines)
	}
	return out, total, nil
}

// listByDeadline answers a list filtered by lateness or sorted by deadline.
// A deadline counts working days on the policy's calendar, which SQL does
// not know: the store answers the stage of every matching application (three
// columns), the deadlines are computed here as for one application, and
// only the page asked for is read whole.
func (s *Service) listByDeadline(ctx context.Context, p auth.Principal, f Filter, scope authz.ListScope, offset, limit int) ([]View, int64, error) {
	type keyed struct {
		id       ID
		deadline time.Time
		has      bool
	}
	deadlines := newDeadlineMemo(s.policy, s.now())
	// keys reads the stages of f and keeps those of the lateness asked
	// for, with the number of them without a deadline.
	keys := func(f Filter) ([]keyed, int, error) {
		refs, err := s.store.Stages(ctx, f, scope)
		if err != nil {
			return nil, 0, err
		}
		ks := make([]keyed, 0, len(refs))
		none := 0
		for _, r := range refs {
			d, late, ok := deadlines.of(r.Status, r.StageEnteredAt)
			if f.Late != nil && late != *f.Late {
				continue
			}
			if !ok {
				none++
			}
			ks = append(ks, keyed{id: r.ID, deadline: d, has: ok})
		}
		return ks, none, nil
	}
	// Sorted by deadline, the applications with one are in the order of
	// their deadlines and ids whatever order the store read them in
	// (sorting them costs the database more than reading them): its order
	// is asked for only when two or more without a deadline keep it
	// between them.
	ordered := f
	ordered.AnyOrder = f.Sort.Key == SortDeadline
	ks, none, err := keys(ordered)
	if err == nil && ordered.AnyOrder && none > 1 {
		ks, _, err = keys(f)
	}
	if err != nil {
		return nil, 0, err
	}
	if f.Sort.Key == SortDeadline {
		// Soonest first (latest with -deadline), ties by id in the same
		// direction, applications without a deadline last either way.
		slices.SortStableFunc(ks, func(a, b keyed) int {
			switch {
			case !a.has || !b.has:
				return cmp.Compare(btoi(!a.has), btoi(!b.has))
			case f.Sort.Desc:
				return cmp.Or(b.deadline.Compare(a.deadline), cmp.Compare(b.id, a.id))
			}
			return cmp.Or(a.deadline.Compare(b.deadline), cmp.Compare(a.id, b.id))
		})
	}
	total := int64(len(ks))
	ks = ks[min(offset, len(ks)):min(offset+limit, len(ks))]
	if len(ks) == 0 {
		return nil, total, nil
	}
	ids := make([]ID, len(ks))
	for i, k := range ks {
		ids[i] = k.id
	}
	as, err := s.store.Some(ctx, ids, scope)
	if err != nil {
		return nil, 0, err
	}
	byID := make(map[ID]Application, len(as))
	for _, a := range as {
		byID[a.ID] = a
	}
	out := make([]View, 0, len(ids))
	for _, id := range ids {
		if a, ok := byID[id]; ok {
			out = append(out, s.viewOf(p, a, true, nil, deadlines))
		}
	}
	return out, total, nil
}

// deadlineMemo answers Application.Deadline for the stages and the views of
// a list, computing it once per status and Beijing day of entry: the
// deadline depends on nothing else (the policy in force that day, its
// service days for the stage, the working days after that day), and a
// queue's applications entered on a few days.
type deadlineMemo struct {
	p    *policy.Policy
	now  time.Time
	seen map[deadlineKey]deadlineOf
}

type deadlineKey struct {
	status Status
	day    time.Time
}

type deadlineOf struct {
	deadline time.Time
	ok       bool
}

func newDeadlineMemo(p *policy.Policy, now time.Time) *deadlineMemo {
	return &deadlineMemo{p: p, now: now}
}

// of is Application{Status: status, StageEnteredAt: entered}.Deadline.
func (m *deadlineMemo) of(status Status, entered *time.Time) (deadline time.Time, late, ok bool) {
	if entered == nil {
		return time.Time{}, false, false
	}
	k := deadlineKey{status, beijing.Day(*entered)}
	d, seen := m.seen[k]
	if !seen {
		if m.seen == nil {
			m.seen = map[deadlineKey]deadlineOf{}
		}
		d.deadline, _, d.ok = Application{Status: status, StageEnteredAt: entered}.Deadline(m.p, m.now)
		m.seen[k] = d
	}
	return d.deadline, d.ok && m.now.After(d.deadline), d.ok
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Patch is an edit: nil fields keep their value.
type Patch struct {
	BorrowerType *string
	Name         *string
	NationalID   *string
	Phone        *string
	KeyGroup     *string
	DistrictCode *string
	BankCode     *string
	Amount       *string
	TermMonths   *int
	BusinessName *string
	Industry     *string
	Purpose      *string
	JobsPlanned  *int
	// The reporting flags; nil keeps the value.
	Disabled                *bool
	VillageOfficial         *bool
	ReturnedOverseasStudent *bool
	// NotEmployed, when given, replaces the declaration.
	NotEmployed *bool
	Partners    *[]Partner
	Enterprise  *FirmInput
	OtherLoans  *[]OtherLoanInput
}

// Apply returns in with the patch's fields written over it. Partners and
// firm data that no longer fit the borrower type are dropped.
func (pt Patch) Apply(in Input) Input {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&in.BorrowerType, pt.BorrowerType)
	set(&in.Name, pt.Name)
	set(&in.NationalID, pt.NationalID)
	set(&in.Phone, pt.Phone)
	set(&in.KeyGroup, pt.KeyGroup)
	set(&in.DistrictCode, pt.DistrictCode)
	set(&in.BankCode, pt.BankCode)
	set(&in.Amount, pt.Amount)
	set(&in.BusinessName, pt.BusinessName)
	set(&in.Industry, pt.Industry)
	set(&in.Purpose, pt.Purpose)
	if pt.TermMonths != nil {
		in.TermMonths = *pt.TermMonths
	}
	for _, fl := range []struct {
		dst *bool
		v   *bool
	}{{&in.Disabled, pt.Disabled}, {&in.VillageOfficial, pt.VillageOfficial}, {&in.ReturnedOverseasStudent, pt.ReturnedOverseasStudent}} {
		if fl.v != nil {
			*fl.dst = *fl.v
		}
	}
	if pt.JobsPlanned != nil {
		in.JobsPlanned = *pt.JobsPlanned
	}
	if pt.NotEmployed != nil {
		in.NotEmployed = pt.NotEmployed
	}
	if pt.Partners != nil {
		in.Partners = *pt.Partners
	} else if in.BorrowerType != string(Partnership) {
		in.Partners = nil
	}
	if pt.Enterprise != nil {
		in.Enterprise = pt.Enterprise
	} else if in.BorrowerType != string(Enterprise) {
		in.Enterprise = nil
	}
	if pt.OtherLoans != nil {
		in.OtherLoans = *pt.OtherLoans
	}
	return in
}

// checkOwner answers 403 unless p may change a as its applicant, and 409
// conflict when the caller's version is stale.
func (s *Service) checkOwner(p auth.Principal, a Application, version *int, forbidden string) error {
	if !s.authz.Can(p, authz.Update, a.Resource()) {
		return apperr.Forbiddenf(forbidden)
	}
	return checkVersion(a, version)
}

func checkVersion(a Application, version *int) error {
	if version != nil && *version != a.Version {
		return apperr.Conflictf("the application is at version %d, not %d: someone changed it; reload it and try again", a.Version, *version)
	}
	return nil
}

// Update edits a draft or returned application; the whole application is
// checked again. version, when given, must be the current one.
func (s *Service) Update(ctx context.Context, p auth.Principal, id ID, version *int, pt Patch) (View, error) {
	return s.update(ctx, p, id, version, pt, false)
}

// UpdateDraft edits a draft and saves it half-filled (see ValidateDraft);
// a returned application, once submitted, stays complete (409).
func (s *Service) UpdateDraft(ctx context.Context, p auth.Principal, id ID, version *int, pt Patch) (View, error) {
	return s.update(ctx, p, id, version, pt, true)
}

func (s *Service) update(ctx context.Context, p auth.Principal, id ID, version *int, pt Patch, draft bool) (View, error) {
	v, err := s.change(ctx, p, id, func(ctx context.Context, a *Application) (audit.Event, error) {
		if err := s.checkOwner(p, *a, version, "only the applicant may edit an application"); err != nil {
			return audit.Event{}, err
		}
		if !a.Status.Editable() {
			return audit.Event{}, ErrNotEditable(a.Status)
		}
		if draft && a.Status != Draft {
			return audit.Event{}, apperr.Newf(apperr.Conflict, "application.invalid_state",
				"the application is %s: only a draft is saved half-filled; send the whole application without draft=true", msg.Label("status", a.Status))
		}
		now := s.now().UTC().Truncate(time.Microsecond)
		fields, err := s.validate(ctx, now, pt.Apply(InputOf(a.Fields)), a.Industry, draft)
		if err != nil {
			return audit.Event{}, err
		}
		if err := s.checkPersons(ctx, now, personsOf(fields, &a.Fields), a.ID, a.ApplicantID, false); err != nil {
			return audit.Event{}, err
		}
		before := a.Fields
		a.Fields, a.UpdatedAt = fields, now
		if err := s.number(ctx, a); err != nil {
			return audit.Event{}, err
		}
		if a.Status == Returned {
			h := entry(p, now, ActEdit, Returned, Returned, "")
			if h.Changes, err = changes(before, fields); err != nil {
				return audit.Event{}, err
			}
			a.History = append(a.History, h)
		}
		return audit.NewEvent(ctx, p, "application.update",
			auditView{Number: a.Number, Status: a.Status, Version: a.Version, Fields: &before},
			auditView{Number: a.Number, Status: a.Status, Version: a.Version + 1, Fields: &fields})
	})
	return v, apperr.Contextf(err, "edit application %d", id)
}

// Submit sends a draft or returned application to eligibility review,
// checking it again under the rules in force today.
func (s *Service) Submit(ctx context.Context, p auth.Principal, id ID, version *int) (View, error) {
	v, err := s.change(ctx, p, id, func(ctx context.Context, a *Application) (audit.Event, error) {
		if err := s.checkOwner(p, *a, version, "only the applicant may submit an application"); err != nil {
			return audit.Event{}, err
		}
		if _, err := Next(a.Status, ActSubmit); err != nil {
			return audit.Event{}, err
		}
		now := s.now().UTC().Truncate(time.Microsecond)
		var err error
		if a.Fields, err = s.validate(ctx, now, InputOf(a.Fields), a.Industry, false); err != nil {
			return audit.Event{}, err
		}
		if err := s.checkPersons(ctx, now, personsOf(a.Fields, nil), a.ID, a.ApplicantID, false); err != nil {
			return audit.Event{}, err
		}
		if err := s.checkDocuments(ctx, *a, now); err != nil {
			return audit.Event{}, err
		}
		a.SubmittedAt = &now
		return s.move(ctx, p, a, now, ActSubmit, "", nil)
	})
	return v, apperr.Contextf(err, "submit application %d", id)
}

// checkDocuments refuses to submit a while a required document of its
// checklist is missing or its newest version was rejected, when the
// checklist in force says submitting requires them.
func (s *Service) checkDocuments(ctx context.Context, a Application, now time.Time) error {
	d, ok := s.policy.DocumentsAt(beijing.Day(now))
	if !ok || !d.SubmitRequires {
		return nil
	}
	states, err := s.store.DocumentStates(ctx, a.ID)
	if err != nil {
		return err
	}
	var f apperr.Fields
	for _, item := range d.Checklist(string(a.BorrowerType), a.KeyGroup) {
		switch {
		case !item.Required:
		case states[item.Kind] == "":
			f.Addf("documents."+item.Kind, "%s is required: upload it before submitting", item.Label)
		case states[item.Kind] == "rejected":
			f.Addf("documents."+item.Kind, "%s was rejected by the officer: upload a new one before submitting", item.Label)
		}
	}
	return f.Err()
}

// Withdraw ends an application at the applicant's request, any time before
// it is approved.
func (s *Service) Withdraw(ctx context.Context, p auth.Principal, id ID, version *int, comment string) (View, error) {
	v, err := s.change(ctx, p, id, func(ctx context.Context, a *Application) (audit.Event, error) {
		if err := s.checkOwner(p, *a, version, "only the applicant may withdraw an application"); err != nil {
			return audit.Event{}, err
		}
		comment = strings.TrimSpace(comment)
		if len([]rune(comment)) > maxPurpose {
			return audit.Event{}, apperr.Field("comment", "must be at most 2000 characters")
		}
		return s.move(ctx, p, a, s.now().UTC().Truncate(time.Microsecond), ActWithdraw, comment, nil)
	})
	return v, apperr.Contextf(err, "withdraw application %d", id)
}

// DecisionInput is a reviewer's decision on the current stage.
type DecisionInput struct {
	Decision string
	Comment  string
	Contract ContractInput
	// CounterGuarantee records the counter-guarantee (反担保) when the
	// guarantee centre approves, such as "房产抵押：…".
	CounterGuarantee string
	// MissingDocuments names, on a return or rejection, the document kinds
	// of the checklist still missing: the one-time list (一次性告知).
	MissingDocuments []string
	// Version, when given, must be the current one.
	Version *int
}

// stages in path order.
var stages = []Status{EligibilityReview, GuaranteeReview, BankReview}

// Decide records a reviewer's approve, return or reject on the current
// review stage. The order of the checks decides the answer: not visible →
// 404; the applicant → four_eyes; a role that decides no stage of this
// application → 403; a stale version → 409 conflict; not under review, or
// already past the caller's stage → 409 invalid_state; a later stage than
// the caller's → 403; a user who decided another stage → four_eyes; then
// the decision itself (422).
func (s *Service) Decide(ctx context.Context, p auth.Principal, id ID, in DecisionInput) (View, error) {
	v, err := s.change(ctx, p, id, func(ctx context.Context, a *Application) (audit.Event, error) {
		return s.decide(ctx, p, a, in)
	})
	return v, apperr.Contextf(err, "decide application %d", id)
}

// decide is the decision on a, in the order of the answers of Decide.
func (s *Service) decide(ctx context.Context, p auth.Principal, a *Application, in DecisionInput) (audit.Event, error) {
	if a.Involves(p) {
		return audit.Event{}, apperr.New(apperr.Forbidden, "four_eyes", "you are the applicant or a partner of this application (by account or resident ID number): you decide no stage of it")
	}
	mine := -1
	for i, st := range stages {
		act, _ := StageAction(st)
		if s.authz.Can(p, act, a.Resource()) && mine < 0 {
			mine = i
		}
	}
	if mine < 0 {
		return audit.Event{}, apperr.Forbiddenf("your role decides no stage of this application: eligibility is decided by the district's hrss_officer, guarantee by its guarantee_officer, the bank stage by the chosen bank's bank_officer")
	}
	if err := checkVersion(*a, in.Version); err != nil {
		return audit.Event{}, err
	}
	if !a.Status.InReview() {
		return audit.Event{}, invalidState(a.Status, ActApprove)
	}
	stage := a.Status
	act, _ := StageAction(stage)
	if !s.authz.Can(p, act, a.Resource()) {
		if slices.Index(stages, stage) > mine {
			return audit.Event{}, apperr.Newf(apperr.Conflict, "application.invalid_state", "the application is at %s: it has moved past your stage (%s)",
				msg.Label("status", stage), msg.Label("status", stages[mine]))
		}
		return audit.Event{}, apperr.Forbiddenf("the application is at %s: %s", msg.Label("status", stage), decider(stage))
	}
	if a.DecidedOtherStage(p.UserID, stage) {
		return audit.Event{}, apperr.New(apperr.Forbidden, "four_eyes", "you decided another stage of this application: each stage needs a different person")
	}
	decision := Action(strings.TrimSpace(in.Decision))
	comment := strings.TrimSpace(in.Comment)
	var f apperr.Fields
	if !decision.IsDecision() {
		f.Addf("decision", "must be one of %s", msg.OneOf("decision", Decisions...))
	}
	if decision == ActReturn && comment == "" {
		f.Add("comment", "is required to return an application: tell the applicant what to change")
	}
	if decision == ActReject && comment == "" {
		f.Add("comment", "is required to reject an application: tell the applicant why")
	}
	if len([]rune(comment)) > maxPurpose {
		f.Add("comment", "must be at most 2000 characters")
	}
	bankApprove := decision == ActApprove && stage == BankReview
	if !bankApprove && in.Contract.Given() {
		f.Add("approved_amount", "approved_amount, annual_rate and term_months are set only when the bank approves")
	}
	counter := strings.TrimSpace(in.CounterGuarantee)
	switch {
	case counter != "" && (decision != ActApprove || stage != GuaranteeReview):
		f.Add("counter_guarantee", "is recorded only when the guarantee centre approves")
	case len([]rune(counter)) > maxPurpose:
		f.Addf("counter_guarantee", "must be at most %d characters", maxPurpose)
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	missing := checkMissing(&f, a.Checklist(s.policy, now), decision, in.MissingDocuments)
	if err := f.Err(); err != nil {
		return audit.Event{}, err
	}
	if counter != "" {
		a.CounterGuarantee = counter
	}
	if bankApprove {
		c, err := CheckContract(s.policy, beijing.Day(now), *a, in.Contract)
		if err != nil {
			return audit.Event{}, err
		}
		by := p.UserID
		a.ApprovedAmount, a.AnnualRate, a.ApprovedTermMonths, a.ApprovedAt, a.ApprovedBy = &c.Amount, &c.Rate, &c.TermMonths, &now, &by
	}
	if decision == ActApprove && stage == EligibilityReview {
		if err := s.verify(ctx, p, *a, now); err != nil {
			return audit.Event{}, err
		}
	}
	if decision == ActApprove && stage == GuaranteeReview {
		for _, check := range s.guaranteeChecks {
			if err := check(ctx, *a, beijing.Day(now)); err != nil {
				return audit.Event{}, err
			}
		}
	}
	return s.move(ctx, p, a, now, decision, comment, missing)
}

// checkMissing checks the missing documents of a decision: given only on a
// return or rejection, each a kind of the application's checklist, each
// once; it returns them in the order given.
func checkMissing(f *apperr.Fields, checklist []policy.ChecklistItem, decision Action, kinds []string) []string {
	if len(kinds) == 0 {
		return nil
	}
	if decision != ActReturn && decision != ActReject {
		f.Add("missing_documents", "is given only when returning or rejecting an application")
		return nil
	}
	known := make([]string, len(checklist))
	for i, item := range checklist {
		known[i] = item.Kind
	}
	var out []string
	for i, k := range kinds {
		field := "missing_documents[" + strconv.Itoa(i) + "]"
		switch k = strings.TrimSpace(k); {
		case !slices.Contains(known, k):
			f.Addf(field, "is not on this application's checklist: use one of %s (see GET /api/v1/applications/{id}/documents)", strings.Join(known, ", "))
		case slices.Contains(out, k):
			f.Addf(field, "names %s twice", k)
		default:
			out = append(out, k)
		}
	}
	return out
}

// decider says who decides a review stage.
func decider(s Status) msg.Text {
	switch s {
	case EligibilityReview:
		return msg.New("that stage is decided by an HRSS officer of its district")
	case GuaranteeReview:
		return msg.New("that stage is decided by a guarantee officer of its district")
	}
	return msg.New("that stage is decided by a bank officer of the chosen bank")
}

// move applies act to a (Application.Move), tells whom it concerns and
// answers the audit event, in the transaction of the store's Update.
func (s *Service) move(ctx context.Context, p auth.Principal, a *Application, now time.Time, act Action, comment string, missing []string) (audit.Event, error) {
	from, err := a.Move(p, act, now, comment, missing)
	if err != nil {
		return audit.Event{}, err
	}
	// The notifications carry the version the write gives.
	moved := *a
	moved.Version++
	if err := s.tell(ctx, moved, act, from, comment, missing, now); err != nil {
		return audit.Event{}, err
	}
	return audit.NewEvent(ctx, p, "application."+string(act),
		auditView{Number: a.Number, Status: from, Version: a.Version},
		auditView{Number: a.Number, Status: a.Status, Version: moved.Version, Comment: comment, Contract: contractOf(*a, act, a.Status),
			CounterGuarantee: counterOf(*a, from), MissingDocuments: missing})
}

// counterOf is the counter-guarantee recorded by the transition from from.
func counterOf(a Application, from Status) string {
	if from != GuaranteeReview {
		return ""
	}
	return a.CounterGuarantee
}

func contractOf(a Application, act Action, to Status) *auditContract {
	if act != ActApprove || to != Approved || a.ApprovedAmount == nil || a.AnnualRate == nil || a.ApprovedTermMonths == nil {
		return nil
	}
	return &auditContract{Amount: a.ApprovedAmount.StringFixed(2), Rate: a.AnnualRate.String(), TermMonths: *a.ApprovedTermMonths}
}

// Move applies act, done by p at at, to a: its next status, the start of
// its stage, and the history entry with the comment and the missing
// documents named. It answers the status a had. Every transition after the
// creation goes through here, the disbursement recorded by the loans
// capability included.
func (a *Application) Move(p auth.Principal, act Action, at time.Time, comment string, missing []string) (Status, error) {
	from := a.Status
	to, err := Next(from, act)
	if err != nil {
		return from, err
	}
	a.Status, a.UpdatedAt = to, at
	if to.InReview() {
		a.StageEnteredAt = &at
	} else {
		a.StageEnteredAt = nil
	}
	h := entry(p, at, act, from, to, comment)
	h.MissingDocuments = missing
	a.History = append(a.History, h)
	return from, nil
}

func entry(p auth.Principal, at time.Time, act Action, from, to Status, comment string) HistoryEntry {
	h := HistoryEntry{At: at, Actor: p.Username, Action: act, FromStatus: from, ToStatus: to, Comment: comment}
	if p.UserID != 0 {
		id := p.UserID
		h.ActorID = &id
	}
	return h
}

// changes lists the fields an edit changed, as the audit trail shows them:
// JSON names, personal data masked; the birth date and sex follow from the
// resident ID number and are left out.
func changes(before, after Fields) ([]FieldChange, error) {
	b, err := json.Marshal(before)
	if err != nil {
		return nil, err
	}
	a, err := json.Marshal(after)
	if err != nil {
		return nil, err
	}
	ev := audit.Event{Before: b, After: a}.Masked()
	var out []FieldChange
	for _, c := range audit.Changes(ev.Before, ev.After) {
		if c.Field != "birth_date" && c.Field != "female" {
			out = append(out, FieldChange(c))
		}
	}
	return out, nil
}

// auditView is what the audit trail keeps of an application change.
type auditView struct {
	Number   string         `json:"number"`
	Status   Status         `json:"status"`
	Version  int            `json:"version"`
	Comment  string         `json:"comment,omitempty"`
	Contract *auditContract `json:"contract,omitempty"`
	// CounterGuarantee is recorded by the guarantee centre's approval.
	CounterGuarantee string   `json:"counter_guarantee,omitempty"`
	MissingDocuments []string `json:"missing_documents,omitempty"`
	Fields           *Fields  `json:"fields,omitempty"`
}

type auditContract struct {
	Amount     string `json:"approved_amount"`
	Rate       string `json:"annual_rate"`
	TermMonths int    `json:"term_months"`
}
