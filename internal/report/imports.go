package report

import (
	"cmp"
	"context"
	"slices"

	"chuangdai/internal/apperr"
	"chuangdai/internal/auth"
	"chuangdai/internal/authz"
	"chuangdai/internal/idnum"
	"chuangdai/internal/sheet"
)

// exampleID is the resident ID of the templates' example rows (a man's).
var exampleID = idnum.WithCheckDigit("41128219900315001")

var (
	personColumn = sheet.Column{Name: "national_id", Header: "身份证号", Aliases: []string{"身份证号码", "公民身份号码", "身份证", "借款人身份证号"},
		Kind: sheet.Code, Example: exampleID,
		Note: "18 位居民身份证号码，末位可为 X；请把本列设为文本，以免 Excel 丢掉末尾几位", NoteEN: "the 18-character resident ID number (the last may be X); keep the column as text so that Excel keeps every digit"}
	nameColumn = sheet.Column{Name: "name", Header: "姓名", Aliases: []string{"借款人姓名", "借款人", "客户姓名"}, Example: "张伟",
		Note: "借款人姓名（企业贷款填法定代表人）", NoteEN: "the borrower's name (for an enterprise, its legal representative)"}
	dayNote, dayNoteEN = "如 2024-03-15、2024/3/15 或 2024年3月15日", "such as 2024-03-15, 2024/3/15 or a date cell"
)

// choices are the codes of a table of labels, in code order.
func choices(labels map[string]string) []sheet.Choice {
	out := make([]sheet.Choice, 0, len(labels))
	for code, label := range labels {
		if code != "" {
			out = append(out, sheet.Choice{Code: code, Label: label})
		}
	}
	slices.SortFunc(out, func(a, b sheet.Choice) int { return cmp.Compare(a.Code, b.Code) })
	return out
}

// keyGroupChoices are the key groups with the other names files give them.
func keyGroupChoices() []sheet.Choice {
	out := choices(KeyGroupLabels)
	for i := range out {
		if out[i].Code == "employment_difficulty" {
			out[i].Aliases = []string{"就业困难人员（含残疾人）", "就业困难人员(含残疾人)", "残疾人"}
		}
	}
	return out
}

// firstCode is the smallest code of names, for an example row.
func firstCode(names map[string]string) string {
	first := ""
	for code := range names {
		if first == "" || code < first {
			first = code
		}
	}
	return first
}

// LegacySpec is the layout of a legacy loan file: the columns of API.md,
// in its order, each with its Chinese header; districts and banks by code
// give their names as labels.
func LegacySpec(districts, banks map[string]string) sheet.Spec {
	required := func(c sheet.Column) sheet.Column { c.Required = true; return c }
	return sheet.Spec{Columns: []sheet.Column{
		{Name: "external_ref", Header: "原系统编号", Aliases: []string{"原贷款编号", "贷款编号", "业务编号"}, Kind: sheet.Code, Required: true, Example: "LEGACY-2024-0001",
			Note: "原系统中这笔贷款的编号；已导入的编号跳过，可重复发送同一文件", NoteEN: "the loan's reference in the old system; loans already imported are skipped, so a file can be sent again"},
		required(nameColumn),
		required(personColumn),
		{Name: "gender", Header: "性别", Required: true, Closed: true, Example: "男",
			Choices: []sheet.Choice{{Code: "male", Label: "男", Aliases: []string{"男性", "m"}}, {Code: "female", Label: "女", Aliases: []string{"女性", "f"}}},
			Note:    "男或女，须与身份证号一致", NoteEN: "男 (male) or 女 (female), as the resident ID says"},
		{Name: "key_group", Header: "人员类别", Aliases: []string{"重点群体", "人员类型", "扶持对象类别"}, Required: true, Closed: true,
			Choices: keyGroupChoices(), Example: KeyGroupLabels["returning_migrant_worker"],
			Note: "十类重点群体之一；小微企业贷款可留空", NoteEN: "one of the ten key groups; may be empty for an enterprise loan"},
		{Name: "borrower_type", Header: "借款人类型", Aliases: []string{"贷款类型", "借款主体类型", "主体类型"}, Required: true, Closed: true, Example: BorrowerTypeLabels["individual"],
			Choices: []sheet.Choice{{Code: "individual", Label: "个人", Aliases: []string{"个人贷款"}},
				{Code: "partnership", Label: "合伙", Aliases: []string{"合伙经营", "合伙创业", "合伙贷款"}},
				{Code: "enterprise", Label: "小微企业", Aliases: []string{"企业", "小微企业贷款"}}},
			Note: "个人、合伙或小微企业", NoteEN: "个人 (individual), 合伙 (partnership) or 小微企业 (enterprise)"},
		{Name: "district_code", Header: "区县", Aliases: []string{"区县代码", "所属区县", "县区"}, Kind: sheet.Code, Required: true, Closed: true,
			Choices: choices(districts), Example: districts[firstCode(districts)],
			Note: "区县名称或 6 位代码", NoteEN: "the district's name or 6-digit code"},
		{Name: "bank_code", Header: "经办银行", Aliases: []string{"银行", "贷款银行", "经办银行代码"}, Kind: sheet.Code, Required: true, Closed: true,
			Choices: choices(banks), Example: banks[firstCode(banks)],
			Note: "银行名称或代码", NoteEN: "the bank's name or code"},
		{Name: "principal", Header: "贷款金额（元）", Aliases: []string{"贷款金额", "放款金额", "本金", "贷款本金（元）"}, Kind: sheet.Number, Required: true, Example: "200000.00",
			Note: "元，最多两位小数，如 200000.00", NoteEN: "yuan, at most two decimals, such as 200000.00"},
		{Name: "annual_rate", Header: "年利率（%）", PercentHeaders: []string{"年利率（%）", "合同年利率（%）", "利率（%）", "annual_rate_pct"},
			Aliases: []string{"年利率", "合同年利率", "利率"}, Kind: sheet.Rate, Required: true, Example: "3.95",
			Note: "合同年利率，按百分数填写：3.95 即 3.95%；列名为“年利率”时可写 3.95% 或 0.0395", NoteEN: "the contract rate in percent: 3.95 is 3.95%; under the header annual_rate write 0.0395 or 3.95%"},
		{Name: "term_months", Header: "期限（月）", Aliases: []string{"贷款期限（月）", "期限", "贷款期限"}, Required: true, Example: "24",
			Note: "贷款期限，月数", NoteEN: "the term in months"},
		{Name: "disbursed_on", Header: "放款日期", Aliases: []string{"发放日期", "贷款发放日期"}, Kind: sheet.Date, Required: true, Example: "2024-03-15",
			Note: dayNote, NoteEN: dayNoteEN},
		{Name: "jobs_created", Header: "带动就业人数", Aliases: []string{"带动就业", "吸纳就业人数"}, Required: true, Example: "3",
			Note: "可留空", NoteEN: "may be empty"},
		{Name: "partners", Header: "合伙人数", Aliases: []string{"合伙人人数"},
			Note:   "合伙贷款的合伙人人数（含牵头人，至少 2 人），定额度与贴息本金上限（110% × 人数 × 个人额度，最高 400 万元）；个人和企业贷款留空；可无此列（合伙贷款则按全部本金贴息）",
			NoteEN: "a partnership loan's number of partners (the lead included, at least 2): its cap and the principal subsidised (110% × partners × the individual cap, at most 4,000,000.00); empty for individual and enterprise loans; the column may be left out (a partnership loan is then subsidised on its whole principal)"},
	}}
}

// BankListSpec is the layout of a bank's disbursement list.
func BankListSpec() sheet.Spec {
	return sheet.Spec{Columns: []sheet.Column{
		{Name: "bank_reference", Header: "银行流水号", Aliases: []string{"交易流水号", "流水号", "放款流水号", "业务流水号"}, Kind: sheet.Code, Required: true, Example: "D-20240315-0001",
			Note: "放款时登记的银行业务编号", NoteEN: "the bank's reference recorded with the disbursement"},
		nameColumn,
		personColumn,
		{Name: "amount", Header: "放款金额（元）", Aliases: []string{"放款金额", "金额", "贷款金额"}, Kind: sheet.Number, Required: true, Example: "200000.00",
			Note: "元，最多两位小数", NoteEN: "yuan, at most two decimals"},
		{Name: "disbursed_on", Header: "放款日期", Aliases: []string{"发放日期"}, Kind: sheet.Date, Required: true, Example: "2024-03-15",
			Note: "在所传名单的期间内", NoteEN: "within the period of the list"},
	}, OneOf: [][]string{{"national_id", "name"}}}
}

// LegacyTemplate is the template of a legacy loan file.
func (s *Service) LegacyTemplate(ctx context.Context, p auth.Principal) (sheet.Template, error) {
	if !s.authz.Can(p, ActImport, authz.Resource{Kind: KindImport}) {
		return sheet.Template{}, apperr.Forbiddenf("only administrators import legacy loans")
	}
	districts, err := s.store.Names(ctx, ByDistrict)
	if err != nil {
		return sheet.Template{}, apperr.Contextf(err, "read the districts for the legacy loan template")
	}
	banks, err := s.store.Names(ctx, ByBank)
	if err != nil {
		return sheet.Template{}, apperr.Contextf(err, "read the banks for the legacy loan template")
	}
	return sheet.Template{Name: "legacy-loans-template", Title: "历史贷款", Spec: LegacySpec(districts, banks)}, nil
}

// BankListTemplate is the template of a bank's disbursement list.
func (s *Service) BankListTemplate(_ context.Context, p auth.Principal) (sheet.Template, error) {
	if !s.authz.HasAny(p, ActUploadBank, KindReconcile) {
		return sheet.Template{}, apperr.Forbiddenf("only bank officers and administrators upload a bank's list")
	}
	return sheet.Template{Name: "bank-disbursements-template", Title: "银行放款名单", Spec: BankListSpec()}, nil
}
