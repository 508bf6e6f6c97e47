package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/shopspring/decimal"

	"chuangdai/internal/apperr"
	"chuangdai/internal/auth"
	"chuangdai/internal/loan"
	"chuangdai/internal/money"
)

// Loan operations (issue 18): extensions (展期) and the guarantee fund's
// risk triggers.

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
	ProposedBy   auth.UserID         `json:"proposed_by"`
	ProposedAt   time.Time           `json:"proposed_at"`
	ConfirmedBy  *auth.UserID        `json:"confirmed_by"`
	ConfirmedAt  *time.Time          `json:"confirmed_at"`
	RejectedBy   *auth.UserID        `json:"rejected_by"`
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
	a.add(Route{Method: "GET", Path: "/api/v1/guarantee/risk", Tag: "guarantee", Status: 200,
		Summary:  "The guarantee fund's risk triggers: per bank (on the whole city's loans) and per district of the caller's scope, the overdue rate (overdue ÷ outstanding) and the compensation rate (compensated ÷ disbursed) against the policy's thresholds (409 policy.no_version when no policy version is in force today)",
		Response: riskResponse{}, Errors: []int{401, 403, 409},
		handler: func(c *gin.Context, p auth.Principal) error {
			rep, err := a.Loans.Risk(c.Request.Context(), p)
			if err != nil {
				return err
			}
			c.JSON(http.StatusOK, toRisk(rep))
			return nil
		}})
	a.add(onRecord(a, Route{Method: "POST", Path: "/api/v1/loans/{id}/extensions", Tag: "loans", Status: 201,
		Summary: "Propose an extension (展期) of an active or overdue loan, on or before its maturity (bank officer of the loan's bank); a guarantee officer of the district confirms it",
		Request: extensionRequest{}, Response: extensionEnvelope{}, Errors: []int{400, 401, 403, 404, 409, 422},
	}, loanPath, func(k record[extensionRequest]) (any, error) {
		e, l, err := a.Loans.ProposeExtension(k.ctx, k.p, loan.ID(k.id), loan.ExtensionInput(k.req))
		return extensionEnvelope{Extension: toExtension(e), Loan: toLoan(l)}, err
	}))
	// A decision reads the extension of the path before the body.
	extension := func(c *gin.Context) (int64, error) {
		id, err := loanPath(c)
		if err != nil {
			return 0, err
		}
		_, err = pathExtension(c)
		return id, err
	}
	decide := func(path, summary string, req any, call func(k record[extensionDecisionRequest], eid int64) (loan.Loan, error)) {
		a.add(onRecord(a, Route{Method: "POST", Path: "/api/v1/loans/{id}/extensions/{eid}/" + path, Tag: "loans", Status: 200,
			Summary: summary, Request: req, Response: loanEnvelope{}, Errors: []int{400, 401, 403, 404, 409, 422},
		}, extension, func(k record[extensionDecisionRequest]) (any, error) {
			eid, err := pathExtension(k.c)
			if err != nil {
				return nil, err
			}
			l, err := call(k, eid)
			return loanEnvelope{Loan: toLoan(l)}, err
		}))
	}
	decide("confirm", "Confirm a proposed extension (guarantee officer of the loan's district, not the proposer): the loan matures on the new day, no subsidy after the contract's maturity", nil,
		func(k record[extensionDecisionRequest], eid int64) (loan.Loan, error) {
			return a.Loans.ConfirmExtension(k.ctx, k.p, loan.ID(k.id), eid)
		})
	decide("reject", "Reject a proposed extension with a reason (guarantee officer of the loan's district)", extensionDecisionRequest{},
		func(k record[extensionDecisionRequest], eid int64) (loan.Loan, error) {
			return a.Loans.RejectExtension(k.ctx, k.p, loan.ID(k.id), eid, k.req.Reason)
		})
}

type riskTriggersResponse struct {
	EffectiveFrom    string  `json:"effective_from" doc:"the day the policy version with these thresholds took effect"`
	OverdueRate      *string `json:"overdue_rate" doc:"flag at an overdue rate at or above this (null: no such trigger)"`
	CompensationRate *string `json:"compensation_rate" doc:"flag at a compensation rate at or above this (null: no such trigger)"`
	BlockGuarantees  bool    `json:"block_guarantees" doc:"guarantee approvals of applications with a flagged bank are refused (409 guarantee.risk_blocked)"`
}

type riskRow struct {
	BankCode             string  `json:"bank_code,omitempty"`
	DistrictCode         string  `json:"district_code,omitempty"`
	Loans                int     `json:"loans" doc:"active and overdue loans"`
	Outstanding          string  `json:"outstanding" doc:"principal outstanding of the active and overdue loans"`
	Overdue              string  `json:"overdue" doc:"principal outstanding of the overdue loans"`
	OverdueRate          *string `json:"overdue_rate" doc:"overdue ÷ outstanding, half-up to a millionth (null without outstanding principal)"`
	Disbursed            string  `json:"disbursed" doc:"principal of every loan disbursed or imported"`
	Compensated          string  `json:"compensated" doc:"principal the guarantee fund compensated (the whole compensation, fund and bank shares)"`
	CompensationRate     *string `json:"compensation_rate" doc:"compensated ÷ disbursed, half-up to a millionth (null without disbursements)"`
	OverdueBreached      bool    `json:"overdue_breached"`
	CompensationBreached bool    `json:"compensation_breached"`
	Breached             bool    `json:"breached" doc:"either threshold is reached"`
}

type riskResponse struct {
	Triggers  riskTriggersResponse `json:"triggers"`
	Banks     []riskRow            `json:"banks" doc:"every bank, on the loans of the whole city"`
	Districts []riskRow            `json:"districts" doc:"the districts of the caller's scope"`
}

func ratePtr(d *decimal.Decimal) *string {
	if d == nil {
		return nil
	}
	s := money.FormatRate(*d)
	return &s
}

func toRiskRow(r loan.Risk) riskRow {
	return riskRow{Loans: r.Loans, Outstanding: money.Format(r.Outstanding), Overdue: money.Format(r.Overdue), OverdueRate: ratePtr(r.OverdueRate),
		Disbursed: money.Format(r.Disbursed), Compensated: money.Format(r.Compensated), CompensationRate: ratePtr(r.CompensationRate),
		OverdueBreached: r.OverdueBreached, CompensationBreached: r.CompensationBreached, Breached: r.Breached()}
}

func toRisk(rep loan.RiskReport) riskResponse {
	t := rep.Triggers
	out := riskResponse{Triggers: riskTriggersResponse{EffectiveFrom: dayString(t.From), OverdueRate: ratePtr(t.OverdueRate),
		CompensationRate: ratePtr(t.CompensationRate), BlockGuarantees: t.BlockGuarantees}, Banks: []riskRow{}, Districts: []riskRow{}}
	for _, r := range rep.Banks {
		row := toRiskRow(r)
		row.BankCode = r.Code
		out.Banks = append(out.Banks, row)
	}
	for _, r := range rep.Districts {
		row := toRiskRow(r)
		row.DistrictCode = r.Code
		out.Districts = append(out.Districts, row)
	}
	return out
}
