package store

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"

	"chuangdai/internal/loan"
)

// bookLoans are the contributions of the loans with ids from ? to ? to the
// summaries, as SQLite's report_loans_insert books each loan (migration
// 00032), summed per bucket: one set-based statement per summary table.
var bookLoans = []string{`
	INSERT INTO loan_day_totals (dim, day, key, year, month, quarter, loans, amount_fen, jobs_planned, jobs_created)
	SELECT dim, day, key, year, month, quarter, COUNT(*), SUM(principal_fen), SUM(jobs), SUM(jobs_created)
	FROM (SELECT d.dim, l.disbursed_on AS day, l.disbursed_year AS year, l.disbursed_month AS month, l.disbursed_quarter AS quarter,
	             l.principal_fen, l.jobs, l.jobs_created,
	             CASE d.dim
	                 WHEN 'district' THEN l.district_code
	                 WHEN 'returnee' THEN CASE WHEN l.key_group = 'returning_migrant_worker' THEN l.district_code END
	                 WHEN 'key_group' THEN l.key_group
	                 WHEN 'bank' THEN l.bank_code
	                 WHEN 'borrower_type' THEN l.borrower_type
	                 WHEN 'industry' THEN l.industry
	                 WHEN 'gender' THEN l.gender
	                 ELSE CASE d.n
	                     WHEN 1 THEN CASE WHEN l.gender = 'female' THEN 'female' END
	                     WHEN 2 THEN CASE WHEN l.is_disabled THEN 'disabled' END
	                     WHEN 3 THEN CASE WHEN l.is_village_official THEN 'village_official' END
	                     ELSE CASE WHEN l.is_returned_overseas_student THEN 'returned_overseas_student' END END
	             END AS key
	      FROM loans AS l
	      CROSS JOIN (SELECT 'district' AS dim, 0 AS n UNION ALL SELECT 'returnee', 0 UNION ALL SELECT 'key_group', 0
	                  UNION ALL SELECT 'bank', 0 UNION ALL SELECT 'borrower_type', 0 UNION ALL SELECT 'industry', 0
	                  UNION ALL SELECT 'gender', 0 UNION ALL SELECT 'flag', 1 UNION ALL SELECT 'flag', 2
	                  UNION ALL SELECT 'flag', 3 UNION ALL SELECT 'flag', 4) AS d
	      WHERE l.id BETWEEN ? AND ?)
	WHERE key IS NOT NULL
	GROUP BY dim, day, key, year, month, quarter
	ON CONFLICT (dim, day, key) DO UPDATE SET loans = loans + excluded.loans, amount_fen = amount_fen + excluded.amount_fen,
	    jobs_planned = jobs_planned + excluded.jobs_planned, jobs_created = jobs_created + excluded.jobs_created`, `
	INSERT INTO portfolio_day_flows (day, district_code, disbursed_loans, disbursed_fen, compensated_loans, compensated_fen,
	    fund_paid_fen, written_off_fen, matured_loans, matured_principal_fen, matured_unpaid_fen)
	SELECT day, district_code, SUM(dl), SUM(df), SUM(cl), SUM(cf), SUM(fp), SUM(wo), SUM(ml), SUM(mp), SUM(mu)
	FROM (SELECT l.district_code,
	             CASE f.n WHEN 1 THEN l.disbursed_on WHEN 2 THEN l.compensated_on WHEN 3 THEN l.written_off_on ELSE l.maturity_date END AS day,
	             CASE f.n WHEN 1 THEN 1 ELSE 0 END AS dl,
	             CASE f.n WHEN 1 THEN l.principal_fen ELSE 0 END AS df,
	             CASE f.n WHEN 2 THEN 1 ELSE 0 END AS cl,
	             CASE f.n WHEN 2 THEN COALESCE(l.compensation_fen, 0) ELSE 0 END AS cf,
	             CASE f.n WHEN 2 THEN COALESCE(l.fund_paid_fen, 0) ELSE 0 END AS fp,
	             CASE f.n WHEN 3 THEN COALESCE(l.written_off_fen, 0) ELSE 0 END AS wo,
	             CASE f.n WHEN 4 THEN 1 ELSE 0 END AS ml,
	             CASE f.n WHEN 4 THEN l.principal_fen ELSE 0 END AS mp,
	             CASE f.n WHEN 4 THEN CASE WHEN l.status IN ('active', 'overdue') THEN l.outstanding_fen
	                                       ELSE COALESCE(l.compensation_fen, 0) - l.recovered_fen END ELSE 0 END AS mu
	      FROM loans AS l
	      CROSS JOIN (SELECT 1 AS n UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4) AS f
	      WHERE l.id BETWEEN ? AND ?)
	WHERE day IS NOT NULL
	GROUP BY day, district_code
	ON CONFLICT (day, district_code) DO UPDATE SET
	    disbursed_loans = disbursed_loans + excluded.disbursed_loans, disbursed_fen = disbursed_fen + excluded.disbursed_fen,
	    compensated_loans = compensated_loans + excluded.compensated_loans, compensated_fen = compensated_fen + excluded.compensated_fen,
	    fund_paid_fen = fund_paid_fen + excluded.fund_paid_fen, written_off_fen = written_off_fen + excluded.written_off_fen,
	    matured_loans = matured_loans + excluded.matured_loans, matured_principal_fen = matured_principal_fen + excluded.matured_principal_fen,
	    matured_unpaid_fen = matured_unpaid_fen + excluded.matured_unpaid_fen`,
}

// bulkLoans is insertLoans for imported loans on SQLite: the row of
// report_bulk_loans holds report_loans_insert off while the loans go in, and
// bookLoans books them all at once (migration 00034). The row never leaves
// the transaction; SQLite's one writer at a time makes the loans of the
// transaction with ids from the first to the last new one exactly these.
func (db *DB) bulkLoans(ctx context.Context, loans []loan.Loan) error {
	tx, ok := ctx.Value(txKey{}).(*gorm.DB)
	if !ok {
		return errors.New("bulk loans: outside a transaction")
	}
	if len(loans) == 0 {
		return nil
	}
	if err := tx.Exec("INSERT INTO report_bulk_loans (id) VALUES (1)").Error; err != nil {
		return translate(err, "bulk loans")
	}
	ids, err := db.insertLoans(ctx, loans)
	if err != nil {
		return err
	}
	first, last := ids[0], ids[len(ids)-1]
	for _, q := range bookLoans {
		if err := tx.Exec(q, first, last).Error; err != nil {
			return fmt.Errorf("book imported loans: %w", translate(err, "summaries"))
		}
	}
	return translate(tx.Exec("DELETE FROM report_bulk_loans").Error, "bulk loans")
}
