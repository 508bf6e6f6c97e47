package httpapi

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"chuangdai/internal/apperr"
	"chuangdai/internal/auth"
	"chuangdai/internal/loan"
)

type periodResponse struct {
	Month        string     `json:"month" doc:"the accounting month, YYYY-MM"`
	State        string     `json:"state" doc:"open or closed: closing a month closes every month before it"`
	ClosedMonth  *string    `json:"closed_month" doc:"the month whose close closed this one (itself, or a later month; null while open)"`
	ClosedAt     *time.Time `json:"closed_at"`
	ClosedBy     *int64     `json:"closed_by"`
	ClosedByName *string    `json:"closed_by_name"`
}

func toPeriod(s loan.PeriodState) periodResponse {
	out := periodResponse{Month: s.Month, State: "open"}
	if s.Closed {
		out.State = "closed"
		c := s.Close
		out.ClosedMonth, out.ClosedAt, out.ClosedBy, out.ClosedByName = &c.Month, &c.ClosedAt, &c.ClosedBy, &c.ClosedByName
	}
	return out
}

func (a *api) routesCorrections() {
	a.add(Route{Method: "GET", Path: "/api/v1/periods", Tag: "corrections", Status: 200,
		Summary: "The accounting months, newest first from the current month back to the first disbursement, each open or closed (finance auditors, administrators)",
		Query:   pageParams, Response: listResponse[periodResponse]{}, Errors: []int{401, 403, 422},
		handler: func(c *gin.Context, p auth.Principal) error {
			var f apperr.Fields
			pg := readPage(c, &f)
			if err := f.Err(); err != nil {
				return err
			}
			ps, total, err := a.Loans.Periods(c.Request.Context(), p, pg.offset(), pg.PageSize)
			if err != nil {
				return err
			}
			items := make([]periodResponse, len(ps))
			for i, s := range ps {
				items[i] = toPeriod(s)
			}
			c.JSON(http.StatusOK, newList(items, total, pg))
			return nil
		}})
	a.add(Route{Method: "POST", Path: "/api/v1/periods/{month}/close", Tag: "corrections", Status: 200,
		Summary:  "Close an accounting month that has ended, and every month before it (finance auditor): postings dated in a closed month are refused (409 period.closed); a month is never reopened",
		Response: periodResponse{}, Errors: []int{401, 403, 404, 409},
		handler: func(c *gin.Context, p auth.Principal) error {
			s, err := a.Loans.ClosePeriod(c.Request.Context(), p, c.Param("month"))
			if err != nil {
				return err
			}
			c.JSON(http.StatusOK, toPeriod(s))
			return nil
		}})
}
