package httpapi

import (
	"context"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"chuangdai/internal/apperr"
	"chuangdai/internal/auth"
	"chuangdai/internal/money"
	"chuangdai/internal/refdata"
)

type codeName struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

type industryDTO struct {
	Code     string `json:"code"`
	Name     string `json:"name" doc:"the label in the reader's language (Chinese by default)"`
	Category string `json:"category" doc:"cluster (the city's 8+6 industrial clusters), chain (its 12 key industrial chains) or general (everyday trades)"`
	Active   bool   `json:"active" doc:"false for a retired entry: it still names the applications that carry it, but is not offered"`
}

type itemsResponse[T any] struct {
	Items []T `json:"items"`
}

type targetItemRequest struct {
	DistrictCode       string  `json:"district_code"`
	LoanAmount         string  `json:"loan_amount"`
	ReturneeLoanAmount *string `json:"returnee_loan_amount"`
	Jobs               *int    `json:"jobs"`
}

type targetsRequest struct {
	Items []targetItemRequest `json:"items"`
}

type targetItemResponse struct {
	DistrictCode       string  `json:"district_code"`
	DistrictName       string  `json:"district_name"`
	LoanAmount         string  `json:"loan_amount"`
	ReturneeLoanAmount *string `json:"returnee_loan_amount"`
	Jobs               *int    `json:"jobs"`
}

type targetsResponse struct {
	Year  int                  `json:"year"`
	Items []targetItemResponse `json:"items"`
}

func pathYear(c *gin.Context) (int, error) {
	y, err := strconv.Atoi(c.Param("year"))
	if err != nil || !refdata.ValidYear(y) {
		return 0, apperr.Field("year", "must be a year between 2000 and 2100, such as /targets/2024")
	}
	return y, nil
}

func toTargets(year int, ts []refdata.Target) targetsResponse {
	out := targetsResponse{Year: year, Items: make([]targetItemResponse, len(ts))}
	for i, t := range ts {
		it := targetItemResponse{DistrictCode: t.DistrictCode, DistrictName: t.DistrictName, LoanAmount: money.Format(t.LoanAmount), Jobs: t.Jobs}
		if t.ReturneeLoanAmount != nil {
			s := money.Format(*t.ReturneeLoanAmount)
			it.ReturneeLoanAmount = &s
		}
		out.Items[i] = it
	}
	return out
}

func (a *api) routesRefdata() {
	a.add(onBody(Route{Method: "POST", Path: "/api/v1/districts", Tag: "reference", Status: 201,
		Summary: "Add a district (admin)", Request: codeName{}, Response: codeName{}, Errors: []int{400, 401, 403, 409, 422},
	}, func(ctx context.Context, p auth.Principal, req codeName) (any, error) {
		d, err := a.Refdata.CreateDistrict(ctx, p, refdata.District{Code: req.Code, Name: req.Name})
		return codeName{d.Code, d.Name}, err
	}))
	a.add(Route{Method: "GET", Path: "/api/v1/districts", Tag: "reference", Status: 200,
		Summary: "List districts", Response: itemsResponse[codeName]{}, Errors: []int{401},
		handler: func(c *gin.Context, p auth.Principal) error {
			ds, err := a.Refdata.ListDistricts(c.Request.Context(), p)
			if err != nil {
				return err
			}
			items := make([]codeName, len(ds))
			for i, d := range ds {
				items[i] = codeName{d.Code, d.Name}
			}
			c.JSON(http.StatusOK, itemsResponse[codeName]{Items: items})
			return nil
		}})
	a.add(onBody(Route{Method: "POST", Path: "/api/v1/banks", Tag: "reference", Status: 201,
		Summary: "Add a handling bank (admin)", Request: codeName{}, Response: codeName{}, Errors: []int{400, 401, 403, 409, 422},
	}, func(ctx context.Context, p auth.Principal, req codeName) (any, error) {
		b, err := a.Refdata.CreateBank(ctx, p, refdata.Bank{Code: req.Code, Name: req.Name})
		return codeName{b.Code, b.Name}, err
	}))
	a.add(Route{Method: "GET", Path: "/api/v1/banks", Tag: "reference", Status: 200,
		Summary: "List handling banks", Response: itemsResponse[codeName]{}, Errors: []int{401},
		handler: func(c *gin.Context, p auth.Principal) error {
			bs, err := a.Refdata.ListBanks(c.Request.Context(), p)
			if err != nil {
				return err
			}
			items := make([]codeName, len(bs))
			for i, b := range bs {
				items[i] = codeName{b.Code, b.Name}
			}
			c.JSON(http.StatusOK, itemsResponse[codeName]{Items: items})
			return nil
		}})
	a.add(Route{Method: "GET", Path: "/api/v1/industries", Tag: "reference", Status: 200,
		Summary:  "The industries applicants choose from (the policy file's list: the city's 8+6 industrial clusters, its 12 key chains, everyday trades), in the file's order",
		Response: itemsResponse[industryDTO]{}, Errors: []int{401, 403},
		handler: func(c *gin.Context, p auth.Principal) error {
			list, err := a.Applications.Industries(p)
			if err != nil {
				return err
			}
			items := make([]industryDTO, len(list))
			for i, x := range list {
				items[i] = industryDTO{Code: x.Code, Name: x.Localize(language(c)), Category: x.Category, Active: !x.Retired}
			}
			c.JSON(http.StatusOK, itemsResponse[industryDTO]{Items: items})
			return nil
		}})
	a.add(Route{Method: "PUT", Path: "/api/v1/targets/{year}", Tag: "reference", Status: 200,
		Summary: "Replace a year's annual targets (admin)", Request: targetsRequest{}, Response: targetsResponse{}, Errors: []int{400, 401, 403, 422},
		handler: func(c *gin.Context, p auth.Principal) error {
			year, err := pathYear(c)
			if err != nil {
				return err
			}
			var req targetsRequest
			if err := bind(c, &req); err != nil {
				return err
			}
			var in []refdata.TargetInput
			if req.Items != nil {
				in = make([]refdata.TargetInput, len(req.Items))
			}
			for i, it := range req.Items {
				in[i] = refdata.TargetInput(it)
			}
			ts, err := a.Refdata.PutTargets(c.Request.Context(), p, year, in)
			if err != nil {
				return err
			}
			c.JSON(http.StatusOK, toTargets(year, ts))
			return nil
		}})
	a.add(Route{Method: "GET", Path: "/api/v1/targets/{year}", Tag: "reference", Status: 200,
		Summary: "A year's annual targets", Response: targetsResponse{}, Errors: []int{401, 422},
		handler: func(c *gin.Context, p auth.Principal) error {
			year, err := pathYear(c)
			if err != nil {
				return err
			}
			ts, err := a.Refdata.Targets(c.Request.Context(), p, year)
			if err != nil {
				return err
			}
			c.JSON(http.StatusOK, toTargets(year, ts))
			return nil
		}})
}
