package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"chuangdai/internal/auth"
	"chuangdai/internal/config"
	"chuangdai/internal/loan"
	"chuangdai/internal/money"
)

// loanRead is a loan's row with its repayments, recoveries and extensions
// as JSON arrays: a loan is read in one statement (issue 16), not four.
type loanRead struct {
	Row            loanRow `gorm:"embedded"`
	RepaymentsJSON []byte  `gorm:"column:repayments_json"`
	RecoveriesJSON []byte  `gorm:"column:recoveries_json"`
	ExtensionsJSON []byte  `gorm:"column:extensions_json"`
}

// loanSelect is the select list of loanRead on engine: loans.* and each
// child table as a JSON array of objects, in the order the loan shows them.
func loanSelect(engine config.Engine) string {
	object, array := "json_build_object", func(obj, order, from string) string {
		return "COALESCE((SELECT json_agg(" + obj + " ORDER BY " + order + ") FROM " + from + " WHERE c.loan_id = loans.id), '[]')"
	}
	if engine == config.SQLite {
		object, array = "json_object", func(obj, order, from string) string {
			return "(SELECT json_group_array(" + obj + " ORDER BY " + order + ") FROM " + from + " WHERE c.loan_id = loans.id)"
		}
	}
	fields := func(cols ...string) string {
		parts := make([]string, len(cols))
		for i, c := range cols {
			parts[i] = "'" + c + "', c." + c
		}
		return object + "(" + strings.Join(parts, ", ") + ")"
	}
	return "loans.*, " + strings.Join([]string{
		array(fields("id", "principal_fen", "interest_fen", "paid_on", "bank_reference", "recorded_by", "created_at", "reversed_by", "reversed_at"),
			"c.paid_on, c.id", "loan_repayments c") + " AS repayments_json",
		array(fields("id", "amount_fen", "fund_fen", "bank_fen", "recovered_on", "note", "recorded_by", "created_at", "reversed_by", "reversed_at"),
			"c.recovered_on, c.id", "loan_recoveries c") + " AS recoveries_json",
		array(fields("id", "old_maturity", "new_maturity", "reason", "state", "proposed_by", "proposed_at", "confirmed_by", "confirmed_at",
			"rejected_by", "rejected_at", "reject_reason"), "c.id", "loan_extensions c") + " AS extensions_json",
	}, ", ")
}

// readLoan reads the loan q selects (its WHERE, and its lock if any), with
// its children, in one statement.
func (s Loans) readLoan(ctx context.Context, q *gorm.DB) (loan.Loan, error) {
	var r loanRead
	if err := q.Table("loans").Select(s.loanSelect).Take(&r).Error; err != nil {
		return loan.Loan{}, translate(err, "loan")
	}
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

// jsonDate is a DATE column inside a JSON aggregate: "YYYY-MM-DD".
type jsonDate struct{ sqlDate }

// UnmarshalJSON implements json.Unmarshaler.
func (d *jsonDate) UnmarshalJSON(b []byte) error {
	var s *string
	if err := json.Unmarshal(b, &s); err != nil {
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
	var s *string
	if err := json.Unmarshal(b, &s); err != nil {
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
