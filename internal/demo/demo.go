// Package demo loads a small, realistic data set for trying chuangdai: the
// Sanmenxia districts, two banks, one user per role (plus a second bank
// officer for the four-eyes rule) and this year's targets. Everything goes
// through the services, so the demo obeys the same rules as real use.
package demo

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"math/big"
	"strconv"
	"time"

	"chuangdai/internal/app"
	"chuangdai/internal/application"
	"chuangdai/internal/auth"
	"chuangdai/internal/idnum"
	"chuangdai/internal/refdata"
	"chuangdai/internal/user"
)

// Districts are Sanmenxia's reporting units.
var Districts = []refdata.District{
	{Code: "411200", Name: "市本级"},
	{Code: "411202", Name: "湖滨区"},
	{Code: "411203", Name: "陕州区"},
	{Code: "411221", Name: "渑池县"},
	{Code: "411224", Name: "卢氏县"},
	{Code: "411281", Name: "义马市"},
	{Code: "411282", Name: "灵宝市"},
}

// Banks are the demo's handling banks.
var Banks = []refdata.Bank{
	{Code: "ICBC-SMX", Name: "中国工商银行三门峡分行"},
	{Code: "RCB-LB", Name: "灵宝农村商业银行"},
}

// Account is a demo sign-in.
type Account struct {
	Username, Password, Role, Scope string
}

// Data is what Seed made, for later steps (and issues) to build on.
type Data struct {
	Accounts []Account
	Admin    auth.Principal
	ByName   map[string]auth.Principal
	// Applications are the demo applications' ids by status.
	Applications map[application.Status][]application.ID
}

type userSpec struct {
	username, name string
	role           auth.Role
	district, bank string
	// nationalID is an officer's own resident ID number (four eyes).
	nationalID string
}

var users = []userSpec{
	{"admin", "系统管理员", auth.Admin, "", "", ""},
	{"hrss.lingbao", "王敏（灵宝市人社局）", auth.HRSSOfficer, "411282", "", idnum.WithCheckDigit("41128219800315052")},
	{"guarantee.lingbao", "李强（灵宝市担保中心）", auth.GuaranteeOfficer, "411282", "", idnum.WithCheckDigit("41120219780622031")},
	{"bank.icbc", "赵雪（工行三门峡）", auth.BankOfficer, "", "ICBC-SMX", idnum.WithCheckDigit("41120219850918064")},
	{"bank.icbc2", "孙磊（工行三门峡）", auth.BankOfficer, "", "ICBC-SMX", idnum.WithCheckDigit("41120319900101071")},
	{"auditor", "周静（市财政局）", auth.FinanceAuditor, "", "", ""},
	{"audit.admin", "吴芳（审计管理员）", auth.AuditAdmin, "", "", ""},
	{"zhangwei", "张伟", auth.Entrepreneur, "", "", ""},
}

// Seed loads the demo data into an empty database and writes the sign-ins
// to out. It refuses a database that already has users.
func Seed(ctx context.Context, a *app.App, out io.Writer) (Data, error) {
	n, err := a.UserCount(ctx)
	if err != nil {
		return Data{}, err
	}
	if n > 0 {
		return Data{}, ErrNotEmpty
	}
	d := Data{ByName: map[string]auth.Principal{}}
	adminPW := password("admin")
	admin, err := a.Users.CreateFromCLI(ctx, user.CreateInput{Username: "admin", Password: adminPW, Name: "系统管理员", Role: string(auth.Admin)})
	if err != nil {
		return d, fmt.Errorf("create admin: %w", err)
	}
	d.Admin = auth.Principal{UserID: admin.ID, Username: admin.Username, Bindings: admin.Bindings}
	d.ByName["admin"] = d.Admin
	d.Accounts = append(d.Accounts, Account{"admin", adminPW, "admin", ""})
	for _, dist := range Districts {
		if _, err := a.Refdata.CreateDistrict(ctx, d.Admin, dist); err != nil {
			return d, fmt.Errorf("create district %s: %w", dist.Code, err)
		}
	}
	for _, b := range Banks {
		if _, err := a.Refdata.CreateBank(ctx, d.Admin, b); err != nil {
			return d, fmt.Errorf("create bank %s: %w", b.Code, err)
		}
	}
	for _, u := range users[1:] {
		pw := password(u.username)
		in := user.CreateInput{Username: u.username, Password: pw, Name: u.name, Role: string(u.role), DistrictCode: u.district, BankCode: u.bank, NationalID: u.nationalID}
		// An administrator role granted through the service waits for a
		// second administrator; the demo makes it as the command line does.
		create := func() (user.User, error) { return a.Users.Create(ctx, d.Admin, in) }
		if u.role.Administrative() {
			create = func() (user.User, error) { return a.Users.CreateFromCLI(ctx, in) }
		}
		created, err := create()
		if err != nil {
			return d, fmt.Errorf("create %s: %w", u.username, err)
		}
		d.ByName[u.username] = auth.Principal{UserID: created.ID, Username: created.Username, Name: created.Name, Bindings: created.Bindings}
		d.Accounts = append(d.Accounts, Account{u.username, pw, string(u.role), u.district + u.bank})
	}
	if _, err := a.Refdata.PutTargets(ctx, d.Admin, time.Now().Year(), targets()); err != nil {
		return d, fmt.Errorf("set targets: %w", err)
	}
	if err := seedSupport(ctx, a, &d); err != nil {
		return d, fmt.Errorf("demo four-in-one records: %w", err)
	}
	if err := seedApplications(ctx, a, &d); err != nil {
		return d, fmt.Errorf("demo applications: %w", err)
	}
	if err := seedLoans(ctx, a, &d); err != nil {
		return d, fmt.Errorf("demo loans: %w", err)
	}
	if err := seedReports(ctx, a, &d); err != nil {
		return d, fmt.Errorf("demo legacy loan history: %w", err)
	}
	fmt.Fprintln(out, "Demo data loaded. Sign in at http://localhost:8080/ or POST /api/v1/auth/login with:")
	fmt.Fprintf(out, "  %-20s %-16s %-18s %s\n", "username", "password", "role", "bound to")
	for _, acc := range d.Accounts {
		fmt.Fprintf(out, "  %-20s %-16s %-18s %s\n", acc.Username, acc.Password, acc.Role, acc.Scope)
	}
	fmt.Fprintln(out, "These passwords are shown only now: keep them.")
	return d, nil
}

// ErrNotEmpty is returned when the database already holds users.
var ErrNotEmpty = fmt.Errorf("the database already has users: demo data is loaded only into an empty database")

func targets() []refdata.TargetInput {
	// Annual loan targets in yuan, in the proportions of Sanmenxia's bulletin.
	amounts := map[string][2]int64{
		"411200": {80_000_000, 20_000_000}, "411202": {60_000_000, 15_000_000}, "411203": {70_000_000, 20_000_000},
		"411221": {90_000_000, 25_000_000}, "411224": {70_000_000, 20_000_000}, "411281": {50_000_000, 10_000_000},
		"411282": {255_000_000, 60_000_000},
	}
	var out []refdata.TargetInput
	for _, dist := range Districts {
		a := amounts[dist.Code]
		returnee := strconv.FormatInt(a[1], 10) + ".00"
		jobs := int(a[0] / 100_000)
		out = append(out, refdata.TargetInput{DistrictCode: dist.Code, LoanAmount: strconv.FormatInt(a[0], 10) + ".00", ReturneeLoanAmount: &returnee, Jobs: &jobs})
	}
	return out
}

const alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// password makes a random password that the password rules accept for
// username (three character classes and the rest).
func password(username string) string {
	for {
		b := make([]byte, 14)
		for i := range b {
			n, err := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
			if err != nil {
				panic(err)
			}
			b[i] = alphabet[n.Int64()]
		}
		if auth.CheckPassword(string(b), username) == nil {
			return string(b)
		}
	}
}
