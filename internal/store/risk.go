package store

import (
	"context"

	"chuangdai/internal/authz"
	"chuangdai/internal/loan"
	"chuangdai/internal/money"
)

// RiskFigures implements loan.Store: per bank or district in scope, the
// open loans, their outstanding and overdue principal, the principal
// disbursed and compensated, summed in fen.
func (s Loans) RiskFigures(ctx context.Context, by loan.RiskGroup, scope authz.ListScope) ([]loan.RiskFigures, error) {
	col := string(loan.RiskByDistrict)
	if by == loan.RiskByBank {
		col = string(loan.RiskByBank)
	}
	var rows []struct {
		Code        string
		Loans       int
		Outstanding int64
		Overdue     int64
		Disbursed   int64
		Compensated int64
	}
	err := scoped(s.conn(ctx).Model(&loanRow{}), scope, "").Select(col+` AS code,
		SUM(CASE WHEN status IN ('active', 'overdue') THEN 1 ELSE 0 END) AS loans,
		COALESCE(SUM(CASE WHEN status IN ('active', 'overdue') THEN outstanding_fen ELSE 0 END), 0) AS outstanding,
		COALESCE(SUM(CASE WHEN status = 'overdue' THEN outstanding_fen ELSE 0 END), 0) AS overdue,
		COALESCE(SUM(principal_fen), 0) AS disbursed,
		COALESCE(SUM(COALESCE(compensation_fen, 0)), 0) AS compensated`).
		Where("status <> ?", string(loan.Cancelled)).Group(col).Order(col).Scan(&rows).Error
	if err != nil {
		return nil, translate(err, "risk figures")
	}
	out := make([]loan.RiskFigures, len(rows))
	for i, r := range rows {
		out[i] = loan.RiskFigures{Code: r.Code, Loans: r.Loans, Outstanding: money.FromFen(r.Outstanding), Overdue: money.FromFen(r.Overdue),
			Disbursed: money.FromFen(r.Disbursed), Compensated: money.FromFen(r.Compensated)}
	}
	return out, nil
}
