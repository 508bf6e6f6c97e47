package report

import (
	"context"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"chuangdai/internal/apperr"
	"chuangdai/internal/application"
	"chuangdai/internal/audit"
	"chuangdai/internal/auth"
	"chuangdai/internal/authz"
	"chuangdai/internal/beijing"
	"chuangdai/internal/loan"
	"chuangdai/internal/msg"
	"chuangdai/internal/policy"
)

// Store is what reports need from persistence.
type Store interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	// Units lists every district with its targets of year (nil where none).
	Units(ctx context.Context, year int) ([]Unit, error)
	// Names maps the codes of districts or banks (dim ByDistrict or ByBank)
	// to their names.
	Names(ctx context.Context, dim string) (map[string]string, error)
	// Disbursed sums the loans disbursed from from to to (both included)
	// per value of the dimension dim, in key order.
	Disbursed(ctx context.Context, dim string, from, to time.Time) ([]Bucket, error)
	// DisbursedByPeriod sums them per month ("2024-03") or quarter ("2024Q1").
	DisbursedByPeriod(ctx context.Context, period string, from, to time.Time) ([]Bucket, error)
	// Flows sums the portfolio flows of each district up to asOf and adds
	// the loans overdue now that fell overdue by asOf.
	Flows(ctx context.Context, asOf time.Time) ([]Flows, error)
	// ClosedThrough is the latest closed accounting month ("" when none),
	// holding the period lock shared on PostgreSQL until the transaction
	// ends (see loan.Store).
	ClosedThrough(ctx context.Context, forClose bool) (string, error)
	// Matured sums per bank the principal of the loans matured by asOf and
	// what of it is unpaid, as the portfolio's recovery rate counts them.
	Matured(ctx context.Context, asOf time.Time) ([]Matured, error)
	// FundDay is the guarantee fund's figures at the end of day, as
	// GET /guarantee/fund?as_of answers them (the same reads): its ledger
	// balance (the bank deposit), whether it was on the books by then (a
	// movement booked by day and confirmed), the loans' principal
	// outstanding that day and what the guarantee centre had committed and
	// the banks had not disbursed (from the applications' history).
	FundDay(ctx context.Context, day time.Time) (FundDay, error)
	// ExistingRefs returns which of refs are external_ref of a loan.
	ExistingRefs(ctx context.Context, refs []string) (map[string]bool, error)
	// ReserveNumbers takes n loan sequence numbers of a district and year
	// and returns the first.
	ReserveNumbers(ctx context.Context, district string, year, n int) (int64, error)
	// InsertLoans inserts imported loans, converted as every new loan:
	// multi-row INSERTs on SQLite, COPY into a staging table and one
	// INSERT … SELECT on PostgreSQL.
	InsertLoans(ctx context.Context, loans []loan.Loan) error
	// ReplaceBankLines replaces the bank's reported lines dated within the
	// period by lines.
	ReplaceBankLines(ctx context.Context, bank string, from, to time.Time, lines []BankLine, by auth.UserID, at time.Time) error
	// Reconcile matches recorded loans and reported lines of the period,
	// per bank (all banks when bank is "").
	Reconcile(ctx context.Context, bank string, from, to time.Time) ([]Pair, error)
}

// Service implements the reports.
type Service struct {
	store  Store
	authz  *authz.Enforcer
	audit  *audit.Recorder
	policy *policy.Policy
	now    func() time.Time
}

// NewService wires the report service.
func NewService(s Store, z *authz.Enforcer, rec *audit.Recorder, pol *policy.Policy) *Service {
	return &Service{store: s, authz: z, audit: rec, policy: pol, now: time.Now}
}

func (s *Service) today() time.Time { return beijing.Day(s.now()) }

func (s *Service) requireReader(p auth.Principal) error {
	if !s.authz.Can(p, ActRead, authz.Resource{Kind: Kind}) {
		return apperr.Forbiddenf("only finance auditors and administrators read the reports")
	}
	return nil
}

func parseDate(f *apperr.Fields, field, v string) (time.Time, bool) {
	d, err := application.ParseDay(strings.TrimSpace(v))
	if err != nil {
		f.Add(field, "must be a date YYYY-MM-DD")
		return time.Time{}, false
	}
	return d, true
}

// ParseFormat checks the format parameter: "" and json answer JSON.
func ParseFormat(v string) (string, error) {
	switch v = strings.ToLower(strings.TrimSpace(v)); v {
	case "", FormatJSON:
		return FormatJSON, nil
	case FormatCSV, FormatXLSX:
		return v, nil
	}
	return "", apperr.Field("format", "must be csv or xlsx (or leave it out for JSON)")
}

// ProgressQuery is the bulletin's parameters as sent.
type ProgressQuery struct {
	Year    string
	Through string
}

// Progress is the bulletin of a year through a day: loans disbursed from 1
// January through the day, per district with a target or loans, against the
// annual targets, with the returning-migrant-worker block. year defaults to
// through's year, or this year; through defaults to today or 31 December
// of year, whichever is earlier.
func (s *Service) Progress(ctx context.Context, p auth.Principal, q ProgressQuery) (Progress, error) {
	if err := s.requireReader(p); err != nil {
		return Progress{}, err
	}
	var f apperr.Fields
	today := s.today()
	year, yearSet := today.Year(), strings.TrimSpace(q.Year) != ""
	if yearSet {
		y, err := strconv.Atoi(strings.TrimSpace(q.Year))
		if err != nil || y < 2000 || y > 2100 {
			f.Add("year", "must be a year such as 2024")
		}
		year = y
	}
	var through time.Time
	if v := strings.TrimSpace(q.Through); v != "" {
		if d, ok := parseDate(&f, "through", v); ok {
			through = d
			if !yearSet {
				year = d.Year()
			} else if !f.Has("year") && d.Year() != year {
				f.Addf("through", "must be a day of %d: the bulletin counts from 1 January of its year", year)
			}
		}
	} else {
		through = time.Date(year, 12, 31, 0, 0, 0, 0, time.UTC)
		if today.Year() == year {
			through = today
		}
	}
	if err := f.Err(); err != nil {
		return Progress{}, err
	}
	units, err := s.store.Units(ctx, year)
	if err != nil {
		return Progress{}, apperr.Contextf(err, "read the targets of %d for the progress bulletin", year)
	}
	from := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC)
	all, err := s.store.Disbursed(ctx, ByDistrict, from, through)
	if err != nil {
		return Progress{}, apperr.Contextf(err, "sum the loans disbursed in %d through %s", year, through.Format(time.DateOnly))
	}
	ret, err := s.store.Disbursed(ctx, byReturnee, from, through)
	if err != nil {
		return Progress{}, apperr.Contextf(err, "sum the returning migrant workers' loans disbursed in %d through %s", year, through.Format(time.DateOnly))
	}
	return BuildProgress(year, through, units, all, ret), nil
}

// DisbursementQuery is the disbursement report's parameters as sent.
type DisbursementQuery struct {
	From    string
	To      string
	GroupBy string
}

// Disbursements sums the loans disbursed in a period by district, key
// group, bank, borrower type, industry, month or quarter. from defaults to 1
// January of to's year, to to today, group_by to district. Grouped by
// district within one year, each row carries the jobs target.
func (s *Service) Disbursements(ctx context.Context, p auth.Principal, q DisbursementQuery) (Disbursements, error) {
	if err := s.requireReader(p); err != nil {
		return Disbursements{}, err
	}
	var f apperr.Fields
	to := s.today()
	if v := strings.TrimSpace(q.To); v != "" {
		to, _ = parseDate(&f, "to", v)
	}
	from := time.Date(to.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
	if v := strings.TrimSpace(q.From); v != "" {
		from, _ = parseDate(&f, "from", v)
	}
	if !f.Has("from") && !f.Has("to") {
		switch {
		case from.After(to):
			f.Add("from", "must not be after to")
		case to.Year()-from.Year() > maxReportYears:
			f.Addf("from", "the period may span at most %d years", maxReportYears)
		}
	}
	groupBy := strings.TrimSpace(q.GroupBy)
	if groupBy == "" {
		groupBy = ByDistrict
	}
	if !slices.Contains(GroupBys, groupBy) {
		f.Addf("group_by", "must be one of %s", msg.OneOf("group_by", GroupBys...))
	}
	if err := f.Err(); err != nil {
		return Disbursements{}, err
	}
	var buckets []Bucket
	var err error
	if groupBy == ByMonth || groupBy == ByQuarter {
		buckets, err = s.store.DisbursedByPeriod(ctx, groupBy, from, to)
	} else {
		buckets, err = s.store.Disbursed(ctx, groupBy, from, to)
	}
	if err != nil {
		return Disbursements{}, apperr.Contextf(err, "sum the loans disbursed from %s to %s by %s", from.Format(time.DateOnly), to.Format(time.DateOnly), groupBy)
	}
	label := func(k string) string { return k }
	var jobs map[string]int64
	switch groupBy {
	case ByDistrict, ByBank:
		names, err := s.store.Names(ctx, groupBy)
		if err != nil {
			return Disbursements{}, apperr.Contextf(err, "read the names of each %s", groupBy)
		}
		label = func(k string) string { return names[k] }
		if groupBy == ByDistrict && from.Year() == to.Year() {
			if jobs, err = s.jobTargets(ctx, from.Year()); err != nil {
				return Disbursements{}, apperr.Contextf(err, "read the jobs targets of %d", from.Year())
			}
		}
	case ByKeyGroup:
		label = func(k string) string { return KeyGroupLabels[k] }
	case ByBorrowerType:
		label = func(k string) string { return BorrowerTypeLabels[k] }
	case ByGender:
		label = func(k string) string { return GenderLabels[k] }
	case ByFlag:
		label = func(k string) string { return FlagLabels[k] }
	case ByIndustry:
		buckets = industryBuckets(s.policy, buckets)
		label = func(k string) string {
			if x, ok := s.policy.IndustryOf(k); ok {
				return x.ZH
			}
			if k == "" {
				return "未填写"
			}
			return k
		}
	}
	d := BuildDisbursements(from, to, groupBy, buckets, label, jobs)
	if groupBy == ByFlag {
		// A loan may carry several flags: the rows are overlapping parts of
		// all the period's loans, which the total shows.
		all, err := s.store.Disbursed(ctx, ByDistrict, from, to)
		if err != nil {
			return Disbursements{}, apperr.Contextf(err, "sum the loans disbursed from %s to %s", from.Format(time.DateOnly), to.Format(time.DateOnly))
		}
		d.Total = BuildDisbursements(from, to, ByDistrict, all, label, nil).Total
	}
	return d, nil
}

func (s *Service) jobTargets(ctx context.Context, year int) (map[string]int64, error) {
	units, err := s.store.Units(ctx, year)
	if err != nil {
		return nil, err
	}
	jobs := map[string]int64{}
	for _, u := range units {
		if u.Jobs != nil {
			jobs[u.Code] = *u.Jobs
		}
	}
	return jobs, nil
}

// Portfolio is the position on as_of (default today): outstanding balance,
// overdue amount and rate, compensation and recovery, the recovery rate of
// matured loans and the subsidy claimed and paid.
func (s *Service) Portfolio(ctx context.Context, p auth.Principal, asOf string) (Portfolio, error) {
	if err := s.requireReader(p); err != nil {
		return Portfolio{}, err
	}
	day := s.today()
	if v := strings.TrimSpace(asOf); v != "" {
		var f apperr.Fields
		d, ok := parseDate(&f, "as_of", v)
		if ok && d.After(day) {
			f.Add("as_of", "is in the future: the portfolio is known up to today")
		}
		if err := f.Err(); err != nil {
			return Portfolio{}, err
		}
		day = d
	}
	flows, err := s.store.Flows(ctx, day)
	if err != nil {
		return Portfolio{}, apperr.Contextf(err, "sum the portfolio flows as of %s", day.Format(time.DateOnly))
	}
	names, err := s.store.Names(ctx, ByDistrict)
	if err != nil {
		return Portfolio{}, apperr.Contextf(err, "read the district names for the portfolio")
	}
	return BuildPortfolio(day, names, flows), nil
}

// KeyGroupLabels are the Chinese names of the key groups.
var KeyGroupLabels = map[string]string{
	"registered_unemployed": "城镇登记失业人员", "employment_difficulty": "就业困难人员", "retired_soldier": "退役军人",
	"released_prisoner": "刑满释放人员", "college_graduate": "高校毕业生", "overcapacity_worker": "化解过剩产能企业职工",
	"returning_migrant_worker": "返乡创业农民工", "online_merchant": "网络商户", "poverty_alleviated": "脱贫人口",
	"rural_entrepreneur": "农村自主创业农民", "": "未填写",
}

// BorrowerTypeLabels are the Chinese names of the borrower types.
var BorrowerTypeLabels = map[string]string{"individual": "个人", "partnership": "合伙", "enterprise": "小微企业"}

// GenderLabels name the borrowers' sex (from the resident ID), which the
// bureau reports to show the share of women among borrowers.
var GenderLabels = map[string]string{"female": "女", "male": "男"}

// FlagLabels name the reporting flags of DOMAIN.md.
var FlagLabels = map[string]string{
	"female": "女性", "disabled": "残疾人", "village_official": "大学生村官", "returned_overseas_student": "留学回国人员",
}

// industryBuckets merges the buckets of free text written before the
// industry list into the bucket of the code it names (零售 into retail),
// keeping the order of the keys.
func industryBuckets(p *policy.Policy, buckets []Bucket) []Bucket {
	out := make([]Bucket, 0, len(buckets))
	at := map[string]int{}
	for _, b := range buckets {
		if x, ok := p.IndustryOf(b.Key); ok {
			b.Key = x.Code
		}
		if i, ok := at[b.Key]; ok {
			out[i].Loans += b.Loans
			out[i].AmountFen += b.AmountFen
			out[i].JobsPlanned += b.JobsPlanned
			out[i].JobsCreated += b.JobsCreated
			continue
		}
		at[b.Key] = len(out)
		out = append(out, b)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}
