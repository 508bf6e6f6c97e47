package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"chuangdai/internal/apperr"
	"chuangdai/internal/auth"
	"chuangdai/internal/loan"
	"chuangdai/internal/money"
)

type periodResponse struct {
	Month        string       `json:"month" doc:"the accounting month, YYYY-MM"`
	State        string       `json:"state" doc:"open or closed: closing a month closes every month before it"`
	ClosedMonth  *string      `json:"closed_month" doc:"the month whose close closed this one (itself, or a later month; null while open)"`
	ClosedAt     *time.Time   `json:"closed_at"`
	ClosedBy     *auth.UserID `json:"closed_by"`
	ClosedByName *string      `json:"closed_by_name"`
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

type reversalRequest struct {
	Kind   string `json:"kind" doc:"repayment, disbursement, recovery, subsidy_payment or compensation"`
	ID     int64  `json:"id" doc:"the repayment's or the recovery's id; for a disbursement, a subsidy payment and a compensation the loan's id"`
	Period string `json:"period,omitempty" doc:"for a subsidy payment: the quarter, such as 2024Q2"`
	Reason string `json:"reason"`
}

type reversalRejectRequest struct {
	Comment string `json:"comment,omitempty"`
}

// A rejection may come without a body: the comment is optional.
func (*reversalRejectRequest) bodyOptional() {}

type reversalResponse struct {
	ID           int64               `json:"id"`
	Kind         loan.ReversalKind   `json:"kind"`
	LoanID       loan.ID             `json:"loan_id"`
	LoanNumber   string              `json:"loan_number"`
	TargetID     int64               `json:"target_id" doc:"the id of the posting reversed (the subsidy claim's for a subsidy payment, the loan's for a disbursement and a compensation)"`
	DistrictCode string              `json:"district_code"`
	BankCode     string              `json:"bank_code"`
	Amount       string              `json:"amount" doc:"what the original moved: a repayment's principal, a disbursement's principal, a recovery's amount, a quarter's subsidy, a compensation's amount (fund and bank)"`
	Interest     string              `json:"interest" doc:"a repayment's interest (0.00 otherwise)"`
	FundAmount   string              `json:"fund_amount" doc:"the guarantee fund's part of a compensation (0.00 otherwise)"`
	OriginalOn   string              `json:"original_on" doc:"the day of the original posting"`
	Period       string              `json:"period" doc:"the quarter of a subsidy payment (empty otherwise)"`
	Reason       string              `json:"reason"`
	Status       loan.ReversalStatus `json:"status" doc:"proposed, confirmed (posted) or rejected"`
	ProposedBy   auth.UserID         `json:"proposed_by"`
	ProposedAt   time.Time           `json:"proposed_at"`
	DecidedBy    *auth.UserID        `json:"decided_by"`
	DecidedAt    *time.Time          `json:"decided_at"`
	PostedOn     *string             `json:"posted_on" doc:"the day the reversal posted, in the open month (null unless confirmed)"`
	Comment      string              `json:"comment"`
}

func toReversal(r loan.Reversal) reversalResponse {
	return reversalResponse{ID: r.ID, Kind: r.Kind, LoanID: r.LoanID, LoanNumber: r.LoanNumber, TargetID: r.TargetID, DistrictCode: r.DistrictCode,
		BankCode: r.BankCode, Amount: money.Format(r.Amount), Interest: money.Format(r.Interest), FundAmount: money.Format(r.Fund), OriginalOn: dayString(r.OriginalOn), Period: r.Period,
		Reason: r.Reason, Status: r.Status, ProposedBy: r.ProposedBy, ProposedAt: r.ProposedAt, DecidedBy: r.DecidedBy, DecidedAt: r.DecidedAt,
		PostedOn: dayPtr(r.PostedOn), Comment: r.Comment}
}

type reversalEnvelope struct {
	Reversal reversalResponse `json:"reversal"`
	Loan     loanResponse     `json:"loan"`
}

var reversalListQuery = append([]Param{
	{Name: "status", Type: "string", Description: "proposed, confirmed or rejected"},
	{Name: "kind", Type: "string", Description: "repayment, disbursement, subsidy_payment, compensation or recovery"},
	{Name: "loan_id", Type: "integer", Description: "only this loan's reversals"},
	{Name: "to_confirm", Type: "boolean", Description: "true: only the proposed reversals waiting for the caller (proposed by someone else, of the kinds the caller's roles confirm)"},
}, pageParams...)

func (a *api) routesCorrections() {
	a.add(onBody(Route{Method: "POST", Path: "/api/v1/reversals", Tag: "corrections", Status: 201,
		Summary: "Propose the reversal (冲正) of a money posting (a repayment, a disbursement, a recovery, a subsidy payment or a compensation) with a reason; an officer of the same role other than the proposer confirms it",
		Request: reversalRequest{}, Response: reversalResponse{}, Errors: []int{400, 401, 403, 404, 409, 422},
	}, func(ctx context.Context, p auth.Principal, req reversalRequest) (any, error) {
		r, err := a.Loans.ProposeReversal(ctx, p, loan.ReversalInput(req))
		return toReversal(r), err
	}))
	a.add(Route{Method: "GET", Path: "/api/v1/reversals", Tag: "corrections", Status: 200,
		Summary: "Reversals of the loans in the caller's scope, newest first", Query: reversalListQuery,
		Response: listResponse[reversalResponse]{}, Errors: []int{401, 403, 422},
		handler: func(c *gin.Context, p auth.Principal) error {
			var f apperr.Fields
			pg := readPage(c, &f)
			filter := loan.ParseReversalFilter(c.Query, &f)
			if err := f.Err(); err != nil {
				return err
			}
			rs, total, err := a.Loans.Reversals(c.Request.Context(), p, filter, pg.offset(), pg.PageSize)
			if err != nil {
				return err
			}
			items := make([]reversalResponse, len(rs))
			for i, r := range rs {
				items[i] = toReversal(r)
			}
			writeJSON(c, http.StatusOK, newList(items, total, pg))
			return nil
		}})
	reversalPath := idPath("no reversal with id %q")
	a.add(onRecord(a, Route{Method: "POST", Path: "/api/v1/reversals/{id}/confirm", Tag: "corrections", Status: 200,
		Summary:  "Confirm a proposed reversal (another officer of the role): it posts today and the loan's figures follow from the postings that stand; a reversal posts once",
		Response: reversalEnvelope{}, Errors: []int{401, 403, 404, 409},
	}, reversalPath, func(k record[struct{}]) (any, error) {
		r, l, err := a.Loans.ConfirmReversal(k.ctx, k.p, k.id)
		return reversalEnvelope{Reversal: toReversal(r), Loan: toLoan(l)}, err
	}))
	a.add(onRecord(a, Route{Method: "POST", Path: "/api/v1/reversals/{id}/reject", Tag: "corrections", Status: 200,
		Summary: "Reject a proposed reversal, or withdraw one's own; nothing moves", Request: reversalRejectRequest{},
		Response: reversalResponse{}, Errors: []int{400, 401, 403, 404, 409, 422},
	}, reversalPath, func(k record[reversalRejectRequest]) (any, error) {
		r, err := a.Loans.RejectReversal(k.ctx, k.p, k.id, k.req.Comment)
		return toReversal(r), err
	}))
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
			writeJSON(c, http.StatusOK, newList(items, total, pg))
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
