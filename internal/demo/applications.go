package demo

import (
	"context"
	"fmt"
	"time"

	"chuangdai/internal/app"
	"chuangdai/internal/application"
	"chuangdai/internal/auth"
	"chuangdai/internal/idnum"
	"chuangdai/internal/user"
)

// demoApplication is one applicant of the demo and how far their
// application gets.
type demoApplication struct {
	username, name string
	in             application.Input
	// steps are the transitions after creation, in order.
	steps []demoStep
}

type demoStep struct {
	actor    string // a demo username; "" is the applicant
	action   application.Action
	comment  string
	contract application.ContractInput
}

func individualInput(name, nationalID, keyGroup, amount, business string, term int) application.Input {
	return application.Input{
		BorrowerType: string(application.Individual), Name: name, NationalID: nationalID, Phone: "13803980000",
		KeyGroup: keyGroup, DistrictCode: "411282", BankCode: "ICBC-SMX", Amount: amount, TermMonths: term,
		BusinessName: business, Industry: "retail", Purpose: "进货与店面装修", JobsPlanned: 3, NotEmployed: &notEmployed,
	}
}

// notEmployed is every demo person's declaration of not being employed by
// an organisation.
var notEmployed = true

func bankApproval(amount string) demoStep {
	rate, term := "0.0385", 24
	return demoStep{actor: "bank.icbc", action: application.ActApprove, contract: application.ContractInput{ApprovedAmount: &amount, AnnualRate: &rate, TermMonths: &term}}
}

var (
	submit        = demoStep{action: application.ActSubmit}
	eligibilityOK = demoStep{actor: "hrss.lingbao", action: application.ActApprove, comment: "资格审核通过"}
	guaranteeOK   = demoStep{actor: "guarantee.lingbao", action: application.ActApprove, comment: "反担保已落实"}
	throughToBank = []demoStep{submit, eligibilityOK, guaranteeOK}
)

func demoApplications() []demoApplication {
	partnership := individualInput("王强", "411282198501010530", "retired_soldier", "600000.00", "灵宝果蔬冷链合伙企业", 36)
	partnership.BorrowerType = string(application.Partnership)
	partnership.Partners = []application.Partner{
		{Name: "王强", NationalID: "411282198501010530", KeyGroup: "retired_soldier", NotEmployed: &notEmployed},
		{Name: "孙丽", NationalID: "411282199106300292", KeyGroup: "college_graduate", NotEmployed: &notEmployed},
		{Name: "吴刚", NationalID: "411282199208180252", KeyGroup: "returning_migrant_worker", NotEmployed: &notEmployed},
	}
	enterprise := individualInput("陈静", "411282198606060374", "", "2000000.00", "灵宝金果农业科技有限公司", 24)
	enterprise.BorrowerType = string(application.Enterprise)
	enterprise.Enterprise = &application.FirmInput{Name: "灵宝金果农业科技有限公司", CreditCode: "91110000600037341L", Employees: 40, NewKeyGroupHires: 6}
	withLoans := individualInput("李娜", "411282199307080425", "college_graduate", "150000.00", "娜娜网店", 24)
	withLoans.OtherLoans = []application.OtherLoanInput{{Holder: "spouse", Kind: "housing", Balance: "320000.00"}}
	return []demoApplication{
		{"zhangwei", "张伟", individualInput("张伟", "411282198803120313", "returning_migrant_worker", "200000.00", "张记苹果专业合作社", 24), nil},
		{"lina", "李娜", withLoans, []demoStep{submit}},
		{"wangqiang", "王强", partnership, []demoStep{submit, eligibilityOK}},
		{"zhaomin", "赵敏", individualInput("赵敏", "411282199005200647", "online_merchant", "100000.00", "赵敏电商工作室", 12), throughToBank},
		{"liuyang", "刘洋", individualInput("刘洋", "41128219960909075X", "returning_migrant_worker", "250000.00", "刘洋农家乐", 24),
			append(append([]demoStep{}, throughToBank...), bankApproval("250000.00"))},
		{"chenjing", "陈静", enterprise, append(append([]demoStep{}, throughToBank...), bankApproval("1800000.00"))},
		{"yangfan", "杨帆", individualInput("杨帆", "411282198211110867", "registered_unemployed", "80000.00", "杨帆汽修", 24),
			[]demoStep{submit, {actor: "hrss.lingbao", action: application.ActReturn, comment: "请补充营业执照复印件"}}},
		{"huanglei", "黄磊", individualInput("黄磊", "411282199912250971", "poverty_alleviated", "50000.00", "黄磊养殖场", 36),
			[]demoStep{submit, eligibilityOK, {actor: "guarantee.lingbao", action: application.ActReject, comment: "征信记录显示有逾期贷款"}}},
		{"zhouting", "周婷", individualInput("周婷", "411282198702150185", "employment_difficulty", "60000.00", "周婷裁缝铺", 24),
			[]demoStep{submit, {action: application.ActWithdraw, comment: "已获得家庭资助"}}},
	}
}

// gaofengID is 高峰's resident ID number.
var gaofengID = idnum.WithCheckDigit("41128219891010091")

// lateApplication is submitted twenty days ago, so the eligibility queue
// shows one application past its service time limit.
var lateApplication = demoApplication{"gaofeng", "高峰",
	individualInput("高峰", gaofengID, "college_graduate", "150000.00", "高峰文印店", 24),
	[]demoStep{submit}}

// typedClaim is another account that typed 高峰's resident ID number: both
// claims wait at the eligibility review, where the HRSS officer sees them
// side by side and approves the one whose applicant shows the ID card.
var typedClaim = demoApplication{"gao.feng", "高峰",
	individualInput("高峰", gaofengID, "college_graduate", "80000.00", "峰华打印社", 12),
	[]demoStep{submit}}

// seedApplications makes one entrepreneur per demo applicant and takes
// their applications to every status before disbursement, through the
// service, so the demo obeys the workflow's rules.
func seedApplications(ctx context.Context, a *app.App, d *Data) error {
	d.Applications = map[application.Status][]application.ID{}
	if err := seedApplication(ctx, a, d, lateApplication, -20); err != nil {
		return err
	}
	if err := seedBackdatedTenancy(ctx, a, d); err != nil {
		return err
	}
	for _, da := range append(demoApplications(), typedClaim) {
		if err := seedApplication(ctx, a, d, da, 0); err != nil {
			return err
		}
	}
	return nil
}

// seedApplication makes the applicant and takes the application through its
// steps, dated days (≤ 0) from today.
func seedApplication(ctx context.Context, a *app.App, d *Data, da demoApplication, days int) error {
	if days != 0 {
		a.Applications.SetClock(func() time.Time { return time.Now().AddDate(0, 0, days) })
		defer a.Applications.SetClock(time.Now)
	}
	owner, ok := d.ByName[da.username]
	if !ok {
		pw := password(da.username)
		u, err := a.Users.Create(ctx, d.Admin, user.CreateInput{Username: da.username, Password: pw, Name: da.name, Role: string(auth.Entrepreneur)})
		if err != nil {
			return fmt.Errorf("create %s: %w", da.username, err)
		}
		owner = auth.Principal{UserID: u.ID, Username: u.Username, Name: u.Name, Bindings: u.Bindings}
		d.ByName[da.username] = owner
		d.Accounts = append(d.Accounts, Account{da.username, pw, string(auth.Entrepreneur), ""})
	}
	v, err := a.Applications.Create(ctx, owner, da.in)
	if err != nil {
		return fmt.Errorf("application of %s: %w", da.name, err)
	}
	for _, st := range da.steps {
		actor := owner
		if st.actor != "" {
			actor = d.ByName[st.actor]
		}
		switch st.action {
		case application.ActSubmit:
			v, err = a.Applications.Submit(ctx, actor, v.ID, nil)
		case application.ActWithdraw:
			v, err = a.Applications.Withdraw(ctx, actor, v.ID, nil, st.comment)
		default:
			v, err = a.Applications.Decide(ctx, actor, v.ID, application.DecisionInput{Decision: string(st.action), Comment: st.comment, Contract: st.contract})
		}
		if err != nil {
			return fmt.Errorf("application of %s, %s: %w", da.name, st.action, err)
		}
	}
	d.Applications[v.Status] = append(d.Applications[v.Status], v.ID)
	return nil
}
