package httpapi

func (r *repaymentResponse) appendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"id":`...)
	b = appendJSONInt(b, r.ID)
	b = append(b, `,"principal":`...)
	b = appendJSONString(b, r.Principal)
	b = append(b, `,"interest":`...)
	b = appendJSONString(b, r.Interest)
	b = append(b, `,"paid_on":`...)
	b = appendJSONString(b, r.PaidOn)
	b = append(b, `,"bank_reference":`...)
	b = appendJSONString(b, r.BankReference)
	b = append(b, `,"recorded_by":`...)
	b = appendJSONInt(b, r.RecordedBy)
	b = append(b, `,"created_at":`...)
	b, err := appendJSONTime(b, r.CreatedAt)
	if err != nil {
		return b, err
	}
	b = append(b, `,"reversed_by":`...)
	b = appendJSONIntPtr(b, r.ReversedBy)
	b = append(b, `,"reversed_at":`...)
	if b, err = appendJSONTimePtr(b, r.ReversedAt); err != nil {
		return b, err
	}
	return append(b, '}'), nil
}

func (r *recoveryResponse) appendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"id":`...)
	b = appendJSONInt(b, r.ID)
	b = append(b, `,"amount":`...)
	b = appendJSONString(b, r.Amount)
	b = append(b, `,"fund_amount":`...)
	b = appendJSONString(b, r.FundAmount)
	b = append(b, `,"bank_amount":`...)
	b = appendJSONString(b, r.BankAmount)
	b = append(b, `,"recovered_on":`...)
	b = appendJSONString(b, r.RecoveredOn)
	b = append(b, `,"note":`...)
	b = appendJSONString(b, r.Note)
	b = append(b, `,"recorded_by":`...)
	b = appendJSONInt(b, r.RecordedBy)
	b = append(b, `,"created_at":`...)
	b, err := appendJSONTime(b, r.CreatedAt)
	if err != nil {
		return b, err
	}
	b = append(b, `,"reversed_by":`...)
	b = appendJSONIntPtr(b, r.ReversedBy)
	b = append(b, `,"reversed_at":`...)
	if b, err = appendJSONTimePtr(b, r.ReversedAt); err != nil {
		return b, err
	}
	return append(b, '}'), nil
}

func (e *extensionResponse) appendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"id":`...)
	b = appendJSONInt(b, e.ID)
	b = append(b, `,"old_maturity":`...)
	b = appendJSONString(b, e.OldMaturity)
	b = append(b, `,"new_maturity":`...)
	b = appendJSONString(b, e.NewMaturity)
	b = append(b, `,"reason":`...)
	b = appendJSONString(b, e.Reason)
	b = append(b, `,"state":`...)
	b = appendJSONString(b, string(e.State))
	b = append(b, `,"proposed_by":`...)
	b = appendJSONInt(b, e.ProposedBy)
	b = append(b, `,"proposed_at":`...)
	b, err := appendJSONTime(b, e.ProposedAt)
	if err != nil {
		return b, err
	}
	b = append(b, `,"confirmed_by":`...)
	b = appendJSONIntPtr(b, e.ConfirmedBy)
	b = append(b, `,"confirmed_at":`...)
	if b, err = appendJSONTimePtr(b, e.ConfirmedAt); err != nil {
		return b, err
	}
	b = append(b, `,"rejected_by":`...)
	b = appendJSONIntPtr(b, e.RejectedBy)
	b = append(b, `,"rejected_at":`...)
	if b, err = appendJSONTimePtr(b, e.RejectedAt); err != nil {
		return b, err
	}
	b = append(b, `,"reject_reason":`...)
	b = appendJSONStringPtr(b, e.RejectReason)
	return append(b, '}'), nil
}

func (c *compensationResponse) appendJSON(b []byte) []byte {
	b = append(b, `{"compensated_on":`...)
	b = appendJSONString(b, c.CompensatedOn)
	b = append(b, `,"amount":`...)
	b = appendJSONString(b, c.Amount)
	b = append(b, `,"fund_share":`...)
	b = appendJSONString(b, c.FundShare)
	b = append(b, `,"fund_amount":`...)
	b = appendJSONString(b, c.FundAmount)
	b = append(b, `,"bank_amount":`...)
	b = appendJSONString(b, c.BankAmount)
	b = append(b, `,"compensated_by":`...)
	b = appendJSONInt(b, c.CompensatedBy)
	b = append(b, `,"fund_recovered":`...)
	b = appendJSONString(b, c.FundRecovered)
	b = append(b, `,"bank_recovered":`...)
	b = appendJSONString(b, c.BankRecovered)
	return append(b, '}')
}

func (w *writeOffResponse) appendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"proposed_by":`...)
	b = appendJSONInt(b, w.ProposedBy)
	b = append(b, `,"proposed_at":`...)
	b, err := appendJSONTime(b, w.ProposedAt)
	if err != nil {
		return b, err
	}
	b = append(b, `,"reason":`...)
	b = appendJSONString(b, w.Reason)
	b = append(b, `,"confirmed_by":`...)
	b = appendJSONIntPtr(b, w.ConfirmedBy)
	b = append(b, `,"written_off_on":`...)
	b = appendJSONStringPtr(b, w.WrittenOffOn)
	b = append(b, `,"amount":`...)
	b = appendJSONStringPtr(b, w.Amount)
	b = append(b, `,"fund_amount":`...)
	b = appendJSONStringPtr(b, w.FundAmount)
	b = append(b, `,"bank_amount":`...)
	b = appendJSONStringPtr(b, w.BankAmount)
	return append(b, '}'), nil
}

func (f *fundingResponse) appendJSON(b []byte) []byte {
	b = append(b, `{"central":`...)
	b = appendJSONString(b, f.Central)
	b = append(b, `,"provincial":`...)
	b = appendJSONString(b, f.Provincial)
	b = append(b, `,"city":`...)
	b = appendJSONString(b, f.City)
	b = append(b, `,"county":`...)
	b = appendJSONString(b, f.County)
	return append(b, '}')
}

func (g *subsidyRegimeResponse) appendJSON(b []byte) []byte {
	b = append(b, `{"method":`...)
	b = appendJSONString(b, g.Method)
	b = append(b, `,"effective_from":`...)
	b = appendJSONStringPtr(b, g.EffectiveFrom)
	b = append(b, `,"funding":`...)
	if g.Funding == nil {
		b = append(b, "null"...)
	} else {
		b = g.Funding.appendJSON(b)
	}
	b = append(b, `,"reason":`...)
	b = appendJSONStringPtr(b, g.Reason)
	return append(b, '}')
}

func (r loanResponse) appendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"id":`...)
	b = appendJSONInt(b, r.ID)
	b = append(b, `,"number":`...)
	b = appendJSONString(b, r.Number)
	b = append(b, `,"application_id":`...)
	b = appendJSONIntPtr(b, r.ApplicationID)
	b = append(b, `,"external_ref":`...)
	b = appendJSONStringPtr(b, r.ExternalRef)
	b = append(b, `,"status":`...)
	b = appendJSONString(b, string(r.Status))
	b = append(b, `,"principal":`...)
	b = appendJSONString(b, r.Principal)
	b = append(b, `,"annual_rate":`...)
	b = appendJSONString(b, r.AnnualRate)
	b = append(b, `,"borrower_rate":`...)
	b = appendJSONString(b, r.BorrowerRate)
	b = append(b, `,"subsidy_rate":`...)
	b = appendJSONString(b, r.SubsidyRate)
	b = append(b, `,"term_months":`...)
	b = appendJSONInt(b, r.TermMonths)
	b = append(b, `,"disbursed_on":`...)
	b = appendJSONString(b, r.DisbursedOn)
	b = append(b, `,"maturity_date":`...)
	b = appendJSONString(b, r.MaturityDate)
	b = append(b, `,"original_maturity_date":`...)
	b = appendJSONStringPtr(b, r.OriginalMaturityDate)
	b = append(b, `,"outstanding_principal":`...)
	b = appendJSONString(b, r.OutstandingPrincipal)
	b = append(b, `,"repayments":`...)
	b, err := appendJSONSlice(b, r.Repayments, (*repaymentResponse).appendJSON)
	if err != nil {
		return b, err
	}
	b = append(b, `,"repayment_method":`...)
	b = appendJSONString(b, string(r.RepaymentMethod))
	b = append(b, `,"subsidy_cap":`...)
	b = appendJSONString(b, r.SubsidyCap)
	b = append(b, `,"subsidy_regime":`...)
	b = r.SubsidyRegime.appendJSON(b)
	b = append(b, `,"borrower_id":`...)
	b = appendJSONIntPtr(b, r.BorrowerID)
	b = append(b, `,"name":`...)
	b = appendJSONString(b, r.Name)
	b = append(b, `,"borrower_type":`...)
	b = appendJSONString(b, r.BorrowerType)
	b = append(b, `,"key_group":`...)
	b = appendJSONString(b, r.KeyGroup)
	b = append(b, `,"industry":`...)
	b = appendJSONString(b, r.Industry)
	b = append(b, `,"jobs":`...)
	b = appendJSONInt(b, r.Jobs)
	b = append(b, `,"district_code":`...)
	b = appendJSONString(b, r.DistrictCode)
	b = append(b, `,"bank_code":`...)
	b = appendJSONString(b, r.BankCode)
	b = append(b, `,"bank_reference":`...)
	b = appendJSONString(b, r.BankReference)
	b = append(b, `,"days_overdue":`...)
	b = appendJSONInt(b, r.DaysOverdue)
	b = append(b, `,"overdue_since":`...)
	b = appendJSONStringPtr(b, r.OverdueSince)
	b = append(b, `,"ever_overdue":`...)
	b = appendJSONBool(b, r.EverOverdue)
	b = append(b, `,"checked_on":`...)
	b = appendJSONStringPtr(b, r.CheckedOn)
	b = append(b, `,"settled_on":`...)
	b = appendJSONStringPtr(b, r.SettledOn)
	b = append(b, `,"compensation":`...)
	if r.Compensation == nil {
		b = append(b, "null"...)
	} else {
		b = r.Compensation.appendJSON(b)
	}
	b = append(b, `,"recovered":`...)
	b = appendJSONString(b, r.Recovered)
	b = append(b, `,"recoveries":`...)
	if b, err = appendJSONSlice(b, r.Recoveries, (*recoveryResponse).appendJSON); err != nil {
		return b, err
	}
	b = append(b, `,"write_off":`...)
	if r.WriteOff == nil {
		b = append(b, "null"...)
	} else if b, err = r.WriteOff.appendJSON(b); err != nil {
		return b, err
	}
	b = append(b, `,"extensions":`...)
	if b, err = appendJSONSlice(b, r.Extensions, (*extensionResponse).appendJSON); err != nil {
		return b, err
	}
	b = append(b, `,"created_at":`...)
	if b, err = appendJSONTime(b, r.CreatedAt); err != nil {
		return b, err
	}
	b = append(b, `,"updated_at":`...)
	if b, err = appendJSONTime(b, r.UpdatedAt); err != nil {
		return b, err
	}
	return append(b, '}'), nil
}
