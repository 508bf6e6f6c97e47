package httpapi

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"chuangdai/internal/apperr"
	"chuangdai/internal/auth"
	"chuangdai/internal/fund"
	"chuangdai/internal/idempotency"
	"chuangdai/internal/money"
	"chuangdai/internal/msg"
)

type fundAccount struct {
	Account string `json:"account"`
	Label   string `json:"label"`
	Balance string `json:"balance"`
}

// fundResponse is the fund's position (API.md: balance,
// guaranteed_outstanding, leverage, leverage_limit, headroom).
type fundResponse struct {
	AsOf    string `json:"as_of" doc:"the day the figures are of: the query's as_of, or today"`
	Balance string `json:"balance"`
	// GuaranteedOutstanding is loans_outstanding + committed.
	GuaranteedOutstanding string `json:"guaranteed_outstanding"`
	// LoansOutstanding is the principal outstanding of active and overdue
	// loans; Committed the guarantees approved and not yet disbursed.
	LoansOutstanding string  `json:"loans_outstanding"`
	Committed        string  `json:"committed"`
	Leverage         *string `json:"leverage"`
	LeverageLimit    string  `json:"leverage_limit"`
	Headroom         string  `json:"headroom"`
	OverLimit        bool    `json:"over_limit"`
	// Capacity is leverage_limit × balance, never below zero.
	Capacity string `json:"capacity"`
	// LastYearRepaymentRate is null when no loan matured last year.
	LastYearRepaymentRate *string       `json:"last_year_repayment_rate"`
	RepaymentRateYear     int           `json:"repayment_rate_year"`
	LimitBasis            string        `json:"limit_basis"`
	Opened                bool          `json:"opened"`
	Accounts              []fundAccount `json:"accounts"`
}

func toFund(pos fund.Position, lang msg.Lang) fundResponse {
	out := fundResponse{AsOf: dayString(pos.Day), Balance: money.Format(pos.Balance), GuaranteedOutstanding: money.Format(pos.Outstanding),
		LoansOutstanding: money.Format(pos.Loans), Committed: money.Format(pos.Committed),
		LeverageLimit: money.Format(pos.Limit), Headroom: money.Format(pos.Headroom), OverLimit: pos.OverLimit, Capacity: money.Format(pos.Capacity),
		RepaymentRateYear: pos.RateYear, LimitBasis: pos.Basis.Render(lang), Opened: pos.Opened, Accounts: []fundAccount{}}
	if pos.Leverage != nil {
		v := pos.Leverage.StringFixed(2)
		out.Leverage = &v
	}
	if pos.RepaymentRate != nil {
		v := pos.RepaymentRate.StringFixed(4)
		out.LastYearRepaymentRate = &v
	}
	for _, b := range pos.Accounts {
		out.Accounts = append(out.Accounts, fundAccount{Account: string(b.Account), Label: msg.Label("fund_account", b.Account).Localize(lang), Balance: money.Format(b.Balance)})
	}
	return out
}

type movementRequest struct {
	Kind      string `json:"kind"`
	Amount    string `json:"amount"`
	BookedOn  string `json:"booked_on"`
	Reference string `json:"reference"`
	Note      string `json:"note"`
}

type movementRejectRequest struct {
	Reason string `json:"reason"`
}

type movementResponse struct {
	ID         int64        `json:"id"`
	Kind       string       `json:"kind"`
	Amount     string       `json:"amount"`
	BookedOn   string       `json:"booked_on"`
	Reference  string       `json:"reference"`
	Note       string       `json:"note"`
	Status     string       `json:"status"`
	ProposedBy auth.UserID  `json:"proposed_by"`
	ProposedAt time.Time    `json:"proposed_at"`
	DecidedBy  *auth.UserID `json:"decided_by"`
	DecidedAt  *time.Time   `json:"decided_at"`
	Reason     string       `json:"reason"`
	PostingID  *int64       `json:"posting_id"`
}

func toMovement(m fund.Movement) movementResponse {
	out := movementResponse{ID: m.ID, Kind: string(m.Kind), Amount: money.Format(m.Amount), BookedOn: dayString(m.BookedOn), Reference: m.Reference,
		Note: m.Note, Status: string(m.Status), ProposedBy: m.ProposedBy, ProposedAt: m.ProposedAt, DecidedBy: m.DecidedBy,
		DecidedAt: m.DecidedAt, Reason: m.Reason, PostingID: m.PostingID}
	return out
}

type postingResponse struct {
	ID            int64        `json:"id"`
	BookedOn      string       `json:"booked_on"`
	DebitAccount  string       `json:"debit_account"`
	CreditAccount string       `json:"credit_account"`
	Amount        string       `json:"amount"`
	Kind          string       `json:"kind"`
	LoanID        *int64       `json:"loan_id"`
	Source        string       `json:"source"`
	ReversesID    *int64       `json:"reverses_id"`
	CreatedBy     *auth.UserID `json:"created_by"`
	CreatedAt     time.Time    `json:"created_at"`
}

func toPosting(p fund.Posting) postingResponse {
	return postingResponse{ID: p.ID, BookedOn: dayString(p.BookedOn), DebitAccount: string(p.Debit), CreditAccount: string(p.Credit),
		Amount: money.Format(p.Amount), Kind: string(p.Kind), LoanID: p.LoanID, Source: p.Source, ReversesID: p.ReversesID,
		CreatedBy: p.CreatedBy, CreatedAt: p.CreatedAt}
}

func (a *api) routesFund() {
	a.add(Route{Method: "GET", Path: "/api/v1/guarantee/fund", Tag: "guarantee", Status: 200,
		Summary:  "The guarantee fund's position today, or at the end of as_of: balance, guaranteed principal outstanding (loans outstanding plus committed: guarantees approved and not yet disbursed), leverage, the limit in force with its basis, headroom and the balances of its accounts",
		Response: fundResponse{}, Errors: []int{401, 403, 422},
		Query: []Param{{Name: "as_of", Type: "string", Description: "the figures at the end of this day, YYYY-MM-DD, today or before (default: today): the balances of the postings booked by then, the loans' principal outstanding and the commitments that day, the limit in force that day"}},
		handler: func(c *gin.Context, p auth.Principal) error {
			var pos fund.Position
			var err error
			if v := c.Query("as_of"); strings.TrimSpace(v) != "" {
				pos, err = a.Fund.PositionOn(c.Request.Context(), p, v)
			} else {
				pos, err = a.Fund.Position(c.Request.Context(), p)
			}
			if err != nil {
				return err
			}
			c.JSON(http.StatusOK, toFund(pos, language(c)))
			return nil
		}})
	a.add(Route{Method: "GET", Path: "/api/v1/guarantee/fund/journal", Tag: "guarantee", Status: 200,
		Summary:  "The fund's journal: balanced postings in booking order",
		Response: listResponse[postingResponse]{}, Errors: []int{401, 403, 422},
		Query: append([]Param{
			{Name: "from", Type: "string", Description: "first booking day, YYYY-MM-DD"},
			{Name: "to", Type: "string", Description: "last booking day, YYYY-MM-DD"},
			{Name: "account", Type: "string", Description: "postings debiting or crediting this account"},
		}, pageParams...),
		handler: func(c *gin.Context, p auth.Principal) error {
			var f apperr.Fields
			pg := readPage(c, &f)
			filter := fund.ParseJournalFilter(c.Query, &f)
			if err := f.Err(); err != nil {
				return err
			}
			ps, total, err := a.Fund.Journal(c.Request.Context(), p, filter, pg.offset(), pg.PageSize)
			if err != nil {
				return err
			}
			items := make([]postingResponse, len(ps))
			for i, x := range ps {
				items[i] = toPosting(x)
			}
			writeJSON(c, http.StatusOK, newList(items, total, pg))
			return nil
		}})
	a.add(Route{Method: "GET", Path: "/api/v1/guarantee/fund/movements", Tag: "guarantee", Status: 200,
		Summary:  "Contributions, withdrawals and interest income of the fund, newest first",
		Response: listResponse[movementResponse]{}, Errors: []int{401, 403, 422},
		Query: append([]Param{{Name: "status", Type: "string", Description: "proposed, confirmed or rejected (comma-separated)"}}, pageParams...),
		handler: func(c *gin.Context, p auth.Principal) error {
			var f apperr.Fields
			pg := readPage(c, &f)
			filter := fund.ParseMovementFilter(c.Query, &f)
			if err := f.Err(); err != nil {
				return err
			}
			ms, total, err := a.Fund.Movements(c.Request.Context(), p, filter, pg.offset(), pg.PageSize)
			if err != nil {
				return err
			}
			items := make([]movementResponse, len(ms))
			for i, m := range ms {
				items[i] = toMovement(m)
			}
			writeJSON(c, http.StatusOK, newList(items, total, pg))
			return nil
		}})
	a.add(Route{Method: "POST", Path: "/api/v1/guarantee/fund/movements", Tag: "guarantee", Status: 201,
		Summary: "Propose a contribution, withdrawal or interest income of the fund (guarantee officer; another one confirms it; Idempotency-Key required)",
		Headers: []Header{idempotencyHeader}, Request: movementRequest{}, Response: movementResponse{}, Errors: []int{400, 401, 403, 422},
		handler: func(c *gin.Context, p auth.Principal) error {
			if err := idempotency.CheckKey(c.GetHeader("Idempotency-Key")); err != nil {
				return err
			}
			var req movementRequest
			if err := bind(c, &req); err != nil {
				return err
			}
			return a.idempotent(c, p, req, http.StatusCreated, func(ctx context.Context) (any, error) {
				m, err := a.Fund.Propose(ctx, p, fund.MovementInput(req))
				return toMovement(m), err
			})
		}})
	movementPath := idPath("no fund movement with id %q")
	a.add(onRecord(a, Route{Method: "POST", Path: "/api/v1/guarantee/fund/movements/{id}/confirm", Tag: "guarantee", Status: 200,
		Summary: "Confirm a proposed movement and post it to the journal (another guarantee officer than the proposer; Idempotency-Key required)",
		Headers: []Header{idempotencyHeader}, Response: movementResponse{}, Errors: []int{400, 401, 403, 404, 409, 422},
	}, movementPath, func(k record[struct{}]) (any, error) {
		m, err := a.Fund.Confirm(k.ctx, k.p, k.id)
		return toMovement(m), err
	}))
	a.add(onRecord(a, Route{Method: "POST", Path: "/api/v1/guarantee/fund/movements/{id}/reject", Tag: "guarantee", Status: 200,
		Summary: "Reject a proposed movement with a reason (another guarantee officer than the proposer); nothing is posted",
		Request: movementRejectRequest{}, Response: movementResponse{}, Errors: []int{400, 401, 403, 404, 409, 422},
	}, movementPath, func(k record[movementRejectRequest]) (any, error) {
		m, err := a.Fund.Reject(k.ctx, k.p, k.id, k.req.Reason)
		return toMovement(m), err
	}))
}
