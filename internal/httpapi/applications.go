package httpapi

import (
	"bufio"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"chuangdai/internal/apperr"
	"chuangdai/internal/application"
	"chuangdai/internal/auth"
	"chuangdai/internal/money"
	"chuangdai/internal/report"
)

type partnerDTO struct {
	Name        string `json:"name"`
	NationalID  string `json:"national_id"`
	KeyGroup    string `json:"key_group"`
	NotEmployed *bool  `json:"not_employed" doc:"the partner declares not being employed by an organisation (机关、事业单位、企业等在职人员): false is refused; absent or null is not declared"`
}

type enterpriseDTO struct {
	Name             string `json:"name"`
	CreditCode       string `json:"credit_code"`
	Employees        int    `json:"employees"`
	NewKeyGroupHires int    `json:"new_key_group_hires"`
}

type otherLoanDTO struct {
	Holder  string `json:"holder"`
	Kind    string `json:"kind"`
	Balance string `json:"balance"`
}

type applicationRequest struct {
	BorrowerType              string         `json:"borrower_type"`
	Name                      string         `json:"name"`
	NationalID                string         `json:"national_id"`
	Phone                     string         `json:"phone"`
	KeyGroup                  string         `json:"key_group"`
	DistrictCode              string         `json:"district_code"`
	BankCode                  string         `json:"bank_code"`
	Amount                    string         `json:"amount"`
	TermMonths                int            `json:"term_months"`
	BusinessName              string         `json:"business_name"`
	Industry                  string         `json:"industry" doc:"the code of GET /api/v1/industries (its Chinese label is accepted too)"`
	IndustryCode              string         `json:"industry_code" doc:"the same as industry; when both are given, industry_code counts"`
	Purpose                   string         `json:"purpose"`
	JobsPlanned               int            `json:"jobs_planned"`
	IsDisabled                bool           `json:"is_disabled" doc:"a disabled person (残疾人)"`
	IsVillageOfficial         bool           `json:"is_village_official" doc:"a village official (大学生村官)"`
	IsReturnedOverseasStudent bool           `json:"is_returned_overseas_student" doc:"a returned overseas student (留学回国人员)"`
	NotEmployed               *bool          `json:"not_employed" doc:"the applicant declares not being employed by an organisation (机关、事业单位、企业等在职人员), individuals and partnerships: false is refused; absent or null is not declared (shown to the officers as such)"`
	Partners                  []partnerDTO   `json:"partners"`
	Enterprise                *enterpriseDTO `json:"enterprise"`
	OtherLoans                []otherLoanDTO `json:"other_loans"`
}

type applicationPatch struct {
	BorrowerType *string `json:"borrower_type"`
	Name         *string `json:"name"`
	NationalID   *string `json:"national_id"`
	Phone        *string `json:"phone"`
	KeyGroup     *string `json:"key_group"`
	DistrictCode *string `json:"district_code"`
	BankCode     *string `json:"bank_code"`
	Amount       *string `json:"amount"`
	TermMonths   *int    `json:"term_months"`
	BusinessName *string `json:"business_name"`
	Industry     *string `json:"industry" doc:"the code of GET /api/v1/industries (its Chinese label is accepted too)"`
	IndustryCode *string `json:"industry_code" doc:"the same as industry; when both are given, industry_code counts"`
	Purpose      *string `json:"purpose"`
	JobsPlanned  *int    `json:"jobs_planned"`
	// The reporting flags; absent keeps the value.
	IsDisabled                *bool           `json:"is_disabled"`
	IsVillageOfficial         *bool           `json:"is_village_official"`
	IsReturnedOverseasStudent *bool           `json:"is_returned_overseas_student"`
	NotEmployed               *bool           `json:"not_employed" doc:"the applicant declares not being employed by an organisation; absent keeps the declaration"`
	Partners                  *[]partnerDTO   `json:"partners"`
	Enterprise                *enterpriseDTO  `json:"enterprise"`
	OtherLoans                *[]otherLoanDTO `json:"other_loans"`
	// Version is the version the edit was made on; If-Match may carry it instead.
	Version *int `json:"version"`
}

type versionRequest struct {
	Version *int `json:"version"`
}

type withdrawRequest struct {
	Comment string `json:"comment"`
	Version *int   `json:"version"`
}

type decisionRequest struct {
	Decision       string  `json:"decision"`
	Comment        string  `json:"comment"`
	ApprovedAmount *string `json:"approved_amount"`
	AnnualRate     *string `json:"annual_rate"`
	TermMonths     *int    `json:"term_months"`
	// CounterGuarantee is recorded when the guarantee centre approves.
	CounterGuarantee string `json:"counter_guarantee"`
	// MissingDocuments names, on a return or rejection, the kinds of the
	// checklist still missing: the one-time list.
	MissingDocuments []string `json:"missing_documents" doc:"on return or reject: the kinds of the checklist still missing, all at once (一次性告知)"`
	Version          *int     `json:"version"`
}

type historyDTO struct {
	At         time.Time    `json:"at"`
	Actor      string       `json:"actor" doc:"the user name of the account that acted"`
	ActorName  string       `json:"actor_name" doc:"the person's name on that account (its user name when it has none)"`
	ActorID    *auth.UserID `json:"actor_id"`
	Action     string       `json:"action"`
	FromStatus *string      `json:"from_status"`
	ToStatus   string       `json:"to_status"`
	Comment    string       `json:"comment"`
	// MissingDocuments are the kinds a return or rejection named.
	MissingDocuments []string `json:"missing_documents"`
	// Changes are the fields an edit after a return changed.
	Changes []changeDTO `json:"changes" doc:"for an edit after a return (action edit): the fields it changed, personal data masked"`
}

type stageDTO struct {
	Stage         string     `json:"stage" doc:"eligibility_review (资格), guarantee_review (担保), bank_review (银行) or disbursement (放款)"`
	Status        string     `json:"status" doc:"pending (not reached since the last submission), current (waiting in it), done, returned or rejected (its decision)"`
	EnteredAt     *time.Time `json:"entered_at" doc:"when the application reached it since the last submission"`
	Deadline      *string    `json:"deadline" doc:"the working day it is due, YYYY-MM-DD (the policy's service days from entered_at); null for the disbursement and stages not reached"`
	WorkingDays   *int       `json:"working_days" doc:"the stage's time limit in working days"`
	DecidedAt     *time.Time `json:"decided_at"`
	DecidedByName string     `json:"decided_by_name" doc:"the name of the officer who decided (or disbursed)"`
}

type applicationResponse struct {
	ID                        application.ID `json:"id"`
	Number                    string         `json:"number"`
	Status                    string         `json:"status"`
	Version                   int            `json:"version"`
	ApplicantID               auth.UserID    `json:"applicant_id"`
	BorrowerType              string         `json:"borrower_type"`
	Name                      string         `json:"name"`
	NationalID                string         `json:"national_id"`
	BirthDate                 string         `json:"birth_date"`
	Gender                    string         `json:"gender"`
	Phone                     string         `json:"phone"`
	KeyGroup                  string         `json:"key_group"`
	DistrictCode              string         `json:"district_code"`
	BankCode                  string         `json:"bank_code"`
	Amount                    string         `json:"amount"`
	TermMonths                int            `json:"term_months"`
	BusinessName              string         `json:"business_name"`
	Industry                  string         `json:"industry" doc:"the industry's code, or the free text of an application written before the industry list"`
	IndustryCode              string         `json:"industry_code" doc:"the code of GET /api/v1/industries; empty for free text or no industry"`
	IndustryLabel             string         `json:"industry_label" doc:"the industry as people read it: the label of the code in the reader's language, or the free text"`
	Purpose                   string         `json:"purpose"`
	JobsPlanned               int            `json:"jobs_planned"`
	IsDisabled                bool           `json:"is_disabled" doc:"a disabled person (残疾人)"`
	IsVillageOfficial         bool           `json:"is_village_official" doc:"a village official (大学生村官)"`
	IsReturnedOverseasStudent bool           `json:"is_returned_overseas_student" doc:"a returned overseas student (留学回国人员)"`
	NotEmployed               *bool          `json:"not_employed" doc:"the applicant's declaration of not being employed by an organisation; null when not declared"`
	Partners                  []partnerDTO   `json:"partners"`
	Enterprise                *enterpriseDTO `json:"enterprise"`
	OtherLoans                []otherLoanDTO `json:"other_loans"`
	CreatedAt                 time.Time      `json:"created_at"`
	UpdatedAt                 time.Time      `json:"updated_at"`
	SubmittedAt               *time.Time     `json:"submitted_at"`
	StageDeadline             *string        `json:"stage_deadline"`
	Late                      bool           `json:"late"`
	ApprovedAmount            *string        `json:"approved_amount"`
	AnnualRate                *string        `json:"annual_rate"`
	ApprovedTermMonths        *int           `json:"approved_term_months"`
	CounterGuarantee          string         `json:"counter_guarantee"`
	ApprovedAt                *time.Time     `json:"approved_at"`
	DisbursedAt               *time.Time     `json:"disbursed_at"`
	// MissingDocuments is the list of the last return or rejection while
	// the application is returned or rejected.
	MissingDocuments []string `json:"missing_documents" doc:"the document kinds the last return or rejection named as missing, while returned or rejected; see GET …/documents for their labels"`
	// History is in the answer for one application, not in lists.
	History []historyDTO `json:"history,omitempty"`
	// Stages is the progress stepper, in the answer for one application.
	Stages []stageDTO `json:"stages,omitempty" doc:"the stepper 资格 → 担保 → 银行 → 放款 (one application, not in lists)"`
	// IdentityVerified: the resident ID number is bound to the applicant's
	// account (by the eligibility approval or a real-name check).
	IdentityVerified bool `json:"identity_verified" doc:"the resident ID number is verified for the applicant's account"`
	// Missing are what a draft still lacks.
	Missing []string `json:"missing" doc:"the fields a draft still lacks, which submitting will require, as JSON paths in the order of the form (partners[1].national_id); empty for a complete draft and every other status"`
	// IdentityClaims are for the HRSS officers who decide eligibility, in the
	// answer for one application.
	IdentityClaims *[]claimDTO `json:"identity_claims,omitempty" doc:"other accounts' applications naming the same resident ID number (HRSS officers deciding eligibility)"`
}

// claimDTO is another account's application naming the same resident ID number.
type claimDTO struct {
	ApplicationID    application.ID `json:"application_id"`
	Number           string         `json:"number"`
	Status           string         `json:"status"`
	DistrictCode     string         `json:"district_code"`
	Applicant        string         `json:"applicant" doc:"the user name of the account that made it"`
	IdentityVerified bool           `json:"identity_verified"`
	CreatedAt        time.Time      `json:"created_at"`
}

func (r applicationRequest) input() application.Input {
	if r.IndustryCode != "" {
		r.Industry = r.IndustryCode
	}
	return application.Input{
		BorrowerType: r.BorrowerType, Name: r.Name, NationalID: r.NationalID, Phone: r.Phone, KeyGroup: r.KeyGroup,
		DistrictCode: r.DistrictCode, BankCode: r.BankCode, Amount: r.Amount, TermMonths: r.TermMonths,
		BusinessName: r.BusinessName, Industry: r.Industry, Purpose: r.Purpose, JobsPlanned: r.JobsPlanned,
		Partners: partnersIn(r.Partners), Enterprise: firmIn(r.Enterprise), OtherLoans: otherLoansIn(r.OtherLoans),
		Flags:       application.Flags{Disabled: r.IsDisabled, VillageOfficial: r.IsVillageOfficial, ReturnedOverseasStudent: r.IsReturnedOverseasStudent},
		NotEmployed: r.NotEmployed,
	}
}

func (r applicationPatch) patch() application.Patch {
	if r.IndustryCode != nil {
		r.Industry = r.IndustryCode
	}
	pt := application.Patch{
		BorrowerType: r.BorrowerType, Name: r.Name, NationalID: r.NationalID, Phone: r.Phone, KeyGroup: r.KeyGroup,
		DistrictCode: r.DistrictCode, BankCode: r.BankCode, Amount: r.Amount, TermMonths: r.TermMonths,
		BusinessName: r.BusinessName, Industry: r.Industry, Purpose: r.Purpose, JobsPlanned: r.JobsPlanned,
		Enterprise: firmIn(r.Enterprise), Disabled: r.IsDisabled, VillageOfficial: r.IsVillageOfficial,
		ReturnedOverseasStudent: r.IsReturnedOverseasStudent, NotEmployed: r.NotEmployed,
	}
	if r.Partners != nil {
		ps := partnersIn(*r.Partners)
		pt.Partners = &ps
	}
	if r.OtherLoans != nil {
		ls := otherLoansIn(*r.OtherLoans)
		pt.OtherLoans = &ls
	}
	return pt
}

func partnersIn(in []partnerDTO) []application.Partner {
	if in == nil {
		return nil
	}
	out := make([]application.Partner, len(in))
	for i, p := range in {
		out[i] = application.Partner(p)
	}
	return out
}

func firmIn(in *enterpriseDTO) *application.FirmInput {
	if in == nil {
		return nil
	}
	f := application.FirmInput(*in)
	return &f
}

func otherLoansIn(in []otherLoanDTO) []application.OtherLoanInput {
	if in == nil {
		return nil
	}
	out := make([]application.OtherLoanInput, len(in))
	for i, l := range in {
		out[i] = application.OtherLoanInput(l)
	}
	return out
}

func toApplication(v application.View, withHistory bool) applicationResponse {
	a := v.Application
	r := applicationResponse{
		ID: a.ID, Number: a.Number, Status: string(a.Status), Version: a.Version, ApplicantID: a.ApplicantID,
		BorrowerType: string(a.BorrowerType), Name: a.Name, NationalID: a.NationalID,
		Phone: a.Phone, KeyGroup: a.KeyGroup,
		DistrictCode: a.DistrictCode, BankCode: a.BankCode, Amount: money.Format(a.Amount), TermMonths: a.TermMonths,
		BusinessName: a.BusinessName, Industry: a.Industry, Purpose: a.Purpose, JobsPlanned: a.JobsPlanned,
		Partners: []partnerDTO{}, OtherLoans: []otherLoanDTO{},
		CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt, SubmittedAt: a.SubmittedAt, Late: v.Late,
		ApprovedTermMonths: a.ApprovedTermMonths, ApprovedAt: a.ApprovedAt, DisbursedAt: a.DisbursedAt,
		CounterGuarantee: a.CounterGuarantee, IsDisabled: a.Disabled, IsVillageOfficial: a.VillageOfficial,
		IsReturnedOverseasStudent: a.ReturnedOverseasStudent, NotEmployed: a.NotEmployed, IdentityVerified: a.IdentityVerified,
		MissingDocuments: a.MissingDocuments(), Missing: append([]string{}, v.Missing...),
	}
	// A draft saved without a resident ID number has no birth date or sex yet.
	if !a.BirthDate.IsZero() {
		r.BirthDate, r.Gender = a.BirthDate.Format(time.DateOnly), "male"
	}
	if v.Claims != nil {
		claims := make([]claimDTO, len(v.Claims))
		for i, c := range v.Claims {
			claims[i] = claimDTO{ApplicationID: c.ApplicationID, Number: c.Number, Status: string(c.Status),
				DistrictCode: c.DistrictCode, Applicant: c.Applicant, IdentityVerified: c.Verified, CreatedAt: c.CreatedAt}
		}
		r.IdentityClaims = &claims
	}
	if a.Female && r.Gender != "" {
		r.Gender = "female"
	}
	for _, p := range a.Partners {
		r.Partners = append(r.Partners, partnerDTO(p))
	}
	if e := a.Enterprise; e != nil {
		r.Enterprise = &enterpriseDTO{Name: e.Name, CreditCode: e.CreditCode, Employees: e.Employees, NewKeyGroupHires: e.NewKeyGroupHires}
	}
	for _, l := range a.OtherLoans {
		r.OtherLoans = append(r.OtherLoans, otherLoanDTO{Holder: l.Holder, Kind: l.Kind, Balance: money.Format(l.Balance)})
	}
	if v.StageDeadline != nil {
		d := v.StageDeadline.Format(time.DateOnly)
		r.StageDeadline = &d
	}
	if a.ApprovedAmount != nil {
		s := money.Format(*a.ApprovedAmount)
		r.ApprovedAmount = &s
	}
	if a.AnnualRate != nil {
		s := money.FormatRate(*a.AnnualRate)
		r.AnnualRate = &s
	}
	if withHistory {
		r.History = make([]historyDTO, len(a.History))
		for i, h := range a.History {
			r.History[i] = historyDTO{At: h.At, Actor: h.Actor, ActorName: h.ActorName, ActorID: h.ActorID, Action: string(h.Action),
				FromStatus: nullableStatus(h.FromStatus), ToStatus: string(h.ToStatus), Comment: h.Comment,
				MissingDocuments: append([]string{}, h.MissingDocuments...), Changes: []changeDTO{}}
			for _, ch := range h.Changes {
				r.History[i].Changes = append(r.History[i].Changes, changeDTO(ch))
			}
		}
	}
	for _, st := range v.Stages {
		d := stageDTO{Stage: st.Stage, Status: st.Status, EnteredAt: st.EnteredAt, DecidedAt: st.DecidedAt, DecidedByName: st.DecidedByName}
		if st.Deadline != nil {
			day := st.Deadline.Format(time.DateOnly)
			days := st.WorkingDays
			d.Deadline, d.WorkingDays = &day, &days
		}
		r.Stages = append(r.Stages, d)
	}
	return r
}

func nullableStatus(s application.Status) *string {
	if s == "" {
		return nil
	}
	v := string(s)
	return &v
}

// toApplication is the answer for an application in the reader's language.
func (a *api) toApplication(c *gin.Context, v application.View, withHistory bool) applicationResponse {
	r := toApplication(v, withHistory)
	r.IndustryCode, r.IndustryLabel = a.industry(c, r.Industry)
	return r
}

// industry names the industry an application or loan carries: its code and
// label when it is on the list, else no code and the free text.
func (a *api) industry(c *gin.Context, v string) (code, label string) {
	if x, ok := a.Applications.Industry(v); ok {
		return x.Code, x.Localize(language(c))
	}
	return "", v
}

// applicationAnswer answers one application with its version as the ETag.
func (a *api) applicationAnswer(c *gin.Context) func(application.View, error) (any, error) {
	return func(v application.View, err error) (any, error) {
		if err != nil {
			return nil, err
		}
		return answer{body: a.toApplication(c, v, true), version: v.Version}, nil
	}
}

func (r *applicationPatch) bodyVersion() *int { return r.Version }
func (r *versionRequest) bodyVersion() *int   { return r.Version }
func (r *withdrawRequest) bodyVersion() *int  { return r.Version }
func (r *decisionRequest) bodyVersion() *int  { return r.Version }

// Submitting and withdrawing need no body: the version may come in If-Match.
func (*versionRequest) bodyOptional()  {}
func (*withdrawRequest) bodyOptional() {}

// ifMatch reads the version of an If-Match header ("3", W/"3" or 3), or
// falls back to the version in the body.
func ifMatch(c *gin.Context, body *int) (*int, error) {
	h := strings.TrimSpace(c.GetHeader("If-Match"))
	if h == "" {
		return body, nil
	}
	v := strings.Trim(strings.TrimPrefix(h, "W/"), `"`)
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return nil, apperr.New(apperr.BadRequest, "bad_request", `If-Match must be the application's ETag, such as "3"`)
	}
	return &n, nil
}

// bindOptional decodes a body when there is one.
func bindOptional(c *gin.Context, dst any) error {
	if c.Request.ContentLength == 0 {
		return nil
	}
	// A chunked request may still carry nothing.
	br := bufio.NewReader(c.Request.Body)
	if _, err := br.Peek(1); errors.Is(err, io.EOF) {
		return nil
	}
	c.Request.Body = io.NopCloser(br)
	return bind(c, dst)
}

var draftParam = Param{Name: "draft", Type: "boolean",
	Description: "true: save a draft half-filled: each field given must be well-formed, absent ones are listed in missing; submitting checks everything"}

// draftMode reads ?draft.
func draftMode(c *gin.Context) (bool, error) {
	v := c.Query("draft")
	if v == "" {
		return false, nil
	}
	draft, err := strconv.ParseBool(v)
	if err != nil {
		return false, apperr.Field("draft", "must be true or false")
	}
	return draft, nil
}

var applicationListQuery = []Param{
	{"status", "string", "draft, eligibility_review, guarantee_review, bank_review, approved, disbursed, returned, rejected or withdrawn; several separated by commas"},
	{"district_code", "string", "6-digit district code"},
	{"bank_code", "string", "handling bank code"},
	{"key_group", "string", "one of the ten key groups"},
	{"borrower_type", "string", "individual, partnership or enterprise"},
	{"from", "string", "first submission day, YYYY-MM-DD"},
	{"to", "string", "last submission day, YYYY-MM-DD"},
	{"q", "string", "text searched in number, name and business name, or a whole resident ID number"},
	{"late", "boolean", "true: only applications whose review stage is past its deadline; false: only those that are not"},
	sortParam(application.SortKeys, "the applicant's own newest first, officers' oldest submission first; deadline is the review stage's deadline, soonest first, those without one last"),
	{"page", "integer", "page number from 1"},
	{"page_size", "integer", "items per page, 1 to 200"},
	listFormatParam, listHeaderParam,
}

func (a *api) routesApplications() {
	a.add(Route{Method: "POST", Path: "/api/v1/applications", Tag: "applications", Status: 201,
		Summary: "Apply for a loan (entrepreneur); the application starts as a draft, complete or (draft=true) half-filled",
		Request: applicationRequest{}, Response: applicationResponse{}, Query: []Param{draftParam}, Errors: []int{400, 401, 403, 422},
		handler: func(c *gin.Context, p auth.Principal) error {
			draft, err := draftMode(c)
			if err != nil {
				return err
			}
			var req applicationRequest
			if err := bind(c, &req); err != nil {
				return err
			}
			create := a.Applications.Create
			if draft {
				create = a.Applications.CreateDraft
			}
			v, err := create(c.Request.Context(), p, req.input())
			if err != nil {
				return err
			}
			answer{body: a.toApplication(c, v, true), version: v.Version}.write(c, http.StatusCreated)
			return nil
		}})
	a.add(Route{Method: "GET", Path: "/api/v1/applications", Tag: "applications", Status: 200,
		Summary:  "The caller's queue: own applications (entrepreneur, newest first), the district's or bank's (officers, oldest submission first), all (auditor)",
		Response: listResponse[applicationResponse]{}, Query: applicationListQuery, Errors: []int{401, 403, 422}, Exports: true,
		handler: func(c *gin.Context, p auth.Principal) error {
			var f apperr.Fields
			pg := readPage(c, &f)
			filter := application.ParseFilter(c.Query, &f)
			if err := f.Err(); err != nil {
				return err
			}
			format, offset, limit, err := exportFormat(c, pg)
			if err != nil {
				return err
			}
			vs, total, err := a.Applications.List(c.Request.Context(), p, filter, offset, limit)
			if err != nil {
				return err
			}
			if format != report.FormatJSON {
				if err := exportCap(total); err != nil {
					return err
				}
				t, err := a.applicationsTable(c, p, vs)
				if err != nil {
					return err
				}
				return answerReport(c, format, nil, func() report.Table { return t })
			}
			items := make([]applicationResponse, len(vs))
			for i, v := range vs {
				items[i] = a.toApplication(c, v, false)
			}
			writeJSON(c, http.StatusOK, newList(items, total, pg))
			return nil
		}})
	a.add(onRecord(a, Route{Method: "GET", Path: "/api/v1/applications/{id}", Tag: "applications", Status: 200,
		Summary: "One application with its history; the ETag is its version", Response: applicationResponse{}, Errors: []int{401, 404},
	}, applicationPath, func(k record[struct{}]) (any, error) {
		return a.applicationAnswer(k.c)(a.Applications.Get(k.ctx, k.p, application.ID(k.id)))
	}))
	// draft=true is read with the path, before the body.
	draftPath := func(c *gin.Context) (int64, error) {
		id, err := applicationPath(c)
		if err != nil {
			return 0, err
		}
		_, err = draftMode(c)
		return id, err
	}
	a.add(onRecord(a, Route{Method: "PATCH", Path: "/api/v1/applications/{id}", Tag: "applications", Status: 200, Headers: []Header{ifMatchHeader},
		Summary: "Edit a draft or returned application (applicant); draft=true saves a draft half-filled; If-Match or version guards against stale copies",
		Request: applicationPatch{}, Response: applicationResponse{}, Query: []Param{draftParam}, Errors: []int{400, 401, 403, 404, 409, 422},
	}, draftPath, func(k record[applicationPatch]) (any, error) {
		update := a.Applications.Update
		if draft, _ := draftMode(k.c); draft {
			update = a.Applications.UpdateDraft
		}
		return a.applicationAnswer(k.c)(update(k.ctx, k.p, application.ID(k.id), k.version, k.req.patch()))
	}))
	a.add(onRecord(a, Route{Method: "POST", Path: "/api/v1/applications/{id}/submit", Tag: "applications", Status: 200, Headers: []Header{ifMatchHeader},
		Summary: "Submit a draft or returned application for eligibility review (applicant)",
		Request: versionRequest{}, Response: applicationResponse{}, Errors: []int{400, 401, 403, 404, 409, 422},
	}, applicationPath, func(k record[versionRequest]) (any, error) {
		return a.applicationAnswer(k.c)(a.Applications.Submit(k.ctx, k.p, application.ID(k.id), k.version))
	}))
	a.add(onRecord(a, Route{Method: "POST", Path: "/api/v1/applications/{id}/withdraw", Tag: "applications", Status: 200, Headers: []Header{ifMatchHeader},
		Summary: "Withdraw an application before it is approved (applicant)",
		Request: withdrawRequest{}, Response: applicationResponse{}, Errors: []int{400, 401, 403, 404, 409, 422},
	}, applicationPath, func(k record[withdrawRequest]) (any, error) {
		return a.applicationAnswer(k.c)(a.Applications.Withdraw(k.ctx, k.p, application.ID(k.id), k.version, k.req.Comment))
	}))
	a.add(onRecord(a, Route{Method: "POST", Path: "/api/v1/applications/{id}/decisions", Tag: "applications", Status: 200, Headers: []Header{ifMatchHeader},
		Summary: "Decide the current review stage: approve, return or reject (the stage's officer; the bank sets the contract on approve)",
		Request: decisionRequest{}, Response: applicationResponse{}, Errors: []int{400, 401, 403, 404, 409, 422},
	}, applicationPath, func(k record[decisionRequest]) (any, error) {
		return a.applicationAnswer(k.c)(a.Applications.Decide(k.ctx, k.p, application.ID(k.id), application.DecisionInput{
			Decision: k.req.Decision, Comment: k.req.Comment, Version: k.version, CounterGuarantee: k.req.CounterGuarantee,
			MissingDocuments: k.req.MissingDocuments,
			Contract:         application.ContractInput{ApprovedAmount: k.req.ApprovedAmount, AnnualRate: k.req.AnnualRate, TermMonths: k.req.TermMonths},
		}))
	}))
}
