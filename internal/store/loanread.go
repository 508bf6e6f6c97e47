package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"

	"chuangdai/internal/auth"
	"chuangdai/internal/authz"
	"chuangdai/internal/loan"
	"chuangdai/internal/money"
)

// loanRead is a loan's row with its repayments, recoveries and extensions
// as JSON arrays, which the row holds (migration 00038, kept by triggers on
// the child tables): a loan is read in one row by its key (issue 16).
type loanRead struct {
	Row            loanRow `gorm:"embedded"`
	RepaymentsJSON []byte  `gorm:"column:repayments_json"`
	RecoveriesJSON []byte  `gorm:"column:recoveries_json"`
	ExtensionsJSON []byte  `gorm:"column:extensions_json"`
}

// loanRowColumns are the columns of loanRow in the order of its fields: a
// list of loans selects them, not loans.* (the children's arrays are for the
// read of one loan).
var loanRowColumns = []string{"id", "number", "application_id", "external_ref", "status", "version", "borrower_id", "name", "national_id",
	"national_id_hash", "gender", "is_disabled", "is_village_official", "is_returned_overseas_student", "key_group", "borrower_type",
	"industry", "jobs", "jobs_created", "district_code", "bank_code", "principal_fen", "outstanding_fen", "annual_rate_ppm",
	"subsidy_rate_ppm", "borrower_rate_ppm", "subsidy_cap_fen", "subsidy_method", "subsidy_regime_from", "subsidy_central_ppm",
	"subsidy_provincial_ppm", "subsidy_city_ppm", "subsidy_county_ppm", "term_months", "repayment_method", "disbursed_on",
	"disbursed_year", "disbursed_month", "disbursed_quarter", "maturity_date", "bank_reference", "disbursed_by", "days_overdue",
	"overdue_since", "ever_overdue", "checked_on", "settled_on", "compensated_on", "compensation_fen", "fund_share_ppm", "fund_paid_fen",
	"bank_borne_fen", "compensated_by", "recovered_fen", "recovered_fund_fen", "write_off_proposed_by", "write_off_proposed_at",
	"write_off_reason", "write_off_confirmed_by", "written_off_on", "written_off_fen", "written_off_fund_fen", "created_at", "updated_at",
	"original_maturity_date"}

// fields are where the columns of loanRowColumns are scanned, in that order.
func (r *loanRow) fields() []any {
	return []any{&r.ID, &r.Number, &r.ApplicationID, &r.ExternalRef, &r.Status, &r.Version, &r.BorrowerID, &r.Name, &r.NationalID,
		&r.NationalIDHash, &r.Gender, &r.IsDisabled, &r.IsVillageOfficial, &r.IsReturnedOverseasStudent, &r.KeyGroup, &r.BorrowerType,
		&r.Industry, &r.Jobs, &r.JobsCreated, &r.DistrictCode, &r.BankCode, &r.PrincipalFen, &r.OutstandingFen, &r.AnnualRatePPM,
		&r.SubsidyRatePPM, &r.BorrowerRatePPM, &r.SubsidyCapFen, &r.SubsidyMethod, &r.SubsidyRegimeFrom, &r.SubsidyCentralPPM,
		&r.SubsidyProvincialPPM, &r.SubsidyCityPPM, &r.SubsidyCountyPPM, &r.TermMonths, &r.RepaymentMethod, &r.DisbursedOn,
		&r.DisbursedYear, &r.DisbursedMonth, &r.DisbursedQuarter, &r.MaturityDate, &r.BankReference, &r.DisbursedBy, &r.DaysOverdue,
		&r.OverdueSince, &r.EverOverdue, &r.CheckedOn, &r.SettledOn, &r.CompensatedOn, &r.CompensationFen, &r.FundSharePPM, &r.FundPaidFen,
		&r.BankBorneFen, &r.CompensatedBy, &r.RecoveredFen, &r.RecoveredFundFen, &r.WriteOffProposedBy, &r.WriteOffProposedAt,
		&r.WriteOffReason, &r.WriteOffConfirmedBy, &r.WrittenOffOn, &r.WrittenOffFen, &r.WrittenOffFundFen, &r.CreatedAt, &r.UpdatedAt,
		&r.OriginalMaturityDate}
}

// pgxLoanRead is the statement of a loan by id ($1) with its children on
// PostgreSQL through pgx; the scope's condition follows. pgx refuses a
// NULL for a field that cannot hold one where gorm leaves the zero value:
// national_id_hash is nullable (migration 00019 added it; a row written by
// SQL may have none), and is read as gorm reads it.
func pgxLoanRead() string {
	cols := make([]string, len(loanRowColumns))
	for i, c := range loanRowColumns {
		cols[i] = "loans." + c
		if c == "national_id_hash" {
			cols[i] = "COALESCE(loans.national_id_hash, '')"
		}
	}
	return "SELECT " + strings.Join(cols, ", ") + ", loans.repayments_json, loans.recoveries_json, loans.extensions_json FROM loans WHERE loans.id = $1"
}

// getDirect is Get through pgx (see pgxread.go).
func (s Loans) getDirect(ctx context.Context, scope authz.ListScope, id loan.ID) (loan.Loan, error) {
	cond, args := pgxScoped(scope, "borrower_id", []any{id})
	var r loanRead
	err := s.withPgx(ctx, "loan", func(ctx context.Context, c *pgx.Conn) error {
		return c.QueryRow(ctx, s.pgxLoanRead+cond, args...).Scan(planned{"chuangdai.loan", append(r.Row.fields(), &r.RepaymentsJSON, &r.RecoveriesJSON, &r.ExtensionsJSON)})
	})
	if err != nil {
		return loan.Loan{}, err
	}
	return s.fromLoanRead(r)
}

// readLoan reads the loan q selects (its WHERE, and its lock if any), with
// its children, in one statement, through gorm.
func (s Loans) readLoan(ctx context.Context, q *gorm.DB) (loan.Loan, error) {
	var r loanRead
	if err := q.Table("loans").Take(&r).Error; err != nil {
		return loan.Loan{}, translate(err, "loan")
	}
	return s.fromLoanRead(r)
}

// fromLoanRead is the loan of r with its children.
func (s Loans) fromLoanRead(r loanRead) (loan.Loan, error) {
	l, err := s.fromLoanRow(r.Row)
	if err != nil {
		return l, err
	}
	var reps []struct {
		ID            int64        `json:"id"`
		PrincipalFen  int64        `json:"principal_fen"`
		InterestFen   int64        `json:"interest_fen"`
		PaidOn        jsonDate     `json:"paid_on"`
		BankReference string       `json:"bank_reference"`
		RecordedBy    *auth.UserID `json:"recorded_by"`
		CreatedAt     jsonTime     `json:"created_at"`
		ReversedBy    *int64       `json:"reversed_by"`
		ReversedAt    jsonTime     `json:"reversed_at"`
	}
	var recs []struct {
		ID          int64        `json:"id"`
		AmountFen   int64        `json:"amount_fen"`
		FundFen     int64        `json:"fund_fen"`
		BankFen     int64        `json:"bank_fen"`
		RecoveredOn jsonDate     `json:"recovered_on"`
		Note        string       `json:"note"`
		RecordedBy  *auth.UserID `json:"recorded_by"`
		CreatedAt   jsonTime     `json:"created_at"`
		ReversedBy  *int64       `json:"reversed_by"`
		ReversedAt  jsonTime     `json:"reversed_at"`
	}
	var exts []struct {
		ID           int64        `json:"id"`
		OldMaturity  jsonDate     `json:"old_maturity"`
		NewMaturity  jsonDate     `json:"new_maturity"`
		Reason       string       `json:"reason"`
		State        string       `json:"state"`
		ProposedBy   auth.UserID  `json:"proposed_by"`
		ProposedAt   jsonTime     `json:"proposed_at"`
		ConfirmedBy  *auth.UserID `json:"confirmed_by"`
		ConfirmedAt  jsonTime     `json:"confirmed_at"`
		RejectedBy   *auth.UserID `json:"rejected_by"`
		RejectedAt   jsonTime     `json:"rejected_at"`
		RejectReason *string      `json:"reject_reason"`
	}
	for _, c := range []struct {
		what string
		raw  []byte
		into any
	}{{"repayments", r.RepaymentsJSON, &reps}, {"recoveries", r.RecoveriesJSON, &recs}, {"extensions", r.ExtensionsJSON, &exts}} {
		// Most loans have no recoveries and no extensions, many no
		// repayment yet: an empty array leaves the slice as it is.
		if string(c.raw) == "[]" {
			continue
		}
		if err := json.Unmarshal(c.raw, c.into); err != nil {
			return l, fmt.Errorf("read the %s of loan %d: %w", c.what, l.ID, err)
		}
	}
	for _, x := range reps {
		l.Repayments = append(l.Repayments, loan.Repayment{
			ID: x.ID, LoanID: l.ID, Principal: money.FromFen(x.PrincipalFen), Interest: money.FromFen(x.InterestFen),
			PaidOn: x.PaidOn.Time, BankReference: x.BankReference, RecordedBy: userOf(x.RecordedBy), CreatedAt: x.CreatedAt.Time,
			ReversedBy: x.ReversedBy, ReversedAt: x.ReversedAt.ptr(),
		})
	}
	for _, x := range recs {
		l.Recoveries = append(l.Recoveries, loan.Recovery{
			ID: x.ID, LoanID: l.ID, Amount: money.FromFen(x.AmountFen), Fund: money.FromFen(x.FundFen), Bank: money.FromFen(x.BankFen),
			RecoveredOn: x.RecoveredOn.Time, Note: x.Note, RecordedBy: userOf(x.RecordedBy), CreatedAt: x.CreatedAt.Time,
			ReversedBy: x.ReversedBy, ReversedAt: x.ReversedAt.ptr(),
		})
	}
	l.Extensions = make([]loan.Extension, len(exts))
	for i, x := range exts {
		l.Extensions[i] = loan.Extension{ID: x.ID, LoanID: l.ID, OldMaturity: x.OldMaturity.Time, NewMaturity: x.NewMaturity.Time, Reason: x.Reason,
			State: loan.ExtensionState(x.State), ProposedBy: x.ProposedBy, ProposedAt: x.ProposedAt.Time, ConfirmedBy: x.ConfirmedBy,
			ConfirmedAt: x.ConfirmedAt.ptr(), RejectedBy: x.RejectedBy, RejectedAt: x.RejectedAt.ptr(), RejectReason: deref(x.RejectReason)}
	}
	return l, nil
}

// jsonString is the JSON string or null b as json.Unmarshal reads it into
// a *string. A date or a timestamp holds no escape: such a string is taken
// as it stands, without the decoder's second pass over it.
func jsonString(b []byte) (*string, error) {
	if string(b) == "null" {
		return nil, nil
	}
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' && bytes.IndexByte(b[1:len(b)-1], '\\') < 0 && bytes.IndexByte(b[1:len(b)-1], '"') < 0 {
		s := string(b[1 : len(b)-1])
		return &s, nil
	}
	var s *string
	err := json.Unmarshal(b, &s)
	return s, err
}

// jsonDate is a DATE column inside a JSON aggregate: "YYYY-MM-DD".
type jsonDate struct{ sqlDate }

// UnmarshalJSON implements json.Unmarshaler.
func (d *jsonDate) UnmarshalJSON(b []byte) error {
	s, err := jsonString(b)
	if err != nil {
		return err
	}
	if s == nil {
		d.Time = time.Time{}
		return nil
	}
	return d.parse(*s)
}

// jsonTime is a timestamp column inside a JSON aggregate, in UTC: RFC 3339
// from PostgreSQL, the driver's own text from SQLite.
type jsonTime struct{ time.Time }

// timeLayouts are the ways a timestamp reaches a JSON aggregate.
var timeLayouts = []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999"}

// UnmarshalJSON implements json.Unmarshaler.
func (t *jsonTime) UnmarshalJSON(b []byte) error {
	s, err := jsonString(b)
	if err != nil {
		return err
	}
	if s == nil {
		t.Time = time.Time{}
		return nil
	}
	v := strings.TrimSuffix(*s, "Z")
	if v != *s {
		v += "+00:00"
	}
	for _, layout := range timeLayouts {
		if x, err := time.Parse(layout, v); err == nil {
			t.Time = x.UTC()
			return nil
		}
	}
	return fmt.Errorf("timestamp %q", *s)
}

func (t jsonTime) ptr() *time.Time {
	if t.IsZero() {
		return nil
	}
	v := t.Time
	return &v
}
