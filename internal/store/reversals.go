package store

import (
	"context"
	"errors"
	"time"

	"chuangdai/internal/apperr"
	"chuangdai/internal/auth"
	"chuangdai/internal/authz"
	"chuangdai/internal/loan"
	"chuangdai/internal/money"
)

type reversalRow struct {
	ID           int64 `gorm:"primaryKey"`
	Kind         string
	LoanID       loan.ID
	TargetID     int64
	DistrictCode string
	BankCode     string
	AmountFen    int64
	InterestFen  int64
	FundFen      int64
	OriginalOn   sqlDate
	Period       string
	Reason       string
	Status       string
	ProposedBy   auth.UserID
	ProposedAt   time.Time
	DecidedBy    *auth.UserID
	DecidedAt    *time.Time
	PostedOn     sqlDate
	Comment      string
}

func (reversalRow) TableName() string { return "reversals" }

func fromReversalRow(r reversalRow) loan.Reversal {
	out := loan.Reversal{
		ID: r.ID, Kind: loan.ReversalKind(r.Kind), LoanID: r.LoanID, TargetID: r.TargetID, DistrictCode: r.DistrictCode, BankCode: r.BankCode,
		Amount: money.FromFen(r.AmountFen), Interest: money.FromFen(r.InterestFen), Fund: money.FromFen(r.FundFen), OriginalOn: r.OriginalOn.Time, Period: r.Period,
		Reason: r.Reason, Status: loan.ReversalStatus(r.Status), ProposedBy: r.ProposedBy, ProposedAt: r.ProposedAt.UTC(),
		DecidedBy: r.DecidedBy, DecidedAt: utcPtr(r.DecidedAt), PostedOn: r.PostedOn.ptr(), Comment: r.Comment,
	}
	return out
}

// Reversals implements loan.ReversalStore.
type Reversals struct{ *DB }

// RepaymentLoan implements loan.ReversalStore.
func (s Reversals) RepaymentLoan(ctx context.Context, id int64) (loan.ID, error) {
	var row repaymentRow
	if err := s.conn(ctx).Select("loan_id").Where("id = ?", id).Take(&row).Error; err != nil {
		return 0, translate(err, "repayment")
	}
	return row.LoanID, nil
}

// RecoveryLoan implements loan.ReversalStore.
func (s Reversals) RecoveryLoan(ctx context.Context, id int64) (loan.ID, error) {
	var row recoveryRow
	if err := s.conn(ctx).Select("loan_id").Where("id = ?", id).Take(&row).Error; err != nil {
		return 0, translate(err, "recovery")
	}
	return row.LoanID, nil
}

// CreateReversal implements loan.ReversalStore.
func (s Reversals) CreateReversal(ctx context.Context, r loan.Reversal) (int64, error) {
	row := reversalRow{Kind: string(r.Kind), LoanID: r.LoanID, TargetID: r.TargetID, DistrictCode: r.DistrictCode, BankCode: r.BankCode,
		OriginalOn: dateOf(r.OriginalOn), Period: r.Period, Reason: r.Reason, Status: string(r.Status), ProposedBy: r.ProposedBy, ProposedAt: r.ProposedAt}
	var err1, err2, err3 error
	row.AmountFen, err1 = money.ToFen(r.Amount)
	row.InterestFen, err2 = money.ToFen(r.Interest)
	row.FundFen, err3 = money.ToFen(r.Fund)
	if err := errors.Join(err1, err2, err3); err != nil {
		return 0, apperr.Wrap(err, "reversal amounts")
	}
	if err := s.conn(ctx).Create(&row).Error; err != nil {
		if apperr.KindOf(translate(err, "")) == apperr.Conflict {
			return 0, apperr.New(apperr.Conflict, "reversal.pending", "a reversal of this posting is already proposed or confirmed")
		}
		return 0, translate(err, "reversal")
	}
	return row.ID, nil
}

// Reversal implements loan.ReversalStore.
func (s Reversals) Reversal(ctx context.Context, id int64) (loan.Reversal, error) {
	q := s.forUpdate(s.conn(ctx).Where("id = ?", id))
	var row reversalRow
	if err := q.Take(&row).Error; err != nil {
		return loan.Reversal{}, translate(err, "reversal")
	}
	r := fromReversalRow(row)
	var num struct{ Number string }
	if err := s.conn(ctx).Model(&loanRow{}).Select("number").Where("id = ?", r.LoanID).Take(&num).Error; err != nil {
		return r, translate(err, "loan")
	}
	r.LoanNumber = num.Number
	return r, nil
}

// DecideReversal implements loan.ReversalStore.
func (s Reversals) DecideReversal(ctx context.Context, r loan.Reversal) error {
	res := s.conn(ctx).Model(&reversalRow{}).Where("id = ? AND status = ?", r.ID, string(loan.RevProposed)).Updates(map[string]any{
		"status": string(r.Status), "decided_by": r.DecidedBy, "decided_at": r.DecidedAt, "posted_on": datePtr(r.PostedOn), "comment": r.Comment,
	})
	if res.Error != nil {
		return translate(res.Error, "reversal")
	}
	if res.RowsAffected == 0 {
		return apperr.New(apperr.Conflict, "reversal.invalid_state", "the reversal was decided by someone else meanwhile: reload it")
	}
	return nil
}

// MarkReversed implements loan.ReversalStore. A subsidy payment has no row
// of its own to mark: the reversal keeps the payment's day and amount, and
// the quarter goes back to checked.
func (s Reversals) MarkReversed(ctx context.Context, r loan.Reversal, at time.Time) error {
	var model any
	switch r.Kind {
	case loan.RevRepayment:
		model = &repaymentRow{}
	case loan.RevRecovery:
		model = &recoveryRow{}
	default:
		return nil
	}
	res := s.conn(ctx).Model(model).Where("id = ? AND reversed_by IS NULL", r.TargetID).
		Updates(map[string]any{"reversed_by": r.ID, "reversed_at": at})
	if res.Error != nil {
		return translate(res.Error, "reversal")
	}
	if res.RowsAffected == 0 {
		return apperr.New(apperr.Conflict, "reversal.already_reversed", "the posting is already reversed")
	}
	return nil
}

// Reversals implements loan.ReversalStore, newest first.
func (s Reversals) Reversals(ctx context.Context, f loan.ReversalFilter, scope authz.ListScope, offset, limit int) ([]loan.Reversal, int64, error) {
	q := scoped(s.conn(ctx).Model(&reversalRow{}), scope, "")
	if f.Status != "" {
		q = q.Where("status = ?", string(f.Status))
	}
	if f.Kind != "" {
		q = q.Where("kind = ?", string(f.Kind))
	}
	if f.LoanID != 0 {
		q = q.Where("loan_id = ?", f.LoanID)
	}
	if f.Kinds != nil {
		kinds := make([]string, len(f.Kinds))
		for i, k := range f.Kinds {
			kinds[i] = string(k)
		}
		if len(kinds) == 0 {
			return nil, 0, nil
		}
		q = q.Where("kind IN ?", kinds)
	}
	if f.NotProposedBy != 0 {
		q = q.Where("proposed_by <> ?", f.NotProposedBy)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, translate(err, "reversals")
	}
	var rows []reversalRow
	if err := page(q.Order("id DESC"), offset, limit).Find(&rows).Error; err != nil {
		return nil, 0, translate(err, "reversals")
	}
	ids := make([]loan.ID, len(rows))
	for i, r := range rows {
		ids[i] = r.LoanID
	}
	numbers := map[loan.ID]string{}
	if len(ids) > 0 {
		var ns []struct {
			ID     loan.ID
			Number string
		}
		if err := s.conn(ctx).Model(&loanRow{}).Select("id, number").Where("id IN ?", ids).Find(&ns).Error; err != nil {
			return nil, 0, translate(err, "reversals")
		}
		for _, n := range ns {
			numbers[n.ID] = n.Number
		}
	}
	out := make([]loan.Reversal, len(rows))
	for i, r := range rows {
		out[i] = fromReversalRow(r)
		out[i].LoanNumber = numbers[r.LoanID]
	}
	return out, total, nil
}
