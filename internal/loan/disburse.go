package loan

import (
	"context"
	"strings"
	"time"

	"chuangdai/internal/apperr"
	"chuangdai/internal/application"
	"chuangdai/internal/audit"
	"chuangdai/internal/auth"
	"chuangdai/internal/authz"
	"chuangdai/internal/beijing"
	"chuangdai/internal/money"
	"chuangdai/internal/msg"
)

// DisburseInput is the bank's disbursement record.
type DisburseInput struct {
	Amount          string
	DisbursedOn     string
	BankReference   string
	RepaymentMethod string
}

// Disburse pays out an approved application in full and creates its loan,
// once: the application is row-locked, must be approved and becomes
// disbursed in the same transaction, and loans.application_id is unique.
func (s *Service) Disburse(ctx context.Context, p auth.Principal, applicationID application.ID, in DisburseInput) (Loan, error) {
	var out Loan
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		var l Loan
		ran := false
		_, err := s.apps.Update(ctx, s.authz.Scope(p, authz.Read, application.Kind), applicationID, func(ctx context.Context, a *application.Application) (audit.Event, error) {
			ran = true
			var err error
			l, err = s.disburse(ctx, p, a, in)
			if err != nil {
				return audit.Event{}, err
			}
			return audit.NewEvent(ctx, p, "application.disburse", map[string]any{"status": application.Approved},
				map[string]any{"status": application.Disbursed, "loan_id": l.ID})
		})
		if !ran && apperr.KindOf(err) == apperr.NotFound {
			return apperr.NotFoundf("no application with id %d", applicationID)
		}
		if err != nil {
			return err
		}
		if err := s.audit.Record(ctx, p, "loan.disburse", Kind, l.ID.String(), nil, auditView(l)); err != nil {
			return err
		}
		if err := s.tell(ctx, l, "disbursed", "loan.disbursed", map[string]string{"amount": money.Format(l.Principal), "date": l.DisbursedOn.Format(time.DateOnly)}, time.Time{}); err != nil {
			return err
		}
		out, err = s.store.Get(ctx, s.readScope(p), l.ID)
		return err
	})
	return out, apperr.Contextf(err, "disburse application %d", applicationID)
}

// disburse checks p's disbursement of the row-locked application a, opens
// its loan and moves a to disbursed.
func (s *Service) disburse(ctx context.Context, p auth.Principal, a *application.Application, in DisburseInput) (Loan, error) {
	res := authz.Resource{Kind: Kind, District: a.DistrictCode, Bank: a.BankCode}
	if !s.authz.Can(p, ActDisburse, res) {
		return Loan{}, apperr.Forbiddenf("only a bank officer of %s records the disbursement of this application", a.BankCode)
	}
	if _, err := application.Next(a.Status, application.ActDisburse); err != nil {
		return Loan{}, err
	}
	if a.Involves(p) {
		return Loan{}, fourEyes("you are the borrower or a partner of this loan (by account or resident ID number): another bank officer must record its disbursement")
	}
	if a.ApprovedBy != nil && *a.ApprovedBy == p.UserID {
		return Loan{}, fourEyes("you approved this application at the bank stage: another bank officer must record its disbursement")
	}
	l, err := s.newLoan(*a, p, in)
	if err != nil {
		return Loan{}, err
	}
	if err := s.open(ctx, "disbursed_on", l.DisbursedOn); err != nil {
		return Loan{}, err
	}
	seq, err := s.store.NextSequence(ctx, l.DistrictCode, l.DisbursedOn.Year())
	if err != nil {
		return Loan{}, err
	}
	l.Number = Number(l.DistrictCode, l.DisbursedOn.Year(), seq)
	if l.ID, err = s.store.Create(ctx, l); err != nil {
		return Loan{}, err
	}
	if _, err := a.Move(p, application.ActDisburse, l.CreatedAt, "", nil); err != nil {
		return Loan{}, err
	}
	at := l.CreatedAt
	a.DisbursedAt = &at
	return l, nil
}

// newLoan validates the disbursement against the approved application.
func (s *Service) newLoan(a application.Application, p auth.Principal, in DisburseInput) (Loan, error) {
	var f apperr.Fields
	if a.ApprovedAmount == nil || a.AnnualRate == nil || a.ApprovedTermMonths == nil {
		return Loan{}, apperr.Newf(apperr.Conflict, "application.invalid_state", "the application has no approved contract terms")
	}
	amount, err := money.ParsePositive(strings.TrimSpace(in.Amount))
	switch {
	case err != nil:
		f.AddErr("amount", err)
	case !amount.Equal(*a.ApprovedAmount):
		f.Addf("amount", "must equal the approved amount %s: a loan is disbursed once, in full", msg.Money(*a.ApprovedAmount))
	}
	var approved time.Time
	if a.ApprovedAt != nil {
		approved = beijing.Day(*a.ApprovedAt)
	}
	on := s.bookDay(&f, "disbursed_on", in.DisbursedOn, "is in the future: record a disbursement once the money is paid out",
		[]floor{{approved, msg.New("is before the bank approved the application (%s)", dateText(approved))}})
	ref := checkReference(&f, in.BankReference)
	method := Method(strings.TrimSpace(in.RepaymentMethod))
	if method == "" {
		method = InterestQuarterly
	}
	if !method.Valid() {
		f.Addf("repayment_method", "must be one of %s", msg.OneOf("repayment_method", InterestQuarterly, EqualPrincipal))
	}
	v, err := s.policy.At(on)
	if err != nil && !f.Has("disbursed_on") {
		f.AddErr("disbursed_on", err)
	}
	if err := f.Err(); err != nil {
		return Loan{}, err
	}
	appID, borrower, by := a.ID, a.ApplicantID, p.UserID
	l, err := New(s.policy, Loan{
		ApplicationID: &appID, BorrowerID: &borrower, Name: a.Name, NationalID: a.NationalID, Female: a.Female, Flags: a.Flags,
		KeyGroup: a.KeyGroup, BorrowerType: string(a.BorrowerType), Industry: a.Industry, Jobs: a.JobsPlanned,
		DistrictCode: a.DistrictCode, BankCode: a.BankCode, Principal: amount, AnnualRate: *a.AnnualRate,
		SubsidyCap: application.SubsidyCap(v, a.BorrowerType, len(a.Partners)), TermMonths: *a.ApprovedTermMonths,
		Method: method, DisbursedOn: on, BankReference: ref, DisbursedBy: &by,
	}, s.now().UTC().Truncate(time.Microsecond))
	if err != nil {
		f.AddErr("disbursed_on", err)
		return Loan{}, f.Err()
	}
	return l, nil
}
