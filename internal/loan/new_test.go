package loan

import (
	"testing"
	"time"

	"chuangdai/internal/application"
	"chuangdai/internal/auth"
	"chuangdai/internal/policy"
)

// New makes every loan: a disbursement's and an imported one alike are
// active, owe their whole principal and carry the rates of their contract
// day. Figures by hand: 2022-03-01 is in the lpr_minus regime, LPR 3.70%:
// the borrower pays 3.70% − 1.50% = 2.20% of 4.35%, the treasury 2.15%; 36
// months from 2022-03-01 is 2025-03-01.
func TestNewIsTheOneConstructor(t *testing.T) {
	p, err := policy.Load("")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	ref, app, by := "OLD-7", application.ID(3), auth.UserID(9)
	for _, o := range []Loan{
		{ExternalRef: &ref, Name: "王芳", BorrowerType: "individual", Principal: dec("200000.00"), AnnualRate: dec("0.0435"),
			SubsidyCap: dec("300000.00"), TermMonths: 36, Method: InterestQuarterly, DisbursedOn: day("2022-03-01"), Jobs: 2, JobsCreated: 2},
		{ApplicationID: &app, BorrowerID: &by, DisbursedBy: &by, BankReference: "D-1", Name: "王芳", BorrowerType: "individual",
			Principal: dec("200000.00"), AnnualRate: dec("0.0435"), SubsidyCap: dec("300000.00"), TermMonths: 36, Method: EqualPrincipal,
			DisbursedOn: day("2022-03-01"), Jobs: 2},
	} {
		l, err := New(p, o, now)
		if err != nil {
			t.Fatal(err)
		}
		if l.Status != Active || l.Version != 1 || !l.Outstanding.Equal(dec("200000")) || !l.Recovered.IsZero() || !l.RecoveredFund.IsZero() {
			t.Errorf("state %s v%d outstanding %s recovered %s/%s", l.Status, l.Version, l.Outstanding, l.Recovered, l.RecoveredFund)
		}
		if l.SubsidyRate.String() != "0.0215" || l.BorrowerRate.String() != "0.022" || l.Regime.Method != policy.MethodLPRMinus {
			t.Errorf("rates %s/%s regime %+v", l.SubsidyRate, l.BorrowerRate, l.Regime)
		}
		if l.Maturity.Format(time.DateOnly) != "2025-03-01" || !l.CreatedAt.Equal(now) || !l.UpdatedAt.Equal(now) {
			t.Errorf("maturity %s created %s updated %s", l.Maturity, l.CreatedAt, l.UpdatedAt)
		}
		if l.ExternalRef != o.ExternalRef || l.ApplicationID != o.ApplicationID || l.Method != o.Method || l.BankReference != o.BankReference ||
			l.Jobs != o.Jobs || l.JobsCreated != o.JobsCreated || !l.SubsidyCap.Equal(o.SubsidyCap) || l.TermMonths != 36 {
			t.Errorf("contract not kept: %+v from %+v", l, o)
		}
	}
}
