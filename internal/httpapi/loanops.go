package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"chuangdai/internal/apperr"
	"chuangdai/internal/auth"
	"chuangdai/internal/loan"
)

// Loan operations (issue 18): extensions (展期).

type extensionRequest struct {
	NewMaturity string `json:"new_maturity" doc:"the new maturity, YYYY-MM-DD: after the current one, within the policy's extension.max_months of the contract's"`
	Reason      string `json:"reason"`
}

type extensionDecisionRequest struct {
	Reason string `json:"reason" doc:"why the extension is refused (reject only)"`
}

type extensionResponse struct {
	ID           int64               `json:"id"`
	OldMaturity  string              `json:"old_maturity"`
	NewMaturity  string              `json:"new_maturity"`
	Reason       string              `json:"reason"`
	State        loan.ExtensionState `json:"state" doc:"proposed (waits for the guarantee centre), confirmed or rejected"`
	ProposedBy   int64               `json:"proposed_by"`
	ProposedAt   time.Time           `json:"proposed_at"`
	ConfirmedBy  *int64              `json:"confirmed_by"`
	ConfirmedAt  *time.Time          `json:"confirmed_at"`
	RejectedBy   *int64              `json:"rejected_by"`
	RejectedAt   *time.Time          `json:"rejected_at"`
	RejectReason *string             `json:"reject_reason"`
}

type extensionEnvelope struct {
	Extension extensionResponse `json:"extension"`
	Loan      loanResponse      `json:"loan"`
}

func toExtension(e loan.Extension) extensionResponse {
	r := extensionResponse{ID: e.ID, OldMaturity: dayString(e.OldMaturity), NewMaturity: dayString(e.NewMaturity), Reason: e.Reason, State: e.State,
		ProposedBy: e.ProposedBy, ProposedAt: e.ProposedAt, ConfirmedBy: e.ConfirmedBy, ConfirmedAt: e.ConfirmedAt, RejectedBy: e.RejectedBy, RejectedAt: e.RejectedAt}
	if e.State == loan.ExtensionRejected {
		r.RejectReason = &e.RejectReason
	}
	return r
}

// pathExtension reads the {eid} of the path.
func pathExtension(c *gin.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("eid"), 10, 64)
	if err != nil || id < 1 {
		return 0, apperr.NotFoundf("no extension with id %q", c.Param("eid"))
	}
	return id, nil
}

func (a *api) routesLoanOps() {
	a.add(Route{Method: "POST", Path: "/api/v1/loans/{id}/extensions", Tag: "loans", Status: 201,
		Summary: "Propose an extension (展期) of an active or overdue loan, on or before its maturity (bank officer of the loan's bank); a guarantee officer of the district confirms it",
		Request: extensionRequest{}, Response: extensionEnvelope{}, Errors: []int{400, 401, 403, 404, 409, 422},
		handler: func(c *gin.Context, p auth.Principal) error {
			id, err := pathID(c, "no loan with id %q")
			if err != nil {
				return err
			}
			var req extensionRequest
			if err := bind(c, &req); err != nil {
				return err
			}
			e, l, err := a.Loans.ProposeExtension(c.Request.Context(), p, id, loan.ExtensionInput(req))
			if err != nil {
				return err
			}
			c.JSON(http.StatusCreated, extensionEnvelope{Extension: toExtension(e), Loan: toLoan(l)})
			return nil
		}})
	decide := func(path, summary string, req any, run func(c *gin.Context, p auth.Principal, id, eid int64) (loan.Loan, error)) {
		a.add(Route{Method: "POST", Path: "/api/v1/loans/{id}/extensions/{eid}/" + path, Tag: "loans", Status: 200,
			Summary: summary, Request: req, Response: loanEnvelope{}, Errors: []int{400, 401, 403, 404, 409, 422},
			handler: func(c *gin.Context, p auth.Principal) error {
				id, err := pathID(c, "no loan with id %q")
				if err != nil {
					return err
				}
				eid, err := pathExtension(c)
				if err != nil {
					return err
				}
				l, err := run(c, p, id, eid)
				if err != nil {
					return err
				}
				c.JSON(http.StatusOK, loanEnvelope{Loan: toLoan(l)})
				return nil
			}})
	}
	decide("confirm", "Confirm a proposed extension (guarantee officer of the loan's district, not the proposer): the loan matures on the new day, no subsidy after the contract's maturity", nil,
		func(c *gin.Context, p auth.Principal, id, eid int64) (loan.Loan, error) {
			return a.Loans.ConfirmExtension(c.Request.Context(), p, id, eid)
		})
	decide("reject", "Reject a proposed extension with a reason (guarantee officer of the loan's district)", extensionDecisionRequest{},
		func(c *gin.Context, p auth.Principal, id, eid int64) (loan.Loan, error) {
			var req extensionDecisionRequest
			if err := bind(c, &req); err != nil {
				return loan.Loan{}, err
			}
			return a.Loans.RejectExtension(c.Request.Context(), p, id, eid, req.Reason)
		})
}
