package httpapi

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"chuangdai/internal/apperr"
	"chuangdai/internal/application"
	"chuangdai/internal/auth"
	"chuangdai/internal/idempotency"
	"chuangdai/internal/loan"
	"chuangdai/internal/money"
	"chuangdai/internal/msg"
	"chuangdai/internal/report"
)

type disburseRequest struct {
	Amount          string `json:"amount"`
	DisbursedOn     string `json:"disbursed_on"`
	BankReference   string `json:"bank_reference"`
	RepaymentMethod string `json:"repayment_method,omitempty"`
}

type repaymentRequest struct {
	Principal     string `json:"principal"`
	Interest      string `json:"interest"`
	PaidOn        string `json:"paid_on"`
	BankReference string `json:"bank_reference"`
}

type repaymentResponse struct {
	ID            int64       `json:"id"`
	Principal     string      `json:"principal"`
	Interest      string      `json:"interest"`
	PaidOn        string      `json:"paid_on"`
	BankReference string      `json:"bank_reference"`
	RecordedBy    auth.UserID `json:"recorded_by"`
	CreatedAt     time.Time   `json:"created_at"`
	// ReversedBy is the confirmed reversal that cancelled it: a reversed
	// repayment stays in the list and counts nowhere.
	ReversedBy *int64     `json:"reversed_by" doc:"the confirmed reversal that cancelled this repayment (null while it stands); a reversed repayment counts in no balance, schedule, statement or report"`
	ReversedAt *time.Time `json:"reversed_at"`
}

// compensationResponse is the compensation and what of each side's share
// has come back: fund_amount − fund_recovered is what the fund still misses.
type compensationResponse struct {
	CompensatedOn string      `json:"compensated_on"`
	Amount        string      `json:"amount"`
	FundShare     string      `json:"fund_share"`
	FundAmount    string      `json:"fund_amount"`
	BankAmount    string      `json:"bank_amount"`
	CompensatedBy auth.UserID `json:"compensated_by"`
	FundRecovered string      `json:"fund_recovered"`
	BankRecovered string      `json:"bank_recovered"`
}

type writeOffResponse struct {
	ProposedBy   auth.UserID  `json:"proposed_by"`
	ProposedAt   time.Time    `json:"proposed_at"`
	Reason       string       `json:"reason"`
	ConfirmedBy  *auth.UserID `json:"confirmed_by"`
	WrittenOffOn *string      `json:"written_off_on"`
	// Amount is all that was written off: FundAmount the fund's
	// unrecovered share, BankAmount the bank's.
	Amount     *string `json:"amount"`
	FundAmount *string `json:"fund_amount"`
	BankAmount *string `json:"bank_amount"`
}

type loanResponse struct {
	ID                   loan.ID               `json:"id"`
	Number               string                `json:"number"`
	ApplicationID        *application.ID       `json:"application_id"`
	ExternalRef          *string               `json:"external_ref"`
	Status               loan.Status           `json:"status"`
	Principal            string                `json:"principal"`
	AnnualRate           string                `json:"annual_rate"`
	BorrowerRate         string                `json:"borrower_rate"`
	SubsidyRate          string                `json:"subsidy_rate"`
	TermMonths           int                   `json:"term_months"`
	DisbursedOn          string                `json:"disbursed_on"`
	MaturityDate         string                `json:"maturity_date"`
	OriginalMaturityDate *string               `json:"original_maturity_date" doc:"the contract's maturity once an extension moved maturity_date (null: never extended); no subsidy after it"`
	OutstandingPrincipal string                `json:"outstanding_principal"`
	Repayments           []repaymentResponse   `json:"repayments"`
	RepaymentMethod      loan.Method           `json:"repayment_method"`
	SubsidyCap           string                `json:"subsidy_cap"`
	SubsidyRegime        subsidyRegimeResponse `json:"subsidy_regime"`
	BorrowerID           *auth.UserID          `json:"borrower_id"`
	Name                 string                `json:"name"`
	BorrowerType         string                `json:"borrower_type"`
	KeyGroup             string                `json:"key_group"`
	Industry             string                `json:"industry"`
	Jobs                 int                   `json:"jobs"`
	DistrictCode         string                `json:"district_code"`
	BankCode             string                `json:"bank_code"`
	BankReference        string                `json:"bank_reference"`
	DaysOverdue          int                   `json:"days_overdue"`
	OverdueSince         *string               `json:"overdue_since"`
	EverOverdue          bool                  `json:"ever_overdue"`
	CheckedOn            *string               `json:"checked_on"`
	SettledOn            *string               `json:"settled_on"`
	Compensation         *compensationResponse `json:"compensation"`
	Recovered            string                `json:"recovered"`
	Recoveries           []recoveryResponse    `json:"recoveries"`
	WriteOff             *writeOffResponse     `json:"write_off"`
	Extensions           []extensionResponse   `json:"extensions" doc:"the extensions (展期) proposed, confirmed and rejected, oldest first"`
	CreatedAt            time.Time             `json:"created_at"`
	UpdatedAt            time.Time             `json:"updated_at"`
}

type fundingResponse struct {
	Central    string `json:"central"`
	Provincial string `json:"provincial"`
	City       string `json:"city"`
	County     string `json:"county"`
}

type subsidyRegimeResponse struct {
	Method        string           `json:"method" doc:"share, lpr_minus, or none: contracted before the first subsidy regime of the policy, so no subsidy"`
	EffectiveFrom *string          `json:"effective_from" doc:"the day the loan's subsidy regime took effect (null without subsidy)"`
	Funding       *fundingResponse `json:"funding" doc:"who pays the subsidy by level of government, fractions adding up to 1 (null without subsidy, or when the policy did not say)"`
	Reason        *string          `json:"reason" doc:"why there is no subsidy: before_first_regime (null with subsidy)"`
}

// reasonBeforeFirstRegime says that a loan has no subsidy because it was
// contracted before the first subsidy regime.
const reasonBeforeFirstRegime = "before_first_regime"

func toRegime(g loan.Regime) subsidyRegimeResponse {
	r := subsidyRegimeResponse{Method: g.Method, EffectiveFrom: dayPtr(g.From)}
	if g.Method == loan.NoSubsidy {
		reason := reasonBeforeFirstRegime
		r.Reason = &reason
	}
	if f := g.Funding; f != nil {
		r.Funding = &fundingResponse{Central: money.FormatRate(f.Central), Provincial: money.FormatRate(f.Provincial),
			City: money.FormatRate(f.City), County: money.FormatRate(f.County)}
	}
	return r
}

type loanEnvelope struct {
	Loan loanResponse `json:"loan"`
}

type repaymentEnvelope struct {
	Repayment repaymentResponse `json:"repayment"`
	Loan      loanResponse      `json:"loan"`
}

func dayString(t time.Time) string { return t.Format(time.DateOnly) }

func dayPtr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := dayString(*t)
	return &s
}

func toRepayment(r loan.Repayment) repaymentResponse {
	return repaymentResponse{ID: r.ID, Principal: money.Format(r.Principal), Interest: money.Format(r.Interest), PaidOn: dayString(r.PaidOn),
		BankReference: r.BankReference, RecordedBy: r.RecordedBy, CreatedAt: r.CreatedAt, ReversedBy: r.ReversedBy, ReversedAt: r.ReversedAt}
}

func toLoan(l loan.Loan) loanResponse {
	r := loanResponse{
		ID: l.ID, Number: l.Number, ApplicationID: l.ApplicationID, ExternalRef: l.ExternalRef, Status: l.Status,
		Principal: money.Format(l.Principal), AnnualRate: money.FormatRate(l.AnnualRate), BorrowerRate: money.FormatRate(l.BorrowerRate),
		SubsidyRate: money.FormatRate(l.SubsidyRate), TermMonths: l.TermMonths, DisbursedOn: dayString(l.DisbursedOn),
		MaturityDate: dayString(l.Maturity), OutstandingPrincipal: money.Format(l.Outstanding), Repayments: []repaymentResponse{},
		RepaymentMethod: l.Method, SubsidyCap: money.Format(l.SubsidyCap), SubsidyRegime: toRegime(l.Regime), BorrowerID: l.BorrowerID, Name: l.Name,
		BorrowerType: l.BorrowerType, KeyGroup: l.KeyGroup, Industry: l.Industry, Jobs: l.Jobs, DistrictCode: l.DistrictCode,
		BankCode: l.BankCode, BankReference: l.BankReference, DaysOverdue: l.DaysOverdue, OverdueSince: dayPtr(l.OverdueSince),
		EverOverdue: l.EverOverdue, CheckedOn: dayPtr(l.CheckedOn), SettledOn: dayPtr(l.SettledOn), Recovered: money.Format(l.Recovered),
		CreatedAt: l.CreatedAt, UpdatedAt: l.UpdatedAt,
	}
	for _, rep := range l.Repayments {
		r.Repayments = append(r.Repayments, toRepayment(rep))
	}
	r.OriginalMaturityDate = dayPtr(l.OriginalMaturity)
	r.Extensions = make([]extensionResponse, len(l.Extensions))
	for i, e := range l.Extensions {
		r.Extensions[i] = toExtension(e)
	}
	r.Recoveries = []recoveryResponse{}
	for _, rec := range l.Recoveries {
		r.Recoveries = append(r.Recoveries, toRecovery(rec))
	}
	if c := l.Compensation; c != nil {
		r.Compensation = &compensationResponse{CompensatedOn: dayString(c.On), Amount: money.Format(c.Amount), FundShare: money.FormatRate(c.FundShare),
			FundAmount: money.Format(c.Fund), BankAmount: money.Format(c.Bank), CompensatedBy: c.By,
			FundRecovered: money.Format(l.RecoveredFund), BankRecovered: money.Format(l.Recovered.Sub(l.RecoveredFund))}
	}
	if w := l.WriteOff; w != nil {
		r.WriteOff = &writeOffResponse{ProposedBy: w.ProposedBy, ProposedAt: w.ProposedAt, Reason: w.Reason, ConfirmedBy: w.ConfirmedBy, WrittenOffOn: dayPtr(w.On)}
		if w.On != nil {
			amt, fund, bank := money.Format(w.Amount), money.Format(w.Fund), money.Format(w.Bank)
			r.WriteOff.Amount, r.WriteOff.FundAmount, r.WriteOff.BankAmount = &amt, &fund, &bank
		}
	}
	return r
}

type scheduleItem struct {
	Period           string         `json:"period"`
	StartOn          string         `json:"start_on"`
	DueOn            string         `json:"due_on"`
	Days             int            `json:"days"`
	OverdueDays      int            `json:"overdue_days" doc:"days of the period the loan was overdue: no subsidy, the borrower owes their whole interest"`
	Principal        string         `json:"principal" doc:"the contract's principal instalment"`
	Interest         string         `json:"interest"`
	BorrowerInterest string         `json:"borrower_interest" doc:"the borrower's part, the whole interest of overdue days included"`
	Subsidy          string         `json:"subsidy"`
	SubsidyWithheld  string         `json:"subsidy_withheld" doc:"the subsidy the overdue days did not get, part of borrower_interest"`
	State            loan.LineState `json:"state" doc:"paid (everything due by this date is paid), due (today), overdue, or open (not yet due)"`
}

func toScheduleItem(l loan.DueLine) scheduleItem {
	return scheduleItem{Period: l.Period.Period, StartOn: dayString(l.Start), DueOn: dayString(l.DueOn), Days: l.Days, OverdueDays: l.OverdueDays,
		Principal: money.Format(l.Principal), Interest: money.Format(l.Interest), BorrowerInterest: money.Format(l.Borrower),
		Subsidy: money.Format(l.Subsidy), SubsidyWithheld: money.Format(l.Withheld), State: l.State}
}

type statementResponse struct {
	AsOf                 string         `json:"as_of"`
	OutstandingPrincipal string         `json:"outstanding_principal"`
	PrincipalDue         string         `json:"principal_due" doc:"principal instalments due by as_of and not paid"`
	InterestDue          string         `json:"interest_due" doc:"borrower interest due by as_of and not paid, the whole interest of overdue days included"`
	SubsidyWithheld      string         `json:"subsidy_withheld" doc:"the subsidy the overdue days through as_of did not get, which the borrower owes"`
	Overdue              bool           `json:"overdue"`
	OverdueSince         *string        `json:"overdue_since"`
	DaysOverdue          int            `json:"days_overdue"`
	PayoffAmount         string         `json:"payoff_amount" doc:"pays the loan off on as_of: outstanding principal and the borrower interest accrued until that day, less the interest paid"`
	Items                []scheduleItem `json:"items" doc:"the due dates through as_of and the period running on it (accrued until as_of), then past maturity the days after it (period after_maturity)"`
}

type scheduleSums struct {
	Principal        string `json:"principal"`
	Interest         string `json:"interest"`
	BorrowerInterest string `json:"borrower_interest"`
	Subsidy          string `json:"subsidy"`
}

type scheduleResponse struct {
	RepaymentMethod loan.Method    `json:"repayment_method"`
	Items           []scheduleItem `json:"items"`
	Sums            scheduleSums   `json:"sums"`
}

func toSchedule(s loan.Schedule) scheduleResponse {
	out := scheduleResponse{RepaymentMethod: s.Method, Items: make([]scheduleItem, len(s.Lines)),
		Sums: scheduleSums{Principal: money.Format(s.Principal), Interest: money.Format(s.Total.Interest),
			BorrowerInterest: money.Format(s.Total.Borrower), Subsidy: money.Format(s.Total.Subsidy)}}
	for i, l := range s.Lines {
		out.Items[i] = toScheduleItem(l)
	}
	return out
}

func toStatement(st loan.Statement) statementResponse {
	out := statementResponse{AsOf: dayString(st.AsOf), OutstandingPrincipal: money.Format(st.Outstanding), PrincipalDue: money.Format(st.PrincipalDue),
		InterestDue: money.Format(st.InterestDue), SubsidyWithheld: money.Format(st.SubsidyWithheld), Overdue: st.Overdue,
		OverdueSince: dayPtr(st.OverdueSince), DaysOverdue: st.DaysOverdue, PayoffAmount: money.Format(st.Payoff), Items: make([]scheduleItem, len(st.Lines))}
	for i, l := range st.Lines {
		out.Items[i] = toScheduleItem(l)
	}
	return out
}

type subsidyItem struct {
	Period           string           `json:"period"`
	StartOn          string           `json:"start_on"`
	EndOn            string           `json:"end_on"`
	Days             int              `json:"days"`
	OverdueDays      int              `json:"overdue_days"`
	Interest         string           `json:"interest"`
	Subsidy          string           `json:"subsidy"`
	BorrowerInterest string           `json:"borrower_interest"`
	Status           loan.ClaimStatus `json:"status"`
	Reason           string           `json:"reason,omitempty"`
	Claimable        bool             `json:"claimable" doc:"a pending quarter that has ended: the bank may claim it now"`
}

type subsidyResponse struct {
	Items         []subsidyItem         `json:"items"`
	TotalSubsidy  string                `json:"total_subsidy"`
	SubsidyRegime subsidyRegimeResponse `json:"subsidy_regime"`
	Note          string                `json:"note,omitempty" doc:"for a loan without subsidy, why (in the reader's language)"`
}

func toSubsidyItem(it loan.SubsidyItem) subsidyItem {
	return subsidyItem{Period: it.Period.Period, StartOn: dayString(it.Start), EndOn: dayString(it.End), Days: it.Days, OverdueDays: it.OverdueDays,
		Interest: money.Format(it.Interest), Subsidy: money.Format(it.Subsidy), BorrowerInterest: money.Format(it.Borrower), Status: it.Status, Reason: it.Reason, Claimable: it.Claimable}
}

// toSubsidy answers a loan's subsidy table, with the note of a loan
// without subsidy in the reader's language.
func toSubsidy(t loan.SubsidyTable, lang msg.Lang) subsidyResponse {
	out := subsidyResponse{Items: make([]subsidyItem, len(t.Items)), TotalSubsidy: money.Format(t.Total), SubsidyRegime: toRegime(t.Loan.Regime)}
	for i, it := range t.Items {
		out.Items[i] = toSubsidyItem(it)
	}
	if t.Loan.Regime.Method == loan.NoSubsidy {
		out.Note = msg.New("no interest subsidy: the loan was contracted on %s, before the first subsidy regime of the policy (%s)",
			dayString(t.Loan.DisbursedOn), dayString(t.FirstRegime)).Render(lang)
	}
	return out
}

type subsidyCheckRequest struct {
	Decision string `json:"decision"`
	Reason   string `json:"reason"`
}

type subsidyLevels struct {
	Central     string `json:"central"`
	Provincial  string `json:"provincial"`
	City        string `json:"city"`
	County      string `json:"county"`
	Unspecified string `json:"unspecified" doc:"subsidy of loans whose regime names no funding shares (policy files before the shares)"`
}

type subsidyTotalRow struct {
	DistrictCode string        `json:"district_code,omitempty"`
	DistrictName string        `json:"district_name,omitempty"`
	Claims       int           `json:"claims"`
	Interest     string        `json:"interest"`
	Subsidy      string        `json:"subsidy" doc:"claimed and not refused: claimed + checked + paid"`
	Claimed      string        `json:"claimed"`
	Checked      string        `json:"checked"`
	Paid         string        `json:"paid"`
	Refused      string        `json:"refused"`
	ByLevel      subsidyLevels `json:"by_level" doc:"each level of government's part of subsidy by the funding shares of each loan's regime: per district and set of shares, each part is rounded half-up to the fen and the largest share takes the rounding difference, so the parts add up exactly to subsidy; the total's parts are the sums of the rows'"`
}

type subsidyTotalsResponse struct {
	Period string            `json:"period"`
	Rows   []subsidyTotalRow `json:"rows"`
	Total  subsidyTotalRow   `json:"total"`
}

func toSubsidyTotalRow(r loan.SubsidyRow, names map[string]string) subsidyTotalRow {
	f, l := money.FormatFen, r.Parts.Levels
	return subsidyTotalRow{DistrictCode: r.DistrictCode, DistrictName: names[r.DistrictCode], Claims: r.Claims, Interest: f(r.InterestFen),
		Subsidy: f(r.SubsidyFen), Claimed: f(r.ClaimedFen), Checked: f(r.CheckedFen), Paid: f(r.PaidFen), Refused: f(r.RefusedFen),
		ByLevel: subsidyLevels{Central: f(l[0]), Provincial: f(l[1]), City: f(l[2]), County: f(l[3]), Unspecified: f(r.Parts.Unspecified)}}
}

func toSubsidyTotals(ts loan.SubsidyTotals, names map[string]string) subsidyTotalsResponse {
	out := subsidyTotalsResponse{Period: ts.Period, Rows: make([]subsidyTotalRow, len(ts.Rows)), Total: toSubsidyTotalRow(ts.Total, nil)}
	for i, r := range ts.Rows {
		out.Rows[i] = toSubsidyTotalRow(r, names)
	}
	return out
}

// subsidyTable is the export of a quarter's subsidy totals: the rows, then
// the total, with the same figures as the JSON.
func subsidyTable(res subsidyTotalsResponse) report.Table {
	t := report.Table{Name: "subsidies-" + res.Period, Title: "创业担保贷款贴息资金分级负担情况", Period: res.Period,
		Columns: []report.Column{{Key: "district_code", Label: "区划代码", Kind: report.Text}, {Key: "district_name", Label: "单位", Kind: report.Text},
			{Key: "claims", Label: "申报笔数", Kind: report.Int}, {Key: "interest", Label: "利息(元)", Kind: report.Money},
			{Key: "subsidy", Label: "贴息(元)", Kind: report.Money}, {Key: "claimed", Label: "已申报(元)", Kind: report.Money},
			{Key: "checked", Label: "已审核(元)", Kind: report.Money}, {Key: "paid", Label: "已拨付(元)", Kind: report.Money},
			{Key: "refused", Label: "不予贴息(元)", Kind: report.Money}, {Key: "central", Label: "中央财政(元)", Kind: report.Money},
			{Key: "provincial", Label: "省级财政(元)", Kind: report.Money}, {Key: "city", Label: "市级财政(元)", Kind: report.Money},
			{Key: "county", Label: "县级财政(元)", Kind: report.Money}, {Key: "unspecified", Label: "未定分担(元)", Kind: report.Money}}}
	for _, r := range append(slices.Clone(res.Rows), res.Total) {
		name := r.DistrictName
		if r.DistrictCode == "" {
			name = report.TotalLabel
		}
		b := r.ByLevel
		t.Rows = append(t.Rows, []string{r.DistrictCode, name, strconv.Itoa(r.Claims), r.Interest, r.Subsidy, r.Claimed, r.Checked, r.Paid, r.Refused,
			b.Central, b.Provincial, b.City, b.County, b.Unspecified})
	}
	return t
}

type compensationRequest struct {
	CompensatedOn string `json:"compensated_on"`
}

type recoveryRequest struct {
	Amount      string `json:"amount"`
	RecoveredOn string `json:"recovered_on"`
	Note        string `json:"note"`
}

type recoveryResponse struct {
	ID     int64  `json:"id"`
	Amount string `json:"amount"`
	// FundAmount is the guarantee fund's share of the recovery, BankAmount
	// the bank's: the compensation's shares.
	FundAmount  string      `json:"fund_amount"`
	BankAmount  string      `json:"bank_amount"`
	RecoveredOn string      `json:"recovered_on"`
	Note        string      `json:"note"`
	RecordedBy  auth.UserID `json:"recorded_by"`
	CreatedAt   time.Time   `json:"created_at"`
	ReversedBy  *int64      `json:"reversed_by" doc:"the confirmed reversal that cancelled this recovery (null while it stands)"`
	ReversedAt  *time.Time  `json:"reversed_at"`
}

func toRecovery(r loan.Recovery) recoveryResponse {
	return recoveryResponse{ID: r.ID, Amount: money.Format(r.Amount), FundAmount: money.Format(r.Fund), BankAmount: money.Format(r.Bank), RecoveredOn: dayString(r.RecoveredOn), Note: r.Note, RecordedBy: r.RecordedBy, CreatedAt: r.CreatedAt,
		ReversedBy: r.ReversedBy, ReversedAt: r.ReversedAt}
}

type recoveryEnvelope struct {
	Recovery recoveryResponse `json:"recovery"`
	Loan     loanResponse     `json:"loan"`
}

type writeOffRequest struct {
	Reason string `json:"reason"`
}

type writeOffRejectRequest struct {
	Comment string `json:"comment"`
}

// exposureRow is a district's, a compensated loan's (group_by=loan) or the
// city's position. compensated,
// recovered and written_off are the guarantee fund's own figures (what it
// paid, its share of recoveries, its unrecovered share written off), the
// bank_ ones the bank's side of the same compensations.
type exposureRow struct {
	LoanID          loan.ID `json:"loan_id,omitempty" doc:"the loan of the row (group_by=loan)"`
	LoanNumber      string  `json:"loan_number,omitempty" doc:"the loan's number (group_by=loan)"`
	DistrictCode    string  `json:"district_code,omitempty"`
	Loans           int     `json:"loans"`
	Outstanding     string  `json:"outstanding"`
	Overdue         string  `json:"overdue"`
	Compensated     string  `json:"compensated"`
	Recovered       string  `json:"recovered"`
	WrittenOff      string  `json:"written_off"`
	BankCompensated string  `json:"bank_compensated"`
	BankRecovered   string  `json:"bank_recovered"`
	BankWrittenOff  string  `json:"bank_written_off"`
}

type exposureResponse struct {
	Rows  []exposureRow `json:"rows"`
	Total exposureRow   `json:"total"`
}

func toExposure(es []loan.Exposure) exposureResponse {
	out := exposureResponse{Rows: []exposureRow{}}
	row := func(e loan.Exposure) exposureRow {
		return exposureRow{LoanID: e.LoanID, LoanNumber: e.LoanNumber, DistrictCode: e.DistrictCode, Loans: e.Loans, Outstanding: money.Format(e.Outstanding), Overdue: money.Format(e.Overdue),
			Compensated: money.Format(e.Compensated), Recovered: money.Format(e.Recovered), WrittenOff: money.Format(e.WrittenOff),
			BankCompensated: money.Format(e.BankCompensated), BankRecovered: money.Format(e.BankRecovered), BankWrittenOff: money.Format(e.BankWrittenOff)}
	}
	for _, e := range es {
		out.Rows = append(out.Rows, row(e))
	}
	out.Total = row(loan.ExposureTotal(es))
	return out
}

// idempotent answers a money request once per Idempotency-Key (package
// idempotency): work runs in the transaction that also stores its answer; a
// retry replays that answer, status and bytes.
func (a *api) idempotent(c *gin.Context, p auth.Principal, req any, status int, work func(ctx context.Context) (any, error)) error {
	ans, err := a.Keys.Answer(c.Request.Context(), idempotency.Request{UserID: p.UserID, Endpoint: c.Request.Method + " " + c.Request.URL.Path,
		Key: c.GetHeader("Idempotency-Key"), Body: req, Status: status}, work)
	if err != nil {
		return err
	}
	if ans.Replayed {
		c.Header("Idempotent-Replayed", "true")
	}
	c.Data(ans.Status, "application/json; charset=utf-8", ans.Body)
	return nil
}

// pathPeriod reads the {period} of the path.
func pathPeriod(c *gin.Context) (string, error) {
	v := c.Param("period")
	if !loan.ValidPeriod(v) {
		return "", apperr.NotFoundf("no subsidy period %q: periods are quarters such as 2024Q2", v)
	}
	return v, nil
}

var loanListQuery = append([]Param{
	{Name: "status", Type: "string", Description: "active, overdue, settled, compensated, written_off or cancelled (its disbursement reversed); several separated by commas"},
	{Name: "district_code", Type: "string", Description: "only this district"},
	{Name: "bank_code", Type: "string", Description: "only this bank"},
	{Name: "key_group", Type: "string", Description: "only this key group"},
	{Name: "borrower_type", Type: "string", Description: "individual, partnership or enterprise"},
	{Name: "disbursed_from", Type: "string", Description: "first disbursement day, YYYY-MM-DD"},
	{Name: "disbursed_to", Type: "string", Description: "last disbursement day, YYYY-MM-DD"},
	{Name: "maturity_from", Type: "string", Description: "first maturity day, YYYY-MM-DD"},
	{Name: "maturity_to", Type: "string", Description: "last maturity day, YYYY-MM-DD"},
	{Name: "min_days_overdue", Type: "integer", Description: "only loans overdue for at least this many days"},
	{Name: "write_off", Type: "string", Description: "proposed: only loans whose write-off waits for its confirmation"},
	{Name: "q", Type: "string", Description: "the loan number or its start, the bank's reference, the start of the borrower's name, or a whole resident ID number"},
	sortParam(loan.SortKeys, "-disbursed_on"), listFormatParam, listHeaderParam,
}, pageParams...)

func (a *api) routesLoans() {
	a.add(onRecord(a, Route{Method: "POST", Path: "/api/v1/applications/{id}/disbursement", Tag: "loans", Status: 201,
		Summary: "Record the disbursement of an approved application, creating its loan (Idempotency-Key required)", Headers: []Header{idempotencyHeader},
		Request: disburseRequest{}, Response: loanEnvelope{}, Errors: []int{400, 401, 403, 404, 409, 422},
	}, applicationPath, func(k record[disburseRequest]) (any, error) {
		l, err := a.Loans.Disburse(k.ctx, k.p, application.ID(k.id), loan.DisburseInput(k.req))
		return loanEnvelope{Loan: toLoan(l)}, err
	}))
	a.add(Route{Method: "GET", Path: "/api/v1/loans", Tag: "loans", Status: 200,
		Summary: "Loans in the caller's scope, newest first", Response: listResponse[loanResponse]{}, Query: loanListQuery, Errors: []int{401, 403, 422}, Exports: true,
		handler: func(c *gin.Context, p auth.Principal) error {
			var f apperr.Fields
			pg := readPage(c, &f)
			filter := loan.ParseFilter(c.Query, &f)
			if err := f.Err(); err != nil {
				return err
			}
			format, offset, limit, err := exportFormat(c, pg)
			if err != nil {
				return err
			}
			ls, total, err := a.Loans.List(c.Request.Context(), p, filter, offset, limit)
			if err != nil {
				return err
			}
			if format != report.FormatJSON {
				if err := exportCap(total); err != nil {
					return err
				}
				t, err := a.loansTable(c, p, ls)
				if err != nil {
					return err
				}
				return answerReport(c, format, nil, func() report.Table { return t })
			}
			items := make([]loanResponse, len(ls))
			for i, l := range ls {
				items[i] = toLoan(l)
			}
			writeJSON(c, http.StatusOK, newList(items, total, pg))
			return nil
		}})
	a.add(onRecord(a, Route{Method: "GET", Path: "/api/v1/loans/{id}", Tag: "loans", Status: 200,
		Summary: "One loan with its repayments", Response: loanResponse{}, Errors: []int{401, 404},
	}, loanPath, func(k record[struct{}]) (any, error) {
		l, err := a.Loans.Get(k.ctx, k.p, loan.ID(k.id))
		return toLoan(l), err
	}))
	a.add(onRecord(a, Route{Method: "GET", Path: "/api/v1/loans/{id}/schedule", Tag: "loans", Status: 200,
		Summary: "The due dates as the loan runs: the contract's principal instalments, each period's interest, subsidy and borrower interest as in the subsidy table, and each line's state", Response: scheduleResponse{}, Errors: []int{401, 404},
	}, loanPath, func(k record[struct{}]) (any, error) {
		s, err := a.Loans.Schedule(k.ctx, k.p, loan.ID(k.id))
		return toSchedule(s), err
	}))
	a.add(onRecord(a, Route{Method: "GET", Path: "/api/v1/loans/{id}/statement", Tag: "loans", Status: 200,
		Summary:  "What the borrower owes on a day after the repayments really made: due principal and interest (the whole interest of overdue days included), withheld subsidy, payoff amount",
		Query:    []Param{{Name: "as_of", Type: "string", Description: "the day, YYYY-MM-DD (default today; not before the disbursement, at most 366 days ahead)"}},
		Response: statementResponse{}, Errors: []int{401, 404, 422},
	}, loanPath, func(k record[struct{}]) (any, error) {
		st, err := a.Loans.Statement(k.ctx, k.p, loan.ID(k.id), k.c.Query("as_of"))
		return toStatement(st), err
	}))
	a.add(onRecord(a, Route{Method: "POST", Path: "/api/v1/loans/{id}/repayments", Tag: "loans", Status: 201,
		Summary: "Record a repayment (Idempotency-Key required)", Headers: []Header{idempotencyHeader}, Request: repaymentRequest{}, Response: repaymentEnvelope{},
		Errors: []int{400, 401, 403, 404, 409, 422},
	}, loanPath, func(k record[repaymentRequest]) (any, error) {
		rep, l, err := a.Loans.Repay(k.ctx, k.p, loan.ID(k.id), loan.RepayInput(k.req))
		return repaymentEnvelope{Repayment: toRepayment(rep), Loan: toLoan(l)}, err
	}))
	a.routesSubsidy()
	a.routesGuarantee()
}

// routesSubsidy are the routes of the interest subsidy: a loan's quarters
// and their claim, check and payment, and the totals of a quarter.
func (a *api) routesSubsidy() {
	a.add(onRecord(a, Route{Method: "GET", Path: "/api/v1/loans/{id}/subsidy", Tag: "subsidy", Status: 200,
		Summary: "The interest subsidy per quarter with its claim status", Response: subsidyResponse{}, Errors: []int{401, 404},
	}, loanPath, func(k record[struct{}]) (any, error) {
		t, err := a.Loans.Subsidy(k.ctx, k.p, loan.ID(k.id))
		return toSubsidy(t, language(k.c)), err
	}))
	// A quarter's step reads the period of the path before the body.
	quarter := func(c *gin.Context) (int64, error) {
		id, err := loanPath(c)
		if err != nil {
			return 0, err
		}
		_, err = pathPeriod(c)
		return id, err
	}
	step := func(path, summary string, req any, call func(k record[subsidyCheckRequest]) (loan.SubsidyItem, error)) {
		a.add(onRecord(a, Route{Method: "POST", Path: "/api/v1/loans/{id}/subsidy/{period}/" + path, Tag: "subsidy", Status: 200,
			Summary: summary, Request: req, Response: subsidyItem{}, Errors: []int{401, 403, 404, 409, 422},
		}, quarter, func(k record[subsidyCheckRequest]) (any, error) {
			it, err := call(k)
			return toSubsidyItem(it), err
		}))
	}
	step("claim", "Claim a quarter's subsidy (bank officer of the loan's bank)", nil, func(k record[subsidyCheckRequest]) (loan.SubsidyItem, error) {
		return a.Loans.ClaimSubsidy(k.ctx, k.p, loan.ID(k.id), k.c.Param("period"))
	})
	step("check", "Check a claimed quarter: approve, or refuse with a reason (HRSS officer of the district)", subsidyCheckRequest{},
		func(k record[subsidyCheckRequest]) (loan.SubsidyItem, error) {
			return a.Loans.CheckSubsidy(k.ctx, k.p, loan.ID(k.id), k.c.Param("period"), loan.CheckInput(k.req))
		})
	step("pay", "Record the payment of a checked quarter (another HRSS officer of the district)", nil, func(k record[subsidyCheckRequest]) (loan.SubsidyItem, error) {
		return a.Loans.PaySubsidy(k.ctx, k.p, loan.ID(k.id), k.c.Param("period"))
	})
	a.add(Route{Method: "GET", Path: "/api/v1/subsidies", Tag: "subsidy", Status: 200,
		Summary:  "Claimed subsidy of a quarter per district and status, with each level of government's part (central, provincial, city, county) by the funding shares of each loan's regime",
		Response: subsidyTotalsResponse{}, Exports: true,
		Query: []Param{{Name: "period", Type: "string", Description: "the quarter, such as 2024Q2"},
			{Name: "format", Type: "string", Description: "csv or xlsx for a download (Content-Disposition: attachment) with the same figures, total last; JSON otherwise"},
			{Name: "headers", Type: "string", Description: "what a CSV download shows: fields (default: the JSON field names, the levels' parts as central, provincial, city, county, unspecified) or labels (Chinese column names)"}},
		Errors: []int{401, 403, 422},
		handler: func(c *gin.Context, p auth.Principal) error {
			format, err := report.ParseFormat(c.Query("format"))
			if err != nil {
				return err
			}
			ts, err := a.Loans.SubsidyTotals(c.Request.Context(), p, c.Query("period"))
			if err != nil {
				return err
			}
			ds, err := a.Refdata.ListDistricts(c.Request.Context(), p)
			if err != nil {
				return err
			}
			names := make(map[string]string, len(ds))
			for _, d := range ds {
				names[d.Code] = d.Name
			}
			res := toSubsidyTotals(ts, names)
			return answerReport(c, format, res, func() report.Table { return subsidyTable(res) })
		}})
}

// routesGuarantee are the guarantee fund's routes: compensation, recovery,
// write-off and the exposure.
func (a *api) routesGuarantee() {
	a.add(onRecord(a, Route{Method: "POST", Path: "/api/v1/loans/{id}/compensation", Tag: "guarantee", Status: 200,
		Summary: "Record the guarantee fund's compensation of an overdue loan", Request: compensationRequest{}, Response: loanEnvelope{},
		Errors: []int{400, 401, 403, 404, 409, 422},
	}, loanPath, func(k record[compensationRequest]) (any, error) {
		l, err := a.Loans.Compensate(k.ctx, k.p, loan.ID(k.id), loan.CompensateInput(k.req))
		return loanEnvelope{Loan: toLoan(l)}, err
	}))
	a.add(onRecord(a, Route{Method: "POST", Path: "/api/v1/loans/{id}/recoveries", Tag: "guarantee", Status: 201,
		Summary: "Record money recovered after compensation", Request: recoveryRequest{}, Response: recoveryEnvelope{},
		Errors: []int{400, 401, 403, 404, 409, 422},
	}, loanPath, func(k record[recoveryRequest]) (any, error) {
		rec, l, err := a.Loans.Recover(k.ctx, k.p, loan.ID(k.id), loan.RecoveryInput(k.req))
		return recoveryEnvelope{Loan: toLoan(l), Recovery: toRecovery(rec)}, err
	}))
	a.add(onRecord(a, Route{Method: "POST", Path: "/api/v1/loans/{id}/write-off", Tag: "guarantee", Status: 200,
		Summary: "Propose writing off what cannot be recovered (a different user confirms)", Request: writeOffRequest{}, Response: loanEnvelope{},
		Errors: []int{400, 401, 403, 404, 409, 422},
	}, loanPath, func(k record[writeOffRequest]) (any, error) {
		l, err := a.Loans.ProposeWriteOff(k.ctx, k.p, loan.ID(k.id), k.req.Reason)
		return loanEnvelope{Loan: toLoan(l)}, err
	}))
	a.add(onRecord(a, Route{Method: "POST", Path: "/api/v1/loans/{id}/write-off/confirm", Tag: "guarantee", Status: 200,
		Summary: "Confirm a proposed write-off (not the proposer)", Response: loanEnvelope{}, Errors: []int{401, 403, 404, 409},
	}, loanPath, func(k record[struct{}]) (any, error) {
		l, err := a.Loans.ConfirmWriteOff(k.ctx, k.p, loan.ID(k.id))
		return loanEnvelope{Loan: toLoan(l)}, err
	}))
	a.add(onRecord(a, Route{Method: "POST", Path: "/api/v1/loans/{id}/write-off/reject", Tag: "guarantee", Status: 200,
		Summary: "Reject a proposed write-off (the proposer withdraws it, or another guarantee officer of the district refuses it): the loan is plainly compensated again",
		Request: writeOffRejectRequest{}, Response: loanEnvelope{}, Errors: []int{400, 401, 403, 404, 409, 422},
	}, loanPath, func(k record[writeOffRejectRequest]) (any, error) {
		l, err := a.Loans.RejectWriteOff(k.ctx, k.p, loan.ID(k.id), k.req.Comment)
		return loanEnvelope{Loan: toLoan(l)}, err
	}))
	a.add(Route{Method: "GET", Path: "/api/v1/guarantee/exposure", Tag: "guarantee", Status: 200,
		Summary:  "The guarantee fund's exposure per district (or per compensated loan with group_by=loan): outstanding guaranteed principal, overdue, and what the fund paid, recovered and wrote off, with the bank's side beside it",
		Query:    []Param{{Name: "group_by", Type: "string", Description: "district (default) or loan: one row per compensated loan of the caller's scope"}},
		Response: exposureResponse{}, Errors: []int{401, 403, 422},
		handler: func(c *gin.Context, p auth.Principal) error {
			by := c.DefaultQuery("group_by", "district")
			if by != "district" && by != "loan" {
				return apperr.Field("group_by", "must be district or loan")
			}
			es, err := a.Loans.Exposure(c.Request.Context(), p, by == "loan")
			if err != nil {
				return err
			}
			c.JSON(http.StatusOK, toExposure(es))
			return nil
		}})
}
