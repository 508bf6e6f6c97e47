package loan

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"chuangdai/internal/money"
)

// The money rules of a loan, in one place:
//
//   - Interest accrues daily on the principal outstanding that day:
//     principal × annual rate × days / 360. A loan accrues on the day it is
//     disbursed and not on the day principal is repaid (算头不算尾), so
//     2024-03-15 → 2024-06-20 is 97 days.
//   - Amounts are summed exactly (decimal) over a period and rounded once,
//     half-up to the fen with money.RoundFen, when posted.
//   - The subsidy is the subsidised share of the same interest: principal up
//     to the subsidy cap × subsidy rate × days / 360, without the overdue
//     days, rounded half-up; the borrower part is interest − subsidy, so the
//     two always add up to the posted interest.

// daysPerYear is the day-count basis of Chinese loan interest (实际天数/360).
var daysPerYear = decimal.NewFromInt(360)

// exactDigits is the precision of the exact sums before the one rounding to
// the fen. A sum is a multiple of 1/(360×10⁸) yuan, so 20 decimals keep its
// distance from a half fen and the rounding is the exact half-up.
const exactDigits = 20

// Accrued returns principalDays × rate / 360 exactly (to exactDigits), where
// principalDays is the sum of the principal outstanding on each day.
func Accrued(principalDays, rate decimal.Decimal) decimal.Decimal {
	return principalDays.Mul(rate).DivRound(daysPerYear, exactDigits)
}

// Interest is principal × annual rate × days / 360, rounded half-up to the fen.
func Interest(principal, rate decimal.Decimal, days int) decimal.Decimal {
	return money.RoundFen(Accrued(principal.Mul(decimal.NewFromInt(int64(days))), rate))
}

// Split is one posted interest amount with its subsidy and borrower parts.
type Split struct {
	Interest decimal.Decimal
	Subsidy  decimal.Decimal
	Borrower decimal.Decimal
}

// SplitInterest rounds the exact interest and subsidy of a period and gives
// the borrower the difference, so Subsidy + Borrower = Interest always.
func SplitInterest(principalDays, subsidisedDays, rate, subsidyRate decimal.Decimal) Split {
	interest := money.RoundFen(Accrued(principalDays, rate))
	subsidy := money.RoundFen(Accrued(subsidisedDays, subsidyRate))
	return Split{Interest: interest, Subsidy: subsidy, Borrower: interest.Sub(subsidy)}
}

// SubsidyRate is the treasury's share of the contract rate, rounded half-up to
// a millionth so it can be stored exactly; the borrower rate is the rest.
func SubsidyRate(annual, share decimal.Decimal) (subsidy, borrower decimal.Decimal) {
	subsidy = annual.Mul(share).Round(6)
	return subsidy, annual.Sub(subsidy)
}

// Date is a calendar day at midnight UTC.
func Date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// Day truncates t to its calendar day (in t's own location) at midnight UTC.
func Day(t time.Time) time.Time { return Date(t.Year(), t.Month(), t.Day()) }

// DaysBetween counts the days from a to b (b − a) for dates at midnight UTC.
func DaysBetween(a, b time.Time) int { return int(b.Sub(a).Hours() / 24) }

// AddMonths adds n months, keeping the day of month or, when that month is
// shorter, its last day (2024-01-31 + 1 month = 2024-02-29).
func AddMonths(d time.Time, n int) time.Time {
	first := Date(d.Year(), d.Month(), 1).AddDate(0, n, 0)
	last := first.AddDate(0, 1, -1).Day()
	return Date(first.Year(), first.Month(), min(d.Day(), last))
}

// Maturity is the disbursement date plus the term.
func Maturity(disbursedOn time.Time, termMonths int) time.Time {
	return AddMonths(disbursedOn, termMonths)
}

// Quarter returns the period label of a day, such as "2024Q2".
func Quarter(d time.Time) string {
	return fmt.Sprintf("%dQ%d", d.Year(), QuarterOf(d.Month()))
}

// QuarterOf returns 1–4 for a month.
func QuarterOf(m time.Month) int { return (int(m)-1)/3 + 1 }

// interestDay is the day of month of quarterly interest dates (20 Mar/Jun/Sep/Dec).
const interestDay = 20

// DueDates returns the loan's payment dates: the 20th of March, June,
// September and December, then the maturity date. The first is the first such
// date after the month of disbursement (a loan disbursed on 15 March pays
// first on 20 June), so no period is a stub of a few days; a quarterly date in
// the same calendar quarter as the maturity is dropped, so the last period
// runs to maturity and every period has its own quarter label.
func DueDates(disbursedOn, maturity time.Time) []time.Time {
	var out []time.Time
	d := Date(disbursedOn.Year(), disbursedOn.Month(), interestDay).AddDate(0, 1, 0)
	for d.Month()%3 != 0 {
		d = d.AddDate(0, 1, 0)
	}
	for ; d.Before(maturity); d = d.AddDate(0, 3, 0) {
		if Quarter(d) == Quarter(maturity) {
			break
		}
		out = append(out, d)
	}
	return append(out, maturity)
}

// Method is how principal is repaid.
type Method string

// The repayment methods of DOMAIN.md.
const (
	// InterestQuarterly pays interest on every due date and the whole
	// principal at maturity (the default).
	InterestQuarterly Method = "quarterly_interest"
	// EqualPrincipal pays an equal share of the principal on every quarterly
	// due date and at maturity, with that period's interest; the fen that do
	// not divide evenly are paid with the last instalment.
	EqualPrincipal Method = "equal_principal"
)

// Valid reports whether m is a known method.
func (m Method) Valid() bool { return m == InterestQuarterly || m == EqualPrincipal }

// Terms are what the money computations need of a loan.
type Terms struct {
	Principal   decimal.Decimal
	AnnualRate  decimal.Decimal
	SubsidyRate decimal.Decimal
	// SubsidyCap is the most principal the subsidy is computed on.
	SubsidyCap  decimal.Decimal
	DisbursedOn time.Time
	Maturity    time.Time
	// OriginalMaturity is the contract's maturity of an extended loan (展期;
	// zero for a loan never extended): the subsidy ends there, the days
	// after it are the borrower's whole, and the principal instalments are
	// the contract's with the one due at it moved to Maturity.
	OriginalMaturity time.Time
	Method           Method
	// PaidThrough is, for a loan imported from a legacy system, its import
	// day: its repayments before it are not recorded here, so the interest
	// that fell due before it is taken as paid as agreed and no day before it
	// is overdue. Zero for other loans.
	PaidThrough time.Time
}

// Line is one due date of the contract schedule.
type Line struct {
	Period    string
	Start     time.Time
	DueOn     time.Time
	Days      int
	Principal decimal.Decimal
	Split
}

// subsidyEnd is the last day of the subsidy (exclusive): the contract's
// maturity, which an extension does not move.
func (t Terms) subsidyEnd() time.Time {
	if t.OriginalMaturity.IsZero() {
		return t.Maturity
	}
	return t.OriginalMaturity
}

// Instalments returns the principal due on each of the due dates. An
// extended loan keeps the contract's instalments of the due dates before
// the original maturity; the principal due at it is due at the new
// maturity, and the due dates the extension added carry none. (The due
// dates before the original maturity are the first ones of the extended
// loan's: see DueDates.)
func (t Terms) Instalments(dues []time.Time) []decimal.Decimal {
	if t.OriginalMaturity.IsZero() || !t.OriginalMaturity.Before(t.Maturity) {
		return t.contractInstalments(dues)
	}
	orig := t.contractInstalments(DueDates(t.DisbursedOn, t.OriginalMaturity))
	out := make([]decimal.Decimal, len(dues))
	for i := range out {
		out[i] = decimal.Zero
		if i < len(orig)-1 {
			out[i] = orig[i]
		}
	}
	out[len(out)-1] = orig[len(orig)-1]
	return out
}

func (t Terms) contractInstalments(dues []time.Time) []decimal.Decimal {
	out := make([]decimal.Decimal, len(dues))
	for i := range out {
		out[i] = decimal.Zero
	}
	if t.Method != EqualPrincipal {
		out[len(out)-1] = t.Principal
		return out
	}
	total := money.MustFen(t.Principal)
	n := int64(len(dues))
	each := total / n
	for i := range out {
		out[i] = money.FromFen(each)
	}
	out[len(out)-1] = money.FromFen(total - each*(n-1))
	return out
}

// Schedule is the contract schedule: what falls due on each date when the
// borrower pays exactly as agreed.
func (t Terms) Schedule() []Line {
	dues := DueDates(t.DisbursedOn, t.Maturity)
	inst := t.Instalments(dues)
	out := make([]Line, len(dues))
	outstanding := t.Principal
	start := t.DisbursedOn
	end := t.subsidyEnd()
	for i, due := range dues {
		days := decimal.NewFromInt(int64(DaysBetween(start, due)))
		subsidised := decimal.NewFromInt(int64(max(min(DaysBetween(start, due), DaysBetween(start, end)), 0)))
		out[i] = Line{
			Period: Quarter(due), Start: start, DueOn: due, Days: DaysBetween(start, due), Principal: inst[i],
			Split: SplitInterest(outstanding.Mul(days), decimal.Min(outstanding, t.SubsidyCap).Mul(subsidised), t.AnnualRate, t.SubsidyRate),
		}
		outstanding = outstanding.Sub(inst[i])
		start = due
	}
	return out
}

// Payment is a recorded repayment.
type Payment struct {
	PaidOn    time.Time
	Principal decimal.Decimal
	Interest  decimal.Decimal
}

// Period is one due period of the loan as it actually ran: interest on the
// principal really outstanding each day, subsidy without the overdue days.
type Period struct {
	Period      string
	Start       time.Time
	End         time.Time
	Days        int // days with principal outstanding
	OverdueDays int
	Split
}

// Ledger replays a loan's repayments day by day. It answers what was due,
// whether and since when the loan is overdue on asOf, and the interest and
// subsidy of each period. It depends only on the terms, the payments and the
// day, so computing it twice gives the same answer. Inside, amounts are whole
// fen (int64): a day's sums are exact and fast; decimals take over for the
// one division and rounding of each period.
//
// What the borrower must have paid by a day is cumulative: the principal
// instalments and the borrower part of the interest of every period whose
// due date has passed, and the whole interest of the overdue days since the
// last due date. The borrower part of a period includes the whole interest
// of its overdue days (they get no subsidy), so a loan is overdue until that
// is paid too. Payments count first against what fell due first.
type Ledger struct {
	terms Terms
	dues  []time.Time
	// dueIdx[k] is the day index of due date k; maturity is the last.
	dueIdx []int
	inst   []int64
	// day i is terms.DisbursedOn + i; asOf is day asOfIdx.
	asOfIdx int
	// paidP and paidI are the principal and interest paid on or before day i.
	paidP, paidI []int64
	principal    int64
	subsidyCap   int64
	// requiredP and requiredI are the cumulative amounts the borrower must
	// have paid by each due date (days after asOf taken as not overdue).
	requiredP, requiredI []int64
	overdue              []bool // for days 0..asOfIdx
	// paidThrough is the day index of terms.PaidThrough, and credited the
	// last due date before it (-1: none), whose interest counts as paid.
	paidThrough, credited int
}

// NewLedger builds the ledger of t with payments, as known on asOf.
func NewLedger(t Terms, payments []Payment, asOf time.Time) *Ledger {
	l := &Ledger{terms: t, dues: DueDates(t.DisbursedOn, t.Maturity), asOfIdx: DaysBetween(t.DisbursedOn, Day(asOf)),
		principal: money.MustFen(t.Principal), subsidyCap: money.MustFen(t.SubsidyCap)}
	last := max(l.asOfIdx, DaysBetween(t.DisbursedOn, t.Maturity))
	for _, p := range payments {
		last = max(last, DaysBetween(t.DisbursedOn, p.PaidOn))
	}
	l.paidP, l.paidI = make([]int64, last+1), make([]int64, last+1)
	for _, p := range payments {
		if i := max(DaysBetween(t.DisbursedOn, p.PaidOn), 0); i <= last {
			l.paidP[i] += money.MustFen(p.Principal)
			l.paidI[i] += money.MustFen(p.Interest)
		}
	}
	for i := 1; i <= last; i++ {
		l.paidP[i] += l.paidP[i-1]
		l.paidI[i] += l.paidI[i-1]
	}
	for k, inst := range t.Instalments(l.dues) {
		l.dueIdx = append(l.dueIdx, DaysBetween(t.DisbursedOn, l.dues[k]))
		l.inst = append(l.inst, money.MustFen(inst))
	}
	l.requiredP, l.requiredI = make([]int64, len(l.dues)), make([]int64, len(l.dues))
	l.overdue = make([]bool, max(l.asOfIdx+1, 0))
	l.credited = -1
	if !t.PaidThrough.IsZero() {
		l.paidThrough = DaysBetween(t.DisbursedOn, Day(t.PaidThrough))
		for k := range l.dues {
			if l.dueIdx[k] < l.paidThrough {
				l.credited = k
			}
		}
	}
	k := -1        // the last due date before day i
	var late int64 // principal-days of the overdue days from due date k to day i
	for i := range l.overdue {
		advanced := false
		for k+1 < len(l.dues) && l.dueIdx[k+1] < i {
			k++
			l.close(k)
			advanced = true
		}
		if k < 0 {
			continue
		}
		if advanced {
			late = 0
			for j := l.dueIdx[k]; j < i; j++ {
				if l.overdue[j] {
					late += l.outstanding(j)
				}
			}
		}
		if i < l.paidThrough {
			continue
		}
		owed := l.requiredI[k] + money.MustFen(money.RoundFen(Accrued(money.FromFen(late), t.AnnualRate)))
		l.overdue[i] = l.paidP[i] < l.requiredP[k] || l.paidI[i]+l.credit(k) < owed
		if l.overdue[i] {
			late += l.outstanding(i)
		}
	}
	for k+1 < len(l.dues) {
		k++
		l.close(k)
	}
	return l
}

// close fixes what is due by due date k, once the overdue days of its
// period are known.
func (l *Ledger) close(k int) {
	var p, in int64
	if k > 0 {
		p, in = l.requiredP[k-1], l.requiredI[k-1]
	}
	l.requiredP[k] = p + l.inst[k]
	l.requiredI[k] = in + money.MustFen(l.split(l.start(k), l.dueIdx[k], l.isOverdue).Borrower)
}

func (l *Ledger) start(k int) int {
	if k == 0 {
		return 0
	}
	return l.dueIdx[k-1]
}

func (l *Ledger) outstanding(i int) int64 { return max(l.principal-l.paidP[min(i, len(l.paidP)-1)], 0) }

// isOverdue reports whether day i is overdue; days after asOf are not.
func (l *Ledger) isOverdue(i int) bool { return i >= 0 && i < len(l.overdue) && l.overdue[i] }

// split sums the days [from, to): interest on the principal outstanding each
// day, subsidy on it up to the cap except on overdue days and after maturity.
func (l *Ledger) split(from, to int, overdue func(int) bool) Period {
	var pd, sd int64
	var per Period
	end := l.subsidyEnd()
	for i := from; i < to; i++ {
		o := l.outstanding(i)
		if o <= 0 {
			continue
		}
		per.Days++
		pd += o
		if overdue(i) {
			per.OverdueDays++
			continue
		}
		if i < end {
			sd += min(o, l.subsidyCap)
		}
	}
	per.Split = SplitInterest(money.FromFen(pd), money.FromFen(sd), l.terms.AnnualRate, l.terms.SubsidyRate)
	return per
}

func (l *Ledger) periods() []Period {
	out := make([]Period, len(l.dues))
	for k, due := range l.dues {
		per := l.split(l.start(k), l.dueIdx[k], l.isOverdue)
		per.Period, per.Start, per.End = Quarter(due), l.day(l.start(k)), due
		out[k] = per
	}
	return out
}

// subsidyEnd is the day index from which no day is subsidised: the
// contract's maturity, even when the loan was extended.
func (l *Ledger) subsidyEnd() int { return DaysBetween(l.terms.DisbursedOn, l.terms.subsidyEnd()) }

func (l *Ledger) day(i int) time.Time { return l.terms.DisbursedOn.AddDate(0, 0, i) }

// Periods returns the loan's periods through maturity, leaving out those in
// which no principal was outstanding (after an early settlement). Days after
// asOf are taken as not overdue, with the principal outstanding now.
func (l *Ledger) Periods() []Period {
	all := l.periods()
	out := all[:0]
	for _, p := range all {
		if p.Days > 0 {
			out = append(out, p)
		}
	}
	return out
}

// Overdue reports whether the loan is overdue on asOf, since which day (the
// first day of the current run of overdue days) and for how many days.
func (l *Ledger) Overdue() (overdue bool, since time.Time, days int) {
	if l.asOfIdx < 0 || !l.overdue[l.asOfIdx] {
		return false, time.Time{}, 0
	}
	first := l.asOfIdx
	for first > 0 && l.overdue[first-1] {
		first--
	}
	return true, l.day(first), l.asOfIdx - first + 1
}

// EverOverdue reports whether the loan was overdue on any day through asOf.
func (l *Ledger) EverOverdue() bool {
	for _, o := range l.overdue {
		if o {
			return true
		}
	}
	return false
}

// LineState is where a due date of the loan stands on the ledger's day.
type LineState string

// The states of a line: paid (everything due by it is paid), due (it falls
// due today), overdue (past and not all paid), open (not yet due).
const (
	LinePaid    LineState = "paid"
	LineDue     LineState = "due"
	LineOverdue LineState = "overdue"
	LineOpen    LineState = "open"
)

// DueLine is one due date of the loan as it runs: the principal instalment of
// the contract and the period's interest as in the subsidy table (the
// principal really outstanding, no subsidy for overdue days), with the
// subsidy the overdue days lost and its state.
type DueLine struct {
	Period
	DueOn     time.Time
	Principal decimal.Decimal
	// Withheld is the subsidy the period's overdue days did not get, which
	// the borrower owes instead.
	Withheld decimal.Decimal
	State    LineState
}

// Lines returns every due date through maturity, those after an early
// settlement with no interest. Periods() is the same periods without those.
func (l *Ledger) Lines() []DueLine {
	pers := l.periods()
	out := make([]DueLine, len(pers))
	paidP, paidI := l.paidAt(l.asOfIdx)
	for k, per := range pers {
		out[k] = DueLine{Period: per, DueOn: per.End, Principal: money.FromFen(l.inst[k]),
			Withheld: l.withheld(l.start(k), l.dueIdx[k]), State: LineOpen}
		switch {
		case l.dueIdx[k] > l.asOfIdx:
		case paidP >= l.requiredP[k] && paidI >= l.requiredI[k]:
			out[k].State = LinePaid
		case l.dueIdx[k] == l.asOfIdx:
			out[k].State = LineDue
		default:
			out[k].State = LineOverdue
		}
	}
	return out
}

// credit is the interest taken as paid by the time due date k has passed.
func (l *Ledger) credit(k int) int64 {
	if j := min(k, l.credited); j >= 0 {
		return l.requiredI[j]
	}
	return 0
}

// paidAt is what counts as paid by day i (once every due date is closed).
func (l *Ledger) paidAt(i int) (int64, int64) {
	if i < 0 {
		return 0, 0
	}
	k := -1
	for j := range l.dues {
		if l.dueIdx[j] <= i {
			k = j
		}
	}
	i = min(i, len(l.paidP)-1)
	return l.paidP[i], l.paidI[i] + l.credit(k)
}

// withheld is the subsidy the overdue days in [from, to) lost, rounded
// half-up to the fen.
func (l *Ledger) withheld(from, to int) decimal.Decimal {
	var sd int64
	for i := from; i < min(to, l.subsidyEnd()); i++ {
		if l.isOverdue(i) {
			sd += min(l.outstanding(i), l.subsidyCap)
		}
	}
	return money.RoundFen(Accrued(money.FromFen(sd), l.terms.SubsidyRate))
}

// Statement is what the borrower owes on the ledger's day after the
// repayments really made.
type Statement struct {
	AsOf        time.Time
	Outstanding decimal.Decimal
	// PrincipalDue and InterestDue are what falls due by asOf and is not
	// paid: instalments and borrower interest of the due dates up to asOf
	// and the whole interest of the overdue days since the last of them.
	PrincipalDue decimal.Decimal
	InterestDue  decimal.Decimal
	// SubsidyWithheld is the subsidy the overdue days through asOf lost: the
	// borrower owes it as part of the interest.
	SubsidyWithheld decimal.Decimal
	Overdue         bool
	OverdueSince    *time.Time
	DaysOverdue     int
	// Payoff settles the loan on asOf: the outstanding principal and the
	// borrower interest accrued until that day, less the interest paid.
	Payoff decimal.Decimal
	// Lines are the due dates up to asOf and the period running on asOf
	// (accrued until that day), then, past maturity, the interest of the
	// days after it (period "after_maturity", no subsidy).
	Lines []DueLine
}

// AfterMaturity is the period label of the days past maturity.
const AfterMaturity = "after_maturity"

// Statement is the ledger on its day.
func (l *Ledger) Statement() Statement {
	st := Statement{AsOf: l.day(l.asOfIdx), Outstanding: decimal.Zero, PrincipalDue: decimal.Zero, InterestDue: decimal.Zero,
		SubsidyWithheld: decimal.Zero, Payoff: decimal.Zero}
	if l.asOfIdx < 0 {
		return st
	}
	paidP, paidI := l.paidAt(l.asOfIdx)
	st.Outstanding = money.FromFen(l.principal - paidP)
	kd := -1 // the last due date on or before asOf
	for k := range l.dues {
		if l.dueIdx[k] <= l.asOfIdx {
			kd = k
		}
	}
	var reqP, reqI int64
	from := 0
	if kd >= 0 {
		reqP, reqI, from = l.requiredP[kd], l.requiredI[kd], l.dueIdx[kd]
	}
	running := l.split(from, l.asOfIdx, l.isOverdue)
	var late int64
	for i := from; i < l.asOfIdx; i++ {
		if l.isOverdue(i) {
			late += l.outstanding(i)
		}
	}
	lateInterest := money.MustFen(money.RoundFen(Accrued(money.FromFen(late), l.terms.AnnualRate)))
	st.PrincipalDue = money.FromFen(max(reqP-paidP, 0))
	st.InterestDue = money.FromFen(max(reqI+lateInterest-paidI, 0))
	st.Payoff = st.Outstanding.Add(money.FromFen(max(reqI+money.MustFen(running.Borrower)-paidI, 0)))
	st.SubsidyWithheld = l.withheld(0, l.asOfIdx)
	st.Overdue, _, st.DaysOverdue = l.Overdue()
	if st.Overdue {
		_, since, _ := l.Overdue()
		st.OverdueSince = &since
	}
	for _, line := range l.Lines() {
		if !line.Start.Before(st.AsOf) {
			break
		}
		if line.DueOn.After(st.AsOf) {
			k := len(st.Lines)
			per := l.split(l.start(k), l.asOfIdx, l.isOverdue)
			per.Period, per.Start, per.End = line.Period.Period, line.Start, st.AsOf
			line.Period, line.Withheld = per, l.withheld(l.start(k), l.asOfIdx)
		}
		st.Lines = append(st.Lines, line)
	}
	if maturity := l.dueIdx[len(l.dueIdx)-1]; l.asOfIdx > maturity {
		per := l.split(maturity, l.asOfIdx, l.isOverdue)
		per.Period, per.Start, per.End = AfterMaturity, l.day(maturity), st.AsOf
		state := LinePaid
		if st.Overdue {
			state = LineOverdue
		}
		st.Lines = append(st.Lines, DueLine{Period: per, DueOn: st.AsOf, Principal: decimal.Zero, Withheld: decimal.Zero, State: state})
	}
	return st
}
