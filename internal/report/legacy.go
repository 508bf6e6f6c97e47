package report

import (
	"bufio"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"chuangdai/internal/apperr"
	"chuangdai/internal/application"
	"chuangdai/internal/auth"
	"chuangdai/internal/authz"
	"chuangdai/internal/idnum"
	"chuangdai/internal/loan"
	"chuangdai/internal/money"
	"chuangdai/internal/msg"
	"chuangdai/internal/policy"
	"chuangdai/internal/sheet"
)

// LegacyColumns is the header of a legacy loan file, in this order.
var LegacyColumns = []string{"external_ref", "name", "national_id", "gender", "key_group", "borrower_type", "district_code",
	"bank_code", "principal", "annual_rate", "term_months", "disbursed_on", "jobs_created"}

// LegacyLoan is one imported loan, ready to insert as an active loan. It
// holds integer fen and ppm, so that a file of 200,000 loans stays small in
// memory between checking and inserting.
type LegacyLoan struct {
	Number          string
	ExternalRef     string
	Name            string
	NationalID      string
	Female          bool
	KeyGroup        string
	BorrowerType    string
	DistrictCode    string
	BankCode        string
	PrincipalFen    int64
	AnnualRatePPM   int64
	SubsidyRatePPM  int64
	BorrowerRatePPM int64
	SubsidyCapFen   int64
	// Regime is the subsidy regime of the disbursement day: a loan of
	// 2021–2022 gets the 2021 regime, one before the first regime none.
	Regime      loan.Regime
	TermMonths  int
	DisbursedOn time.Time
	Maturity    time.Time
	JobsCreated int
	CreatedAt   time.Time
}

// maxLegacyPartners bounds the partners of an imported partnership loan,
// as intake does.
const maxLegacyPartners = 50

// legacyBatch is how many loans are checked for existing references,
// numbered and handed to the store at a time.
const legacyBatch = 5000

// genders are the ways a legacy file writes the sex.
var genders = map[string]bool{"male": false, "female": true, "m": false, "f": true, "男": false, "女": true}

// legacyChecker validates rows of a legacy file like new loans.
type legacyChecker struct {
	s         *Service
	districts map[string]string
	banks     map[string]string
	today     time.Time
	now       time.Time
	// closedThrough is the latest closed accounting month ("" when none):
	// a loan disbursed in a closed month is not imported.
	closedThrough string
	// days are what the policy says of the days of the file, by Unix
	// time (day).
	days map[int64]*legacyDay
}

// legacyDay is what the policy says of one disbursement day: the version
// in force and the rate cap with its LPR, or why there is none.
type legacyDay struct {
	v          policy.Version
	vErr       error
	rateCap    decimal.Decimal
	lpr        decimal.Decimal
	rateCapErr error
}

// maxLegacyDays bounds the days a checker keeps; a file of more
// distinct days looks them up again.
const maxLegacyDays = 4096

// day is what the policy says of on, looked up once per day of the file.
func (c legacyChecker) day(on time.Time) *legacyDay {
	key := on.Unix()
	if d, ok := c.days[key]; ok {
		return d
	}
	if len(c.days) >= maxLegacyDays {
		clear(c.days)
	}
	d := &legacyDay{}
	d.v, d.vErr = c.s.policy.At(on)
	d.rateCap, d.rateCapErr = c.s.policy.RateCap(on)
	d.lpr, _ = c.s.policy.LPR(on) // known once RateCap answered
	c.days[key] = d
	return d
}

// legacyTerms are the money cells of a row as read, each with whether it is
// well-formed, for the checks of the policy of the day.
type legacyTerms struct {
	on                         time.Time
	principal, rate            decimal.Decimal
	dayOK, principalOK, rateOK bool
	termOK                     bool
	partners                   int
}

// check validates one row: resident ID checksum and the sex it encodes, key
// group, district and bank, principal within the cap of the borrower type,
// rate within LPR + the spread on the day of disbursement, term, date. The
// loan is made by loan.New, as a disbursement's is.
func (c legacyChecker) check(get func(string) string, f *apperr.Fields) LegacyLoan {
	ref := get("external_ref")
	o := loan.Loan{
		ExternalRef: &ref, Name: get("name"), KeyGroup: get("key_group"), BorrowerType: get("borrower_type"),
		DistrictCode: get("district_code"), BankCode: get("bank_code"), Method: loan.InterestQuarterly,
	}
	if !idnum.ValidReference(ref) {
		f.Add("external_ref", "is required: the legacy system's reference, 1–64 letters, digits and _ . / : -")
	}
	typeOK := c.checkBorrower(get, f, &o)
	t := c.checkTerms(get, f, &o)
	if !t.dayOK {
		return LegacyLoan{ExternalRef: ref}
	}
	// The caps, the terms, the rate spread and the subsidy cap are those of
	// the version in force on the day; a day before the first version has
	// none, and the row is refused saying so.
	day := c.day(t.on)
	if day.vErr != nil {
		f.AddErr("disbursed_on", day.vErr)
		return LegacyLoan{ExternalRef: ref}
	}
	if typeOK {
		c.checkLimits(f, &o, &day.v, t)
	}
	if !t.rateOK || !t.rate.IsPositive() {
		return LegacyLoan{ExternalRef: ref}
	}
	checkRate(f, day, t)
	l, err := loan.New(c.s.policy, o, c.now)
	if err != nil {
		f.AddErr("disbursed_on", err)
	}
	return legacyOf(l)
}

// checkBorrower checks who borrowed, with the application's rules for the
// name, the borrower type and the key group, and reports whether the
// borrower type is known.
func (c legacyChecker) checkBorrower(get func(string) string, f *apperr.Fields, o *loan.Loan) bool {
	application.CheckName(f, o.Name)
	r, idErr := idnum.ParseResident(get("national_id"))
	if idErr != nil {
		f.AddErr("national_id", idErr)
	}
	o.NationalID, o.Female = r.Number, r.Female
	female, ok := genders[strings.ToLower(get("gender"))]
	switch {
	case !ok:
		f.Add("gender", "must be male or female (男 or 女)")
	case idErr == nil && female != r.Female:
		if r.Female {
			f.Add("gender", "does not match the resident ID number, which is of a woman")
		} else {
			f.Add("gender", "does not match the resident ID number, which is of a man")
		}
	}
	bt := application.BorrowerType(o.BorrowerType)
	typeOK := application.CheckBorrowerType(f, bt)
	application.CheckKeyGroup(f, bt, o.KeyGroup)
	if _, ok := c.districts[o.DistrictCode]; !ok {
		f.Add("district_code", "is not a district: use a code listed by GET /api/v1/districts")
	}
	if _, ok := c.banks[o.BankCode]; !ok {
		f.Add("bank_code", "is not a bank: use a code listed by GET /api/v1/banks")
	}
	return typeOK
}

// checkTerms reads the day, the principal, the term, the rate, the jobs
// and the partners of a row into o.
func (c legacyChecker) checkTerms(get func(string) string, f *apperr.Fields, o *loan.Loan) legacyTerms {
	var t legacyTerms
	var err error
	t.on, err = application.ParseDay(get("disbursed_on"))
	t.dayOK = err == nil
	switch {
	case !t.dayOK:
		f.Add("disbursed_on", "must be a date YYYY-MM-DD")
	case t.on.After(c.today):
		f.Add("disbursed_on", "is in the future: import loans already disbursed")
	case c.closedThrough != "" && loan.MonthOf(t.on) <= c.closedThrough:
		f.Addf("disbursed_on", "is in the accounting month %s, which is closed (months through %s are closed): a loan disbursed then is not imported any more", loan.MonthOf(t.on), c.closedThrough)
	}
	o.DisbursedOn = t.on
	if t.principal, err = parsePrincipal(get("principal")); err != nil {
		f.AddErr("principal", err)
	}
	t.principalOK, o.Principal = err == nil, t.principal
	term, err := strconv.Atoi(get("term_months"))
	if t.termOK = err == nil; !t.termOK || term < 1 {
		f.Add("term_months", "must be a whole number of months from 1")
	}
	o.TermMonths = term
	if t.rate, err = parseRate(get("annual_rate")); err != nil {
		f.AddErr("annual_rate", err)
	} else if !t.rate.IsPositive() {
		f.Add("annual_rate", "must be above 0")
	}
	t.rateOK, o.AnnualRate = err == nil, t.rate
	if jobs := get("jobs_created"); jobs != "" {
		n, err := strconv.Atoi(jobs)
		if err != nil || n < 0 || n > 100_000 {
			f.Add("jobs_created", "must be a whole number from 0")
		}
		o.Jobs, o.JobsCreated = n, n
	}
	switch n := get("partners"); {
	case n == "":
	case application.BorrowerType(o.BorrowerType) != application.Partnership:
		f.Add("partners", "is only for a partnership loan: leave it empty")
	default:
		var err error
		if t.partners, err = strconv.Atoi(n); err != nil || t.partners < 2 || t.partners > maxLegacyPartners {
			f.Addf("partners", "must be the number of partners, the lead included: a whole number from 2 to %d", maxLegacyPartners)
			t.partners = 0
		}
	}
	return t
}

// parsePrincipal is money.ParsePositive, reading a plain positive amount
// (digits, a point and at most two decimals) without its regular
// expression.
func parsePrincipal(s string) (decimal.Decimal, error) {
	if d, ok := plainDecimal(s, 13, 2); ok && d.IsPositive() {
		return d, nil
	}
	return money.ParsePositive(s)
}

// parseRate is money.ParseRate, reading a plain rate (at most three
// digits, a point and at most six decimals) without its regular
// expression.
func parseRate(s string) (decimal.Decimal, error) {
	if d, ok := plainDecimal(s, 3, 6); ok {
		return d, nil
	}
	return money.ParseRate(s)
}

// plainDecimal reads s when it is 1 to whole digits, optionally a point
// and 1 to frac digits, as decimal.NewFromString does (the digits as the
// coefficient, minus the decimals as the exponent); ok is false for any
// other s.
func plainDecimal(s string, whole, frac int) (decimal.Decimal, bool) {
	var n int64
	point := -1
	for i := range len(s) {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			n = n*10 + int64(c-'0')
		case c == '.' && point < 0:
			point = i
		default:
			return decimal.Decimal{}, false
		}
	}
	digits, decimals := len(s), 0
	if point >= 0 {
		digits, decimals = point, len(s)-point-1
		if decimals == 0 {
			return decimal.Decimal{}, false
		}
	}
	if digits < 1 || digits > whole || decimals > frac {
		return decimal.Decimal{}, false
	}
	return decimal.New(n, int32(-decimals)), true
}

// checkLimits checks the principal and the term against the caps of the
// borrower type in the version v in force on the day and sets the subsidy
// cap, with the application's choice of it.
func (c legacyChecker) checkLimits(f *apperr.Fields, o *loan.Loan, v *policy.Version, t legacyTerms) {
	bt := application.BorrowerType(o.BorrowerType)
	limit, maxTerm := application.Limits(*v, bt, t.partners)
	o.SubsidyCap = application.SubsidyCap(*v, bt, t.partners)
	if bt == application.Partnership && t.partners == 0 {
		// Without the number of partners the partnership's own cap is
		// unknown: the principal is checked against the partnership cap,
		// and, being within its own cap, subsidised whole.
		limit = v.Partnership.Cap.Decimal
		o.SubsidyCap = decimal.Min(t.principal, limit)
	}
	if t.principalOK && t.principal.GreaterThan(limit) {
		f.Addf("principal", "is above the cap of %s for %s loans in force on %s", msg.Money(limit), msg.Label("borrower_type", bt), t.on.Format(time.DateOnly))
	}
	if t.termOK && o.TermMonths > maxTerm {
		f.Addf("term_months", "must be at most %d months for %s loans", maxTerm, msg.Label("borrower_type", bt))
	}
}

// checkRate checks a positive rate against LPR + the spread of the
// version in force on the day.
func checkRate(f *apperr.Fields, day *legacyDay, t legacyTerms) {
	switch {
	case day.rateCapErr != nil:
		f.AddErr("annual_rate", day.rateCapErr)
	case t.rate.GreaterThan(day.rateCap):
		f.Addf("annual_rate", "is %s, above the cap of %s on %s (one-year LPR %s + %d bp); rates are decimal fractions, 0.0395 for 3.95%%",
			msg.Percent(t.rate), msg.Percent(day.rateCap), t.on.Format(time.DateOnly), msg.Percent(day.lpr), day.v.RateCapOverLPRbp)
	}
}

// legacyOf keeps a new imported loan as integers until it is inserted.
func legacyOf(l loan.Loan) LegacyLoan {
	return LegacyLoan{
		ExternalRef: *l.ExternalRef, Name: l.Name, NationalID: l.NationalID, Female: l.Female, KeyGroup: l.KeyGroup,
		BorrowerType: l.BorrowerType, DistrictCode: l.DistrictCode, BankCode: l.BankCode, PrincipalFen: money.MustFen(l.Principal),
		AnnualRatePPM: mustPPM(l.AnnualRate), SubsidyRatePPM: mustPPM(l.SubsidyRate), BorrowerRatePPM: mustPPM(l.BorrowerRate),
		SubsidyCapFen: money.MustFen(l.SubsidyCap), Regime: l.Regime, TermMonths: l.TermMonths, DisbursedOn: l.DisbursedOn,
		Maturity: l.Maturity, JobsCreated: l.JobsCreated, CreatedAt: l.CreatedAt,
	}
}

// loan is the imported loan l as loan.New made it, numbered.
func (l LegacyLoan) loan() loan.Loan {
	ref := l.ExternalRef
	principal := money.FromFen(l.PrincipalFen)
	return loan.Loan{
		Number: l.Number, ExternalRef: &ref, Status: loan.Active, Version: 1, Name: l.Name, NationalID: l.NationalID, Female: l.Female,
		KeyGroup: l.KeyGroup, BorrowerType: l.BorrowerType, Jobs: l.JobsCreated, JobsCreated: l.JobsCreated,
		DistrictCode: l.DistrictCode, BankCode: l.BankCode, Principal: principal, Outstanding: principal,
		AnnualRate: money.RateFromPPM(l.AnnualRatePPM), SubsidyRate: money.RateFromPPM(l.SubsidyRatePPM),
		BorrowerRate: money.RateFromPPM(l.BorrowerRatePPM), SubsidyCap: money.FromFen(l.SubsidyCapFen), Regime: l.Regime,
		TermMonths: l.TermMonths, Method: loan.InterestQuarterly, DisbursedOn: l.DisbursedOn, Maturity: l.Maturity,
		Recovered: decimal.Zero, RecoveredFund: decimal.Zero, CreatedAt: l.CreatedAt, UpdatedAt: l.CreatedAt,
	}
}

// mustPPM converts a rate known to have at most six decimals.
func mustPPM(r decimal.Decimal) int64 {
	n, err := money.RateToPPM(r)
	if err != nil {
		panic(err)
	}
	return n
}

// ImportLoans imports historical loans from a file (CSV or XLSX) with the
// columns of LegacySpec. Every row is validated like a new loan; one bad row
// and nothing is imported (422 listing row, field and message). Rows whose
// external_ref is already a loan are skipped, so a file can be sent again.
// A dry run answers the same and keeps nothing.
//
// The file is streamed and checked whole before anything is written,
// keeping each valid loan as a few integers and strings, in sorted runs of
// legacyRun loans spilled to a temporary file, so that memory stays flat in
// the file's size. The runs are then merged in order of district and day
// and inserted in batches in one transaction (compareLegacy).
func (s *Service) ImportLoans(ctx context.Context, p auth.Principal, up sheet.Upload, mode sheet.Mode) (sheet.Result, error) {
	if !s.authz.Can(p, ActImport, authz.Resource{Kind: KindImport}) {
		return sheet.Result{}, apperr.Forbiddenf("only administrators import legacy loans")
	}
	districts, err := s.store.Names(ctx, ByDistrict)
	if err != nil {
		return sheet.Result{}, apperr.Contextf(err, "read the districts to import legacy loans")
	}
	banks, err := s.store.Names(ctx, ByBank)
	if err != nil {
		return sheet.Result{}, apperr.Contextf(err, "read the banks to import legacy loans")
	}
	file, err := sheet.Open(up, LegacySpec(districts, banks), sheet.DefaultLimits)
	if err != nil {
		return sheet.Result{}, err
	}
	defer file.Close() //nolint:errcheck // read-only
	now := s.now().UTC().Truncate(time.Microsecond)
	through, err := s.store.ClosedThrough(ctx, false)
	if err != nil {
		return sheet.Result{}, apperr.Contextf(err, "read the latest closed month to import legacy loans")
	}
	chk := legacyChecker{s: s, districts: districts, banks: banks, today: s.today(), now: now, closedThrough: through, days: map[int64]*legacyDay{}}
	runs, err := readLegacy(file, chk)
	if err != nil {
		return sheet.Result{}, err
	}
	defer runs.close() //nolint:errcheck // a temporary file
	var res sheet.Result
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		// A month closed since the rows were checked: nothing is imported.
		if latest, err := s.store.ClosedThrough(ctx, false); err != nil || latest != through {
			if err != nil {
				return err
			}
			return apperr.Newf(apperr.Conflict, "period.closed", "the accounting month %s was closed while the file was checked: import it again", latest)
		}
		if err := runs.batches(func(batch []LegacyLoan) error { return s.insertLegacy(ctx, batch, &res) }); err != nil {
			return err
		}
		if err := s.audit.Record(ctx, p, "loan.import", loan.Kind, "import", nil,
			map[string]int{"rows": runs.n, "imported": res.Imported, "skipped": res.Skipped}); err != nil {
			return err
		}
		return mode.Finish()
	})
	if err != nil && !errors.Is(err, sheet.ErrDryRun) {
		return sheet.Result{}, apperr.Contextf(err, "import %d legacy loans", runs.n)
	}
	return res, nil
}

// readLegacy reads and checks every row of a legacy file and returns the
// loans in sorted runs, or a validation error listing the bad rows. Once a
// row is bad the loans are no longer kept, only checked. What stays in
// memory is one run and a 128-bit hash of each reference with its row (for
// the rows given twice).
func readLegacy(file *sheet.File, chk legacyChecker) (*legacyRuns, error) {
	seed := [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}
	seen := map[[2]uint64]int{}
	runs := &legacyRuns{}
	err := file.Each(func(r sheet.Row, f *apperr.Fields) error {
		l := chk.check(r.Get, f)
		key := [2]uint64{maphash.String(seed[0], l.ExternalRef), maphash.String(seed[1], l.ExternalRef)}
		if first, dup := seen[key]; dup && l.ExternalRef != "" {
			f.Addf("external_ref", "appears twice in the file (first on row %d)", first)
		} else if l.ExternalRef != "" {
			seen[key] = r.Num
		}
		if f.Empty() && !file.Failed() {
			return runs.add(l)
		}
		return nil
	})
	if err != nil {
		_ = runs.close()
		return nil, err
	}
	return runs, nil
}

// legacyRun is how many checked loans are held in memory at a time; a file
// of more goes in sorted runs of this size to a temporary file, merged back
// in order when the loans are inserted.
const legacyRun = legacyBatch

// legacyRuns are the checked loans of a file: the runs spilled to file
// (each the loans in order, encoded by appendLoan, at its span) and the last, in
// memory. The file holds names and resident ID numbers, so it is sealed:
// AES-CTR under a key made for this import and kept in memory only, each
// run with its own IV, so that a file left behind by a crash reads as noise.
type legacyRuns struct {
	file  *os.File
	block cipher.Block
	spans []legacySpan
	last  []LegacyLoan
	n     int
	// regimes are the subsidy regimes of the spilled loans, each once: a
	// spilled loan names its regime by its index (regimeIndex).
	regimes []loan.Regime
	// order and buf are add's: the run in order, and one loan encoded.
	order []*LegacyLoan
	buf   []byte
}

// legacySpan is where one spilled run lies in the file, and its IV.
type legacySpan struct {
	start, end int64
	iv         [aes.BlockSize]byte
}

// compareLegacy orders loans by district and day: sorted, each summary
// bucket is touched by one or two batches instead of by every batch (on
// PostgreSQL every upsert of a row in one transaction adds a version the
// next one has to step over).
func compareLegacy(a, b *LegacyLoan) int {
	if c := strings.Compare(a.DistrictCode, b.DistrictCode); c != 0 {
		return c
	}
	if c := a.DisbursedOn.Compare(b.DisbursedOn); c != 0 {
		return c
	}
	return strings.Compare(a.ExternalRef, b.ExternalRef)
}

// add keeps l, spilling the run in memory once it is full.
func (r *legacyRuns) add(l LegacyLoan) error {
	r.last = append(r.last, l)
	r.n++
	if len(r.last) < legacyRun {
		return nil
	}
	if r.file == nil {
		key := make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return fmt.Errorf("legacy import: %w", err)
		}
		block, err := aes.NewCipher(key)
		if err != nil {
			return fmt.Errorf("legacy import: %w", err)
		}
		f, err := os.CreateTemp("", "chuangdai-import-*")
		if err != nil {
			return fmt.Errorf("legacy import: %w", err)
		}
		r.file, r.block = f, block
	}
	// Sorted by reference, not moving the loans.
	r.order = r.order[:0]
	for i := range r.last {
		r.order = append(r.order, &r.last[i])
	}
	slices.SortFunc(r.order, compareLegacy)
	sp := legacySpan{}
	if _, err := rand.Read(sp.iv[:]); err != nil {
		return fmt.Errorf("legacy import: %w", err)
	}
	var err error
	if sp.start, err = r.file.Seek(0, io.SeekEnd); err != nil {
		return fmt.Errorf("legacy import: %w", err)
	}
	w := bufio.NewWriter(cipher.StreamWriter{S: cipher.NewCTR(r.block, sp.iv[:]), W: r.file})
	for _, l := range r.order {
		r.buf = r.appendLoan(r.buf[:0], l)
		if _, err := w.Write(r.buf); err != nil {
			return fmt.Errorf("legacy import: %w", err)
		}
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("legacy import: %w", err)
	}
	if sp.end, err = r.file.Seek(0, io.SeekCurrent); err != nil {
		return fmt.Errorf("legacy import: %w", err)
	}
	r.spans = append(r.spans, sp)
	r.last = r.last[:0]
	return nil
}

// runHead is the next loan of one run in the merge: a spilled run read
// by dec, or the run in memory, the loans after it in mem.
type runHead struct {
	loan LegacyLoan
	dec  *bufio.Reader
	buf  []byte
	mem  []LegacyLoan
}

// next reads the run's next loan into h.loan; io.EOF after the last.
func (h *runHead) next(r *legacyRuns) error {
	if h.dec == nil {
		if len(h.mem) == 0 {
			return io.EOF
		}
		h.loan, h.mem = h.mem[0], h.mem[1:]
		return nil
	}
	var err error
	h.loan, h.buf, err = r.readLoan(h.dec, h.buf)
	return err
}

// runHeap is the heads of the runs in the merge, a binary heap by their
// next loan.
type runHeap []*runHead

func (hs runHeap) less(i, j int) bool { return compareLegacy(&hs[i].loan, &hs[j].loan) < 0 }

// down moves the head at i down to its place.
func (hs runHeap) down(i int) {
	for {
		m := 2*i + 1
		if m >= len(hs) {
			return
		}
		if r := m + 1; r < len(hs) && hs.less(r, m) {
			m = r
		}
		if !hs.less(m, i) {
			return
		}
		hs[i], hs[m] = hs[m], hs[i]
		i = m
	}
}

// batches calls fn with the loans in order, legacyBatch at a time: the runs
// merged, one loan of each in memory.
func (r *legacyRuns) batches(fn func([]LegacyLoan) error) error {
	slices.SortFunc(r.last, func(a, b LegacyLoan) int { return compareLegacy(&a, &b) })
	if len(r.spans) == 0 {
		for batch := range slices.Chunk(r.last, legacyBatch) {
			if err := fn(batch); err != nil {
				return err
			}
		}
		return nil
	}
	var heads runHeap
	for _, sp := range r.spans {
		run := cipher.StreamReader{S: cipher.NewCTR(r.block, sp.iv[:]), R: io.NewSectionReader(r.file, sp.start, sp.end-sp.start)}
		h := &runHead{dec: bufio.NewReaderSize(run, 16<<10)}
		if err := h.next(r); err != nil {
			return fmt.Errorf("legacy import: %w", err)
		}
		heads = append(heads, h)
	}
	if mem := (&runHead{mem: r.last}); mem.next(r) == nil {
		heads = append(heads, mem)
	}
	for i := len(heads)/2 - 1; i >= 0; i-- {
		heads.down(i)
	}
	batch := make([]LegacyLoan, 0, legacyBatch)
	for len(heads) > 0 {
		h := heads[0]
		batch = append(batch, h.loan)
		if err := h.next(r); errors.Is(err, io.EOF) {
			heads[0] = heads[len(heads)-1]
			heads = heads[:len(heads)-1]
		} else if err != nil {
			return fmt.Errorf("legacy import: %w", err)
		}
		heads.down(0)
		if len(batch) == legacyBatch || len(heads) == 0 {
			if err := fn(batch); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	return nil
}

// close removes the temporary file of the runs, if any.
func (r *legacyRuns) close() error {
	if r.file == nil {
		return nil
	}
	err := r.file.Close()
	return errors.Join(err, os.Remove(r.file.Name()))
}

// insertLegacy skips the loans already imported, numbers the others per
// district and year of disbursement, and inserts them.
func (s *Service) insertLegacy(ctx context.Context, batch []LegacyLoan, res *sheet.Result) error {
	if len(batch) == 0 {
		return nil
	}
	refs := make([]string, len(batch))
	for i, l := range batch {
		refs[i] = l.ExternalRef
	}
	existing, err := s.store.ExistingRefs(ctx, refs)
	if err != nil {
		return err
	}
	fresh := make([]LegacyLoan, 0, len(batch))
	type bucket struct {
		district string
		year     int
	}
	counts := map[bucket]int{}
	for _, l := range batch {
		if existing[l.ExternalRef] {
			res.Skipped++
			continue
		}
		fresh = append(fresh, l)
		counts[bucket{l.DistrictCode, l.DisbursedOn.Year()}]++
	}
	keys := make([]bucket, 0, len(counts))
	for b := range counts {
		keys = append(keys, b)
	}
	// A fixed order, so that two imports never wait on each other's counters.
	slices.SortFunc(keys, func(a, b bucket) int {
		if c := strings.Compare(a.district, b.district); c != 0 {
			return c
		}
		return a.year - b.year
	})
	next := map[bucket]int64{}
	for _, b := range keys {
		first, err := s.store.ReserveNumbers(ctx, b.district, b.year, counts[b])
		if err != nil {
			return err
		}
		next[b] = first
	}
	for i := range fresh {
		b := bucket{fresh[i].DistrictCode, fresh[i].DisbursedOn.Year()}
		fresh[i].Number = loan.Number(b.district, b.year, next[b])
		next[b]++
	}
	if len(fresh) == 0 {
		return nil
	}
	loans := make([]loan.Loan, len(fresh))
	for i, l := range fresh {
		loans[i] = l.loan()
	}
	if err := s.store.InsertLoans(ctx, loans); err != nil {
		return fmt.Errorf("insert legacy loans: %w", err)
	}
	res.Imported += len(fresh)
	return nil
}
