package audit

import (
	"bytes"
	"encoding/json"
	"sort"
	"strings"
	"unicode"

	"chuangdai/internal/msg"
)

// ActionLabel names an action of the trail for people.
type ActionLabel struct {
	Action string
	ZH, EN string
}

// Localize renders the label in the reader's language (msg.Localizer).
func (a ActionLabel) Localize(l msg.Lang) string {
	if l == msg.EN {
		return a.EN
	}
	return a.ZH
}

// Actions are the actions services record, in the order people look for
// them: the application path, loans, subsidies, then the rest.
var Actions = []ActionLabel{
	{"application.create", "创建申请", "Application created"},
	{"application.update", "修改申请", "Application edited"},
	{"application.submit", "提交申请", "Application submitted"},
	{"application.approve", "审核通过", "Stage approved"},
	{"application.return", "退回申请", "Application returned"},
	{"application.reject", "不予通过", "Application rejected"},
	{"application.withdraw", "撤回申请", "Application withdrawn"},
	{"application.disburse", "申请已放款", "Application disbursed"},
	{"application.reverse_disbursement", "放款已冲正，申请恢复为已批准", "Disbursement reversed, application approved again"},
	{"document.upload", "上传材料", "Document uploaded"},
	{"document.read", "查阅材料", "Document read"},
	{"document.accept", "材料审核通过", "Document accepted"},
	{"document.reject", "材料退回", "Document rejected"},
	{"identity.verify", "核验身份", "Identity verified"},
	{"identity.check_failed", "身份核验未通过", "Identity check failed"},
	{"loan.disburse", "放款", "Loan disbursed"},
	{"loan.repay", "还款", "Repayment"},
	{"loan.import", "导入贷款", "Loan imported"},
	{"loan.overdue", "转为逾期", "Loan overdue"},
	{"loan.cure", "逾期已还清", "Overdue cured"},
	{"loan.compensate", "代偿", "Compensated"},
	{"loan.recover", "追偿", "Recovered"},
	{"loan.propose_write_off", "提出核销", "Write-off proposed"},
	{"loan.write_off", "核销", "Written off"},
	{"loan.reverse_disbursement", "冲正放款", "Disbursement reversed"},
	{"fund.propose", "提出基金收支", "Fund movement proposed"},
	{"fund.confirm", "确认基金收支", "Fund movement confirmed"},
	{"fund.reject", "退回基金收支", "Fund movement rejected"},
	{"subsidy.claim", "申报贴息", "Subsidy claimed"},
	{"subsidy.check", "审核贴息", "Subsidy checked"},
	{"subsidy.refuse", "不予贴息", "Subsidy refused"},
	{"subsidy.pay", "拨付贴息", "Subsidy paid"},
	{"reconciliation.upload", "上传银行清单", "Bank list uploaded"},
	{"training.create", "登记培训", "Training recorded"},
	{"incubation.create", "登记入驻", "Tenancy recorded"},
	{"incubation.move_out", "登记迁出", "Move-out recorded"},
	{"incubation_base.create", "新增孵化基地", "Incubation base added"},
	{"service.create", "登记创业服务", "Service recorded"},
	{"user.create", "新增用户", "User created"},
	{"user.update", "修改用户", "User edited"},
	{"user.password_change", "修改密码", "Password changed"},
	{"user.password_reset", "重置密码", "Password reset"},
	{"user.role_grant_request", "申请授予管理员角色", "Administrator role requested"},
	{"user.role_grant_confirm", "确认授予管理员角色", "Administrator role confirmed"},
	{"district.create", "新增辖区", "District added"},
	{"bank.create", "新增银行", "Bank added"},
	{"targets.replace", "设定年度目标", "Annual targets set"},
	{"notification.settings", "修改通知设置", "Notification settings changed"},
}

// LabelOf finds the label of action; ok is false for an action the list
// does not name (its code is then its label).
func LabelOf(action string) (ActionLabel, bool) {
	for _, a := range Actions {
		if a.Action == action {
			return a, true
		}
	}
	return ActionLabel{Action: action, ZH: action, EN: action}, false
}

// Change is one field an event changed, with its value before and after
// (JSON values; null when absent on that side).
type Change struct {
	Field  string
	Before json.RawMessage
	After  json.RawMessage
}

// Changes lists what differs between before and after, by field path:
// objects are compared field by field (nested ones as a.b; the fields of an
// application event, kept under "fields", by their own names), arrays and
// other values whole; Go field names read as JSON names (NationalID →
// national_id). Fields are in order of their paths.
func Changes(before, after json.RawMessage) []Change {
	b, a := map[string]json.RawMessage{}, map[string]json.RawMessage{}
	flatten(before, "", b)
	flatten(after, "", a)
	paths := map[string]bool{}
	for k := range b {
		paths[k] = true
	}
	for k := range a {
		paths[k] = true
	}
	var out []Change
	for k := range paths {
		if !sameJSON(b[k], a[k]) {
			out = append(out, Change{Field: k, Before: orNull(b[k]), After: orNull(a[k])})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	return out
}

func flatten(raw json.RawMessage, prefix string, out map[string]json.RawMessage) {
	var obj map[string]json.RawMessage
	if !isObject(raw) || json.Unmarshal(raw, &obj) != nil {
		if prefix != "" {
			out[prefix] = raw
		}
		return
	}
	for k, v := range obj {
		k = snake(k)
		switch {
		case prefix == "" && k == "fields" && isObject(v):
			flatten(v, "", out)
		case prefix == "":
			flatten(v, k, out)
		default:
			flatten(v, prefix+"."+k, out)
		}
	}
}

// snake writes a Go field name as the API's JSON names are written
// (NationalID → national_id); snake_case stays as it is.
func snake(k string) string {
	r := []rune(k)
	var b strings.Builder
	for i, c := range r {
		if unicode.IsUpper(c) {
			if i > 0 && (unicode.IsLower(r[i-1]) || (i+1 < len(r) && unicode.IsLower(r[i+1]) && unicode.IsUpper(r[i-1]))) {
				b.WriteByte('_')
			}
			c = unicode.ToLower(c)
		}
		b.WriteRune(c)
	}
	return b.String()
}

func isObject(raw json.RawMessage) bool { return bytes.HasPrefix(bytes.TrimSpace(raw), []byte("{")) }

func sameJSON(x, y json.RawMessage) bool {
	var a, b any
	if json.Unmarshal(orNull(x), &a) != nil || json.Unmarshal(orNull(y), &b) != nil {
		return bytes.Equal(x, y)
	}
	ax, _ := json.Marshal(empty(a))
	bx, _ := json.Marshal(empty(b))
	return bytes.Equal(ax, bx)
}

// empty reads an empty list as no list: people see no change there.
func empty(v any) any {
	if l, ok := v.([]any); ok && len(l) == 0 {
		return nil
	}
	return v
}

func orNull(v json.RawMessage) json.RawMessage {
	if len(v) == 0 {
		return json.RawMessage("null")
	}
	return v
}
