package report

import (
	"fmt"
	"strconv"
	"time"

	"github.com/shopspring/decimal"

	"chuangdai/internal/money"
)

// The exports are built from the same values as the JSON answers, with the
// same formatting: amounts with two decimals, percentages as in
// completion_pct, empty where the JSON has null.

func amt(d decimal.Decimal) string { return money.Format(d) }

func optAmt(d *decimal.Decimal) string {
	if d == nil {
		return ""
	}
	return money.Format(*d)
}

func optStr(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func optInt(n *int64) string {
	if n == nil {
		return ""
	}
	return strconv.FormatInt(*n, 10)
}

func num(n int64) string { return strconv.FormatInt(n, 10) }

func day(t time.Time) string { return t.Format(time.DateOnly) }

// Table of the progress bulletin: the rows and total of all loans (block
// "all"), then those of the returning-migrant-worker block ("returnee").
func (p Progress) Table() Table {
	t := Table{
		Name:   fmt.Sprintf("progress-%d-through-%s", p.Year, day(p.Through)),
		Title:  fmt.Sprintf("%d年创业担保贷款发放进度通报", p.Year),
		Period: fmt.Sprintf("%d-01-01 至 %s", p.Year, day(p.Through)),
		Columns: []Column{
			{"block", "类别", Text}, {"district_code", "区划代码", Text}, {"district_name", "单位", Text},
			{"loans", "发放笔数", Int}, {"amount", "发放金额(元)", Money}, {"target_amount", "年度目标(元)", Money},
			{"completion_pct", "完成率(%)", Pct}, {"jobs", "新增就业(人)", Int}, {"jobs_target", "就业目标(人)", Int},
			{"jobs_completion_pct", "就业目标完成率(%)", Pct},
		},
	}
	add := func(block string, b Block) {
		for _, r := range append(b.Rows, b.Total) {
			t.Rows = append(t.Rows, []string{block, r.DistrictCode, r.DistrictName, num(r.Loans), amt(r.Amount), optAmt(r.TargetAmount), optStr(r.CompletionPct),
				num(r.Jobs), optInt(r.JobsTarget), optStr(r.JobsPct)})
		}
	}
	add("all", p.Block)
	add("returnee", p.Returnee)
	t.Codes = map[string]map[string]string{"block": {"all": "全部贷款", "returnee": "返乡创业农民工"}}
	return t
}

// Table of a disbursement report, total last.
func (d Disbursements) Table() Table {
	t := Table{
		Name:   fmt.Sprintf("disbursements-by-%s-%s-%s", d.GroupBy, day(d.From), day(d.To)),
		Title:  "创业担保贷款发放统计（按" + groupByLabels[d.GroupBy] + "）",
		Period: day(d.From) + " 至 " + day(d.To),
		Columns: []Column{
			{"key", "代码", Text}, {"label", "名称", Text}, {"loans", "发放笔数", Int}, {"amount", "发放金额(元)", Money},
			{"jobs_planned", "计划带动就业(人)", Int}, {"jobs_created", "带动就业(人)", Int},
			{"jobs_target", "就业目标(人)", Int}, {"jobs_pct", "就业目标完成率(%)", Pct},
		},
	}
	for _, r := range append(d.Rows, d.Total) {
		t.Rows = append(t.Rows, []string{r.Key, r.Label, num(r.Loans), amt(r.Amount), num(r.JobsPlanned), num(r.JobsCreated), optInt(r.JobsTarget), optStr(r.JobsPct)})
	}
	return t
}

var groupByLabels = map[string]string{
	ByDistrict: "区县", ByKeyGroup: "重点群体", ByBank: "经办银行", ByBorrowerType: "借款人类型",
	ByIndustry: "行业", ByGender: "性别", ByFlag: "群体标识", ByMonth: "月份", ByQuarter: "季度",
}

// PortfolioColumns are the figures of a position, in JSON field names.
var portfolioColumns = []Column{
	{"district_code", "区划代码", Text}, {"district_name", "单位", Text},
	{"loans", "累计发放笔数", Int}, {"disbursed", "累计发放金额(元)", Money}, {"repaid", "累计还本(元)", Money},
	{"outstanding", "贷款余额(元)", Money}, {"overdue_loans", "逾期笔数", Int}, {"overdue", "逾期金额(元)", Money},
	{"overdue_rate", "逾期率(%)", Pct}, {"compensated_loans", "代偿笔数", Int}, {"compensated", "代偿金额(元)", Money},
	{"fund_paid", "基金代偿支出(元)", Money}, {"recovered", "追偿收回(元)", Money}, {"written_off", "核销(元)", Money},
	{"matured_loans", "到期笔数", Int}, {"matured_principal", "到期本金(元)", Money}, {"matured_repaid", "到期已收回(元)", Money},
	{"recovery_rate", "累计回收率(%)", Pct}, {"subsidy_claimed", "已申报贴息(元)", Money}, {"subsidy_paid", "已拨付贴息(元)", Money},
}

// Table of the portfolio: one row per district, total last.
func (p Portfolio) Table() Table {
	t := Table{
		Name:    "portfolio-as-of-" + day(p.AsOf),
		Title:   "创业担保贷款资产质量与贴息情况",
		Period:  "截至 " + day(p.AsOf),
		Columns: portfolioColumns,
	}
	for _, r := range append(p.Rows, p.Total) {
		t.Rows = append(t.Rows, []string{r.DistrictCode, r.DistrictName, num(r.Loans), amt(r.Disbursed), amt(r.Repaid),
			amt(r.Outstanding), num(r.OverdueLoans), amt(r.Overdue), optStr(r.OverdueRate), num(r.CompensatedLoans),
			amt(r.Compensated), amt(r.FundPaid), amt(r.Recovered), amt(r.WrittenOff), num(r.MaturedLoans),
			amt(r.MaturedPrincipal), amt(r.MaturedRepaid), optStr(r.RecoveryRate), amt(r.SubsidyClaimed), amt(r.SubsidyPaid)})
	}
	return t
}

// Table of a reconciliation: every difference of every bank, one per row.
func (r Reconciliation) Table() Table {
	t := Table{
		Name:   "reconciliation-" + day(r.From) + "-" + day(r.To),
		Title:  "经办银行放款对账",
		Period: day(r.From) + " 至 " + day(r.To),
		Columns: []Column{
			{"bank_code", "银行代码", Text}, {"bank_name", "经办银行", Text}, {"kind", "差异类型", Text}, {"bank_reference", "银行流水号", Text},
			{"loan_number", "贷款编号", Text}, {"name", "姓名", Text}, {"disbursed_on", "放款日期", Text},
			{"recorded_amount", "系统金额(元)", Money}, {"reported_amount", "银行金额(元)", Money}, {"row", "银行清单行号", Int},
		},
	}
	for _, b := range r.Banks {
		for _, set := range []struct {
			kind  string
			items []Difference
		}{{"missing_in_bank", b.MissingInBank}, {"missing_in_records", b.MissingInRecords}, {"amount_differences", b.AmountDifferences}} {
			for _, d := range set.items {
				row := ""
				if d.Row > 0 {
					row = strconv.Itoa(d.Row)
				}
				t.Rows = append(t.Rows, []string{b.BankCode, b.BankName, set.kind, d.BankReference, d.LoanNumber, d.Name, day(d.DisbursedOn),
					fenStr(d.RecordedAmount), fenStr(d.ReportedAmount), row})
			}
		}
	}
	t.Codes = map[string]map[string]string{"kind": {"missing_in_bank": "银行清单中没有", "missing_in_records": "系统中没有", "amount_differences": "金额不符"}}
	return t
}

func fenStr(f *int64) string {
	if f == nil {
		return ""
	}
	return money.FormatFen(*f)
}

// indicatorLabels name the award indicators.
var indicatorLabels = map[string]string{IndicatorRecovery: "贷款回收率", IndicatorLeverage: "担保基金放大倍数"}

// IndicatorLabel is the Chinese name of an award indicator.
func IndicatorLabel(code string) string { return indicatorLabels[code] }

func metText(in Indicator) string {
	if in.Met {
		return "true"
	}
	return "false"
}

func optFraction(d *decimal.Decimal) string {
	if d == nil {
		return ""
	}
	return d.StringFixed(4)
}

// Table of the awards: one row per bank, the banks' total, then the
// guarantee bodies; each indicator as its value, threshold and whether it is
// met.
func (a Awards) Table() Table {
	t := Table{
		Name:   fmt.Sprintf("awards-%d", a.Year),
		Title:  fmt.Sprintf("%d年创业担保贷款奖补测算", a.Year),
		Period: fmt.Sprintf("%d-01-01 至 %s", a.Year, day(a.AsOf)),
		Columns: []Column{
			{"bank_code", "银行代码", Text}, {"bank_name", "经办银行", Text}, {"loans", "新发放笔数", Int}, {"issuance", "新发放金额(元)", Money},
			{"award_rate", "奖补比例", Text}, {"recovery_rate", "贷款回收率", Text}, {"recovery_rate_threshold", "回收率要求", Text},
			{"recovery_rate_met", "回收率达标", Text}, {"fund_leverage", "担保基金放大倍数", Text}, {"fund_leverage_threshold", "放大倍数要求", Text},
			{"fund_leverage_met", "放大倍数达标", Text}, {"eligible", "符合奖补条件", Text}, {"award", "奖补金额(元)", Money},
		},
		Codes: map[string]map[string]string{
			"recovery_rate_met": {"true": "是", "false": "否"}, "fund_leverage_met": {"true": "是", "false": "否"}, "eligible": {"true": "是", "false": "否"},
		},
	}
	rate := money.FormatRate(a.Rule.Rate.Decimal)
	for _, b := range a.Banks {
		in := b.Indicators[0]
		eligible := "false"
		if b.Eligible {
			eligible = "true"
		}
		t.Rows = append(t.Rows, []string{b.Code, b.Name, num(b.Loans), money.FormatFen(b.IssuanceFen), rate, optFraction(in.Value),
			in.Threshold.StringFixed(4), metText(in), "", "", "", eligible, money.FormatFen(b.AwardFen)})
	}
	t.Rows = append(t.Rows, []string{"", TotalLabel, num(a.Total.Loans), money.FormatFen(a.Total.IssuanceFen), "", "", "", "", "", "", "", "", money.FormatFen(a.Total.AwardFen)})
	// The guarantee bodies after the banks' total, which they are not in.
	for _, b := range a.GuaranteeBodies {
		in := b.Indicators[0]
		eligible := "false"
		if b.Eligible {
			eligible = "true"
		}
		t.Rows = append(t.Rows, []string{b.Code, b.Name, num(b.Loans), money.FormatFen(b.IssuanceFen), rate, "", "", "",
			optFraction(in.Value), in.Threshold.StringFixed(4), metText(in), eligible, money.FormatFen(b.AwardFen)})
	}
	return t
}
