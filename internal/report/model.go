// Package report answers what auditors and the bureau report: the progress
// bulletin against the annual targets, disbursement totals, the portfolio,
// reconciliation with the banks' lists, and the import of legacy loans. The
// figures come from summary tables the database keeps in the same
// transaction as the loan writes (see migration 00006), never from loans
// loaded into Go; the arithmetic on them is exact (integer fen).
package report

import (
	"time"

	"github.com/shopspring/decimal"

	"chuangdai/internal/authz"
	"chuangdai/internal/money"
)

// Authorization kinds and actions of this capability.
const (
	Kind           = "report"
	KindImport     = "loan_import"
	KindReconcile  = "reconciliation"
	ActRead        = authz.Read
	ActImport      = authz.Create
	ActUploadBank  = authz.Action("upload")
	TotalLabel     = "合计"
	ReturneeGroup  = "returning_migrant_worker"
	maxReportYears = 50
)

// Dimensions of the disbursement summary, and the periods it can group by.
const (
	ByDistrict     = "district"
	ByKeyGroup     = "key_group"
	ByBank         = "bank"
	ByBorrowerType = "borrower_type"
	ByIndustry     = "industry"
	ByGender       = "gender"
	// ByFlag counts each loan under every reporting flag it carries
	// (female, disabled, village official, returned overseas student), so
	// its rows overlap; its total is all the period's loans.
	ByFlag    = "flag"
	ByMonth   = "month"
	ByQuarter = "quarter"
	// byReturnee is the district of loans to returning migrant workers.
	byReturnee = "returnee"
)

// GroupBys lists the accepted group_by values.
var GroupBys = []string{ByDistrict, ByKeyGroup, ByBank, ByBorrowerType, ByIndustry, ByGender, ByFlag, ByMonth, ByQuarter}

// Bucket is one group of disbursements, in integer fen.
type Bucket struct {
	Key         string
	Loans       int64
	AmountFen   int64
	JobsPlanned int64
	JobsCreated int64
}

// Unit is a reporting unit's annual target, in integer fen.
type Unit struct {
	Code        string
	Name        string
	TargetFen   *int64
	ReturneeFen *int64
	Jobs        *int64
}

// ProgressRow is one line of the bulletin.
type ProgressRow struct {
	DistrictCode  string
	DistrictName  string
	Loans         int64
	Amount        decimal.Decimal
	TargetAmount  *decimal.Decimal
	CompletionPct *string
	// Jobs are the jobs (带动就业) of the loans counted: the jobs_planned
	// the application declared and the bank granted the loan on (a legacy
	// loan's jobs_created); JobsTarget is the unit's jobs target of the
	// year, JobsPct Jobs against it.
	Jobs       int64
	JobsTarget *int64
	JobsPct    *string
}

// Block is a list of rows and their total.
type Block struct {
	Rows  []ProgressRow
	Total ProgressRow
}

// Progress is the bulletin (通报) of a year through a day.
type Progress struct {
	Year    int
	Through time.Time
	Block
	Returnee Block
}

// line is a unit's figures before formatting.
type line struct {
	code, name string
	loans      int64
	amountFen  int64
	targetFen  *int64
	jobs       int64
	jobsTarget *int64
}

// addOpt adds an optional target to an optional sum: the sum of the targets
// that exist, nil when none does.
func addOpt(sum, v *int64) *int64 {
	if v == nil {
		return sum
	}
	t := *v
	if sum != nil {
		t += *sum
	}
	return &t
}

// buildBlock makes the rows of every unit that has a target or loans, in
// code order, and the total as the exact sum of the rows: the fen are added
// first and the percentage is computed once from the sums.
func buildBlock(lines []line) Block {
	b := Block{Rows: []ProgressRow{}}
	var total line
	for _, l := range lines {
		if l.targetFen == nil && l.jobsTarget == nil && l.loans == 0 && l.amountFen == 0 {
			continue
		}
		b.Rows = append(b.Rows, progressRow(l))
		total.loans += l.loans
		total.amountFen += l.amountFen
		total.jobs += l.jobs
		total.targetFen = addOpt(total.targetFen, l.targetFen)
		total.jobsTarget = addOpt(total.jobsTarget, l.jobsTarget)
	}
	total.name = TotalLabel
	b.Total = progressRow(total)
	return b
}

func progressRow(l line) ProgressRow {
	r := ProgressRow{DistrictCode: l.code, DistrictName: l.name, Loans: l.loans, Amount: money.FromFen(l.amountFen), Jobs: l.jobs}
	if l.targetFen != nil {
		t := money.FromFen(*l.targetFen)
		r.TargetAmount = &t
		r.CompletionPct = money.Percent(r.Amount, t)
	}
	if l.jobsTarget != nil {
		r.JobsTarget, r.JobsPct = jobsAgainst(l.jobs, *l.jobsTarget)
	}
	return r
}

// BuildProgress combines the units' targets with the disbursements of the
// year so far (all loans, and the loans to returning migrant workers). The
// jobs target is the units' jobs; the returnee block has jobs but no jobs
// target (targets name none for it).
func BuildProgress(year int, through time.Time, units []Unit, all, returnee []Bucket) Progress {
	allBy, retBy := byKey(all), byKey(returnee)
	var main, ret []line
	for _, u := range units {
		a, r := allBy[u.Code], retBy[u.Code]
		main = append(main, line{code: u.Code, name: u.Name, loans: a.Loans, amountFen: a.AmountFen, targetFen: u.TargetFen,
			jobs: a.JobsPlanned, jobsTarget: u.Jobs})
		ret = append(ret, line{code: u.Code, name: u.Name, loans: r.Loans, amountFen: r.AmountFen, targetFen: u.ReturneeFen, jobs: r.JobsPlanned})
	}
	return Progress{Year: year, Through: through, Block: buildBlock(main), Returnee: buildBlock(ret)}
}

func byKey(bs []Bucket) map[string]Bucket {
	m := make(map[string]Bucket, len(bs))
	for _, b := range bs {
		m[b.Key] = b
	}
	return m
}

// DisbursementRow is one group of a disbursement report.
type DisbursementRow struct {
	Key         string
	Label       string
	Loans       int64
	Amount      decimal.Decimal
	JobsPlanned int64
	JobsCreated int64
	// JobsTarget and JobsPct are set when grouping by district within one
	// year whose targets name jobs.
	JobsTarget *int64
	JobsPct    *string
}

// Disbursements is the disbursement report of a period.
type Disbursements struct {
	From, To time.Time
	GroupBy  string
	Rows     []DisbursementRow
	Total    DisbursementRow
}

// BuildDisbursements labels the buckets and adds the total. jobs maps a
// district to its jobs target (nil when targets do not apply).
func BuildDisbursements(from, to time.Time, groupBy string, buckets []Bucket, label func(string) string, jobs map[string]int64) Disbursements {
	d := Disbursements{From: from, To: to, GroupBy: groupBy, Rows: make([]DisbursementRow, 0, len(buckets))}
	var total Bucket
	for _, b := range buckets {
		row := DisbursementRow{Key: b.Key, Label: label(b.Key), Loans: b.Loans, Amount: money.FromFen(b.AmountFen), JobsPlanned: b.JobsPlanned, JobsCreated: b.JobsCreated}
		if t, ok := jobs[b.Key]; ok {
			row.JobsTarget, row.JobsPct = jobsAgainst(b.JobsCreated, t)
		}
		d.Rows = append(d.Rows, row)
		total.Loans += b.Loans
		total.AmountFen += b.AmountFen
		total.JobsPlanned += b.JobsPlanned
		total.JobsCreated += b.JobsCreated
	}
	d.Total = DisbursementRow{Key: "total", Label: TotalLabel, Loans: total.Loans, Amount: money.FromFen(total.AmountFen),
		JobsPlanned: total.JobsPlanned, JobsCreated: total.JobsCreated}
	if len(jobs) > 0 {
		var sum int64
		for _, t := range jobs {
			sum += t
		}
		d.Total.JobsTarget, d.Total.JobsPct = jobsAgainst(total.JobsCreated, sum)
	}
	return d
}

func jobsAgainst(created, target int64) (*int64, *string) {
	t := target
	return &t, money.Percent(decimal.NewFromInt(created), decimal.NewFromInt(target))
}

// Flows are a district's portfolio sums up to a day, in integer fen.
type Flows struct {
	DistrictCode        string
	DisbursedLoans      int64
	DisbursedFen        int64
	RepaidFen           int64
	CompensatedLoans    int64
	CompensatedFen      int64
	FundPaidFen         int64
	RecoveredFen        int64
	WrittenOffFen       int64
	MaturedLoans        int64
	MaturedPrincipalFen int64
	MaturedUnpaidFen    int64
	SubsidyClaimedFen   int64
	SubsidyPaidFen      int64
	OverdueLoans        int64
	OverdueFen          int64
}

func (f *Flows) add(g Flows) {
	f.DisbursedLoans += g.DisbursedLoans
	f.DisbursedFen += g.DisbursedFen
	f.RepaidFen += g.RepaidFen
	f.CompensatedLoans += g.CompensatedLoans
	f.CompensatedFen += g.CompensatedFen
	f.FundPaidFen += g.FundPaidFen
	f.RecoveredFen += g.RecoveredFen
	f.WrittenOffFen += g.WrittenOffFen
	f.MaturedLoans += g.MaturedLoans
	f.MaturedPrincipalFen += g.MaturedPrincipalFen
	f.MaturedUnpaidFen += g.MaturedUnpaidFen
	f.SubsidyClaimedFen += g.SubsidyClaimedFen
	f.SubsidyPaidFen += g.SubsidyPaidFen
	f.OverdueLoans += g.OverdueLoans
	f.OverdueFen += g.OverdueFen
}

// Position is the portfolio of one district, or of the city, on a day.
type Position struct {
	DistrictCode     string
	DistrictName     string
	Loans            int64
	Disbursed        decimal.Decimal
	Repaid           decimal.Decimal
	Outstanding      decimal.Decimal
	OverdueLoans     int64
	Overdue          decimal.Decimal
	OverdueRate      *string
	CompensatedLoans int64
	Compensated      decimal.Decimal
	FundPaid         decimal.Decimal
	Recovered        decimal.Decimal
	WrittenOff       decimal.Decimal
	MaturedLoans     int64
	MaturedPrincipal decimal.Decimal
	MaturedRepaid    decimal.Decimal
	RecoveryRate     *string
	SubsidyClaimed   decimal.Decimal
	SubsidyPaid      decimal.Decimal
}

// Portfolio is the position on a day, per district and for the city.
type Portfolio struct {
	AsOf  time.Time
	Rows  []Position
	Total Position
}

// position turns flow sums into a position. Outstanding is what was
// disbursed less what was repaid and what the fund took over; the recovery
// rate is the share of matured principal that came back (repaid, or
// compensated and recovered).
func position(code, name string, f Flows) Position {
	outstanding := f.DisbursedFen - f.RepaidFen - f.CompensatedFen
	p := Position{
		DistrictCode: code, DistrictName: name, Loans: f.DisbursedLoans,
		Disbursed: money.FromFen(f.DisbursedFen), Repaid: money.FromFen(f.RepaidFen), Outstanding: money.FromFen(outstanding),
		OverdueLoans: f.OverdueLoans, Overdue: money.FromFen(f.OverdueFen),
		CompensatedLoans: f.CompensatedLoans, Compensated: money.FromFen(f.CompensatedFen), FundPaid: money.FromFen(f.FundPaidFen),
		Recovered: money.FromFen(f.RecoveredFen), WrittenOff: money.FromFen(f.WrittenOffFen),
		MaturedLoans: f.MaturedLoans, MaturedPrincipal: money.FromFen(f.MaturedPrincipalFen),
		MaturedRepaid:  money.FromFen(f.MaturedPrincipalFen - f.MaturedUnpaidFen),
		SubsidyClaimed: money.FromFen(f.SubsidyClaimedFen), SubsidyPaid: money.FromFen(f.SubsidyPaidFen),
	}
	p.OverdueRate = money.Percent(p.Overdue, p.Outstanding)
	p.RecoveryRate = money.Percent(p.MaturedRepaid, p.MaturedPrincipal)
	return p
}

// BuildPortfolio names the districts' flows and sums them for the city.
func BuildPortfolio(asOf time.Time, names map[string]string, flows []Flows) Portfolio {
	p := Portfolio{AsOf: asOf, Rows: make([]Position, 0, len(flows))}
	var total Flows
	for _, f := range flows {
		p.Rows = append(p.Rows, position(f.DistrictCode, names[f.DistrictCode], f))
		total.add(f)
	}
	p.Total = position("", TotalLabel, total)
	return p
}
