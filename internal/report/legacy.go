package report

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"chuangdai/internal/apperr"
	"chuangdai/internal/application"
	"chuangdai/internal/auth"
	"chuangdai/internal/authz"
	"chuangdai/internal/idnum"
	"chuangdai/internal/loan"
	"chuangdai/internal/money"
	"chuangdai/internal/msg"
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

// ImportResult counts what an import did.
type ImportResult struct {
	Imported int
	Skipped  int
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
}

// check validates one row: resident ID checksum and the sex it encodes, key
// group, district and bank, principal within the cap of the borrower type,
// rate within LPR + the spread on the day of disbursement, term, date.
func (c legacyChecker) check(get func(string) string, f *apperr.Fields) LegacyLoan {
	l := LegacyLoan{
		ExternalRef: get("external_ref"), Name: get("name"), KeyGroup: get("key_group"), BorrowerType: get("borrower_type"),
		DistrictCode: get("district_code"), BankCode: get("bank_code"), CreatedAt: c.now,
	}
	if !loan.ValidReference(l.ExternalRef) {
		f.Add("external_ref", "is required: the legacy system's reference, 1–64 letters, digits and _ . / : -")
	}
	switch n := utf8.RuneCountInString(l.Name); {
	case n == 0:
		f.Add("name", "is required")
	case n > 100:
		f.Add("name", "must be at most 100 characters")
	}
	r, idErr := idnum.ParseResident(get("national_id"))
	if idErr != nil {
		f.AddErr("national_id", idErr)
	}
	l.NationalID, l.Female = r.Number, r.Female
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
	bt := application.BorrowerType(l.BorrowerType)
	typeOK := slices.Contains(application.BorrowerTypes, bt)
	if !typeOK {
		f.Addf("borrower_type", "must be one of %s", msg.OneOf("borrower_type", application.BorrowerTypes...))
	}
	switch {
	case l.KeyGroup == "" && bt == application.Enterprise:
	case !slices.Contains(application.KeyGroups, l.KeyGroup):
		f.Addf("key_group", "must be one of %s", msg.OneOf("key_group", application.KeyGroups...))
	}
	if _, ok := c.districts[l.DistrictCode]; !ok {
		f.Add("district_code", "is not a district: use a code listed by GET /api/v1/districts")
	}
	if _, ok := c.banks[l.BankCode]; !ok {
		f.Add("bank_code", "is not a bank: use a code listed by GET /api/v1/banks")
	}
	on, dayOK := application.ParseDay(get("disbursed_on"))
	switch {
	case dayOK != nil:
		f.Add("disbursed_on", "must be a date YYYY-MM-DD")
	case on.After(c.today):
		f.Add("disbursed_on", "is in the future: import loans already disbursed")
	case c.closedThrough != "" && loan.MonthOf(on) <= c.closedThrough:
		f.Addf("disbursed_on", "is in the accounting month %s, which is closed (months through %s are closed): a loan disbursed then is not imported any more", loan.MonthOf(on), c.closedThrough)
	}
	l.DisbursedOn = on
	principal, err := money.ParsePositive(get("principal"))
	if err != nil {
		f.AddErr("principal", err)
	}
	if err == nil {
		l.PrincipalFen = money.MustFen(principal)
	}
	term, termErr := strconv.Atoi(get("term_months"))
	if termErr != nil || term < 1 {
		f.Add("term_months", "must be a whole number of months from 1")
	}
	l.TermMonths = term
	rate, rateErr := money.ParseRate(get("annual_rate"))
	if rateErr != nil {
		f.AddErr("annual_rate", rateErr)
	} else if !rate.IsPositive() {
		f.Add("annual_rate", "must be above 0")
	}
	if rateErr == nil {
		l.AnnualRatePPM = mustPPM(rate)
	}
	jobs := get("jobs_created")
	if jobs != "" {
		n, err := strconv.Atoi(jobs)
		if err != nil || n < 0 || n > 100_000 {
			f.Add("jobs_created", "must be a whole number from 0")
		}
		l.JobsCreated = n
	}
	partners := 0
	switch n := get("partners"); {
	case n == "":
	case bt != application.Partnership:
		f.Add("partners", "is only for a partnership loan: leave it empty")
	default:
		var perr error
		if partners, perr = strconv.Atoi(n); perr != nil || partners < 2 || partners > maxLegacyPartners {
			f.Addf("partners", "must be the number of partners, the lead included: a whole number from 2 to %d", maxLegacyPartners)
			partners = 0
		}
	}
	if dayOK != nil {
		return l
	}
	v := c.s.policy.At(on)
	if typeOK {
		limit, maxTerm := application.Limits(v, bt, partners)
		subsidyCap := application.SubsidyCap(v, bt, partners)
		if bt == application.Partnership && partners == 0 {
			// Without the number of partners the partnership's own cap is
			// unknown: the principal is checked against the partnership cap,
			// and, being within its own cap, subsidised whole.
			limit = v.Partnership.Cap.Decimal
			subsidyCap = decimal.Min(principal, limit)
		}
		if err == nil && principal.GreaterThan(limit) {
			f.Addf("principal", "is above the cap of %s for %s loans in force on %s", msg.Money(limit), msg.Label("borrower_type", bt), on.Format(time.DateOnly))
		}
		if termErr == nil && term > maxTerm {
			f.Addf("term_months", "must be at most %d months for %s loans", maxTerm, msg.Label("borrower_type", bt))
		}
		l.SubsidyCapFen = money.MustFen(subsidyCap)
	}
	if rateErr == nil && rate.IsPositive() {
		capRate, err := c.s.policy.RateCap(on)
		lpr, _ := c.s.policy.LPR(on) // known once RateCap answered
		switch {
		case err != nil:
			f.AddErr("annual_rate", err)
		case rate.GreaterThan(capRate):
			f.Addf("annual_rate", "is %s, above the cap of %s on %s (one-year LPR %s + %d bp); rates are decimal fractions, 0.0395 for 3.95%%",
				msg.Percent(rate), msg.Percent(capRate), on.Format(time.DateOnly), msg.Percent(lpr), v.RateCapOverLPRbp)
		}
		reg, sub, bor, err := loan.ContractRates(c.s.policy, on, rate)
		if err != nil {
			f.AddErr("disbursed_on", err)
		}
		l.Regime, l.SubsidyRatePPM, l.BorrowerRatePPM = reg, mustPPM(sub), mustPPM(bor)
	}
	if termErr == nil && term >= 1 {
		l.Maturity = loan.Maturity(on, term)
	}
	return l
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
// keeping each valid loan as a few integers and strings. The loans are then
// sorted by district and day and inserted in batches of multi-row INSERTs in
// one transaction: sorted, each summary bucket is touched by one or two
// statements instead of by every batch (on PostgreSQL every upsert of a row
// in one transaction adds a version the next one has to step over).
func (s *Service) ImportLoans(ctx context.Context, p auth.Principal, up sheet.Upload, mode sheet.Mode) (ImportResult, error) {
	if !s.authz.Can(p, ActImport, authz.Resource{Kind: KindImport}) {
		return ImportResult{}, apperr.Forbiddenf("only administrators import legacy loans")
	}
	districts, err := s.store.Names(ctx, ByDistrict)
	if err != nil {
		return ImportResult{}, err
	}
	banks, err := s.store.Names(ctx, ByBank)
	if err != nil {
		return ImportResult{}, err
	}
	file, err := sheet.Open(up, LegacySpec(districts, banks), sheet.DefaultLimits)
	if err != nil {
		return ImportResult{}, err
	}
	defer file.Close() //nolint:errcheck // read-only
	now := s.now().UTC().Truncate(time.Microsecond)
	through, err := s.store.ClosedThrough(ctx, false)
	if err != nil {
		return ImportResult{}, err
	}
	chk := legacyChecker{s: s, districts: districts, banks: banks, today: s.today(), now: now, closedThrough: through}
	loans, err := readLegacy(file, chk)
	if err != nil {
		return ImportResult{}, err
	}
	slices.SortFunc(loans, func(a, b LegacyLoan) int {
		if c := strings.Compare(a.DistrictCode, b.DistrictCode); c != 0 {
			return c
		}
		if c := a.DisbursedOn.Compare(b.DisbursedOn); c != 0 {
			return c
		}
		return strings.Compare(a.ExternalRef, b.ExternalRef)
	})
	var res ImportResult
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		// A month closed since the rows were checked: nothing is imported.
		if latest, err := s.store.ClosedThrough(ctx, false); err != nil || latest != through {
			if err != nil {
				return err
			}
			return apperr.Newf(apperr.Conflict, "period.closed", "the accounting month %s was closed while the file was checked: import it again", latest)
		}
		for batch := range slices.Chunk(loans, legacyBatch) {
			if err := s.insertLegacy(ctx, batch, &res); err != nil {
				return err
			}
		}
		if err := s.audit.Record(ctx, p, "loan.import", loan.Kind, "import", nil,
			map[string]int{"rows": len(loans), "imported": res.Imported, "skipped": res.Skipped}); err != nil {
			return err
		}
		return mode.Finish()
	})
	if err != nil && !errors.Is(err, sheet.ErrDryRun) {
		return ImportResult{}, err
	}
	return res, nil
}

// readLegacy reads and checks every row of a legacy file and returns the
// loans, or a validation error listing the bad rows. Once a row is bad the
// loans are no longer kept, only checked.
func readLegacy(file *sheet.File, chk legacyChecker) ([]LegacyLoan, error) {
	seen := map[string]int{}
	var loans []LegacyLoan
	err := file.Each(func(r sheet.Row, f *apperr.Fields) error {
		l := chk.check(r.Get, f)
		if first, dup := seen[l.ExternalRef]; dup && l.ExternalRef != "" {
			f.Addf("external_ref", "appears twice in the file (first on row %d)", first)
		} else if l.ExternalRef != "" {
			seen[l.ExternalRef] = r.Num
		}
		if f.Empty() && !file.Failed() {
			loans = append(loans, l)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return loans, nil
}

// insertLegacy skips the loans already imported, numbers the others per
// district and year of disbursement, and inserts them.
func (s *Service) insertLegacy(ctx context.Context, batch []LegacyLoan, res *ImportResult) error {
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
	if err := s.store.InsertLegacy(ctx, fresh); err != nil {
		return fmt.Errorf("insert legacy loans: %w", err)
	}
	res.Imported += len(fresh)
	return nil
}
