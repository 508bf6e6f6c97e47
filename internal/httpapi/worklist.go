package httpapi

import (
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"chuangdai/internal/apperr"
	"chuangdai/internal/auth"
	"chuangdai/internal/loan"
)

type worklistItem struct {
	Key   string `json:"key" doc:"returned, draft, eligibility_review, guarantee_review, bank_review, approved, subsidy_pending, subsidy_claimed, subsidy_checked, loans_overdue, compensation_due, write_off_proposed, reversals_to_confirm"`
	Label string `json:"label" doc:"the list's name in the reader's language"`
	Count int64  `json:"count"`
	List  string `json:"list" doc:"the API list behind the count"`
}

type worklistResponse struct {
	Items []worklistItem `json:"items"`
}

type claimLineResponse struct {
	LoanID       loan.ID `json:"loan_id"`
	LoanNumber   string  `json:"loan_number"`
	Name         string  `json:"name"`
	DistrictCode string  `json:"district_code"`
	BankCode     string  `json:"bank_code"`
	subsidyItem
	ClaimedAt *time.Time `json:"claimed_at"`
	CheckedAt *time.Time `json:"checked_at"`
	PaidAt    *time.Time `json:"paid_at"`
}

type batchItemRequest struct {
	LoanID loan.ID `json:"loan_id"`
	Period string  `json:"period"`
}

type batchRequest struct {
	Action   string             `json:"action" doc:"claim, check or pay"`
	Items    []batchItemRequest `json:"items"`
	Decision string             `json:"decision" doc:"for check: approve or refuse"`
	Reason   string             `json:"reason" doc:"for check with refuse: why"`
}

type batchResultResponse struct {
	LoanID loan.ID      `json:"loan_id"`
	Period string       `json:"period"`
	OK     bool         `json:"ok"`
	Item   *subsidyItem `json:"item,omitempty"`
	// Status, Code and Detail say why a quarter was refused, as a problem would.
	Status int            `json:"status,omitempty"`
	Code   string         `json:"code,omitempty"`
	Detail string         `json:"detail,omitempty"`
	Errors []fieldProblem `json:"errors,omitempty"`
}

type batchResponse struct {
	Succeeded int                   `json:"succeeded"`
	Failed    int                   `json:"failed"`
	Results   []batchResultResponse `json:"results"`
}

func (a *api) routesWorklist() {
	a.add(Route{Method: "GET", Path: "/api/v1/worklist", Tag: "work lists", Status: 200,
		Summary:  "What waits for the caller, with counts, per role: review stages, approved applications to disburse, subsidy quarters to claim, check or pay, overdue loans, loans to compensate, write-offs to confirm, the applicant's drafts and returned applications",
		Response: worklistResponse{}, Errors: []int{401},
		handler: func(c *gin.Context, p auth.Principal) error {
			items, err := a.Worklist.Counts(c.Request.Context(), p)
			if err != nil {
				return err
			}
			lang := language(c)
			out := worklistResponse{Items: make([]worklistItem, len(items))}
			for i, it := range items {
				out.Items[i] = worklistItem{Key: it.Key, Label: it.Label.Render(lang), Count: it.Count, List: it.List}
			}
			c.JSON(http.StatusOK, out)
			return nil
		}})
	a.add(Route{Method: "GET", Path: "/api/v1/subsidy-claims", Tag: "subsidy", Status: 200,
		Summary:  "Subsidy quarters of a work list: pending (ended and not claimed, one quarter, default the last that ended), claimed, checked, paid or refused",
		Response: listResponse[claimLineResponse]{}, Errors: []int{401, 403, 422},
		Query: append([]Param{
			{Name: "status", Type: "string", Description: "pending (default), claimed, checked, paid or refused"},
			{Name: "period", Type: "string", Description: "a quarter such as 2024Q2 (pending: default the last quarter that ended)"},
			{Name: "district_code", Type: "string", Description: "only this district"},
			{Name: "bank_code", Type: "string", Description: "only this bank"},
			{Name: "q", Type: "string", Description: "the start of the loan's number (any case) or of the borrower's name"},
			{Name: "sort", Type: "string", Description: "the column to sort by: pending quarters " + strings.Join(loan.PendingSortKeys, ", ") +
				" (default loan_number); the others " + strings.Join(loan.ClaimSortKeys, ", ") + " (default period); a leading - sorts it in reverse"},
		}, pageParams...),
		handler: func(c *gin.Context, p auth.Principal) error {
			var f apperr.Fields
			pg := readPage(c, &f)
			filter := loan.ParseClaimFilter(c.Query, &f)
			if err := f.Err(); err != nil {
				return err
			}
			lines, total, err := a.Loans.Claims(c.Request.Context(), p, filter, pg.offset(), pg.PageSize)
			if err != nil {
				return err
			}
			items := make([]claimLineResponse, len(lines))
			for i, l := range lines {
				items[i] = claimLineResponse{LoanID: l.LoanID, LoanNumber: l.LoanNumber, Name: l.Name, DistrictCode: l.DistrictCode, BankCode: l.BankCode,
					subsidyItem: toSubsidyItem(loan.SubsidyItem{Period: l.Period, Status: l.Status, Reason: l.Reason, Claimable: l.Status == loan.ClaimPending}),
					ClaimedAt:   l.ClaimedAt, CheckedAt: l.CheckedAt, PaidAt: l.PaidAt}
			}
			writeJSON(c, http.StatusOK, newList(items, total, pg))
			return nil
		}})
	a.add(Route{Method: "POST", Path: "/api/v1/subsidy-claims/batch", Tag: "subsidy", Status: 200,
		Summary: "Claim, check or pay many subsidy quarters at once: each quarter in its own transaction under the rules of the single step, with its own result",
		Request: batchRequest{}, Response: batchResponse{}, Errors: []int{400, 401, 422},
		handler: func(c *gin.Context, p auth.Principal) error {
			var req batchRequest
			if err := bind(c, &req); err != nil {
				return err
			}
			in := loan.BatchInput{Action: loan.BatchAction(req.Action), Check: loan.CheckInput{Decision: req.Decision, Reason: req.Reason}}
			for _, it := range req.Items {
				in.Items = append(in.Items, loan.BatchItem{LoanID: it.LoanID, Period: it.Period})
			}
			results, err := a.Loans.Batch(c.Request.Context(), p, in)
			if err != nil {
				return err
			}
			lang := language(c)
			out := batchResponse{Results: make([]batchResultResponse, len(results))}
			for i, r := range results {
				row := batchResultResponse{LoanID: r.LoanID, Period: r.Period, OK: r.Err == nil}
				if r.Err == nil {
					item := toSubsidyItem(r.Item)
					row.Item = &item
					out.Succeeded++
				} else {
					e, _ := apperr.As(r.Err)
					row.Status, row.Code, row.Detail = statusOf(e.Kind), e.Code, e.Message.Render(lang)
					for _, fe := range e.Fields {
						row.Errors = append(row.Errors, fieldProblem{Row: fe.Row, Field: fe.Field, Message: fe.Message.Render(lang)})
					}
					out.Failed++
				}
				out.Results[i] = row
			}
			c.JSON(http.StatusOK, out)
			return nil
		}})
}
