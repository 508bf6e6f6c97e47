package httpapi

import (
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"chuangdai/internal/apperr"
	"chuangdai/internal/application"
	"chuangdai/internal/auth"
	"chuangdai/internal/beijing"
	"chuangdai/internal/loan"
	"chuangdai/internal/money"
	"chuangdai/internal/msg"
	"chuangdai/internal/report"
)

// maxListExport bounds a download of the applications, loans or audit list: the
// rows are read at once, in one consistent answer; a filter matching more
// is refused (422 on format) rather than cut short.
const maxListExport = 10_000

// Parameters of the lists that download.
var (
	listFormatParam = Param{Name: "format", Type: "string", Description: "csv or xlsx: every matching row (up to 10,000; more is 422 on format: narrow the filters) in the list's order, without paging, as a download (Content-Disposition: attachment); JSON otherwise"}
	listHeaderParam = Param{Name: "headers", Type: "string", Description: "what a CSV download shows: fields (default: the JSON field names and values) or labels (Chinese column names; statuses, key groups, districts and banks by their names; rates in percent); workbooks always show labels"}
)

// exportFormat reads format and the rows to read: the page asked for, or
// for a download every matching row from offset 0 up to the cap (the list's
// total then tells a filter matching more).
func exportFormat(c *gin.Context, pg pageQuery) (format string, offset, limit int, err error) {
	format, err = report.ParseFormat(c.Query("format"))
	if err != nil || format == report.FormatJSON {
		return format, pg.offset(), pg.PageSize, err
	}
	return format, 0, maxListExport, nil
}

// exportCap refuses a download of more rows than maxListExport.
func exportCap(total int64) error {
	if total > maxListExport {
		return apperr.Field("format", "a download holds at most %d rows and these filters match %d: narrow them (for example by dates)", maxListExport, total)
	}
	return nil
}

// listCodes are the names of codes an applications or loans download
// shows people: statuses, borrower types, key groups, districts and banks.
func (a *api) listCodes(c *gin.Context, p auth.Principal, statusKind string) (map[string]map[string]string, error) {
	labels := msg.Chinese().Labels()
	codes := map[string]map[string]string{
		"status": labels[statusKind], "borrower_type": labels["borrower_type"], "key_group": labels["key_group"],
		"district_code": {}, "bank_code": {}, "late": {"true": "是", "false": "否"},
	}
	ds, err := a.Refdata.ListDistricts(c.Request.Context(), p)
	if err != nil {
		return nil, err
	}
	for _, d := range ds {
		codes["district_code"][d.Code] = d.Name
	}
	bs, err := a.Refdata.ListBanks(c.Request.Context(), p)
	if err != nil {
		return nil, err
	}
	for _, b := range bs {
		codes["bank_code"][b.Code] = b.Name
	}
	return codes, nil
}

// optional writes an optional value, empty when absent.
func optional[T any](v *T, f func(T) string) string {
	if v == nil {
		return ""
	}
	return f(*v)
}

// applicationsTable is the applications list as a download: the list's
// columns without personal data (no resident ID numbers or phones).
func (a *api) applicationsTable(c *gin.Context, p auth.Principal, vs []application.View) (report.Table, error) {
	codes, err := a.listCodes(c, p, "status")
	if err != nil {
		return report.Table{}, err
	}
	codes["industry"] = map[string]string{}
	t := report.Table{Name: "applications", Title: "贷款申请", Period: "导出", Codes: codes,
		Columns: []report.Column{{Key: "number", Label: "申请编号", Kind: report.Text}, {Key: "status", Label: "状态", Kind: report.Text},
			{Key: "borrower_type", Label: "借款人类型", Kind: report.Text}, {Key: "name", Label: "申请人", Kind: report.Text},
			{Key: "key_group", Label: "重点群体", Kind: report.Text}, {Key: "district_code", Label: "区县", Kind: report.Text},
			{Key: "bank_code", Label: "经办银行", Kind: report.Text}, {Key: "amount", Label: "申请金额(元)", Kind: report.Money},
			{Key: "term_months", Label: "期限(月)", Kind: report.Int}, {Key: "business_name", Label: "项目名称", Kind: report.Text},
			{Key: "industry", Label: "行业", Kind: report.Text}, {Key: "jobs_planned", Label: "计划带动就业(人)", Kind: report.Int},
			{Key: "submitted_at", Label: "提交时间", Kind: report.Text}, {Key: "stage_deadline", Label: "本环节办理时限", Kind: report.Text},
			{Key: "late", Label: "是否超时", Kind: report.Text}, {Key: "approved_amount", Label: "批准金额(元)", Kind: report.Money},
			{Key: "annual_rate", Label: "合同年利率(%)", Kind: report.Rate}, {Key: "updated_at", Label: "更新时间", Kind: report.Text}}}
	instant := func(v time.Time) string { return v.In(beijing.Zone).Format(time.RFC3339) }
	for _, v := range vs {
		r := a.toApplication(c, v, false)
		if r.IndustryCode != "" {
			codes["industry"][r.IndustryCode] = r.IndustryLabel
		}
		t.Rows = append(t.Rows, []string{r.Number, r.Status, r.BorrowerType, r.Name, r.KeyGroup, r.DistrictCode, r.BankCode, r.Amount,
			strconv.Itoa(r.TermMonths), r.BusinessName, r.Industry, strconv.Itoa(r.JobsPlanned), optional(r.SubmittedAt, instant),
			optional(r.StageDeadline, same), strconv.FormatBool(r.Late), optional(r.ApprovedAmount, same),
			optional(r.AnnualRate, same), instant(r.UpdatedAt)})
	}
	return t, nil
}

func same(s string) string { return s }

// loansTable is the loans list as a download: the list's columns.
func (a *api) loansTable(c *gin.Context, p auth.Principal, ls []loan.Loan) (report.Table, error) {
	codes, err := a.listCodes(c, p, "loan_status")
	if err != nil {
		return report.Table{}, err
	}
	t := report.Table{Name: "loans", Title: "贷款台账", Period: "导出", Codes: codes,
		Columns: []report.Column{{Key: "number", Label: "贷款编号", Kind: report.Text}, {Key: "status", Label: "状态", Kind: report.Text},
			{Key: "name", Label: "借款人", Kind: report.Text}, {Key: "borrower_type", Label: "借款人类型", Kind: report.Text},
			{Key: "key_group", Label: "重点群体", Kind: report.Text}, {Key: "district_code", Label: "区县", Kind: report.Text},
			{Key: "bank_code", Label: "经办银行", Kind: report.Text}, {Key: "principal", Label: "贷款金额(元)", Kind: report.Money},
			{Key: "annual_rate", Label: "合同年利率(%)", Kind: report.Rate}, {Key: "term_months", Label: "期限(月)", Kind: report.Int},
			{Key: "disbursed_on", Label: "放款日期", Kind: report.Text}, {Key: "maturity_date", Label: "到期日期", Kind: report.Text},
			{Key: "outstanding_principal", Label: "贷款余额(元)", Kind: report.Money}, {Key: "days_overdue", Label: "逾期天数", Kind: report.Int},
			{Key: "bank_reference", Label: "银行流水号", Kind: report.Text}}}
	for _, l := range ls {
		t.Rows = append(t.Rows, []string{l.Number, string(l.Status), l.Name, l.BorrowerType, l.KeyGroup, l.DistrictCode, l.BankCode,
			money.Format(l.Principal), money.FormatRate(l.AnnualRate), strconv.Itoa(l.TermMonths), dayString(l.DisbursedOn),
			dayString(l.Maturity), money.Format(l.Outstanding), strconv.Itoa(l.DaysOverdue), l.BankReference})
	}
	return t, nil
}
