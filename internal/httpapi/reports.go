package httpapi

import (
	"net/http"
	"slices"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/shopspring/decimal"

	"chuangdai/internal/auth"
	"chuangdai/internal/money"
	"chuangdai/internal/msg"
	"chuangdai/internal/report"
	"chuangdai/internal/sheet"
)

type reportProgressRow struct {
	DistrictCode  string  `json:"district_code"`
	DistrictName  string  `json:"district_name"`
	Loans         int64   `json:"loans"`
	Amount        string  `json:"amount"`
	TargetAmount  *string `json:"target_amount"`
	CompletionPct *string `json:"completion_pct" doc:"amount / target_amount × 100, two decimals rounded half-up; null without a target"`
	Jobs          int64   `json:"jobs" doc:"jobs (带动就业) of the loans counted: the jobs_planned of each loan's application, on which the loan was granted (a legacy loan's jobs_created)"`
	JobsTarget    *int64  `json:"jobs_target" doc:"the unit's jobs target of the year (PUT /api/v1/targets/{year} jobs); the total's is the sum of the rows'; null without one (always in the returnee block)"`
	JobsPct       *string `json:"jobs_completion_pct" doc:"jobs / jobs_target × 100, two decimals rounded half-up; null without a jobs target"`
}

type reportProgressBlock struct {
	Rows  []reportProgressRow `json:"rows"`
	Total reportProgressRow   `json:"total"`
}

type reportProgressResponse struct {
	Year     int                 `json:"year"`
	Through  string              `json:"through"`
	Rows     []reportProgressRow `json:"rows"`
	Total    reportProgressRow   `json:"total" doc:"the sum of the rows"`
	Returnee reportProgressBlock `json:"returnee" doc:"loans to returning migrant workers against the returnee_loan_amount targets"`
}

type reportDisbursementRow struct {
	Key         string  `json:"key"`
	Label       string  `json:"label"`
	Loans       int64   `json:"loans"`
	Amount      string  `json:"amount"`
	JobsPlanned int64   `json:"jobs_planned"`
	JobsCreated int64   `json:"jobs_created"`
	JobsTarget  *int64  `json:"jobs_target" doc:"the district's jobs target of the year (group_by=district within one year)"`
	JobsPct     *string `json:"jobs_pct" doc:"jobs_created / jobs_target × 100, two decimals"`
}

type reportDisbursementsResponse struct {
	From    string                  `json:"from"`
	To      string                  `json:"to"`
	GroupBy string                  `json:"group_by"`
	Rows    []reportDisbursementRow `json:"rows"`
	Total   reportDisbursementRow   `json:"total"`
}

type reportPosition struct {
	DistrictCode     string  `json:"district_code"`
	DistrictName     string  `json:"district_name"`
	Loans            int64   `json:"loans" doc:"loans disbursed up to as_of"`
	Disbursed        string  `json:"disbursed"`
	Repaid           string  `json:"repaid" doc:"principal repaid up to as_of"`
	Outstanding      string  `json:"outstanding" doc:"outstanding balance: disbursed − repaid − compensated"`
	OverdueLoans     int64   `json:"overdue_loans"`
	Overdue          string  `json:"overdue" doc:"outstanding principal of the loans overdue that fell overdue by as_of"`
	OverdueRate      *string `json:"overdue_rate" doc:"overdue / outstanding × 100, two decimals"`
	CompensatedLoans int64   `json:"compensated_loans"`
	Compensated      string  `json:"compensated" doc:"principal the guarantee fund took over"`
	FundPaid         string  `json:"fund_paid" doc:"the fund's share of the compensation"`
	Recovered        string  `json:"recovered"`
	WrittenOff       string  `json:"written_off"`
	MaturedLoans     int64   `json:"matured_loans"`
	MaturedPrincipal string  `json:"matured_principal"`
	MaturedRepaid    string  `json:"matured_repaid" doc:"what of the matured principal came back (repaid, or compensated and recovered)"`
	RecoveryRate     *string `json:"recovery_rate" doc:"cumulative recovery rate of matured loans: matured_repaid / matured_principal × 100"`
	SubsidyClaimed   string  `json:"subsidy_claimed"`
	SubsidyPaid      string  `json:"subsidy_paid"`
}

type reportPortfolioResponse struct {
	AsOf             string           `json:"as_of"`
	Loans            int64            `json:"loans"`
	Disbursed        string           `json:"disbursed"`
	Repaid           string           `json:"repaid"`
	Outstanding      string           `json:"outstanding"`
	OverdueLoans     int64            `json:"overdue_loans"`
	Overdue          string           `json:"overdue"`
	OverdueRate      *string          `json:"overdue_rate"`
	CompensatedLoans int64            `json:"compensated_loans"`
	Compensated      string           `json:"compensated"`
	FundPaid         string           `json:"fund_paid"`
	Recovered        string           `json:"recovered"`
	WrittenOff       string           `json:"written_off"`
	MaturedLoans     int64            `json:"matured_loans"`
	MaturedPrincipal string           `json:"matured_principal"`
	MaturedRepaid    string           `json:"matured_repaid"`
	RecoveryRate     *string          `json:"recovery_rate"`
	SubsidyClaimed   string           `json:"subsidy_claimed"`
	SubsidyPaid      string           `json:"subsidy_paid"`
	Rows             []reportPosition `json:"rows" doc:"the same figures per district"`
}

type reportDifference struct {
	BankReference  string  `json:"bank_reference"`
	LoanNumber     string  `json:"loan_number"`
	Name           string  `json:"name"`
	NationalID     string  `json:"national_id"`
	DisbursedOn    string  `json:"disbursed_on"`
	RecordedAmount *string `json:"recorded_amount"`
	ReportedAmount *string `json:"reported_amount"`
	Row            int     `json:"row" doc:"line of the bank's list (0 when the bank did not report it)"`
}

type reportBankReconciliation struct {
	BankCode          string             `json:"bank_code"`
	BankName          string             `json:"bank_name"`
	RecordedLoans     int64              `json:"recorded_loans"`
	RecordedAmount    string             `json:"recorded_amount"`
	ReportedLoans     int64              `json:"reported_loans"`
	ReportedAmount    string             `json:"reported_amount"`
	Matched           int64              `json:"matched"`
	MatchedAmount     string             `json:"matched_amount"`
	MissingInBank     []reportDifference `json:"missing_in_bank" doc:"recorded disbursements the bank did not report"`
	MissingInRecords  []reportDifference `json:"missing_in_records" doc:"lines of the bank no recorded disbursement matches"`
	AmountDifferences []reportDifference `json:"amount_differences"`
	Groups            []reconcileGroup   `json:"groups" doc:"the bank's lines grouped by kind, with counts: matched, missing_in_bank, missing_in_records, amount_differences"`
}

type reconcileGroup struct {
	Kind  string `json:"kind" doc:"matched, missing_in_bank, missing_in_records or amount_differences"`
	Label string `json:"label" doc:"the kind in the reader's language"`
	Count int64  `json:"count"`
}

// reconcileKinds name the groups of a reconciliation, in Chinese and English.
var reconcileKinds = []struct{ kind, zh, en string }{
	{"matched", "已核对一致", "Matched"},
	{"missing_in_bank", "银行清单中没有", "Missing in the bank's list"},
	{"missing_in_records", "系统中没有", "Missing in the records"},
	{"amount_differences", "金额不符", "Amount differs"},
}

// withGroups adds each bank's groups with their counts, labelled for the reader.
func withGroups(c *gin.Context, r reportReconciliationResponse) reportReconciliationResponse {
	en := language(c) == msg.EN
	for i, b := range r.Banks {
		counts := []int64{b.Matched, int64(len(b.MissingInBank)), int64(len(b.MissingInRecords)), int64(len(b.AmountDifferences))}
		r.Banks[i].Groups = make([]reconcileGroup, len(reconcileKinds))
		for j, k := range reconcileKinds {
			label := k.zh
			if en {
				label = k.en
			}
			r.Banks[i].Groups[j] = reconcileGroup{Kind: k.kind, Label: label, Count: counts[j]}
		}
	}
	return r
}

type reportReconciliationResponse struct {
	From  string                     `json:"from"`
	To    string                     `json:"to"`
	Banks []reportBankReconciliation `json:"banks"`
	// DryRun is set on the answer of a dry run of an upload.
	DryRun bool `json:"dry_run,omitempty"`
}

type awardIndicator struct {
	Code      string  `json:"code" doc:"recovery_rate: the cumulative recovery rate of matured loans as in the portfolio report, as of as_of"`
	Label     string  `json:"label" doc:"the indicator in the reader's language"`
	Value     *string `json:"value" doc:"a decimal fraction with four decimals (half-up); null when it cannot be measured (no loan matured yet), and then not met"`
	Threshold string  `json:"threshold" doc:"the least value of the policy's award rule"`
	Met       bool    `json:"met" doc:"value ≥ threshold, compared exactly"`
}

type awardBank struct {
	BankCode   string           `json:"bank_code"`
	BankName   string           `json:"bank_name"`
	Loans      int64            `json:"loans" doc:"loans disbursed by the bank from 1 January through as_of"`
	Issuance   string           `json:"issuance" doc:"their principal: the year's new issuance"`
	AwardRate  string           `json:"award_rate"`
	Indicators []awardIndicator `json:"indicators"`
	Eligible   bool             `json:"eligible" doc:"every indicator met"`
	Award      string           `json:"award" doc:"award_rate × issuance rounded half-up to the fen when eligible, else 0.00"`
}

type awardBody struct {
	Code       string           `json:"code" doc:"guarantee_centre: the city's guarantee centre, which runs the guarantee fund"`
	Name       string           `json:"name"`
	Loans      int64            `json:"loans" doc:"every loan disbursed from 1 January through as_of: the centre guarantees them all"`
	Issuance   string           `json:"issuance" doc:"their principal: the year's new issuance"`
	AwardRate  string           `json:"award_rate"`
	Indicators []awardIndicator `json:"indicators" doc:"fund_leverage: guaranteed principal outstanding ÷ the fund's ledger balance on as_of, against the rule's min_leverage"`
	Eligible   bool             `json:"eligible" doc:"every indicator met"`
	Award      string           `json:"award" doc:"award_rate × issuance rounded half-up to the fen when eligible, else 0.00"`
}

type awardFund struct {
	Balance               string `json:"balance" doc:"the fund's ledger balance (bank_deposit) at the end of as_of"`
	GuaranteedOutstanding string `json:"guaranteed_outstanding" doc:"what the fund guaranteed at the end of as_of: loans_outstanding + committed"`
	LoansOutstanding      string `json:"loans_outstanding" doc:"principal outstanding on as_of: disbursed − repaid − compensated, as the portfolio counts it"`
	Committed             string `json:"committed" doc:"guarantees approved and not yet disbursed at the end of as_of, from the applications' history: at bank_review then for the amount applied for, at approved for the amount the bank approved"`
	Opened                bool   `json:"opened" doc:"a movement of the fund booked by as_of was confirmed; a fund not on the books has no leverage"`
}

type awardTotal struct {
	Loans    int64  `json:"loans"`
	Issuance string `json:"issuance"`
	Award    string `json:"award"`
}

type awardsResponse struct {
	Year       int         `json:"year"`
	AsOf       string      `json:"as_of" doc:"31 December of year, or today during the year: the issuance counts through it and the indicators are taken on it"`
	AwardRate  string      `json:"award_rate" doc:"the rate of the policy's award rule in force on 31 December of year"`
	RuleFrom   string      `json:"rule_effective_from"`
	RuleSource string      `json:"rule_source"`
	Banks      []awardBank `json:"banks" doc:"every handling bank, in code order"`
	Total      awardTotal  `json:"total" doc:"the sums of the banks"`
	// GuaranteeBodies are the guarantee bodies' awards (the one guarantee
	// centre of the city), apart from the banks' total.
	GuaranteeBodies []awardBody `json:"guarantee_bodies" doc:"the guarantee bodies (the city's guarantee centre), not in total"`
	Fund            awardFund   `json:"fund" doc:"the figures of the fund_leverage indicator"`
}

var indicatorLabelsEN = map[string]string{report.IndicatorRecovery: "Recovery rate", report.IndicatorLeverage: "Fund leverage"}

func toIndicators(c *gin.Context, ins []report.Indicator) []awardIndicator {
	en := language(c) == msg.EN
	out := make([]awardIndicator, len(ins))
	for i, in := range ins {
		label := report.IndicatorLabel(in.Code)
		if en {
			label = indicatorLabelsEN[in.Code]
		}
		out[i] = awardIndicator{Code: in.Code, Label: label, Threshold: in.Threshold.StringFixed(4), Met: in.Met}
		if in.Value != nil {
			v := in.Value.StringFixed(4)
			out[i].Value = &v
		}
	}
	return out
}

func toAwards(c *gin.Context, a report.Awards) awardsResponse {
	rate := money.FormatRate(a.Rule.Rate.Decimal)
	out := awardsResponse{Year: a.Year, AsOf: a.AsOf.Format(time.DateOnly), AwardRate: rate, RuleFrom: a.Rule.EffectiveFrom.Format(time.DateOnly),
		RuleSource: a.Rule.Source, Banks: make([]awardBank, len(a.Banks)),
		Total: awardTotal{Loans: a.Total.Loans, Issuance: money.FormatFen(a.Total.IssuanceFen), Award: money.FormatFen(a.Total.AwardFen)}}
	for i, b := range a.Banks {
		out.Banks[i] = awardBank{BankCode: b.Code, BankName: b.Name, Loans: b.Loans, Issuance: money.FormatFen(b.IssuanceFen), AwardRate: rate,
			Indicators: toIndicators(c, b.Indicators), Eligible: b.Eligible, Award: money.FormatFen(b.AwardFen)}
	}
	out.GuaranteeBodies = make([]awardBody, len(a.GuaranteeBodies))
	for i, b := range a.GuaranteeBodies {
		name := b.Name
		if language(c) == msg.EN {
			name = "Guarantee centre"
		}
		out.GuaranteeBodies[i] = awardBody{Code: b.Code, Name: name, Loans: b.Loans, Issuance: money.FormatFen(b.IssuanceFen), AwardRate: rate,
			Indicators: toIndicators(c, b.Indicators), Eligible: b.Eligible, Award: money.FormatFen(b.AwardFen)}
	}
	out.Fund = awardFund{Balance: money.FormatFen(a.Fund.BalanceFen), GuaranteedOutstanding: money.FormatFen(a.Fund.OutstandingFen),
		LoansOutstanding: money.FormatFen(a.Fund.LoansFen), Committed: money.FormatFen(a.Fund.CommittedFen), Opened: a.Fund.Opened}
	return out
}

func optMoney(d *decimal.Decimal) *string {
	if d == nil {
		return nil
	}
	s := money.Format(*d)
	return &s
}

func optFen(f *int64) *string {
	if f == nil {
		return nil
	}
	s := money.FormatFen(*f)
	return &s
}

func toProgressRow(r report.ProgressRow) reportProgressRow {
	return reportProgressRow{DistrictCode: r.DistrictCode, DistrictName: r.DistrictName, Loans: r.Loans, Amount: money.Format(r.Amount),
		TargetAmount: optMoney(r.TargetAmount), CompletionPct: r.CompletionPct,
		Jobs: r.Jobs, JobsTarget: r.JobsTarget, JobsPct: r.JobsPct}
}

func toProgressRows(rs []report.ProgressRow) []reportProgressRow {
	out := make([]reportProgressRow, len(rs))
	for i, r := range rs {
		out[i] = toProgressRow(r)
	}
	return out
}

func toProgress(p report.Progress) reportProgressResponse {
	return reportProgressResponse{Year: p.Year, Through: p.Through.Format(time.DateOnly), Rows: toProgressRows(p.Rows), Total: toProgressRow(p.Total),
		Returnee: reportProgressBlock{Rows: toProgressRows(p.Returnee.Rows), Total: toProgressRow(p.Returnee.Total)}}
}

func toDisbursementRow(r report.DisbursementRow) reportDisbursementRow {
	return reportDisbursementRow{Key: r.Key, Label: r.Label, Loans: r.Loans, Amount: money.Format(r.Amount), JobsPlanned: r.JobsPlanned,
		JobsCreated: r.JobsCreated, JobsTarget: r.JobsTarget, JobsPct: r.JobsPct}
}

func toDisbursements(d report.Disbursements) reportDisbursementsResponse {
	out := reportDisbursementsResponse{From: d.From.Format(time.DateOnly), To: d.To.Format(time.DateOnly), GroupBy: d.GroupBy,
		Rows: make([]reportDisbursementRow, len(d.Rows)), Total: toDisbursementRow(d.Total)}
	for i, r := range d.Rows {
		out.Rows[i] = toDisbursementRow(r)
	}
	return out
}

func toPosition(p report.Position) reportPosition {
	f := money.Format
	return reportPosition{DistrictCode: p.DistrictCode, DistrictName: p.DistrictName, Loans: p.Loans, Disbursed: f(p.Disbursed),
		Repaid: f(p.Repaid), Outstanding: f(p.Outstanding), OverdueLoans: p.OverdueLoans, Overdue: f(p.Overdue), OverdueRate: p.OverdueRate,
		CompensatedLoans: p.CompensatedLoans, Compensated: f(p.Compensated), FundPaid: f(p.FundPaid), Recovered: f(p.Recovered),
		WrittenOff: f(p.WrittenOff), MaturedLoans: p.MaturedLoans, MaturedPrincipal: f(p.MaturedPrincipal), MaturedRepaid: f(p.MaturedRepaid),
		RecoveryRate: p.RecoveryRate, SubsidyClaimed: f(p.SubsidyClaimed), SubsidyPaid: f(p.SubsidyPaid)}
}

func toPortfolio(p report.Portfolio) reportPortfolioResponse {
	t := toPosition(p.Total)
	out := reportPortfolioResponse{AsOf: p.AsOf.Format(time.DateOnly), Loans: t.Loans, Disbursed: t.Disbursed, Repaid: t.Repaid,
		Outstanding: t.Outstanding, OverdueLoans: t.OverdueLoans, Overdue: t.Overdue, OverdueRate: t.OverdueRate,
		CompensatedLoans: t.CompensatedLoans, Compensated: t.Compensated, FundPaid: t.FundPaid, Recovered: t.Recovered,
		WrittenOff: t.WrittenOff, MaturedLoans: t.MaturedLoans, MaturedPrincipal: t.MaturedPrincipal, MaturedRepaid: t.MaturedRepaid,
		RecoveryRate: t.RecoveryRate, SubsidyClaimed: t.SubsidyClaimed, SubsidyPaid: t.SubsidyPaid, Rows: make([]reportPosition, len(p.Rows))}
	for i, r := range p.Rows {
		out.Rows[i] = toPosition(r)
	}
	return out
}

func toDifferences(ds []report.Difference) []reportDifference {
	out := make([]reportDifference, len(ds))
	for i, d := range ds {
		out[i] = reportDifference{BankReference: d.BankReference, LoanNumber: d.LoanNumber, Name: d.Name, NationalID: d.NationalID,
			DisbursedOn: d.DisbursedOn.Format(time.DateOnly), RecordedAmount: optFen(d.RecordedAmount), ReportedAmount: optFen(d.ReportedAmount), Row: d.Row}
	}
	return out
}

func toReconciliation(r report.Reconciliation) reportReconciliationResponse {
	out := reportReconciliationResponse{From: r.From.Format(time.DateOnly), To: r.To.Format(time.DateOnly), Banks: make([]reportBankReconciliation, len(r.Banks))}
	for i, b := range r.Banks {
		out.Banks[i] = reportBankReconciliation{BankCode: b.BankCode, BankName: b.BankName, RecordedLoans: b.RecordedLoans,
			RecordedAmount: money.FormatFen(b.RecordedFen), ReportedLoans: b.ReportedLines, ReportedAmount: money.FormatFen(b.ReportedFen),
			Matched: b.Matched, MatchedAmount: money.FormatFen(b.MatchedFen), MissingInBank: toDifferences(b.MissingInBank),
			MissingInRecords: toDifferences(b.MissingInRecords), AmountDifferences: toDifferences(b.AmountDifferences)}
	}
	return out
}

// answerReport writes the JSON answer, or the same figures as a CSV or XLSX
// download.
func answerReport(c *gin.Context, format string, body any, table func() report.Table) error {
	headers, err := report.ParseHeaders(c.Query("headers"))
	if err != nil {
		return err
	}
	switch format {
	case report.FormatCSV:
		t := table()
		c.Header("Content-Type", report.MediaCSV)
		c.Header("Content-Disposition", `attachment; filename="`+t.Name+`.csv"`)
		c.Status(http.StatusOK)
		return report.WriteCSV(c.Writer, t, headers)
	case report.FormatXLSX:
		t := table()
		c.Header("Content-Type", report.MediaXLSX)
		c.Header("Content-Disposition", `attachment; filename="`+t.Name+`.xlsx"`)
		c.Status(http.StatusOK)
		return report.WriteXLSX(c.Writer, t, time.Now())
	}
	c.JSON(http.StatusOK, body)
	return nil
}

func (a *api) routesReports() {
	readErrors := []int{401, 403, 422}
	format := Param{Name: "format", Type: "string", Description: "csv or xlsx for a download (Content-Disposition: attachment) with the same figures; JSON otherwise"}
	headers := Param{Name: "headers", Type: "string", Description: "what a CSV download shows: fields (default: the JSON field names as headers and the JSON values, codes and plain decimals, for programs) or labels (the Chinese column names and the Chinese labels of codes, for people); workbooks always show labels"}
	a.add(Route{Method: "GET", Path: "/api/v1/reports/progress", Tag: "reports", Status: 200,
		Summary:  "Progress bulletin (通报): loans disbursed from 1 January through a day per district against the annual targets, with the returning-migrant-worker block (finance auditors, admins)",
		Response: reportProgressResponse{}, Errors: readErrors,
		Query: []Param{{Name: "year", Type: "integer", Description: "the year (default: through's year, or this year)"},
			{Name: "through", Type: "string", Description: "last day counted, YYYY-MM-DD within year (default: today, or 31 December of a past year)"}, format, headers}, Exports: true,
		handler: func(c *gin.Context, p auth.Principal) error {
			f, err := report.ParseFormat(c.Query("format"))
			if err != nil {
				return err
			}
			res, err := a.Reports.Progress(c.Request.Context(), p, report.ProgressQuery{Year: c.Query("year"), Through: c.Query("through")})
			if err != nil {
				return err
			}
			return answerReport(c, f, toProgress(res), res.Table)
		}})
	a.add(Route{Method: "GET", Path: "/api/v1/reports/disbursements", Tag: "reports", Status: 200,
		Summary:  "Disbursement totals of a period grouped by district, key group, bank, borrower type, industry, month or quarter, with jobs planned and created (finance auditors, admins)",
		Response: reportDisbursementsResponse{}, Errors: readErrors,
		Query: []Param{{Name: "from", Type: "string", Description: "first day, YYYY-MM-DD (default: 1 January of to's year)"},
			{Name: "to", Type: "string", Description: "last day, YYYY-MM-DD (default: today)"},
			{Name: "group_by", Type: "string", Description: "district (default), key_group, bank, borrower_type, industry, gender, month or quarter"}, format, headers}, Exports: true,
		handler: func(c *gin.Context, p auth.Principal) error {
			f, err := report.ParseFormat(c.Query("format"))
			if err != nil {
				return err
			}
			res, err := a.Reports.Disbursements(c.Request.Context(), p, report.DisbursementQuery{From: c.Query("from"), To: c.Query("to"), GroupBy: c.Query("group_by")})
			if err != nil {
				return err
			}
			return answerReport(c, f, toDisbursements(res), res.Table)
		}})
	a.add(Route{Method: "GET", Path: "/api/v1/reports/portfolio", Tag: "reports", Status: 200,
		Summary:  "Portfolio on a day: outstanding balance, overdue amount and rate, compensation, recovery, cumulative recovery rate of matured loans, subsidy claimed and paid; per district and in total (finance auditors, admins)",
		Response: reportPortfolioResponse{}, Errors: readErrors,
		Query: []Param{{Name: "as_of", Type: "string", Description: "the day, YYYY-MM-DD, not in the future (default: today)"}, format, headers}, Exports: true,
		handler: func(c *gin.Context, p auth.Principal) error {
			f, err := report.ParseFormat(c.Query("format"))
			if err != nil {
				return err
			}
			res, err := a.Reports.Portfolio(c.Request.Context(), p, c.Query("as_of"))
			if err != nil {
				return err
			}
			return answerReport(c, f, toPortfolio(res), res.Table)
		}})
	a.add(Route{Method: "GET", Path: "/api/v1/reports/awards", Tag: "reports", Status: 200,
		Summary:  "Awards (奖补) of a year per handling bank and for the guarantee centre: the new issuance, the award rate of the policy rule in force on 31 December, the indicators (a bank: the recovery rate of matured loans; the guarantee centre: the fund's leverage on 31 December from its ledger balance and the guaranteed principal outstanding that day) each with value, threshold and met, and the award = rate × issuance when all are met, else 0 (finance auditors, admins)",
		Response: awardsResponse{}, Errors: readErrors, Exports: true,
		Query: []Param{{Name: "year", Type: "integer", Description: "the year (default: this year); a year without an award rule in the policy is 422"}, format, headers},
		handler: func(c *gin.Context, p auth.Principal) error {
			f, err := report.ParseFormat(c.Query("format"))
			if err != nil {
				return err
			}
			res, err := a.Reports.Awards(c.Request.Context(), p, report.AwardQuery{Year: c.Query("year")})
			if err != nil {
				return err
			}
			return answerReport(c, f, toAwards(c, res), res.Table)
		}})
	reconcileQuery := []Param{{Name: "bank_code", Type: "string", Description: "one bank (default: every bank)"},
		{Name: "from", Type: "string", Description: "first day of disbursement, YYYY-MM-DD (default: 1 January of to's year)"},
		{Name: "to", Type: "string", Description: "last day, YYYY-MM-DD (default: today)"}}
	a.add(Route{Method: "GET", Path: "/api/v1/reports/reconciliation", Tag: "reports", Status: 200,
		Summary:  "Reconciliation of the banks' disbursement lists with the recorded disbursements of a period, per bank: matched, missing on either side, amount differences, and the groups by kind with counts (finance auditors, admins; a bank officer their own bank's, bank_code defaulting to it)",
		Response: reportReconciliationResponse{}, Errors: readErrors, Query: append(reconcileQuery, format, headers), Exports: true,
		handler: func(c *gin.Context, p auth.Principal) error {
			f, err := report.ParseFormat(c.Query("format"))
			if err != nil {
				return err
			}
			res, err := a.Reports.Reconciliation(c.Request.Context(), p, report.ReconcileQuery{BankCode: c.Query("bank_code"), From: c.Query("from"), To: c.Query("to")})
			if err != nil {
				return err
			}
			return answerReport(c, f, withGroups(c, toReconciliation(res)), res.Table)
		}})
	a.add(Route{Method: "POST", Path: "/api/v1/reports/reconciliation", Tag: "reports", Status: 200, BodyLimit: a.MaxImportBytes, Upload: true,
		Summary: "Upload a bank's disbursement list for a period (CSV or XLSX like the imports: bank_reference, name and/or national_id, amount, disbursed_on, or the Chinese headers of the template), replacing its earlier list of the period; answers the bank's reconciliation. " +
			"Bank officers of the bank, admins. Any bad line → 422 with row and field, nothing stored. dry_run=true answers the reconciliation the list would give and stores nothing.",
		Response: reportReconciliationResponse{}, Errors: []int{400, 401, 403, 413, 422}, Query: append(slices.Clone(reconcileQuery), dryRunParam),
		handler: func(c *gin.Context, p auth.Principal) error {
			up, mode, err := upload(c)
			if err != nil {
				return err
			}
			res, err := a.Reports.UploadBankList(c.Request.Context(), p, report.UploadQuery{BankCode: c.Query("bank_code"), From: c.Query("from"), To: c.Query("to")}, up, mode)
			if err != nil {
				return err
			}
			out := withGroups(c, toReconciliation(res))
			out.DryRun = mode == sheet.DryRun
			c.JSON(http.StatusOK, out)
			return nil
		}})
	a.template("/api/v1/reports/reconciliation", "reports", "a bank's disbursement list", a.Reports.BankListTemplate)
	a.add(Route{Method: "POST", Path: "/api/v1/imports/loans", Tag: "reports", Status: 200, BodyLimit: a.MaxImportBytes, Upload: true,
		Summary: "Import legacy loans (admin): CSV (UTF-8, UTF-8 with BOM or GB18030) or XLSX, raw or as the multipart field \"file\", header external_ref,name,national_id,gender,key_group,borrower_type,district_code,bank_code,principal,annual_rate,term_months,disbursed_on,jobs_created (and optionally partners: a partnership's number of partners, the lead included, which sets its cap and subsidy cap) or the Chinese headers of the template. " +
			"Every row is checked like a new loan (a loan disbursed in a closed accounting month is a bad row); any bad row → 422 with errors[{row,field,message}] and nothing imported; rows whose external_ref exists are skipped. Imported loans are active.",
		Response: importResponse{}, Errors: []int{400, 401, 403, 409, 413, 422}, Query: []Param{dryRunParam},
		handler: importing(a.Reports.ImportLoans)})
	a.template("/api/v1/imports/loans", "reports", "a legacy loan file", a.Reports.LegacyTemplate)
}
