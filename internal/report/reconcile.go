package report

import (
	"context"
	"errors"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"chuangdai/internal/apperr"
	"chuangdai/internal/application"
	"chuangdai/internal/auth"
	"chuangdai/internal/authz"
	"chuangdai/internal/idnum"
	"chuangdai/internal/money"
	"chuangdai/internal/sheet"
)

// BankLine is one disbursement the bank reports.
type BankLine struct {
	Row           int
	BankReference string
	NationalID    string
	Name          string
	AmountFen     int64
	DisbursedOn   time.Time
}

// ParseBankList reads a bank's disbursement list (CSV or XLSX with the
// columns of BankListSpec): bank_reference, name and/or national_id,
// amount, disbursed_on. Every line must fall within from..to. Any bad line
// makes the whole list a 422 naming row and field; a reference twice is bad.
func ParseBankList(up sheet.Upload, from, to time.Time) ([]BankLine, error) {
	file, err := sheet.Open(up, BankListSpec(), sheet.DefaultLimits)
	if err != nil {
		return nil, err
	}
	defer file.Close() //nolint:errcheck // read-only
	var out []BankLine
	seen := map[string]int{}
	err = file.Each(func(r sheet.Row, f *apperr.Fields) error {
		l := BankLine{Row: r.Num, BankReference: r.Get("bank_reference"), Name: r.Get("name")}
		if !idnum.ValidReference(l.BankReference) {
			f.Add("bank_reference", "is required: the bank's transaction reference, 1–64 letters, digits and _ . / : -")
		} else if first, dup := seen[l.BankReference]; dup {
			f.Addf("bank_reference", "appears twice in the list (first on row %d)", first)
		} else {
			seen[l.BankReference] = r.Num
		}
		if id := r.Get("national_id"); id != "" {
			person, err := idnum.ParseResident(id)
			if err != nil {
				f.AddErr("national_id", err)
			}
			l.NationalID = person.Number
		}
		if l.NationalID == "" && l.Name == "" && !f.Has("national_id") {
			f.Add("name", "name or national_id is required: whose loan this line is")
		}
		if utf8.RuneCountInString(l.Name) > 100 {
			f.Add("name", "must be at most 100 characters")
		}
		amount, err := money.ParsePositive(r.Get("amount"))
		if err != nil {
			f.AddErr("amount", err)
		} else {
			l.AmountFen = money.MustFen(amount)
		}
		on, err := application.ParseDay(r.Get("disbursed_on"))
		switch {
		case err != nil:
			f.Add("disbursed_on", "must be a date YYYY-MM-DD")
		case on.Before(from) || on.After(to):
			f.Addf("disbursed_on", "is outside the period %s to %s of this list", from.Format(time.DateOnly), to.Format(time.DateOnly))
		}
		l.DisbursedOn = on
		out = append(out, l)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Recorded is a loan as recorded, for reconciliation.
type Recorded struct {
	Number        string
	BankReference string
	NationalID    string
	Name          string
	AmountFen     int64
	DisbursedOn   time.Time
}

// Pair is a recorded loan and the bank's line with the same reference;
// either may be missing.
type Pair struct {
	BankCode string
	Loan     *Recorded
	Line     *BankLine
}

// Difference is a pair that does not agree, or a side that is missing.
type Difference struct {
	BankReference  string
	LoanNumber     string
	Name           string
	NationalID     string
	DisbursedOn    time.Time
	RecordedAmount *int64
	ReportedAmount *int64
	Row            int
}

// BankReconciliation compares one bank's list with the records.
type BankReconciliation struct {
	BankCode          string
	BankName          string
	RecordedLoans     int64
	RecordedFen       int64
	ReportedLines     int64
	ReportedFen       int64
	Matched           int64
	MatchedFen        int64
	MissingInBank     []Difference
	MissingInRecords  []Difference
	AmountDifferences []Difference
}

// Reconciliation is the comparison of a period, per bank.
type Reconciliation struct {
	From, To time.Time
	Banks    []BankReconciliation
}

// ReconcileQuery names the period (default: this year to today) and,
// optionally, one bank.
type ReconcileQuery struct {
	BankCode string
	From     string
	To       string
}

func (s *Service) period(f *apperr.Fields, fromV, toV string) (time.Time, time.Time) {
	to := s.today()
	if v := strings.TrimSpace(toV); v != "" {
		to, _ = parseDate(f, "to", v)
	}
	from := time.Date(to.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
	if v := strings.TrimSpace(fromV); v != "" {
		from, _ = parseDate(f, "from", v)
	}
	if !f.Has("from") && !f.Has("to") && from.After(to) {
		f.Add("from", "must not be after to")
	}
	return from, to
}

// Reconciliation compares the banks' uploaded lists with the recorded
// disbursements of a period: matched, missing on either side, and amount
// differences, per bank. Auditors and administrators read it.
func (s *Service) Reconciliation(ctx context.Context, p auth.Principal, q ReconcileQuery) (Reconciliation, error) {
	bank := strings.TrimSpace(q.BankCode)
	if s.requireReader(p) != nil {
		// A bank officer reads their own bank's: bank_code may be left out
		// when they serve one bank.
		scope := s.authz.Scope(p, ActRead, KindReconcile)
		if bank == "" && len(scope.Banks) == 1 {
			bank = scope.Banks[0]
		}
		if scope.Empty() || bank == "" && !scope.All {
			return Reconciliation{}, apperr.Forbiddenf("only finance auditors, administrators and a bank's officers read the reconciliation")
		}
		if !s.authz.Can(p, ActRead, authz.Resource{Kind: KindReconcile, Bank: bank}) {
			return Reconciliation{}, apperr.Forbiddenf("only a bank officer of %s reads its reconciliation", bank)
		}
	}
	var f apperr.Fields
	from, to := s.period(&f, q.From, q.To)
	banks, err := s.store.Names(ctx, ByBank)
	if err != nil {
		return Reconciliation{}, apperr.Contextf(err, "read the banks for the reconciliation")
	}
	if _, ok := banks[bank]; bank != "" && !ok {
		f.Add("bank_code", "is not a bank: use a code listed by GET /api/v1/banks")
	}
	if err := f.Err(); err != nil {
		return Reconciliation{}, err
	}
	return s.reconcile(ctx, banks, bank, from, to)
}

func (s *Service) reconcile(ctx context.Context, banks map[string]string, bank string, from, to time.Time) (Reconciliation, error) {
	pairs, err := s.store.Reconcile(ctx, bank, from, to)
	if err != nil {
		return Reconciliation{}, apperr.Contextf(err, "reconcile bank %q from %s to %s", bank, from.Format(time.DateOnly), to.Format(time.DateOnly))
	}
	return BuildReconciliation(from, to, banks, pairs), nil
}

// BuildReconciliation sorts pairs into matched, missing and different, per bank.
func BuildReconciliation(from, to time.Time, banks map[string]string, pairs []Pair) Reconciliation {
	by := map[string]*BankReconciliation{}
	get := func(code string) *BankReconciliation {
		b, ok := by[code]
		if !ok {
			b = &BankReconciliation{BankCode: code, BankName: banks[code], MissingInBank: []Difference{}, MissingInRecords: []Difference{}, AmountDifferences: []Difference{}}
			by[code] = b
		}
		return b
	}
	for _, p := range pairs {
		b := get(p.BankCode)
		d := Difference{}
		if l := p.Loan; l != nil {
			b.RecordedLoans++
			b.RecordedFen += l.AmountFen
			amt := l.AmountFen
			d = Difference{BankReference: l.BankReference, LoanNumber: l.Number, Name: l.Name, NationalID: l.NationalID, DisbursedOn: l.DisbursedOn, RecordedAmount: &amt}
		}
		if l := p.Line; l != nil {
			b.ReportedLines++
			b.ReportedFen += l.AmountFen
			amt := l.AmountFen
			d.ReportedAmount, d.Row = &amt, l.Row
			if p.Loan == nil {
				d.BankReference, d.Name, d.NationalID, d.DisbursedOn = l.BankReference, l.Name, l.NationalID, l.DisbursedOn
			}
		}
		// Reconciliation readers need the loan and the bank's reference, not
		// the person's full resident ID (personal data stays masked here and
		// in the exports).
		d.NationalID = idnum.Mask(d.NationalID)
		switch {
		case p.Loan == nil:
			b.MissingInRecords = append(b.MissingInRecords, d)
		case p.Line == nil:
			b.MissingInBank = append(b.MissingInBank, d)
		case p.Loan.AmountFen != p.Line.AmountFen:
			b.AmountDifferences = append(b.AmountDifferences, d)
		default:
			b.Matched++
			b.MatchedFen += p.Loan.AmountFen
		}
	}
	r := Reconciliation{From: from, To: to, Banks: []BankReconciliation{}}
	for _, b := range by {
		r.Banks = append(r.Banks, *b)
	}
	sort.Slice(r.Banks, func(i, j int) bool { return r.Banks[i].BankCode < r.Banks[j].BankCode })
	return r
}

// UploadQuery names the bank and the period a list covers.
type UploadQuery = ReconcileQuery

// UploadBankList stores a bank's disbursement list for a period, replacing
// its earlier list of that period, and answers the bank's reconciliation.
// Bank officers upload their own bank's list; auditors and administrators
// any bank's. A dry run answers the reconciliation the list would give and
// keeps nothing.
func (s *Service) UploadBankList(ctx context.Context, p auth.Principal, q UploadQuery, up sheet.Upload, mode sheet.Mode) (Reconciliation, error) {
	if !s.authz.HasAny(p, ActUploadBank, KindReconcile) {
		return Reconciliation{}, apperr.Forbiddenf("only bank officers and administrators upload a bank's list")
	}
	bank := strings.TrimSpace(q.BankCode)
	var f apperr.Fields
	if bank == "" {
		f.Add("bank_code", "is required: the bank whose list this is")
	}
	from, to := s.period(&f, q.From, q.To)
	if err := f.Err(); err != nil {
		return Reconciliation{}, err
	}
	banks, err := s.store.Names(ctx, ByBank)
	if err != nil {
		return Reconciliation{}, apperr.Contextf(err, "read the banks to upload the list of bank %s", bank)
	}
	if _, ok := banks[bank]; !ok {
		return Reconciliation{}, apperr.Field("bank_code", "is not a bank: use a code listed by GET /api/v1/banks")
	}
	if !s.authz.Can(p, ActUploadBank, authz.Resource{Kind: KindReconcile, Bank: bank}) {
		return Reconciliation{}, apperr.Forbiddenf("only a bank officer of %s or an administrator uploads its list", bank)
	}
	lines, err := ParseBankList(up, from, to)
	if err != nil {
		return Reconciliation{}, err
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	var rec Reconciliation
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.ReplaceBankLines(ctx, bank, from, to, lines, p.UserID, now); err != nil {
			return err
		}
		if err := s.audit.Record(ctx, p, "reconciliation.upload", KindReconcile, bank, nil,
			map[string]any{"from": from.Format(time.DateOnly), "to": to.Format(time.DateOnly), "lines": len(lines)}); err != nil {
			return err
		}
		var err error
		if rec, err = s.reconcile(ctx, banks, bank, from, to); err != nil {
			return err
		}
		return mode.Finish()
	})
	if err != nil && !errors.Is(err, sheet.ErrDryRun) {
		return Reconciliation{}, apperr.Contextf(err, "upload the list of bank %s from %s to %s", bank, from.Format(time.DateOnly), to.Format(time.DateOnly))
	}
	return rec, nil
}
