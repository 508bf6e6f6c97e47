package loan

import (
	"context"
	"strings"
	"time"

	"chuangdai/internal/apperr"
	"chuangdai/internal/audit"
	"chuangdai/internal/auth"
	fundbook "chuangdai/internal/fund"
	"chuangdai/internal/money"
	"chuangdai/internal/msg"
)

// CompensateInput is the guarantee fund's compensation (代偿) of a loan.
type CompensateInput struct {
	CompensatedOn string
}

// Compensate records that the guarantee fund paid the bank for an overdue
// loan: the outstanding principal split into the fund's share (the bank's
// agreed share, else the policy's) and the bank's rest.
func (s *Service) Compensate(ctx context.Context, p auth.Principal, id ID, in CompensateInput) (Loan, error) {
	return s.change(ctx, p, id, ActCompensate, "only a guarantee officer of the loan's district may do this", "loan.compensate", func(ctx context.Context, l *Loan) error {
		to, err := Next(l.Status, EvCompensate)
		if err != nil {
			return err
		}
		var f apperr.Fields
		paid := lastPaid(*l)
		floors := []floor{{l.DisbursedOn, msg.New("is before the disbursement (%s)", dateText(l.DisbursedOn))},
			{paid, msg.New("is before the last repayment (%s)", dateText(paid))}}
		if l.OverdueSince != nil {
			floors = append(floors, floor{*l.OverdueSince, msg.New("is before the loan fell overdue (%s)", dateText(*l.OverdueSince))})
		}
		on := s.bookDay(&f, "compensated_on", in.CompensatedOn, "is in the future", floors)
		if err := f.Err(); err != nil {
			return err
		}
		if err := s.open(ctx, "compensated_on", on); err != nil {
			return err
		}
		v, err := s.policy.At(on)
		if err != nil {
			f.AddErr("compensated_on", err)
			return f.Err()
		}
		share := v.Compensation.FundShare.Decimal
		agreed, err := s.store.FundShare(ctx, l.BankCode)
		if err != nil {
			return err
		}
		if agreed != nil {
			share = *agreed
		}
		c := NewCompensation(on, l.Outstanding, share, p.UserID)
		l.Status, l.Compensation = to, &c
		if err := s.books.Post(ctx, fundbook.Compensation(int64(l.ID), on, c.Fund, p.UserID)); err != nil {
			return err
		}
		return s.tell(ctx, *l, "compensated", "loan.compensated", map[string]string{"amount": money.Format(c.Fund), "date": on.Format(time.DateOnly)}, time.Time{}, bankOfficers(*l))
	})
}

// RecoveryInput is money recovered (追偿) after compensation.
type RecoveryInput struct {
	Amount      string
	RecoveredOn string
	Note        string
}

// Recover records a recovery against a compensated loan, never more than
// what was compensated and not yet recovered.
func (s *Service) Recover(ctx context.Context, p auth.Principal, id ID, in RecoveryInput) (Recovery, Loan, error) {
	var rec Recovery
	l, err := s.change(ctx, p, id, ActRecover, "only a guarantee officer of the loan's district may do this", "loan.recover", func(ctx context.Context, l *Loan) error {
		if _, err := Next(l.Status, EvRecover); err != nil {
			return err
		}
		var f apperr.Fields
		amount, err := money.ParsePositive(strings.TrimSpace(in.Amount))
		left := l.Compensation.Amount.Sub(l.Recovered)
		if err != nil {
			f.AddErr("amount", err)
		} else if amount.GreaterThan(left) {
			f.Addf("amount", "is more than what is left to recover (%s)", msg.Money(left))
		}
		on := s.bookDay(&f, "recovered_on", in.RecoveredOn, "is in the future",
			[]floor{{l.Compensation.On, msg.New("is before the compensation (%s)", dateText(l.Compensation.On))}})
		if len(in.Note) > 2000 {
			f.Add("note", "is longer than 2000 characters")
		}
		if err := f.Err(); err != nil {
			return err
		}
		if err := s.open(ctx, "recovered_on", on); err != nil {
			return err
		}
		fund, bank := l.Compensation.ShareRecovery(l.Recovered, amount)
		rec = Recovery{LoanID: l.ID, Amount: amount, Fund: fund, Bank: bank, RecoveredOn: on, Note: strings.TrimSpace(in.Note),
			RecordedBy: p.UserID, CreatedAt: s.now().UTC().Truncate(time.Microsecond)}
		if rec.ID, err = s.store.AddRecovery(ctx, rec); err != nil {
			return err
		}
		if err := s.books.Post(ctx, fundbook.Recovery(int64(l.ID), rec.ID, on, fund, p.UserID)); err != nil {
			return err
		}
		l.Recovered, l.RecoveredFund = l.Recovered.Add(amount), l.RecoveredFund.Add(fund)
		return nil
	})
	return rec, l, err
}

// ProposeWriteOff is the first step of writing off what could not be
// recovered; a different user confirms it.
func (s *Service) ProposeWriteOff(ctx context.Context, p auth.Principal, id ID, reason string) (Loan, error) {
	return s.change(ctx, p, id, ActWriteOff, "only a guarantee officer of the loan's district may do this", "loan.propose_write_off", func(ctx context.Context, l *Loan) error {
		if _, err := Next(l.Status, EvProposeWriteOff); err != nil {
			return err
		}
		if l.WriteOff != nil {
			return apperr.Conflictf("a write-off of this loan is already proposed: another user confirms it")
		}
		reason = strings.TrimSpace(reason)
		if reason == "" || len(reason) > 2000 {
			return apperr.Field("reason", "is required (up to 2000 characters): say why the rest cannot be recovered")
		}
		l.WriteOff = &WriteOff{ProposedBy: p.UserID, ProposedAt: s.now().UTC().Truncate(time.Microsecond), Reason: reason}
		return nil
	})
}

// ConfirmWriteOff writes the loan off; the proposer may not confirm.
func (s *Service) ConfirmWriteOff(ctx context.Context, p auth.Principal, id ID) (Loan, error) {
	return s.change(ctx, p, id, ActWriteOff, "only a guarantee officer of the loan's district may do this", "loan.write_off", func(ctx context.Context, l *Loan) error {
		to, err := Next(l.Status, EvWriteOff)
		if err != nil {
			return err
		}
		if l.WriteOff == nil {
			return apperr.Newf(apperr.Conflict, "loan.invalid_state", "no write-off of this loan is proposed: propose it first")
		}
		if l.WriteOff.ProposedBy == p.UserID {
			return fourEyes("you proposed this write-off: another user must confirm it")
		}
		by, on := p.UserID, s.today()
		if err := s.open(ctx, "written_off_on", on); err != nil {
			return err
		}
		l.Status = to
		fund, bank := l.Unrecovered()
		l.WriteOff.ConfirmedBy, l.WriteOff.On = &by, &on
		l.WriteOff.Amount, l.WriteOff.Fund, l.WriteOff.Bank = fund.Add(bank), fund, bank
		return s.books.Post(ctx, fundbook.WriteOff(int64(l.ID), on, fund, p.UserID))
	})
}

// RejectWriteOff turns a proposed write-off down: the proposer withdraws
// it, or another guarantee officer of the district refuses it. The loan is
// plainly compensated again (recoveries, a new proposal and the
// compensation's reversal are possible again); the audit event keeps the
// proposal and the comment.
func (s *Service) RejectWriteOff(ctx context.Context, p auth.Principal, id ID, comment string) (Loan, error) {
	l, err := s.actOn(ctx, p, id, ActWriteOff, "only a guarantee officer of the loan's district may do this", func(ctx context.Context, l *Loan) (audit.Event, error) {
		if _, err := Next(l.Status, EvProposeWriteOff); err != nil {
			return audit.Event{}, err
		}
		if l.WriteOff == nil {
			return audit.Event{}, apperr.Newf(apperr.Conflict, "loan.invalid_state", "no write-off of this loan is proposed: there is nothing to reject")
		}
		comment = strings.TrimSpace(comment)
		if len(comment) > 2000 {
			return audit.Event{}, apperr.Field("comment", "is longer than 2000 characters")
		}
		before := auditView(*l)
		before["write_off_proposed_by"], before["write_off_proposed_at"] = l.WriteOff.ProposedBy, l.WriteOff.ProposedAt
		l.WriteOff = nil
		l.UpdatedAt = s.now().UTC().Truncate(time.Microsecond)
		after := auditView(*l)
		after["comment"] = comment
		return audit.NewEvent(ctx, p, "loan.reject_write_off", before, after)
	})
	return l, apperr.Contextf(err, "loan.reject_write_off of loan %d", id)
}

// Exposure is the guarantee fund's position per district, or per
// compensated loan when byLoan.
func (s *Service) Exposure(ctx context.Context, p auth.Principal, byLoan bool) ([]Exposure, error) {
	scope := s.authz.Scope(p, ActReadExposure, Kind)
	if scope.Empty() {
		return nil, apperr.Forbiddenf("only guarantee officers and finance auditors read the fund's exposure")
	}
	return s.store.Exposure(ctx, scope, byLoan)
}
