package loan

import (
	"time"

	"github.com/shopspring/decimal"

	"chuangdai/internal/policy"
)

// New is the one constructor of a loan, however it comes: the disbursement
// of an approved application or a loan of the legacy system. l says who
// borrowed (and, disbursed here, the application, the account, the bank's
// reference and officer; imported, the legacy reference) and the contract:
// Principal, AnnualRate, SubsidyCap, TermMonths, Method and DisbursedOn.
// New opens it: active, owing its whole principal, nothing recovered, with
// the subsidy regime and the subsidy and borrower rates of the policy in
// force on the day of disbursement and the maturity of its term. The error
// is ContractRates': the policy does not say what the day's rates are.
func New(pol *policy.Policy, l Loan, now time.Time) (Loan, error) {
	var err error
	l.Regime, l.SubsidyRate, l.BorrowerRate, err = ContractRates(pol, l.DisbursedOn, l.AnnualRate)
	l.Status, l.Version, l.Outstanding = Active, 1, l.Principal
	l.Maturity = Maturity(l.DisbursedOn, l.TermMonths)
	l.Recovered, l.RecoveredFund = decimal.Zero, decimal.Zero
	l.CreatedAt, l.UpdatedAt = now, now
	return l, err
}
