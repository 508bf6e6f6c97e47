package store

import (
	"context"
	"strings"

	"gorm.io/gorm"

	"chuangdai/internal/authz"
	"chuangdai/internal/loan"
)

// ClaimLines implements loan.Store: the quarters of a subsidy work list. A
// pending list is of the loans with days in the quarter (disbursed by its
// end, neither settled nor compensated before it began) and no claim of it;
// imported loans are left out, their repayments before the import are not
// here. The other lists are the claims in that status.
func (s Loans) ClaimLines(ctx context.Context, f loan.ClaimFilter, scope authz.ListScope, offset, limit int) ([]loan.ClaimLine, int64, error) {
	if scope.Empty() {
		return nil, 0, nil
	}
	narrow := func(q *gorm.DB) *gorm.DB {
		if f.DistrictCode != "" {
			q = q.Where("district_code = ?", f.DistrictCode)
		}
		if f.BankCode != "" {
			q = q.Where("bank_code = ?", f.BankCode)
		}
		return q
	}
	prefix := escapeLike(f.Query) + "%"
	search := `(number LIKE ? ESCAPE '\' OR name LIKE ? ESCAPE '\')`
	if f.Status == loan.ClaimPending {
		start, end := loan.QuarterBounds(f.Period)
		q := narrow(scoped(s.conn(ctx).Model(&loanRow{}), scope, "borrower_id")).
			Where("external_ref IS NULL AND status <> ? AND disbursed_on <= ?", string(loan.Cancelled), dateOf(end)).
			Where("(settled_on IS NULL OR settled_on >= ?) AND (compensated_on IS NULL OR compensated_on >= ?)", dateOf(start), dateOf(start)).
			Where("NOT EXISTS (SELECT 1 FROM subsidy_claims c WHERE c.loan_id = loans.id AND c.period = ?)", f.Period)
		if f.Query != "" {
			q = q.Where(search, strings.ToUpper(prefix), prefix)
		}
		var total int64
		if err := q.Count(&total).Error; err != nil {
			return nil, 0, translate(err, "subsidy work list")
		}
		var rows []loanRow
		q = ordered(q, f.Sort, pendingSorts, func(q *gorm.DB) *gorm.DB { return q.Order("number") })
		if err := page(q, offset, limit).Select("id, number, name, district_code, bank_code").Find(&rows).Error; err != nil {
			return nil, 0, translate(err, "subsidy work list")
		}
		out := make([]loan.ClaimLine, len(rows))
		for i, r := range rows {
			out[i] = loan.ClaimLine{LoanID: r.ID, LoanNumber: r.Number, Name: r.Name, DistrictCode: r.DistrictCode, BankCode: r.BankCode,
				Period: loan.Period{Period: f.Period, Start: start, End: end}, Status: loan.ClaimPending}
		}
		return out, total, nil
	}
	q := narrow(scoped(s.conn(ctx).Model(&claimRow{}), scope, "")).Where("status = ?", string(f.Status))
	if f.Period != "" {
		q = q.Where("period = ?", f.Period)
	}
	if f.Query != "" {
		q = q.Where("loan_id IN (SELECT id FROM loans WHERE "+search+")", strings.ToUpper(prefix), prefix)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, translate(err, "subsidy work list")
	}
	var rows []claimRow
	q = ordered(q, f.Sort, claimSorts, func(q *gorm.DB) *gorm.DB { return q.Order("period").Order("id") })
	if err := page(q, offset, limit).Find(&rows).Error; err != nil {
		return nil, 0, translate(err, "subsidy work list")
	}
	ids := make([]loan.ID, len(rows))
	for i, r := range rows {
		ids[i] = r.LoanID
	}
	var names []struct {
		ID           loan.ID
		Number, Name string
	}
	if len(ids) > 0 {
		if err := s.conn(ctx).Model(&loanRow{}).Select("id, number, name").Where("id IN ?", ids).Find(&names).Error; err != nil {
			return nil, 0, translate(err, "subsidy work list")
		}
	}
	byID := map[loan.ID]int{}
	for i, n := range names {
		byID[n.ID] = i
	}
	out := make([]loan.ClaimLine, len(rows))
	for i, r := range rows {
		c := fromClaimRow(r)
		n := names[byID[r.LoanID]]
		out[i] = loan.ClaimLine{LoanID: c.LoanID, LoanNumber: n.Number, Name: n.Name, DistrictCode: c.DistrictCode, BankCode: c.BankCode,
			Period: loan.Period{Period: c.Period, Start: c.Start, End: c.End, Days: c.Days,
				Split: loan.Split{Interest: c.Interest, Subsidy: c.Subsidy, Borrower: c.Borrower}},
			Status: c.Status, Reason: c.Reason, ClaimedAt: c.ClaimedAt, CheckedAt: c.CheckedAt, PaidAt: c.PaidAt}
	}
	return out, total, nil
}

// pendingSorts are the columns of loan.PendingSortKeys (of loans).
var pendingSorts = map[string]sortColumn{
	"loan_number": {"number", false}, "name": {"name", false}, "district_code": {"district_code", false}, "bank_code": {"bank_code", false},
}

// claimSorts are the columns of loan.ClaimSortKeys (of subsidy_claims; the
// loan's number and name by a subquery, so that the scope's columns stay
// those of the claim).
var claimSorts = map[string]sortColumn{
	"loan_number":   {"(SELECT l.number FROM loans l WHERE l.id = subsidy_claims.loan_id)", false},
	"name":          {"(SELECT l.name FROM loans l WHERE l.id = subsidy_claims.loan_id)", false},
	"district_code": {"district_code", false}, "bank_code": {"bank_code", false}, "period": {"period", false},
	"interest": {"interest_fen", false}, "subsidy": {"subsidy_fen", false},
	"claimed_at": {"claimed_at", true}, "checked_at": {"checked_at", true}, "paid_at": {"paid_at", true},
}
