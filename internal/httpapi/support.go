package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/shopspring/decimal"

	"chuangdai/internal/apperr"
	"chuangdai/internal/application"
	"chuangdai/internal/auth"
	"chuangdai/internal/beijing"
	"chuangdai/internal/money"
	"chuangdai/internal/support"
)

type trainingRequest struct {
	NationalID    string `json:"national_id"`
	Name          string `json:"name"`
	Course        string `json:"course"`
	Institution   string `json:"institution"`
	StartDate     string `json:"start_date"`
	EndDate       string `json:"end_date"`
	CertificateNo string `json:"certificate_no"`
	DistrictCode  string `json:"district_code"`
}

type trainingResponse struct {
	ID            int64     `json:"id"`
	NationalID    string    `json:"national_id"`
	Name          string    `json:"name"`
	Course        string    `json:"course"`
	Institution   string    `json:"institution"`
	StartDate     string    `json:"start_date"`
	EndDate       string    `json:"end_date"`
	CertificateNo string    `json:"certificate_no"`
	DistrictCode  string    `json:"district_code"`
	CreatedAt     time.Time `json:"created_at"`
}

type baseRequest struct {
	Name         string `json:"name"`
	DistrictCode string `json:"district_code"`
	Level        string `json:"level"`
	Capacity     *int   `json:"capacity"`
}

type baseResponse struct {
	ID           int64  `json:"id"`
	Name         string `json:"name"`
	DistrictCode string `json:"district_code"`
	Level        string `json:"level"`
	Capacity     *int   `json:"capacity"`
}

type incubationRequest struct {
	BaseID     int64   `json:"base_id"`
	NationalID string  `json:"national_id"`
	EntityName string  `json:"entity_name"`
	MoveIn     string  `json:"move_in"`
	MoveOut    *string `json:"move_out"`
}

type incubationPatch struct {
	MoveOut string `json:"move_out"`
}

type incubationResponse struct {
	ID           int64   `json:"id"`
	BaseID       int64   `json:"base_id"`
	BaseName     string  `json:"base_name"`
	BaseLevel    string  `json:"base_level"`
	DistrictCode string  `json:"district_code"`
	NationalID   string  `json:"national_id"`
	EntityName   string  `json:"entity_name"`
	MoveIn       string  `json:"move_in"`
	MoveOut      *string `json:"move_out"`
}

type serviceRequest struct {
	NationalID   string `json:"national_id"`
	Kind         string `json:"kind"`
	Date         string `json:"date"`
	Notes        string `json:"notes"`
	DistrictCode string `json:"district_code"`
}

type serviceResponse struct {
	ID           int64  `json:"id"`
	NationalID   string `json:"national_id"`
	Kind         string `json:"kind"`
	Date         string `json:"date"`
	Notes        string `json:"notes"`
	DistrictCode string `json:"district_code"`
}

// profileLoan is one of the person's applications with the loan made from
// it, or a loan imported without an application (application_id null).
type profileLoan struct {
	ApplicationID  *application.ID  `json:"application_id"`
	Number         string           `json:"number"`
	Status         string           `json:"status"`
	BorrowerType   string           `json:"borrower_type"`
	Amount         string           `json:"amount"`
	ApprovedAmount *string          `json:"approved_amount"`
	DistrictCode   string           `json:"district_code"`
	BankCode       string           `json:"bank_code"`
	Loan           *profileLoanFact `json:"loan"`
}

type profileLoanFact struct {
	ID                   int64  `json:"id"`
	Number               string `json:"number"`
	Status               string `json:"status"`
	Principal            string `json:"principal"`
	OutstandingPrincipal string `json:"outstanding_principal"`
	DisbursedOn          string `json:"disbursed_on"`
}

type profileResponse struct {
	NationalID             string               `json:"national_id"`
	Training               []trainingResponse   `json:"training"`
	Incubation             []incubationResponse `json:"incubation"`
	Services               []serviceResponse    `json:"services"`
	Loans                  []profileLoan        `json:"loans"`
	CounterGuaranteeWaived bool                 `json:"counter_guarantee_waived"`
	WaiverReason           string               `json:"waiver_reason"`
	WaiverSource           *waiverSourceDTO     `json:"waiver_source" doc:"the incubation record a base waiver rests on, with when and by whom it was entered; null otherwise and in the applicant's own view"`
}

// waiverSourceDTO is the incubation record behind a counter-guarantee waiver.
type waiverSourceDTO struct {
	IncubationRecordID       int64       `json:"incubation_record_id"`
	BaseID                   int64       `json:"base_id"`
	BaseName                 string      `json:"base_name"`
	BaseLevel                string      `json:"base_level"`
	MoveIn                   string      `json:"move_in"`
	RecordedAt               time.Time   `json:"recorded_at" doc:"when the record was entered"`
	RecordedBy               recorderDTO `json:"recorded_by" doc:"the account that entered it (an officer, or the one who imported the roster)"`
	AppliedOn                string      `json:"applied_on" doc:"the application day the move-in was compared with"`
	RecordedAfterApplication bool        `json:"recorded_after_application" doc:"the record was entered after the application day: its move-in was written backdated; check it before relying on the waiver"`
}

type recorderDTO struct {
	ID       *auth.UserID `json:"id"`
	Username string       `json:"username"`
	Name     string       `json:"name"`
}

type districtFiguresResponse struct {
	DistrictCode       string  `json:"district_code"`
	DistrictName       string  `json:"district_name"`
	PeopleTrained      int64   `json:"people_trained"`
	Tenants            int64   `json:"tenants"`
	Services           int64   `json:"services"`
	Borrowers          int64   `json:"borrowers"`
	BorrowersSupported int64   `json:"borrowers_supported"`
	SupportedSharePct  *string `json:"supported_share_pct"`
}

type baseFiguresResponse struct {
	BaseID          int64  `json:"base_id"`
	Name            string `json:"name"`
	DistrictCode    string `json:"district_code"`
	Level           string `json:"level"`
	Tenants         int64  `json:"tenants"`
	TenantsWithLoan int64  `json:"tenants_with_loan"`
}

type figuresResponse struct {
	Year      int                       `json:"year"`
	Districts []districtFiguresResponse `json:"districts"`
	Bases     []baseFiguresResponse     `json:"bases"`
}

func day(t time.Time) string { return t.Format(time.DateOnly) }

func toTraining(t support.Training) trainingResponse {
	return trainingResponse{ID: t.ID, NationalID: t.NationalID, Name: t.Name, Course: t.Course, Institution: t.Institution,
		StartDate: day(t.StartDate), EndDate: day(t.EndDate), CertificateNo: t.CertificateNo, DistrictCode: t.DistrictCode, CreatedAt: t.CreatedAt}
}

func toBase(b support.Base) baseResponse {
	return baseResponse{ID: b.ID, Name: b.Name, DistrictCode: b.DistrictCode, Level: b.Level, Capacity: b.Capacity}
}

func toTenancy(t support.Tenancy) incubationResponse {
	out := incubationResponse{ID: t.ID, BaseID: t.BaseID, BaseName: t.BaseName, BaseLevel: t.BaseLevel, DistrictCode: t.DistrictCode,
		NationalID: t.NationalID, EntityName: t.EntityName, MoveIn: day(t.MoveIn)}
	if t.MoveOut != nil {
		s := day(*t.MoveOut)
		out.MoveOut = &s
	}
	return out
}

func toServiceRecord(s support.ServiceRecord) serviceResponse {
	return serviceResponse{ID: s.ID, NationalID: s.NationalID, Kind: s.Kind, Date: day(s.Date), Notes: s.Notes, DistrictCode: s.DistrictCode}
}

func toProfile(p support.Profile) profileResponse {
	out := profileResponse{
		NationalID: p.NationalID, CounterGuaranteeWaived: p.CounterGuaranteeWaived, WaiverReason: p.WaiverReason,
		Training: []trainingResponse{}, Incubation: []incubationResponse{}, Services: []serviceResponse{}, Loans: []profileLoan{},
	}
	for _, t := range p.Training {
		out.Training = append(out.Training, toTraining(t))
	}
	if src := p.WaiverSource; src != nil {
		t := src.Tenancy
		out.WaiverSource = &waiverSourceDTO{IncubationRecordID: t.ID, BaseID: t.BaseID, BaseName: t.BaseName, BaseLevel: t.BaseLevel,
			MoveIn: day(t.MoveIn), RecordedAt: t.CreatedAt, RecordedBy: recorderDTO{Username: t.CreatorHandle, Name: t.CreatorName},
			AppliedOn: day(src.AppliedOn), RecordedAfterApplication: src.RecordedAfterApplication}
		if t.CreatedBy != 0 {
			by := t.CreatedBy
			out.WaiverSource.RecordedBy.ID = &by
		}
	}
	for _, t := range p.Tenancies {
		out.Incubation = append(out.Incubation, toTenancy(t))
	}
	for _, s := range p.Services {
		out.Services = append(out.Services, toServiceRecord(s))
	}
	for _, l := range p.Loans {
		pl := profileLoan{Number: l.Number, Status: l.Status, BorrowerType: l.BorrowerType,
			Amount: money.Format(l.Amount), DistrictCode: l.DistrictCode, BankCode: l.BankCode}
		if l.ApplicationID != 0 {
			id := l.ApplicationID
			pl.ApplicationID = &id
		}
		if l.ApprovedAmount != nil {
			s := money.Format(*l.ApprovedAmount)
			pl.ApprovedAmount = &s
		}
		if d := l.Disbursed; d != nil {
			pl.Loan = &profileLoanFact{ID: d.ID, Number: d.Number, Status: d.Status, Principal: money.Format(d.Principal),
				OutstandingPrincipal: money.Format(d.Outstanding), DisbursedOn: day(d.DisbursedOn)}
		}
		out.Loans = append(out.Loans, pl)
	}
	return out
}

func toFigures(f support.Figures) figuresResponse {
	out := figuresResponse{Year: f.Year, Districts: []districtFiguresResponse{}, Bases: []baseFiguresResponse{}}
	for _, d := range f.Districts {
		out.Districts = append(out.Districts, districtFiguresResponse{
			DistrictCode: d.DistrictCode, DistrictName: d.DistrictName, PeopleTrained: d.PeopleTrained, Tenants: d.Tenants,
			Services: d.Services, Borrowers: d.Borrowers, BorrowersSupported: d.Supported,
			SupportedSharePct: money.Percent(decimal.NewFromInt(d.Supported), decimal.NewFromInt(d.Borrowers)),
		})
	}
	for _, b := range f.Bases {
		out.Bases = append(out.Bases, baseFiguresResponse(b))
	}
	return out
}

// routesSupport are the four-in-one records: training, incubation bases and
// tenancies, services.
func (a *api) routesSupport() {
	importErrors := []int{400, 401, 403, 413, 422}
	a.add(onBody(Route{Method: "POST", Path: "/api/v1/training-records", Tag: "four in one", Status: 201,
		Summary: "Record a training course a person finished (HRSS officer of the district)", Request: trainingRequest{}, Response: trainingResponse{},
		Errors: []int{400, 401, 403, 409, 422},
	}, func(ctx context.Context, p auth.Principal, req trainingRequest) (any, error) {
		t, err := a.Support.CreateTraining(ctx, p, support.TrainingInput(req))
		return toTraining(t), err
	}))
	a.add(Route{Method: "POST", Path: "/api/v1/training-records/import", Tag: "four in one", Status: 200, BodyLimit: a.MaxImportBytes, Upload: true,
		Summary: "Import a training roster: CSV (UTF-8, UTF-8 with BOM or GB18030) or XLSX, raw or as the multipart field \"file\"; header row " +
			"national_id,name,course,institution,start_date,end_date,certificate_no,district_code or the Chinese headers of the template. All rows or none; known certificates are skipped.",
		Response: importResponse{}, Errors: importErrors, Query: []Param{dryRunParam},
		handler: importing(a.Support.ImportTraining)})
	a.template("/api/v1/training-records/import", "four in one", "a training roster", a.Support.TrainingTemplate)
	a.add(onBody(Route{Method: "POST", Path: "/api/v1/incubation-bases", Tag: "four in one", Status: 201,
		Summary: "Add an incubation base (admin)", Request: baseRequest{}, Response: baseResponse{}, Errors: []int{400, 401, 403, 409, 422},
	}, func(ctx context.Context, p auth.Principal, req baseRequest) (any, error) {
		b, err := a.Support.CreateBase(ctx, p, support.BaseInput(req))
		return toBase(b), err
	}))
	a.add(Route{Method: "GET", Path: "/api/v1/incubation-bases", Tag: "four in one", Status: 200,
		Summary: "List incubation bases", Response: itemsResponse[baseResponse]{}, Errors: []int{401, 403},
		handler: func(c *gin.Context, p auth.Principal) error {
			bs, err := a.Support.Bases(c.Request.Context(), p)
			if err != nil {
				return err
			}
			items := make([]baseResponse, len(bs))
			for i, b := range bs {
				items[i] = toBase(b)
			}
			c.JSON(http.StatusOK, itemsResponse[baseResponse]{Items: items})
			return nil
		}})
	a.add(onBody(Route{Method: "POST", Path: "/api/v1/incubation-records", Tag: "four in one", Status: 201,
		Summary: "Record a move into a base (HRSS officer of the base's district)", Request: incubationRequest{}, Response: incubationResponse{},
		Errors: []int{400, 401, 403, 409, 422},
	}, func(ctx context.Context, p auth.Principal, req incubationRequest) (any, error) {
		t, err := a.Support.CreateTenancy(ctx, p, support.TenancyInput(req))
		return toTenancy(t), err
	}))
	a.add(onRecord(a, Route{Method: "PATCH", Path: "/api/v1/incubation-records/{id}", Tag: "four in one", Status: 200,
		Summary: "Record the move-out of an open tenancy (HRSS officer of the base's district)", Request: incubationPatch{}, Response: incubationResponse{},
		Errors: []int{400, 401, 403, 404, 409, 422},
	}, idPath("no incubation record with id %q"), func(k record[incubationPatch]) (any, error) {
		t, err := a.Support.RecordMoveOut(k.ctx, k.p, k.id, k.req.MoveOut)
		return toTenancy(t), err
	}))
	a.add(Route{Method: "POST", Path: "/api/v1/incubation-records/import", Tag: "four in one", Status: 200, BodyLimit: a.MaxImportBytes, Upload: true,
		Summary: "Import a tenancy list: CSV or XLSX like the training import; header row base_id,national_id,entity_name,move_in,move_out " +
			"(move_out optional) or the Chinese headers of the template. All rows or none; known tenancies are skipped.",
		Response: importResponse{}, Errors: importErrors, Query: []Param{dryRunParam},
		handler: importing(a.Support.ImportTenancies)})
	a.template("/api/v1/incubation-records/import", "four in one", "a tenancy list", a.Support.TenancyTemplate)
	a.add(onBody(Route{Method: "POST", Path: "/api/v1/service-records", Tag: "four in one", Status: 201,
		Summary: "Record a service given to a person (HRSS officer; district defaults to the officer's)", Request: serviceRequest{}, Response: serviceResponse{},
		Errors: []int{400, 401, 403, 422},
	}, func(ctx context.Context, p auth.Principal, req serviceRequest) (any, error) {
		s, err := a.Support.CreateService(ctx, p, support.ServiceInput(req))
		return toServiceRecord(s), err
	}))
}

// routesProfiles are the four-in-one profiles (a person's, an application's
// applicant's) and the year's figures.
func (a *api) routesProfiles() {
	a.add(Route{Method: "GET", Path: "/api/v1/people/{national_id}/support", Tag: "four in one", Status: 200,
		Summary: "A person's four-in-one profile (officers of the person's districts or banks, auditors, the person)", Response: profileResponse{},
		Errors: []int{401, 404},
		handler: func(c *gin.Context, p auth.Principal) error {
			pr, err := a.Support.PersonProfile(c.Request.Context(), p, c.Param("national_id"))
			if err != nil {
				return err
			}
			c.JSON(http.StatusOK, toProfile(pr))
			return nil
		}})
	a.add(onRecord(a, Route{Method: "GET", Path: "/api/v1/applications/{id}/support", Tag: "four in one", Status: 200,
		Summary:  "The applicant's four-in-one profile and the application's counter-guarantee waiver (whoever sees the application)",
		Response: profileResponse{}, Errors: []int{401, 404},
	}, applicationPath, func(k record[struct{}]) (any, error) {
		pr, err := a.Support.ApplicationProfile(k.ctx, k.p, application.ID(k.id))
		return toProfile(pr), err
	}))
	a.add(Route{Method: "GET", Path: "/api/v1/support/figures", Tag: "four in one", Status: 200,
		Summary:  "Four-in-one figures of a year per district and per base (auditors, admin, HRSS officers for their district)",
		Query:    []Param{{Name: "year", Type: "integer", Description: "the year, such as 2024 (default: this year)"}},
		Response: figuresResponse{}, Errors: []int{401, 403, 422},
		handler: func(c *gin.Context, p auth.Principal) error {
			year := beijing.Day(time.Now()).Year()
			if v := c.Query("year"); v != "" {
				y, err := strconv.Atoi(v)
				if err != nil {
					return apperr.Field("year", "must be a year such as 2024")
				}
				year = y
			}
			f, err := a.Support.Figures(c.Request.Context(), p, year)
			if err != nil {
				return err
			}
			c.JSON(http.StatusOK, toFigures(f))
			return nil
		}})
}
