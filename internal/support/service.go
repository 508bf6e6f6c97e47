package support

import (
	"context"
	"strconv"
	"strings"
	"time"

	"chuangdai/internal/apperr"
	"chuangdai/internal/application"
	"chuangdai/internal/audit"
	"chuangdai/internal/auth"
	"chuangdai/internal/authz"
	"chuangdai/internal/beijing"
	"chuangdai/internal/idnum"
	"chuangdai/internal/msg"
	"chuangdai/internal/policy"
)

// Authorization kinds of the four-in-one records.
const (
	// KindRecord is a training, incubation or service record, by district.
	KindRecord = "support_record"
	// KindBase is an incubation base.
	KindBase = "incubation_base"
	// KindProfile is a person's profile, decided per record and application.
	KindProfile = "support_profile"
	// KindIdentity is a person's resident ID number in full, in a profile;
	// whoever reads the profile without it sees the number masked.
	KindIdentity = "support_identity"
	// KindFigures are the yearly figures, by district.
	KindFigures = "support_figures"
)

// Service keeps the four-in-one records.
type Service struct {
	store  Store
	authz  *authz.Enforcer
	audit  *audit.Recorder
	policy *policy.Policy
	apps   ApplicationLookup
	now    func() time.Time
}

// NewService wires the four-in-one service; apps finds applications as the
// caller may see them.
func NewService(s Store, z *authz.Enforcer, a *audit.Recorder, p *policy.Policy, apps ApplicationLookup) *Service {
	return &Service{store: s, authz: z, audit: a, policy: p, apps: apps, now: time.Now}
}

// ParseDay reads a YYYY-MM-DD date.
func ParseDay(s string) (time.Time, bool) {
	d, err := application.ParseDay(strings.TrimSpace(s))
	return d, err == nil
}

const dateHint = "must be a date YYYY-MM-DD, such as 2024-03-15"

// TrainingInput is a training record as the client sent it.
type TrainingInput struct {
	NationalID    string
	Name          string
	Course        string
	Institution   string
	StartDate     string
	EndDate       string
	CertificateNo string
	DistrictCode  string
}

// BaseInput is an incubation base as the client sent it.
type BaseInput struct {
	Name         string
	DistrictCode string
	Level        string
	Capacity     *int
}

// TenancyInput is a tenancy as the client sent it.
type TenancyInput struct {
	BaseID     int64
	NationalID string
	EntityName string
	MoveIn     string
	MoveOut    *string
}

// ServiceInput is a service record as the client sent it.
type ServiceInput struct {
	NationalID   string
	Kind         string
	Date         string
	Notes        string
	DistrictCode string
}

func checkText(f *apperr.Fields, field, v string, max int) string {
	v = strings.TrimSpace(v)
	switch {
	case v == "":
		f.Add(field, "is required")
	case len([]rune(v)) > max:
		f.Addf(field, "must be at most %d characters", max)
	}
	return v
}

func checkPerson(f *apperr.Fields, field, v string) string {
	if strings.TrimSpace(v) == "" {
		f.Add(field, "is required: the person's 18-character resident ID number")
		return ""
	}
	r, err := idnum.ParseResident(v)
	if err != nil {
		f.AddErr(field, err)
		return ""
	}
	return r.Number
}

func checkDay(f *apperr.Fields, field, v string) time.Time {
	if strings.TrimSpace(v) == "" {
		f.Add(field, "is required: a date YYYY-MM-DD, such as 2024-03-15")
		return time.Time{}
	}
	d, ok := ParseDay(v)
	if !ok {
		f.Add(field, dateHint)
	}
	return d
}

// checkTraining validates a training record's fields; districts are the
// known district codes.
func checkTraining(f *apperr.Fields, in TrainingInput, districts map[string]string) Training {
	t := Training{
		NationalID:    checkPerson(f, "national_id", in.NationalID),
		Name:          checkText(f, "name", in.Name, 50),
		Course:        strings.TrimSpace(in.Course),
		Institution:   checkText(f, "institution", in.Institution, 100),
		StartDate:     checkDay(f, "start_date", in.StartDate),
		EndDate:       checkDay(f, "end_date", in.EndDate),
		CertificateNo: checkText(f, "certificate_no", in.CertificateNo, 64),
		DistrictCode:  strings.TrimSpace(in.DistrictCode),
	}
	if !ValidCourse(t.Course) {
		f.Addf("course", "must be one of %s", msg.OneOf("course", Courses...))
	}
	if !f.Has("start_date") && !f.Has("end_date") && t.EndDate.Before(t.StartDate) {
		f.Add("end_date", "is before start_date: a course ends on or after the day it starts")
	}
	checkDistrict(f, "district_code", t.DistrictCode, districts)
	return t
}

func checkDistrict(f *apperr.Fields, field, code string, districts map[string]string) {
	switch {
	case code == "":
		f.Add(field, "is required: the 6-digit code of the district, such as 411282")
	case districts[code] == "":
		f.Addf(field, "no district %q exists: use a code listed by GET /api/v1/districts", code)
	}
}

// requireRole answers 403 unless p may do act on some resource of kind.
func (s *Service) requireRole(p auth.Principal, act authz.Action, kind, forbidden string) error {
	if !s.authz.HasAny(p, act, kind) {
		return apperr.Forbiddenf(forbidden)
	}
	return nil
}

// requireDistrict answers 403 unless p may create records of district.
func (s *Service) requireDistrict(p auth.Principal, district string) error {
	if !s.authz.Can(p, authz.Create, authz.Resource{Kind: KindRecord, District: district}) {
		return apperr.Forbiddenf("you keep the records of your own district only, not of district %s", district)
	}
	return nil
}

// CreateTraining records a completed training course.
func (s *Service) CreateTraining(ctx context.Context, p auth.Principal, in TrainingInput) (Training, error) {
	if err := s.requireRole(p, authz.Create, KindRecord, "your role may not record training"); err != nil {
		return Training{}, err
	}
	districts, err := s.store.Districts(ctx)
	if err != nil {
		return Training{}, apperr.Contextf(err, "read the districts to record training")
	}
	var f apperr.Fields
	t := checkTraining(&f, in, districts)
	if err := f.Err(); err != nil {
		return Training{}, err
	}
	if err := s.requireDistrict(p, t.DistrictCode); err != nil {
		return Training{}, err
	}
	t.CreatedBy, t.CreatedAt = p.UserID, s.now().UTC()
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.CreateTraining(ctx, &t); err != nil {
			if apperr.KindOf(err) == apperr.Conflict {
				return apperr.Conflictf("a %s certificate numbered %s is already recorded", msg.Label("course", t.Course), t.CertificateNo)
			}
			return err
		}
		return s.audit.Record(ctx, p, "training.create", "training_record", strconv.FormatInt(t.ID, 10), nil, trainingAudit(t))
	})
	return t, apperr.Contextf(err, "record training certificate %s", t.CertificateNo)
}

// CreateBase adds an incubation base.
func (s *Service) CreateBase(ctx context.Context, p auth.Principal, in BaseInput) (Base, error) {
	if err := s.requireRole(p, authz.Create, KindBase, "your role may not add incubation bases"); err != nil {
		return Base{}, err
	}
	districts, err := s.store.Districts(ctx)
	if err != nil {
		return Base{}, apperr.Contextf(err, "read the districts to add an incubation base")
	}
	var f apperr.Fields
	b := Base{Name: checkText(&f, "name", in.Name, 100), DistrictCode: strings.TrimSpace(in.DistrictCode), Level: in.Level, Capacity: in.Capacity}
	checkDistrict(&f, "district_code", b.DistrictCode, districts)
	if !ValidLevel(b.Level) {
		f.Addf("level", "must be one of %s", msg.OneOf("level", Levels...))
	}
	if b.Capacity != nil && *b.Capacity < 1 {
		f.Add("capacity", "must be a whole number of places from 1, or left out")
	}
	if err := f.Err(); err != nil {
		return Base{}, err
	}
	b.CreatedAt = s.now().UTC()
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.CreateBase(ctx, &b); err != nil {
			if apperr.KindOf(err) == apperr.Conflict {
				return apperr.Conflictf("district %s already has a base named %s", b.DistrictCode, b.Name)
			}
			return err
		}
		return s.audit.Record(ctx, p, "incubation_base.create", "incubation_base", strconv.FormatInt(b.ID, 10), nil,
			baseAuditShape{b.Name, b.DistrictCode, b.Level, b.Capacity})
	})
	return b, apperr.Contextf(err, "add incubation base %s of district %s", b.Name, b.DistrictCode)
}

// Bases lists the incubation bases.
func (s *Service) Bases(ctx context.Context, p auth.Principal) ([]Base, error) {
	if err := s.requireRole(p, authz.Read, KindBase, "your role may not read incubation bases"); err != nil {
		return nil, err
	}
	bases, err := s.store.Bases(ctx)
	return bases, apperr.Contextf(err, "list the incubation bases")
}

// checkTenancy validates a tenancy's own fields.
func checkTenancy(f *apperr.Fields, in TenancyInput) Tenancy {
	t := Tenancy{
		BaseID:     in.BaseID,
		NationalID: checkPerson(f, "national_id", in.NationalID),
		EntityName: checkText(f, "entity_name", in.EntityName, 100),
		MoveIn:     checkDay(f, "move_in", in.MoveIn),
	}
	if in.MoveOut != nil && strings.TrimSpace(*in.MoveOut) != "" {
		out := checkDay(f, "move_out", *in.MoveOut)
		if !f.Has("move_in") && !f.Has("move_out") && out.Before(t.MoveIn) {
			f.Add("move_out", "is before move_in: a tenant moves out on or after moving in")
		}
		t.MoveOut = &out
	}
	return t
}

func (s *Service) base(ctx context.Context, f *apperr.Fields, id int64) (Base, bool, error) {
	if id < 1 {
		f.Add("base_id", "is required: the id of a base listed by GET /api/v1/incubation-bases")
		return Base{}, false, nil
	}
	b, err := s.store.Base(ctx, id)
	if apperr.KindOf(err) == apperr.NotFound {
		f.Addf("base_id", "no incubation base has id %d: use an id listed by GET /api/v1/incubation-bases", id)
		return Base{}, false, nil
	}
	return b, err == nil, apperr.Contextf(err, "read incubation base %d", id)
}

// CreateTenancy records that a person (their business) moved into a base.
func (s *Service) CreateTenancy(ctx context.Context, p auth.Principal, in TenancyInput) (Tenancy, error) {
	if err := s.requireRole(p, authz.Create, KindRecord, "your role may not record incubation"); err != nil {
		return Tenancy{}, err
	}
	var f apperr.Fields
	t := checkTenancy(&f, in)
	b, _, err := s.base(ctx, &f, in.BaseID)
	if err != nil {
		return Tenancy{}, err
	}
	if err := f.Err(); err != nil {
		return Tenancy{}, err
	}
	if err := s.requireDistrict(p, b.DistrictCode); err != nil {
		return Tenancy{}, err
	}
	now := s.now().UTC()
	t.CreatedBy, t.CreatedAt, t.UpdatedAt = p.UserID, now, now
	t.BaseName, t.BaseLevel, t.DistrictCode = b.Name, b.Level, b.DistrictCode
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.CreateTenancy(ctx, &t); err != nil {
			if apperr.KindOf(err) == apperr.Conflict {
				return apperr.Conflictf("this person already has a tenancy at %s (open, or moving in on %s): record the move-out first with PATCH /api/v1/incubation-records/{id}",
					b.Name, t.MoveIn.Format(time.DateOnly))
			}
			return err
		}
		return s.audit.Record(ctx, p, "incubation.create", "incubation_record", strconv.FormatInt(t.ID, 10), nil, tenancyAudit(t))
	})
	return t, apperr.Contextf(err, "record a tenancy at incubation base %d", t.BaseID)
}

// RecordMoveOut records the day a tenant moved out of the base.
func (s *Service) RecordMoveOut(ctx context.Context, p auth.Principal, id int64, moveOut string) (Tenancy, error) {
	if err := s.requireRole(p, authz.Update, KindRecord, "your role may not change incubation records"); err != nil {
		return Tenancy{}, err
	}
	ran := false
	out, err := s.store.UpdateTenancy(ctx, s.authz.Scope(p, authz.Update, KindRecord), id, func(ctx context.Context, t *Tenancy) (audit.Event, error) {
		ran = true
		var f apperr.Fields
		day := checkDay(&f, "move_out", moveOut)
		if !f.Has("move_out") && day.Before(t.MoveIn) {
			f.Addf("move_out", "is before move_in (%s): a tenant moves out on or after moving in", t.MoveIn.Format(time.DateOnly))
		}
		if err := f.Err(); err != nil {
			return audit.Event{}, err
		}
		if !t.Open() {
			return audit.Event{}, apperr.Conflictf("the tenant already moved out on %s", t.MoveOut.Format(time.DateOnly))
		}
		before := tenancyAudit(*t)
		t.MoveOut, t.UpdatedAt = &day, s.now().UTC()
		return audit.NewEvent(ctx, p, "incubation.move_out", before, tenancyAudit(*t))
	})
	if !ran && apperr.KindOf(err) == apperr.NotFound {
		return Tenancy{}, apperr.NotFoundf("no incubation record with id %d in your district", id)
	}
	return out, apperr.Contextf(err, "record move-out of tenancy %d", id)
}

// CreateService records a service given to a person. The district defaults
// to the officer's own.
func (s *Service) CreateService(ctx context.Context, p auth.Principal, in ServiceInput) (ServiceRecord, error) {
	if err := s.requireRole(p, authz.Create, KindRecord, "your role may not record services"); err != nil {
		return ServiceRecord{}, err
	}
	if strings.TrimSpace(in.DistrictCode) == "" {
		if b, ok := p.Binding(auth.HRSSOfficer); ok {
			in.DistrictCode = b.District
		}
	}
	districts, err := s.store.Districts(ctx)
	if err != nil {
		return ServiceRecord{}, apperr.Contextf(err, "read the districts to record a service")
	}
	var f apperr.Fields
	sv := ServiceRecord{
		NationalID:   checkPerson(&f, "national_id", in.NationalID),
		Kind:         strings.TrimSpace(in.Kind),
		Date:         checkDay(&f, "date", in.Date),
		Notes:        strings.TrimSpace(in.Notes),
		DistrictCode: strings.TrimSpace(in.DistrictCode),
	}
	if !ValidServiceKind(sv.Kind) {
		f.Addf("kind", "must be one of %s", msg.OneOf("service_kind", ServiceKinds...))
	}
	if len([]rune(sv.Notes)) > 2000 {
		f.Add("notes", "must be at most 2000 characters")
	}
	if !f.Has("date") && sv.Date.After(beijing.Day(s.now())) {
		f.Add("date", "is in the future: record a service once it was given")
	}
	checkDistrict(&f, "district_code", sv.DistrictCode, districts)
	if err := f.Err(); err != nil {
		return ServiceRecord{}, err
	}
	if err := s.requireDistrict(p, sv.DistrictCode); err != nil {
		return ServiceRecord{}, err
	}
	sv.CreatedBy, sv.CreatedAt = p.UserID, s.now().UTC()
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.CreateService(ctx, &sv); err != nil {
			return err
		}
		return s.audit.Record(ctx, p, "service.create", "service_record", strconv.FormatInt(sv.ID, 10), nil, serviceAudit(sv))
	})
	return sv, apperr.Contextf(err, "record a %s service of district %s", sv.Kind, sv.DistrictCode)
}

type trainingAuditShape struct {
	NationalID    string `json:"national_id"`
	Name          string `json:"name"`
	Course        string `json:"course"`
	Institution   string `json:"institution"`
	StartDate     string `json:"start_date"`
	EndDate       string `json:"end_date"`
	CertificateNo string `json:"certificate_no"`
	DistrictCode  string `json:"district_code"`
}

func trainingAudit(t Training) trainingAuditShape {
	return trainingAuditShape{t.NationalID, t.Name, t.Course, t.Institution, t.StartDate.Format(time.DateOnly),
		t.EndDate.Format(time.DateOnly), t.CertificateNo, t.DistrictCode}
}

type baseAuditShape struct {
	Name         string `json:"name"`
	DistrictCode string `json:"district_code"`
	Level        string `json:"level"`
	Capacity     *int   `json:"capacity"`
}

type tenancyAuditShape struct {
	BaseID     int64   `json:"base_id"`
	NationalID string  `json:"national_id"`
	EntityName string  `json:"entity_name"`
	MoveIn     string  `json:"move_in"`
	MoveOut    *string `json:"move_out"`
}

func tenancyAudit(t Tenancy) tenancyAuditShape {
	a := tenancyAuditShape{BaseID: t.BaseID, NationalID: t.NationalID, EntityName: t.EntityName, MoveIn: t.MoveIn.Format(time.DateOnly)}
	if t.MoveOut != nil {
		s := t.MoveOut.Format(time.DateOnly)
		a.MoveOut = &s
	}
	return a
}

type serviceAuditShape struct {
	NationalID   string `json:"national_id"`
	Kind         string `json:"kind"`
	Date         string `json:"date"`
	Notes        string `json:"notes"`
	DistrictCode string `json:"district_code"`
}

func serviceAudit(s ServiceRecord) serviceAuditShape {
	return serviceAuditShape{s.NationalID, s.Kind, s.Date.Format(time.DateOnly), s.Notes, s.DistrictCode}
}
