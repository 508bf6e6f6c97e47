package store

import (
	"context"
	"strings"

	"gorm.io/gorm"

	"chuangdai/internal/config"
	"chuangdai/internal/loan"
	"chuangdai/internal/money"
)

// LoanSearchPlan returns how the engine would run the loan list's query for
// f: PostgreSQL's EXPLAIN with sequential scans discouraged (so a usable
// index shows even on a small table), SQLite's EXPLAIN QUERY PLAN.
func LoanSearchPlan(ctx context.Context, db *DB, f loan.Filter) (string, error) {
	query := db.gdb.ToSQL(func(tx *gorm.DB) *gorm.DB {
		var rows []loanRow
		return db.loanFilter(tx.Model(&loanRow{}), f).Find(&rows)
	})
	var lines []string
	err := db.gdb.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		explain := "EXPLAIN QUERY PLAN "
		if db.Engine == config.Postgres {
			if err := tx.Exec("SET LOCAL enable_seqscan = off").Error; err != nil {
				return err
			}
			explain = "EXPLAIN "
		}
		rows, err := tx.Raw(explain + query).Rows()
		if err != nil {
			return err
		}
		defer rows.Close()
		cols, err := rows.Columns()
		if err != nil {
			return err
		}
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				return err
			}
			// The plan's text is the last column on both engines.
			lines = append(lines, toText(vals[len(vals)-1]))
		}
		return rows.Err()
	})
	return strings.Join(lines, "\n"), err
}

func toText(v any) string {
	switch x := v.(type) {
	case []byte:
		return string(x)
	case string:
		return x
	}
	return ""
}

// Exec runs q through the store's connection for ctx (the transaction in it,
// or the pool), with the store's deadline, as every store statement runs.
func Exec(ctx context.Context, db *DB, q string, args ...any) error {
	return translate(db.conn(ctx).Exec(q, args...).Error, "test statement")
}

// AfterCommit is afterCommit, for the tests of InTx.
func AfterCommit(ctx context.Context, db *DB, f func()) { db.afterCommit(ctx, f) }

// Hash is the keyed hash by which the store finds a resident ID number.
func Hash(db *DB, nationalID string) string { return db.hash(nationalID) }

// CacheSize is SQLite's cache_size of the connection of the transaction in
// ctx (or of one of the pool's).
func CacheSize(ctx context.Context, db *DB) (int64, error) {
	var n int64
	err := db.conn(ctx).Raw("PRAGMA cache_size").Scan(&n).Error
	return n, err
}

// LoanChildByChild reads loan id as the store did before a loan was read in
// one statement: its row, then each child table by a plain SELECT, in the
// loan's order.
func LoanChildByChild(ctx context.Context, db *DB, id loan.ID) (loan.Loan, error) {
	q := func() *gorm.DB { return db.gdb.WithContext(ctx) }
	var row loanRow
	if err := q().Where("id = ?", id).Take(&row).Error; err != nil {
		return loan.Loan{}, err
	}
	l, err := db.fromLoanRow(row)
	if err != nil {
		return l, err
	}
	var reps []repaymentRow
	if err := q().Where("loan_id = ?", id).Order("paid_on, id").Find(&reps).Error; err != nil {
		return l, err
	}
	for _, r := range reps {
		l.Repayments = append(l.Repayments, loan.Repayment{ID: r.ID, LoanID: r.LoanID, Principal: money.FromFen(r.PrincipalFen),
			Interest: money.FromFen(r.InterestFen), PaidOn: r.PaidOn.Time, BankReference: r.BankReference, RecordedBy: userOf(r.RecordedBy),
			CreatedAt: r.CreatedAt.UTC(), ReversedBy: r.ReversedBy, ReversedAt: utcPtr(r.ReversedAt)})
	}
	var recs []recoveryRow
	if err := q().Where("loan_id = ?", id).Order("recovered_on, id").Find(&recs).Error; err != nil {
		return l, err
	}
	for _, r := range recs {
		l.Recoveries = append(l.Recoveries, loan.Recovery{ID: r.ID, LoanID: r.LoanID, Amount: money.FromFen(r.AmountFen), Fund: money.FromFen(r.FundFen),
			Bank: money.FromFen(r.BankFen), RecoveredOn: r.RecoveredOn.Time, Note: r.Note, RecordedBy: userOf(r.RecordedBy), CreatedAt: r.CreatedAt.UTC(),
			ReversedBy: r.ReversedBy, ReversedAt: utcPtr(r.ReversedAt)})
	}
	var exts []extensionRow
	if err := q().Where("loan_id = ?", id).Order("id").Find(&exts).Error; err != nil {
		return l, err
	}
	l.Extensions = make([]loan.Extension, len(exts))
	for i, e := range exts {
		l.Extensions[i] = loan.Extension{ID: e.ID, LoanID: e.LoanID, OldMaturity: e.OldMaturity.Time, NewMaturity: e.NewMaturity.Time, Reason: e.Reason,
			State: loan.ExtensionState(e.State), ProposedBy: e.ProposedBy, ProposedAt: e.ProposedAt.UTC(), ConfirmedBy: e.ConfirmedBy,
			ConfirmedAt: utcPtr(e.ConfirmedAt), RejectedBy: e.RejectedBy, RejectedAt: utcPtr(e.RejectedAt), RejectReason: deref(e.RejectReason)}
	}
	return l, nil
}
