package store

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"chuangdai/internal/apperr"
	"chuangdai/internal/application"
	"chuangdai/internal/audit"
	"chuangdai/internal/auth"
	"chuangdai/internal/fund"
	"chuangdai/internal/loan"
	"chuangdai/internal/money"
	"chuangdai/internal/report"
)

type postingRow struct {
	ID            int64 `gorm:"primaryKey"`
	BookedOn      sqlDate
	BookedYear    int
	BookedMonth   int
	DebitAccount  string
	CreditAccount string
	AmountFen     int64
	Kind          string
	LoanID        *int64
	Source        string
	ReversesID    *int64
	CreatedBy     *auth.UserID
	CreatedAt     time.Time
}

func (postingRow) TableName() string { return "fund_postings" }

type movementRow struct {
	ID         int64 `gorm:"primaryKey"`
	Kind       string
	AmountFen  int64
	BookedOn   sqlDate
	Reference  string
	Note       string
	Status     string
	ProposedBy auth.UserID
	ProposedAt time.Time
	DecidedBy  *auth.UserID
	DecidedAt  *time.Time
	Reason     string
	PostingID  *int64
}

func (movementRow) TableName() string { return "fund_movements" }

// Fund implements fund.Store.
type Fund struct{ *DB }

// fundBooksLock is the advisory lock key of the fund's books.
const fundBooksLock = 0x66756e64 // "fund"

// LockBooks implements fund.Store.
func (s Fund) LockBooks(ctx context.Context) error {
	return translate(s.xactLock(ctx, fundBooksLock), "fund lock")
}

// Post implements fund.Store.
func (s Fund) Post(ctx context.Context, p fund.Posting) (int64, error) {
	amount, err := money.ToFen(p.Amount)
	if err != nil {
		return 0, apperr.Wrap(err, "posting amount")
	}
	row := postingRow{BookedOn: dateOf(p.BookedOn), BookedYear: p.BookedOn.Year(), BookedMonth: int(p.BookedOn.Month()),
		DebitAccount: string(p.Debit), CreditAccount: string(p.Credit), AmountFen: amount, Kind: string(p.Kind), LoanID: p.LoanID,
		Source: p.Source, ReversesID: p.ReversesID, CreatedBy: p.CreatedBy, CreatedAt: p.CreatedAt}
	if err := s.conn(ctx).Create(&row).Error; err != nil {
		return 0, translate(err, "fund posting")
	}
	return row.ID, nil
}

// PostingOf implements fund.Store: the latest posting of the source.
func (s Fund) PostingOf(ctx context.Context, source string) (*int64, error) {
	var ids []int64
	if err := s.conn(ctx).Model(&postingRow{}).Where("source = ?", source).Order("id DESC").Limit(1).Pluck("id", &ids).Error; err != nil {
		return nil, translate(err, "fund posting")
	}
	if len(ids) == 0 {
		return nil, nil
	}
	return &ids[0], nil
}

// Balances implements fund.Store: every account's debits and credits
// summed in fen.
func (s Fund) Balances(ctx context.Context) ([]fund.Balance, error) {
	return s.balances(ctx, nil)
}

// BalancesOn implements fund.Store: as Balances, of the postings booked on
// or before day.
func (s Fund) BalancesOn(ctx context.Context, day time.Time) ([]fund.Balance, error) {
	return s.balances(ctx, &day)
}

func (s Fund) balances(ctx context.Context, through *time.Time) ([]fund.Balance, error) {
	type side struct {
		Account string
		Fen     int64
	}
	var debits, credits []side
	for _, q := range []struct {
		col string
		out *[]side
	}{{"debit_account", &debits}, {"credit_account", &credits}} {
		sel := s.conn(ctx).Model(&postingRow{})
		if through != nil {
			sel = sel.Where("booked_on <= ?", dateOf(*through))
		}
		if err := sel.Select(q.col + " AS account, CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) AS fen").
			Group(q.col).Scan(q.out).Error; err != nil {
			return nil, translate(err, "fund balances")
		}
	}
	net := map[string]int64{}
	for _, d := range debits {
		net[d.Account] += d.Fen
	}
	for _, c := range credits {
		net[c.Account] -= c.Fen
	}
	out := make([]fund.Balance, len(fund.Accounts))
	for i, a := range fund.Accounts {
		fen := net[string(a)]
		if !a.DebitNormal() {
			fen = -fen
		}
		out[i] = fund.Balance{Account: a, Balance: money.FromFen(fen)}
	}
	return out, nil
}

// Journal implements fund.Store, in booking order.
func (s Fund) Journal(ctx context.Context, f fund.JournalFilter, offset, limit int) ([]fund.Posting, int64, error) {
	q := s.conn(ctx).Model(&postingRow{})
	if !f.From.IsZero() {
		q = q.Where("booked_on >= ?", dateOf(f.From))
	}
	if !f.To.IsZero() {
		q = q.Where("booked_on <= ?", dateOf(f.To))
	}
	if f.Account != "" {
		q = q.Where("(debit_account = ? OR credit_account = ?)", string(f.Account), string(f.Account))
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, translate(err, "fund journal")
	}
	var rows []postingRow
	if err := page(q.Order("booked_on").Order("id"), offset, limit).Find(&rows).Error; err != nil {
		return nil, 0, translate(err, "fund journal")
	}
	out := make([]fund.Posting, len(rows))
	for i, r := range rows {
		out[i] = fund.Posting{ID: r.ID, BookedOn: r.BookedOn.Time, Debit: fund.Account(r.DebitAccount), Credit: fund.Account(r.CreditAccount),
			Amount: money.FromFen(r.AmountFen), Kind: fund.PostingKind(r.Kind), LoanID: r.LoanID, Source: r.Source, ReversesID: r.ReversesID,
			CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt.UTC()}
	}
	return out, total, nil
}

// Opened implements fund.Store.
func (s Fund) Opened(ctx context.Context) (bool, error) {
	return s.opened(ctx, nil)
}

// OpenedOn implements fund.Store.
func (s Fund) OpenedOn(ctx context.Context, day time.Time) (bool, error) {
	return s.opened(ctx, &day)
}

func (s Fund) opened(ctx context.Context, through *time.Time) (bool, error) {
	q := s.conn(ctx).Model(&movementRow{}).Where("status = ?", string(fund.Confirmed))
	if through != nil {
		q = q.Where("booked_on <= ?", dateOf(*through))
	}
	var n int64
	err := q.Limit(1).Count(&n).Error
	return n > 0, translate(err, "fund movements")
}

// Guaranteed implements fund.Store in one statement, so that it reads
// one snapshot: a disbursement committed between two statements would move
// its amount from the commitments to the loans unseen, or be counted twice.
// A commitment is an application past the guarantee centre's approval and
// not yet disbursed: at bank_review for the amount applied for, approved
// for the amount the bank approved.
func (s Fund) Guaranteed(ctx context.Context) (fund.Guaranteed, error) {
	var agg struct {
		Loans     int64
		Committed int64
	}
	err := s.conn(ctx).Raw(`SELECT
		(SELECT CAST(COALESCE(SUM(outstanding_fen), 0) AS BIGINT) FROM loans WHERE status IN (?, ?)) AS loans,
		(SELECT CAST(COALESCE(SUM(CASE WHEN status = ? THEN COALESCE(approved_amount_fen, amount_fen) ELSE amount_fen END), 0) AS BIGINT)
			FROM applications WHERE status IN (?, ?)) AS committed`,
		string(loan.Active), string(loan.Overdue), string(application.Approved), string(application.BankReview), string(application.Approved)).Scan(&agg).Error
	return fund.Guaranteed{Loans: money.FromFen(agg.Loans), Committed: money.FromFen(agg.Committed)}, translate(err, "guaranteed outstanding")
}

// GuaranteedOn implements fund.Store: the loans' principal outstanding at
// the end of day is the portfolio's (its day flows up to day: disbursed −
// repaid − compensated), the commitments that day are Reports.CommittedOn's
// — the figures the awards take for the fund's leverage of 31 December.
func (s Fund) GuaranteedOn(ctx context.Context, day time.Time) (fund.Guaranteed, error) {
	var loans int64
	err := s.conn(ctx).Table("portfolio_day_flows").
		Select("CAST(COALESCE(SUM(disbursed_fen - repaid_fen - compensated_fen), 0) AS BIGINT)").
		Where("day <= ?", dateOf(day)).Scan(&loans).Error
	if err != nil {
		return fund.Guaranteed{}, translate(err, "guaranteed outstanding")
	}
	committed, err := Reports(s).CommittedOn(ctx, day)
	if err != nil {
		return fund.Guaranteed{}, err
	}
	return fund.Guaranteed{Loans: money.FromFen(loans), Committed: money.FromFen(committed)}, nil
}

// FundDay implements report.Store with the fund's own reads of a day
// (BalancesOn, OpenedOn, GuaranteedOn): the awards take the figures
// GET /guarantee/fund?as_of answers.
func (s Reports) FundDay(ctx context.Context, day time.Time) (report.FundDay, error) {
	f := Fund(s)
	bs, err := f.BalancesOn(ctx, day)
	if err != nil {
		return report.FundDay{}, err
	}
	opened, err := f.OpenedOn(ctx, day)
	if err != nil {
		return report.FundDay{}, err
	}
	g, err := f.GuaranteedOn(ctx, day)
	if err != nil {
		return report.FundDay{}, err
	}
	out := report.FundDay{Opened: opened}
	for _, b := range bs {
		if b.Account == fund.BankDeposit {
			out.BalanceFen = money.MustFen(b.Balance)
		}
	}
	out.LoansFen, out.CommittedFen = money.MustFen(g.Loans), money.MustFen(g.Committed)
	out.OutstandingFen = out.LoansFen + out.CommittedFen
	return out, nil
}

// DueIn implements fund.Store: the loans disbursed here (imported ones
// have their repayments elsewhere) that matured in year, their principal
// and the principal repaid on or before each one's maturity (a reversed
// repayment was never made).
func (s Fund) DueIn(ctx context.Context, year int) (fund.Due, error) {
	var agg struct {
		Due    int64
		OnTime int64
	}
	from, to := dateOf(time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC)), dateOf(time.Date(year, 12, 31, 0, 0, 0, 0, time.UTC))
	err := s.conn(ctx).Raw(`SELECT CAST(COALESCE(SUM(l.principal_fen), 0) AS BIGINT) AS due,
		CAST(COALESCE(SUM((SELECT COALESCE(SUM(r.principal_fen), 0) FROM loan_repayments r
			WHERE r.loan_id = l.id AND r.reversed_by IS NULL AND r.paid_on <= l.maturity_date)), 0) AS BIGINT) AS on_time
		FROM loans l WHERE l.external_ref IS NULL AND l.status <> ? AND l.maturity_date >= ? AND l.maturity_date <= ?`, string(loan.Cancelled), from, to).Scan(&agg).Error
	if err != nil {
		return fund.Due{}, translate(err, "repayment rate")
	}
	return fund.Due{Due: money.FromFen(agg.Due), OnTime: money.FromFen(agg.OnTime)}, nil
}

func (db *DB) toMovementRow(m fund.Movement) (movementRow, error) {
	amount, err := money.ToFen(m.Amount)
	if err != nil {
		return movementRow{}, apperr.Wrap(err, "movement amount")
	}
	return movementRow{ID: m.ID, Kind: string(m.Kind), AmountFen: amount, BookedOn: dateOf(m.BookedOn), Reference: m.Reference, Note: m.Note,
		Status: string(m.Status), ProposedBy: m.ProposedBy, ProposedAt: m.ProposedAt, DecidedBy: m.DecidedBy, DecidedAt: m.DecidedAt,
		Reason: m.Reason, PostingID: m.PostingID}, nil
}

func fromMovementRow(r movementRow) fund.Movement {
	m := fund.Movement{ID: r.ID, Kind: fund.MovementKind(r.Kind), Amount: money.FromFen(r.AmountFen), BookedOn: r.BookedOn.Time,
		Reference: r.Reference, Note: r.Note, Status: fund.MovementStatus(r.Status), ProposedBy: r.ProposedBy, ProposedAt: r.ProposedAt.UTC(),
		DecidedBy: r.DecidedBy, Reason: r.Reason, PostingID: r.PostingID}
	if r.DecidedAt != nil {
		t := r.DecidedAt.UTC()
		m.DecidedAt = &t
	}
	return m
}

// CreateMovement implements fund.Store.
func (s Fund) CreateMovement(ctx context.Context, m fund.Movement) (int64, error) {
	row, err := s.toMovementRow(m)
	if err != nil {
		return 0, err
	}
	row.ID = 0
	if err := s.conn(ctx).Create(&row).Error; err != nil {
		return 0, translate(err, "fund movement")
	}
	return row.ID, nil
}

// UpdateMovement implements fund.Store: the movement is read row-locked
// (PostgreSQL; SQLite's immediate transactions hold the write lock), fn
// decides, and the decision is written only if the status is still the
// one read, with fn's audit event, in one transaction.
func (s Fund) UpdateMovement(ctx context.Context, id int64, fn func(ctx context.Context, m *fund.Movement) (audit.Event, error)) (fund.Movement, error) {
	var out fund.Movement
	err := s.InTx(ctx, func(ctx context.Context) error {
		var row movementRow
		if err := s.forUpdate(s.conn(ctx).Where("id = ?", id)).Take(&row).Error; err != nil {
			if apperr.KindOf(translate(err, "")) == apperr.NotFound {
				return apperr.NotFoundf("no fund movement with id %d", id)
			}
			return translate(err, "fund movement")
		}
		m := fromMovementRow(row)
		ev, err := fn(ctx, &m)
		if err != nil {
			return err
		}
		if m.ID != id {
			return fmt.Errorf("update of fund movement %d: the change altered its id", id)
		}
		res := s.conn(ctx).Model(&movementRow{}).Where("id = ? AND status = ?", id, row.Status).Updates(map[string]any{
			"status": string(m.Status), "decided_by": m.DecidedBy, "decided_at": m.DecidedAt, "reason": m.Reason, "posting_id": m.PostingID,
		})
		if res.Error != nil {
			return translate(res.Error, "fund movement")
		}
		if res.RowsAffected == 0 {
			return apperr.Conflictf("the fund movement %d was decided by someone else meanwhile: reload it", id)
		}
		ev.EntityType, ev.EntityID = "fund_movement", strconv.FormatInt(id, 10)
		if err := Audit(s).Append(ctx, ev); err != nil {
			return err
		}
		out = m
		return nil
	})
	return out, err
}

// Movements implements fund.Store, newest first.
func (s Fund) Movements(ctx context.Context, f fund.MovementFilter, offset, limit int) ([]fund.Movement, int64, error) {
	q := s.conn(ctx).Model(&movementRow{})
	if len(f.Statuses) > 0 {
		q = q.Where("status IN ?", f.Statuses)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, translate(err, "fund movements")
	}
	var rows []movementRow
	if err := page(q.Order("id DESC"), offset, limit).Find(&rows).Error; err != nil {
		return nil, 0, translate(err, "fund movements")
	}
	out := make([]fund.Movement, len(rows))
	for i, r := range rows {
		out[i] = fromMovementRow(r)
	}
	return out, total, nil
}
