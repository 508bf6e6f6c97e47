package application

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"chuangdai/internal/apperr"
	"chuangdai/internal/idnum"
	"chuangdai/internal/listing"
	"chuangdai/internal/money"
	"chuangdai/internal/msg"
	"chuangdai/internal/policy"
)

// Input is an application as the applicant writes it: amounts are still text.
type Input struct {
	BorrowerType string
	Name         string
	NationalID   string
	Phone        string
	KeyGroup     string
	DistrictCode string
	BankCode     string
	Amount       string
	TermMonths   int
	BusinessName string
	Industry     string
	Purpose      string
	JobsPlanned  int
	Partners     []Partner
	Enterprise   *FirmInput
	OtherLoans   []OtherLoanInput
	Flags
	// NotEmployed declares that the applicant is not employed by an
	// organisation; nil when not sent.
	NotEmployed *bool
}

// FirmInput is the enterprise part of an application.
type FirmInput struct {
	Name             string
	CreditCode       string
	Employees        int
	NewKeyGroupHires int
}

// OtherLoanInput is one declared other loan.
type OtherLoanInput struct {
	Holder  string
	Kind    string
	Balance string
}

// InputOf turns stored fields back into input, so that an edit can change
// some fields and have the whole application checked again.
func InputOf(f Fields) Input {
	in := Input{
		BorrowerType: string(f.BorrowerType), Name: f.Name, NationalID: f.NationalID, Phone: f.Phone,
		KeyGroup: f.KeyGroup, DistrictCode: f.DistrictCode, BankCode: f.BankCode,
		TermMonths: f.TermMonths, BusinessName: f.BusinessName, Industry: f.Industry, Purpose: f.Purpose,
		JobsPlanned: f.JobsPlanned, Partners: slices.Clone(f.Partners), Flags: f.Flags, NotEmployed: f.NotEmployed,
	}
	if !f.Amount.IsZero() {
		// A half-filled draft has no amount yet.
		in.Amount = money.Format(f.Amount)
	}
	if e := f.Enterprise; e != nil {
		in.Enterprise = &FirmInput{Name: e.Name, CreditCode: e.CreditCode, Employees: e.Employees, NewKeyGroupHires: e.NewKeyGroupHires}
	}
	for _, l := range f.OtherLoans {
		in.OtherLoans = append(in.OtherLoans, OtherLoanInput{Holder: l.Holder, Kind: l.Kind, Balance: money.Format(l.Balance)})
	}
	return in
}

var districtPattern = regexp.MustCompile(`^[0-9]{6}$`)

// Limits of free text and lists.
const (
	maxName       = 100
	maxText       = 200
	maxPurpose    = 2000
	maxPartners   = 50
	maxOtherLoans = 20
)

// Validate checks everything about an application that needs no database,
// with the policy version in force on day (the application date), and
// returns the normalised fields. Every bad field is added to f; the result
// is meaningful only when f stays empty.
func Validate(v policy.Version, day time.Time, in Input, f *apperr.Fields) Fields {
	return check(v, day, in, &checker{f: f})
}

// ValidateDraft checks a draft saved half-filled: each field given must be
// well-formed (a resident ID number's checksum, an amount's form, a known
// code, a length), an absent one is allowed and listed in missing, in the
// order of the form (see FormOrder). The rules that weigh the fields
// against the policy and each other (caps, terms, working age, the hiring
// ratio, the declaration of not being employed, the partners' number,
// duplicates and lead, the other loans allowed) wait for the submission,
// which checks everything.
func ValidateDraft(v policy.Version, day time.Time, in Input, f *apperr.Fields) (Fields, []string) {
	c := &checker{f: f, draft: true}
	out := check(v, day, in, c)
	FormOrder(c.missing)
	return out, c.missing
}

// checker collects the field errors of a validation and, for a draft, the
// fields it leaves for later.
type checker struct {
	f       *apperr.Fields
	draft   bool
	missing []string
}

// later reports whether field is left for later: in a draft an empty field
// is listed as missing and not checked; a complete application checks it.
func (c *checker) later(field string, empty bool) bool {
	if c.draft && empty {
		c.missing = append(c.missing, field)
		return true
	}
	return false
}

// formFields is the order of the apply form, in which missing fields are
// listed ([] stands for an index).
var formFields = []string{
	"borrower_type", "name", "national_id", "phone", "key_group",
	"partners", "partners[].name", "partners[].national_id", "partners[].key_group",
	"enterprise", "enterprise.name", "enterprise.credit_code", "enterprise.employees", "enterprise.new_key_group_hires",
	"district_code", "bank_code", "amount", "term_months",
	"other_loans[].holder", "other_loans[].kind", "other_loans[].balance",
}

var indexPattern = regexp.MustCompile(`\[([0-9]+)\]`)

// FormOrder sorts field paths in the order of the apply form: the items of
// a list (partners[1].name) by their index, each item's fields in order.
func FormOrder(fields []string) {
	type key struct{ section, index, at int }
	keyOf := func(field string) key {
		generic := indexPattern.ReplaceAllString(field, "[]")
		k := key{index: -1, at: slices.Index(formFields, generic)}
		if k.at < 0 {
			k.at = len(formFields)
		}
		k.section = k.at
		if m := indexPattern.FindStringSubmatch(field); m != nil {
			k.index, _ = strconv.Atoi(m[1])
			list, _, _ := strings.Cut(generic, "[]")
			k.section = slices.IndexFunc(formFields, func(f string) bool { return strings.HasPrefix(f, list+"[]") })
		}
		return k
	}
	slices.SortStableFunc(fields, func(a, b string) int {
		ka, kb := keyOf(a), keyOf(b)
		if ka.section != kb.section {
			return ka.section - kb.section
		}
		if ka.index != kb.index {
			return ka.index - kb.index
		}
		return ka.at - kb.at
	})
}

func check(v policy.Version, day time.Time, in Input, c *checker) Fields {
	f := c.f
	out := Fields{
		BorrowerType: BorrowerType(strings.TrimSpace(in.BorrowerType)),
		Name:         strings.TrimSpace(in.Name),
		Phone:        strings.TrimSpace(in.Phone),
		KeyGroup:     strings.TrimSpace(in.KeyGroup),
		DistrictCode: strings.TrimSpace(in.DistrictCode),
		BankCode:     strings.TrimSpace(in.BankCode),
		TermMonths:   in.TermMonths,
		BusinessName: strings.TrimSpace(in.BusinessName),
		Industry:     strings.TrimSpace(in.Industry),
		Purpose:      strings.TrimSpace(in.Purpose),
		JobsPlanned:  in.JobsPlanned,
		Flags:        in.Flags,
		NotEmployed:  in.NotEmployed,
	}
	typeOK := slices.Contains(BorrowerTypes, out.BorrowerType)
	if !c.later("borrower_type", out.BorrowerType == "") {
		CheckBorrowerType(f, out.BorrowerType)
	}
	if !c.later("name", out.Name == "") {
		CheckName(f, out.Name)
	}
	if !c.later("national_id", strings.TrimSpace(in.NationalID) == "") {
		if r, ok := checkPerson(v, day, f, "", in.NationalID, out.BorrowerType != Enterprise && !c.draft); ok {
			out.NationalID, out.BirthDate, out.Female = r.Number, r.Birth, r.Female
		}
	}
	switch {
	case c.later("phone", out.Phone == ""):
	case out.Phone == "":
		f.Add("phone", "is required: a number the officers can call")
	case !idnum.ValidPhone(out.Phone):
		f.Add("phone", "must be a phone number of 6 to 20 digits, such as 13800138000")
	}
	// An enterprise needs no key group: a draft's empty one is missing for the others only.
	if out.BorrowerType == Enterprise || !c.later("key_group", out.KeyGroup == "") {
		CheckKeyGroup(f, out.BorrowerType, out.KeyGroup)
	}
	if !c.later("district_code", out.DistrictCode == "") && !districtPattern.MatchString(out.DistrictCode) {
		f.Add("district_code", "must be the 6-digit code of the district where the business is, such as 411282")
	}
	if !c.later("bank_code", out.BankCode == "") && out.BankCode == "" {
		f.Add("bank_code", "is required: the code of the handling bank, such as ICBC-SMX")
	}
	optionalText(f, "business_name", out.BusinessName, maxText)
	optionalText(f, "industry", out.Industry, maxText)
	optionalText(f, "purpose", out.Purpose, maxPurpose)
	if out.JobsPlanned < 0 || out.JobsPlanned > 100_000 {
		f.Add("jobs_planned", "must be a whole number from 0")
	}

	var amount decimal.Decimal
	var amountErr error
	if !c.later("amount", strings.TrimSpace(in.Amount) == "") {
		amount, amountErr = money.ParsePositive(strings.TrimSpace(in.Amount))
		if amountErr != nil {
			f.AddErr("amount", amountErr)
		}
	}
	out.Amount = amount

	if (out.BorrowerType == Individual || out.BorrowerType == Partnership) && !c.draft {
		checkNotEmployed(f, "not_employed", out.NotEmployed)
	}
	out.Partners = checkPartners(v, day, c, out.BorrowerType, in.Partners)
	if c.draft {
		out.Enterprise = checkFirm(v, c, out.BorrowerType, in.Enterprise)
		out.OtherLoans = checkOtherLoans(v, c, in.OtherLoans)
		switch {
		case c.later("term_months", out.TermMonths == 0):
		case out.TermMonths < 1:
			f.Add("term_months", "must be at least 1 month")
		}
		return out
	}
	if out.BorrowerType == Partnership && out.NationalID != "" && len(out.Partners) > 0 &&
		!slices.ContainsFunc(out.Partners, func(p Partner) bool { return p.NationalID == out.NationalID }) {
		f.Add("partners", "must list the lead applicant (the national_id of the application) as one of the partners")
	}
	out.Enterprise = checkFirm(v, c, out.BorrowerType, in.Enterprise)
	out.OtherLoans = checkOtherLoans(v, c, in.OtherLoans)

	if typeOK {
		limit, maxTerm := Limits(v, out.BorrowerType, len(out.Partners))
		if amountErr == nil && amount.GreaterThan(limit) && !f.Has("partners") {
			f.Addf("amount", "is above the cap of %s for %s loans", msg.Money(limit), msg.Label("borrower_type", out.BorrowerType))
		}
		if out.TermMonths < 1 || out.TermMonths > maxTerm {
			f.Addf("term_months", "must be from 1 to %d months for %s loans", maxTerm, msg.Label("borrower_type", out.BorrowerType))
		}
	} else if out.TermMonths < 1 {
		f.Add("term_months", "must be at least 1 month")
	}
	return out
}

// CheckBorrowerType checks the borrower type of an application or of an
// imported loan and reports whether it is known.
func CheckBorrowerType(f *apperr.Fields, t BorrowerType) bool {
	if slices.Contains(BorrowerTypes, t) {
		return true
	}
	f.Addf("borrower_type", "must be one of %s", msg.OneOf("borrower_type", BorrowerTypes...))
	return false
}

// CheckName checks the borrower's name of an application or of an imported
// loan.
func CheckName(f *apperr.Fields, name string) { requireText(f, "name", name, maxName) }

// CheckKeyGroup checks the key group of a borrower of type t: one of
// KeyGroups, required but of an enterprise.
func CheckKeyGroup(f *apperr.Fields, t BorrowerType, keyGroup string) {
	switch {
	case keyGroup == "" && t == Enterprise:
	case keyGroup == "":
		f.Addf("key_group", "is required: one of %s", msg.OneOf("key_group", KeyGroups...))
	case !slices.Contains(KeyGroups, keyGroup):
		f.Addf("key_group", "must be one of %s", msg.OneOf("key_group", KeyGroups...))
	}
}

// Limits returns the amount cap and the longest term for a borrower type
// under policy version v; partners counts the partners of a partnership.
func Limits(v policy.Version, t BorrowerType, partners int) (decimal.Decimal, int) {
	switch t {
	case Partnership:
		c := money.RoundFen(v.Partnership.Factor.Mul(decimal.NewFromInt(int64(partners))).Mul(v.Individual.Cap.Decimal))
		if c.GreaterThan(v.Partnership.Cap.Decimal) {
			c = v.Partnership.Cap.Decimal
		}
		return c, v.Partnership.MaxTermMonths
	case Enterprise:
		return v.Enterprise.Cap.Decimal, v.Enterprise.MaxTermMonths
	}
	return v.Individual.Cap.Decimal, v.Individual.MaxTermMonths
}

// SubsidyCap is the most principal of a loan the interest subsidy is
// computed on under policy version v: the cap of its borrower type, so a
// partnership of partners persons is subsidised on its whole principal up to
// its own computed cap (110% × partners × the individual cap, never above
// the partnership cap), an individual up to the subsidy's individual cap and
// an enterprise up to its enterprise cap. Worked example (default policy):
// 2 partners → 1.1 × 2 × 300,000.00 = 660,000.00.
func SubsidyCap(v policy.Version, t BorrowerType, partners int) decimal.Decimal {
	switch t {
	case Partnership:
		c, _ := Limits(v, Partnership, partners)
		return c
	case Enterprise:
		return v.Subsidy.CapEnterprise.Decimal
	}
	return v.Subsidy.CapIndividual.Decimal
}

// checkNotEmployed checks a person's declaration of not being employed by
// an organisation (机关、事业单位、企业等在职人员): a person who declares
// being employed is refused. The declaration is optional on the wire, as
// API.md's application body has no such field: nil is "not declared",
// kept as such and shown to the officers (the web form always asks it).
func checkNotEmployed(f *apperr.Fields, field string, v *bool) {
	if v != nil && !*v {
		f.Add(field, "is false: people employed by an organisation (机关、事业单位、企业等在职人员) are not eligible for this loan")
	}
}

func requireText(f *apperr.Fields, field, s string, max int) {
	if s == "" {
		f.Add(field, "is required")
		return
	}
	optionalText(f, field, s, max)
}

func optionalText(f *apperr.Fields, field, s string, max int) {
	if len([]rune(s)) > max {
		f.Addf(field, "must be at most %d characters", max)
	}
}

// checkPerson validates a resident ID number and, when workingAge is set,
// that its holder is of working age on day. prefix is the JSON path of the
// object holding national_id ("" or "partners[1].").
func checkPerson(v policy.Version, day time.Time, f *apperr.Fields, prefix, nationalID string, workingAge bool) (idnum.Resident, bool) {
	field := prefix + "national_id"
	if strings.TrimSpace(nationalID) == "" {
		f.Add(field, "is required: the 18-character resident ID number")
		return idnum.Resident{}, false
	}
	r, err := idnum.ParseResident(nationalID)
	if err != nil {
		f.Addf(field, "is not a valid resident ID number: %s", err)
		return r, false
	}
	if !workingAge {
		return r, true
	}
	if age := r.AgeOn(day); age < v.WorkingAge.Min || age > v.WorkingAge.Max {
		f.Addf(field, "belongs to a person aged %d on %s: applicants must be of working age, %d to %d",
			age, day.Format(time.DateOnly), v.WorkingAge.Min, v.WorkingAge.Max)
		return r, false
	}
	return r, true
}

func checkPartners(v policy.Version, day time.Time, c *checker, t BorrowerType, in []Partner) []Partner {
	f := c.f
	if t != Partnership {
		if len(in) > 0 {
			f.Add("partners", "are only for a partnership: remove them or set borrower_type to partnership")
		}
		return nil
	}
	switch {
	case c.later("partners", len(in) < 2):
	case len(in) < 2:
		f.Add("partners", "must list at least 2 partners, the lead applicant included")
	case len(in) > maxPartners:
		f.Addf("partners", "may list at most %d partners", maxPartners)
	}
	out := make([]Partner, len(in))
	seen := map[string]int{}
	for i, p := range in {
		prefix := "partners[" + strconv.Itoa(i) + "]."
		out[i] = Partner{Name: strings.TrimSpace(p.Name), KeyGroup: strings.TrimSpace(p.KeyGroup), NotEmployed: p.NotEmployed}
		if !c.later(prefix+"name", out[i].Name == "") {
			requireText(f, prefix+"name", out[i].Name, maxName)
		}
		if !c.draft {
			checkNotEmployed(f, prefix+"not_employed", p.NotEmployed)
		}
		if !c.later(prefix+"key_group", out[i].KeyGroup == "") && !slices.Contains(KeyGroups, out[i].KeyGroup) {
			f.Addf(prefix+"key_group", "must be one of %s", msg.OneOf("key_group", KeyGroups...))
		}
		if c.later(prefix+"national_id", strings.TrimSpace(p.NationalID) == "") {
			continue
		}
		r, ok := checkPerson(v, day, f, prefix, p.NationalID, !c.draft)
		if !ok {
			continue
		}
		out[i].NationalID = r.Number
		if c.draft {
			continue
		}
		if j, dup := seen[r.Number]; dup {
			f.Addf(prefix+"national_id", "is the same person as partners[%d]: list each partner once", j)
		}
		seen[r.Number] = i
	}
	return out
}

func checkFirm(v policy.Version, c *checker, t BorrowerType, in *FirmInput) *Firm {
	f := c.f
	if t != Enterprise {
		if in != nil {
			f.Add("enterprise", "is only for an enterprise borrower: remove it or set borrower_type to enterprise")
		}
		return nil
	}
	if c.later("enterprise", in == nil) {
		return nil
	}
	if in == nil {
		f.Add("enterprise", "is required for an enterprise: name, credit_code, employees and new_key_group_hires")
		return nil
	}
	out := &Firm{Name: strings.TrimSpace(in.Name), Employees: in.Employees, NewKeyGroupHires: in.NewKeyGroupHires}
	if !c.later("enterprise.name", out.Name == "") {
		requireText(f, "enterprise.name", out.Name, maxText)
	}
	if !c.later("enterprise.credit_code", strings.TrimSpace(in.CreditCode) == "") {
		if code, err := idnum.CheckCreditCode(in.CreditCode); err != nil {
			f.Addf("enterprise.credit_code", "is not a valid unified social credit code: %s", err)
		} else {
			out.CreditCode = code
		}
	}
	if c.later("enterprise.employees", out.Employees == 0) {
		return out
	}
	if out.Employees < 1 {
		f.Add("enterprise.employees", "must be at least 1")
		return out
	}
	if c.draft {
		if out.NewKeyGroupHires < 0 {
			f.Add("enterprise.new_key_group_hires", "must be from 0 to the number of employees")
		}
		return out
	}
	if out.NewKeyGroupHires < 0 || out.NewKeyGroupHires > out.Employees {
		f.Add("enterprise.new_key_group_hires", "must be from 0 to the number of employees")
		return out
	}
	ratio := v.Enterprise.HireRatio.Decimal
	if out.Employees > v.Enterprise.LargeStaffAbove {
		ratio = v.Enterprise.HireRatioLarge.Decimal
	}
	need := ratio.Mul(decimal.NewFromInt(int64(out.Employees)))
	if decimal.NewFromInt(int64(out.NewKeyGroupHires)).LessThan(need) {
		f.Addf("enterprise.new_key_group_hires", "must be at least %s of the %d employees (%s people): key-group hires of the past year are too few",
			msg.Percent(ratio), out.Employees, need.Ceil().String())
	}
	return out
}

func checkOtherLoans(v policy.Version, c *checker, in []OtherLoanInput) []OtherLoan {
	f := c.f
	if len(in) > maxOtherLoans {
		f.Addf("other_loans", "may list at most %d loans", maxOtherLoans)
		return nil
	}
	var out []OtherLoan
	for i, l := range in {
		prefix := "other_loans[" + strconv.Itoa(i) + "]."
		holder, kind := strings.TrimSpace(l.Holder), strings.TrimSpace(l.Kind)
		if !c.later(prefix+"holder", holder == "") && !slices.Contains(OtherLoanHolders, holder) {
			f.Addf(prefix+"holder", "must be one of %s", msg.OneOf("holder", OtherLoanHolders...))
		}
		balance, err := money.Parse(strings.TrimSpace(l.Balance))
		switch {
		case err != nil:
			f.AddErr(prefix+"balance", err)
		case balance.IsNegative():
			f.Add(prefix+"balance", "must not be negative")
		}
		switch {
		case c.later(prefix+"kind", kind == ""):
		case !slices.Contains(OtherLoanKinds, kind):
			f.Addf(prefix+"kind", "must be one of %s", msg.OneOf("other_loan_kind", OtherLoanKinds...))
		case c.draft:
		case !v.AllowsOtherLoan(kind):
			f.Addf(prefix+"kind", "%s loans are not allowed: applicants and spouses may hold only these loans: %s",
				msg.Label("other_loan_kind", kind), msg.OneOf("other_loan_kind", v.AllowedOtherLoans...))
		case kind == "consumer" && err == nil && balance.GreaterThan(v.ConsumerCreditLimit.Decimal):
			f.Addf(prefix+"balance", "is consumer credit of %s: only consumer credit of at most %s is allowed",
				msg.Money(balance), msg.Money(v.ConsumerCreditLimit.Decimal))
		}
		out = append(out, OtherLoan{Holder: holder, Kind: kind, Balance: balance})
	}
	return out
}

// CheckHistory is the one rule about what a person already holds, as the
// lead or as a partner of a partnership: one open application or loan at a
// time, at most max_loans_per_person subsidised loans in total, and none
// ever overdue. It answers 422 on field, the JSON path of the person's
// national_id ("national_id", "partners[1].national_id").
func CheckHistory(v policy.Version, field string, h History) error {
	var f apperr.Fields
	switch {
	case h.OpenApplications > 0:
		f.Add(field, "already has an application in progress: finish or withdraw it before applying again")
	case h.OpenLoans > 0:
		f.Add(field, "already has a loan that is not repaid: repay it before applying again")
	case h.AnyOverdue:
		f.Add(field, "has had an overdue loan: a new subsidised loan cannot be granted")
	case h.LoansHeld >= v.MaxLoansPerPerson:
		f.Addf(field, "has already held %d subsidised loans: at most %d are allowed", h.LoansHeld, v.MaxLoansPerPerson)
	}
	return f.Err()
}

// Contract is what the bank sets when it approves.
type Contract struct {
	Amount     decimal.Decimal
	Rate       decimal.Decimal
	TermMonths int
}

// ContractInput is the bank's approval as written.
type ContractInput struct {
	ApprovedAmount *string
	AnnualRate     *string
	TermMonths     *int
}

// Given reports whether any contract field was sent.
func (c ContractInput) Given() bool {
	return c.ApprovedAmount != nil || c.AnnualRate != nil || c.TermMonths != nil
}

// CheckContract validates the bank's contract for a on day: amount above 0
// and at most the requested amount, rate above 0 and at most the LPR in
// force on day plus the policy's spread, term within the borrower type's
// longest term.
func CheckContract(p *policy.Policy, day time.Time, a Application, in ContractInput) (Contract, error) {
	var f apperr.Fields
	var c Contract
	v, noVersion := p.At(day)
	if in.ApprovedAmount == nil {
		f.Add("approved_amount", "is required to approve at the bank stage")
	} else if d, err := money.ParsePositive(*in.ApprovedAmount); err != nil {
		f.AddErr("approved_amount", err)
	} else if d.GreaterThan(a.Amount) {
		f.Addf("approved_amount", "must not exceed the requested amount %s", msg.Money(a.Amount))
	} else {
		c.Amount = d
	}
	if in.AnnualRate == nil {
		f.Add("annual_rate", "is required to approve at the bank stage, as a decimal fraction such as \"0.0395\"")
	} else if r, err := money.ParseRate(*in.AnnualRate); err != nil {
		f.AddErr("annual_rate", err)
	} else if !r.IsPositive() {
		f.Add("annual_rate", "must be above 0")
	} else if limit, err := p.RateCap(day); err != nil {
		f.AddErr("annual_rate", err)
	} else if r.GreaterThan(limit) {
		lpr, _ := p.LPR(day) // known once RateCap answered
		f.Addf("annual_rate", "must not exceed %s on %s (one-year LPR %s + %d bp); %s was sent: rates are decimal fractions, 0.0395 for 3.95%%",
			msg.Percent(limit), day.Format(time.DateOnly), msg.Percent(lpr), v.RateCapOverLPRbp, msg.Percent(r))
	} else {
		c.Rate = r
	}
	_, maxTerm := Limits(v, a.BorrowerType, len(a.Partners))
	if in.TermMonths == nil {
		f.Add("term_months", "is required to approve at the bank stage")
	} else if noVersion != nil {
		f.AddErr("term_months", noVersion)
	} else if *in.TermMonths < 1 || *in.TermMonths > maxTerm {
		f.Addf("term_months", "must be from 1 to %d months for %s loans", maxTerm, msg.Label("borrower_type", a.BorrowerType))
	} else {
		c.TermMonths = *in.TermMonths
	}
	return c, f.Err()
}

// ParseFilter reads a queue's query parameters (status — one or several
// separated by commas, district_code, bank_code, key_group, borrower_type,
// from, to, q, late, sort) through get, adding a field error for each bad value.
func ParseFilter(get func(name string) string, f *apperr.Fields) Filter {
	out := Filter{
		Statuses:     listing.Values(get("status"), "status", "status", Statuses, f),
		Sort:         listing.ParseSort(get("sort"), SortKeys, f),
		DistrictCode: strings.TrimSpace(get("district_code")),
		BankCode:     strings.TrimSpace(get("bank_code")),
		KeyGroup:     strings.TrimSpace(get("key_group")),
		BorrowerType: BorrowerType(strings.TrimSpace(get("borrower_type"))),
		Query:        strings.TrimSpace(get("q")),
	}
	if out.DistrictCode != "" && !districtPattern.MatchString(out.DistrictCode) {
		f.Add("district_code", "must be a 6-digit district code, such as 411282")
	}
	if len(out.BankCode) > 32 {
		f.Add("bank_code", "must be at most 32 characters")
	}
	if out.KeyGroup != "" && !slices.Contains(KeyGroups, out.KeyGroup) {
		f.Addf("key_group", "must be one of %s", msg.OneOf("key_group", KeyGroups...))
	}
	if out.BorrowerType != "" && !slices.Contains(BorrowerTypes, out.BorrowerType) {
		f.Addf("borrower_type", "must be one of %s", msg.OneOf("borrower_type", BorrowerTypes...))
	}
	switch v := strings.TrimSpace(get("late")); v {
	case "":
	case "true", "false":
		late := v == "true"
		out.Late = &late
	default:
		f.Add("late", "must be true or false")
	}
	if len([]rune(out.Query)) > 100 {
		f.Add("q", "must be at most 100 characters")
	}
	if r, err := idnum.ParseResident(out.Query); err == nil {
		out.NationalID = r.Number
	}
	var from, to time.Time
	for _, d := range []struct {
		name string
		dst  *string
		day  *time.Time
	}{{"from", &out.SubmittedFrom, &from}, {"to", &out.SubmittedTo, &to}} {
		v := strings.TrimSpace(get(d.name))
		if v == "" {
			continue
		}
		t, err := ParseDay(v)
		if err != nil {
			f.Add(d.name, "must be a date YYYY-MM-DD (the day of submission)")
			continue
		}
		*d.dst, *d.day = v, t
	}
	if !from.IsZero() && !to.IsZero() && to.Before(from) {
		f.Add("to", "must not be before from")
	}
	return out
}
