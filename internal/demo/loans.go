package demo

import (
	"context"
	"fmt"
	"time"

	"chuangdai/internal/app"
	"chuangdai/internal/application"
	"chuangdai/internal/auth"
	"chuangdai/internal/beijing"
	"chuangdai/internal/fund"
	"chuangdai/internal/loan"
	"chuangdai/internal/money"
	"chuangdai/internal/user"
)

// demoLoan is a demo borrower whose application goes through every review,
// is disbursed some months ago and is then taken to one loan status.
type demoLoan struct {
	username, name, nationalID, keyGroup, business string
	amount                                         string
	term, monthsAgo                                int
	method                                         loan.Method
	status                                         loan.Status
}

var demoLoans = []demoLoan{
	{"sunhao", "孙浩", "411282198403121114", "returning_migrant_worker", "孙浩果品冷库", "200000.00", 24, 7, loan.InterestQuarterly, loan.Active},
	{"maqian", "马倩", "411282198707251241", "online_merchant", "马倩直播间", "120000.00", 12, 14, loan.EqualPrincipal, loan.Settled},
	{"zhoujie", "周杰", "411282199104181357", "retired_soldier", "周杰物流", "150000.00", 24, 9, loan.InterestQuarterly, loan.Overdue},
	{"hefang", "何芳", "411282198901021466", "employment_difficulty", "何芳洗衣店", "80000.00", 24, 12, loan.InterestQuarterly, loan.Compensated},
	{"luobin", "罗斌", "411282199311201576", "rural_entrepreneur", "罗斌养鸡场", "100000.00", 24, 15, loan.InterestQuarterly, loan.WrittenOff},
}

// loanOfficers are the second officers the four-eyes steps of money need.
var loanOfficers = []userSpec{
	{"hrss.lingbao2", "陈洁（灵宝市人社局）", auth.HRSSOfficer, "411282", "", ""},
	{"guarantee.lingbao2", "郑伟（灵宝市担保中心）", auth.GuaranteeOfficer, "411282", "", ""},
}

// seedLoans disburses one loan per status through the services, with the
// repayments, the daily job, a paid subsidy quarter, a compensation, a
// recovery and a write-off, all dated relative to today.
func seedLoans(ctx context.Context, a *app.App, d *Data) error {
	for _, u := range loanOfficers {
		pw := password(u.username)
		created, err := a.Users.Create(ctx, d.Admin, user.CreateInput{
			Username: u.username, Password: pw, Name: u.name, Role: string(u.role), DistrictCode: u.district, BankCode: u.bank,
		})
		if err != nil {
			return fmt.Errorf("create %s: %w", u.username, err)
		}
		d.ByName[u.username] = auth.Principal{UserID: created.ID, Username: created.Username, Name: created.Name, Bindings: created.Bindings}
		d.Accounts = append(d.Accounts, Account{u.username, pw, string(u.role), u.district + u.bank})
	}
	today := beijing.Day(time.Now())
	if err := seedFund(ctx, a, d, today); err != nil {
		return err
	}
	loans := make([]loan.Loan, len(demoLoans))
	for i, dl := range demoLoans {
		l, err := disburseDemo(ctx, a, d, dl, i, today)
		if err != nil {
			return fmt.Errorf("demo loan of %s: %w", dl.name, err)
		}
		if loans[i], err = repayDemo(ctx, a, d, dl, l, today); err != nil {
			return fmt.Errorf("repayments of %s: %w", dl.name, err)
		}
	}
	if _, err := a.Loans.RunDaily(ctx, today); err != nil {
		return fmt.Errorf("daily job: %w", err)
	}
	guar, guar2 := d.ByName["guarantee.lingbao"], d.ByName["guarantee.lingbao2"]
	for i, dl := range demoLoans {
		if dl.status != loan.Compensated && dl.status != loan.WrittenOff {
			continue
		}
		id := loans[i].ID
		on := today.AddDate(0, 0, -20).Format(time.DateOnly)
		if _, err := a.Loans.Compensate(ctx, guar, id, loan.CompensateInput{CompensatedOn: on}); err != nil {
			return fmt.Errorf("compensate %s: %w", dl.name, err)
		}
		if _, _, err := a.Loans.Recover(ctx, guar, id, loan.RecoveryInput{Amount: "10000.00", RecoveredOn: today.Format(time.DateOnly), Note: "借款人分期归还"}); err != nil {
			return fmt.Errorf("recover %s: %w", dl.name, err)
		}
		if dl.status == loan.WrittenOff {
			if _, err := a.Loans.ProposeWriteOff(ctx, guar, id, "借款人已无可供执行财产，经法院裁定终结执行"); err != nil {
				return fmt.Errorf("propose write-off of %s: %w", dl.name, err)
			}
			if _, err := a.Loans.ConfirmWriteOff(ctx, guar2, id); err != nil {
				return fmt.Errorf("confirm write-off of %s: %w", dl.name, err)
			}
		}
	}
	return seedSubsidy(ctx, a, d, loans[0].ID)
}

// seedFund puts the city's opening contribution on the fund's books,
// proposed by one guarantee officer and confirmed by the other, so the demo
// shows a fund on the books with its leverage.
func seedFund(ctx context.Context, a *app.App, d *Data, today time.Time) error {
	m, err := a.Fund.Propose(ctx, d.ByName["guarantee.lingbao"], fund.MovementInput{Kind: string(fund.Contribution), Amount: "60000000.00",
		BookedOn: time.Date(today.Year()-3, 1, 5, 0, 0, 0, 0, time.UTC).Format(time.DateOnly), Reference: "SMX-CZ-001", Note: "市财政注入担保基金"})
	if err != nil {
		return fmt.Errorf("propose the fund's opening contribution: %w", err)
	}
	if _, err := a.Fund.Confirm(ctx, d.ByName["guarantee.lingbao2"], m.ID); err != nil {
		return fmt.Errorf("confirm the fund's opening contribution: %w", err)
	}
	return nil
}

// disburseDemo takes a demo borrower's application from intake to disbursement.
func disburseDemo(ctx context.Context, a *app.App, d *Data, dl demoLoan, i int, today time.Time) (loan.Loan, error) {
	disbursed := loan.AddMonths(today, -dl.monthsAgo)
	// The application is made and decided in the days before the
	// disbursement: a bank pays out nothing before it approved it.
	start := time.Now()
	a.Applications.SetClock(func() time.Time { return disbursed.AddDate(0, 0, -3).Add(time.Since(start)) })
	defer a.Applications.SetClock(time.Now)
	pw := password(dl.username)
	u, err := a.Users.Create(ctx, d.Admin, user.CreateInput{Username: dl.username, Password: pw, Name: dl.name, Role: string(auth.Entrepreneur)})
	if err != nil {
		return loan.Loan{}, err
	}
	owner := auth.Principal{UserID: u.ID, Username: u.Username, Name: u.Name, Bindings: u.Bindings}
	d.ByName[dl.username] = owner
	d.Accounts = append(d.Accounts, Account{dl.username, pw, string(auth.Entrepreneur), ""})
	in := individualLoanInput(dl)
	v, err := a.Applications.Create(ctx, owner, in)
	if err != nil {
		return loan.Loan{}, err
	}
	if _, err := a.Applications.Submit(ctx, owner, v.ID, nil); err != nil {
		return loan.Loan{}, err
	}
	rate, term := "0.0385", dl.term
	for _, st := range []struct {
		actor    string
		contract application.ContractInput
	}{
		{"hrss.lingbao", application.ContractInput{}},
		{"guarantee.lingbao", application.ContractInput{}},
		{"bank.icbc", application.ContractInput{ApprovedAmount: &dl.amount, AnnualRate: &rate, TermMonths: &term}},
	} {
		if _, err := a.Applications.Decide(ctx, d.ByName[st.actor], v.ID, application.DecisionInput{Decision: string(application.ActApprove), Comment: "同意", Contract: st.contract}); err != nil {
			return loan.Loan{}, err
		}
	}
	return a.Loans.Disburse(ctx, d.ByName["bank.icbc2"], v.ID, loan.DisburseInput{
		Amount: dl.amount, DisbursedOn: disbursed.Format(time.DateOnly),
		BankReference: fmt.Sprintf("ICBC-DEMO-%04d", i+1), RepaymentMethod: string(dl.method),
	})
}

func individualLoanInput(dl demoLoan) application.Input {
	return application.Input{
		BorrowerType: string(application.Individual), Name: dl.name, NationalID: dl.nationalID, Phone: "13903980000",
		KeyGroup: dl.keyGroup, DistrictCode: "411282", BankCode: "ICBC-SMX", Amount: dl.amount, TermMonths: dl.term,
		BusinessName: dl.business, Industry: "resident_services", Purpose: "设备购置与流动资金", JobsPlanned: 2, NotEmployed: &notEmployed,
	}
}

// repayDemo pays the schedule lines due by today on their due dates: all of
// them for an active or settled loan, only the first for the overdue one,
// none for the loans the guarantee fund takes over.
func repayDemo(ctx context.Context, a *app.App, d *Data, dl demoLoan, l loan.Loan, today time.Time) (loan.Loan, error) {
	pay := 0
	lines := l.Terms().Schedule()
	switch dl.status {
	case loan.Active, loan.Settled:
		pay = len(lines)
	case loan.Overdue:
		pay = 1
	}
	for k, line := range lines[:pay] {
		if line.DueOn.After(today) {
			break
		}
		var err error
		_, l, err = a.Loans.Repay(ctx, d.ByName["bank.icbc"], l.ID, loan.RepayInput{
			Principal: money.Format(line.Principal), Interest: money.Format(line.Borrower), PaidOn: line.DueOn.Format(time.DateOnly),
			BankReference: fmt.Sprintf("ICBC-DEMO-%d-%02d", l.ID, k+1),
		})
		if err != nil {
			return l, err
		}
	}
	return l, nil
}

// seedSubsidy claims, checks and pays the first quarter of the active loan
// and claims the second, so every subsidy status but refused shows.
func seedSubsidy(ctx context.Context, a *app.App, d *Data, loanID loan.ID) error {
	table, err := a.Loans.Subsidy(ctx, d.ByName["hrss.lingbao"], loanID)
	if err != nil {
		return err
	}
	items := table.Items
	today := beijing.Day(time.Now())
	for k, it := range items {
		if k > 1 || it.End.After(today) {
			break
		}
		if _, err := a.Loans.ClaimSubsidy(ctx, d.ByName["bank.icbc"], loanID, it.Period.Period); err != nil {
			return fmt.Errorf("claim %s: %w", it.Period.Period, err)
		}
		if k > 0 {
			continue
		}
		if _, err := a.Loans.CheckSubsidy(ctx, d.ByName["hrss.lingbao"], loanID, it.Period.Period, loan.CheckInput{Decision: "approve"}); err != nil {
			return fmt.Errorf("check %s: %w", it.Period.Period, err)
		}
		if _, err := a.Loans.PaySubsidy(ctx, d.ByName["hrss.lingbao2"], loanID, it.Period.Period); err != nil {
			return fmt.Errorf("pay %s: %w", it.Period.Period, err)
		}
	}
	return nil
}
