package store

import (
	"context"
	"time"

	"chuangdai/internal/apperr"
	"chuangdai/internal/auth"
	"chuangdai/internal/loan"
)

// extensionRow is a loan's extension (展期, migration 00025).
type extensionRow struct {
	ID           int64 `gorm:"primaryKey"`
	LoanID       loan.ID
	OldMaturity  sqlDate
	NewMaturity  sqlDate
	Reason       string
	State        string
	ProposedBy   auth.UserID
	ProposedAt   time.Time
	ConfirmedBy  *auth.UserID
	ConfirmedAt  *time.Time
	RejectedBy   *auth.UserID
	RejectedAt   *time.Time
	RejectReason *string
}

func (extensionRow) TableName() string { return "loan_extensions" }

// AddExtension implements loan.Store: the partial unique index on open
// proposals makes a second one a conflict.
func (s Loans) AddExtension(ctx context.Context, e loan.Extension) (int64, error) {
	row := extensionRow{LoanID: e.LoanID, OldMaturity: dateOf(e.OldMaturity), NewMaturity: dateOf(e.NewMaturity), Reason: e.Reason,
		State: string(e.State), ProposedBy: e.ProposedBy, ProposedAt: e.ProposedAt}
	if err := s.conn(ctx).Create(&row).Error; err != nil {
		if e := translate(err, "extension"); apperr.KindOf(e) != apperr.Conflict {
			return 0, e
		}
		return 0, apperr.Conflictf("an extension of this loan is already proposed: the guarantee centre confirms or rejects it first")
	}
	return row.ID, nil
}

// UpdateExtension implements loan.Store.
func (s Loans) UpdateExtension(ctx context.Context, e loan.Extension, from loan.ExtensionState) error {
	res := s.conn(ctx).Model(&extensionRow{}).Where("id = ? AND loan_id = ? AND state = ?", e.ID, e.LoanID, string(from)).Updates(map[string]any{
		"state": string(e.State), "confirmed_by": e.ConfirmedBy, "confirmed_at": e.ConfirmedAt, "rejected_by": e.RejectedBy,
		"rejected_at": e.RejectedAt, "reject_reason": nullable(e.RejectReason),
	})
	if res.Error != nil {
		return translate(res.Error, "extension")
	}
	if res.RowsAffected == 0 {
		return apperr.Conflictf("extension %d was decided by someone else meanwhile: reload the loan", e.ID)
	}
	return nil
}
