package httpapi

func (p *partnerDTO) appendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"name":`...)
	b = appendJSONString(b, p.Name)
	b = append(b, `,"national_id":`...)
	b = appendJSONString(b, p.NationalID)
	b = append(b, `,"key_group":`...)
	b = appendJSONString(b, p.KeyGroup)
	b = append(b, `,"not_employed":`...)
	b = appendJSONBoolPtr(b, p.NotEmployed)
	return append(b, '}'), nil
}

func (e *enterpriseDTO) appendJSON(b []byte) []byte {
	b = append(b, `{"name":`...)
	b = appendJSONString(b, e.Name)
	b = append(b, `,"credit_code":`...)
	b = appendJSONString(b, e.CreditCode)
	b = append(b, `,"employees":`...)
	b = appendJSONInt(b, e.Employees)
	b = append(b, `,"new_key_group_hires":`...)
	b = appendJSONInt(b, e.NewKeyGroupHires)
	return append(b, '}')
}

func (l *otherLoanDTO) appendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"holder":`...)
	b = appendJSONString(b, l.Holder)
	b = append(b, `,"kind":`...)
	b = appendJSONString(b, l.Kind)
	b = append(b, `,"balance":`...)
	b = appendJSONString(b, l.Balance)
	return append(b, '}'), nil
}

func (c *changeDTO) appendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"field":`...)
	b = appendJSONString(b, c.Field)
	b = append(b, `,"before":`...)
	b, err := appendJSONRaw(b, c.Before)
	if err != nil {
		return b, err
	}
	b = append(b, `,"after":`...)
	if b, err = appendJSONRaw(b, c.After); err != nil {
		return b, err
	}
	return append(b, '}'), nil
}

func (h *historyDTO) appendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"at":`...)
	b, err := appendJSONTime(b, h.At)
	if err != nil {
		return b, err
	}
	b = append(b, `,"actor":`...)
	b = appendJSONString(b, h.Actor)
	b = append(b, `,"actor_name":`...)
	b = appendJSONString(b, h.ActorName)
	b = append(b, `,"actor_id":`...)
	b = appendJSONIntPtr(b, h.ActorID)
	b = append(b, `,"action":`...)
	b = appendJSONString(b, h.Action)
	b = append(b, `,"from_status":`...)
	b = appendJSONStringPtr(b, h.FromStatus)
	b = append(b, `,"to_status":`...)
	b = appendJSONString(b, h.ToStatus)
	b = append(b, `,"comment":`...)
	b = appendJSONString(b, h.Comment)
	b = append(b, `,"missing_documents":`...)
	b = appendJSONStrings(b, h.MissingDocuments)
	b = append(b, `,"changes":`...)
	if b, err = appendJSONSlice(b, h.Changes, (*changeDTO).appendJSON); err != nil {
		return b, err
	}
	return append(b, '}'), nil
}

func (s *stageDTO) appendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"stage":`...)
	b = appendJSONString(b, s.Stage)
	b = append(b, `,"status":`...)
	b = appendJSONString(b, s.Status)
	b = append(b, `,"entered_at":`...)
	b, err := appendJSONTimePtr(b, s.EnteredAt)
	if err != nil {
		return b, err
	}
	b = append(b, `,"deadline":`...)
	b = appendJSONStringPtr(b, s.Deadline)
	b = append(b, `,"working_days":`...)
	b = appendJSONIntPtr(b, s.WorkingDays)
	b = append(b, `,"decided_at":`...)
	if b, err = appendJSONTimePtr(b, s.DecidedAt); err != nil {
		return b, err
	}
	b = append(b, `,"decided_by_name":`...)
	b = appendJSONString(b, s.DecidedByName)
	return append(b, '}'), nil
}

func (c *claimDTO) appendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"application_id":`...)
	b = appendJSONInt(b, c.ApplicationID)
	b = append(b, `,"number":`...)
	b = appendJSONString(b, c.Number)
	b = append(b, `,"status":`...)
	b = appendJSONString(b, c.Status)
	b = append(b, `,"district_code":`...)
	b = appendJSONString(b, c.DistrictCode)
	b = append(b, `,"applicant":`...)
	b = appendJSONString(b, c.Applicant)
	b = append(b, `,"identity_verified":`...)
	b = appendJSONBool(b, c.IdentityVerified)
	b = append(b, `,"created_at":`...)
	b, err := appendJSONTime(b, c.CreatedAt)
	if err != nil {
		return b, err
	}
	return append(b, '}'), nil
}

func (r applicationResponse) appendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"id":`...)
	b = appendJSONInt(b, r.ID)
	b = append(b, `,"number":`...)
	b = appendJSONString(b, r.Number)
	b = append(b, `,"status":`...)
	b = appendJSONString(b, r.Status)
	b = append(b, `,"version":`...)
	b = appendJSONInt(b, r.Version)
	b = append(b, `,"applicant_id":`...)
	b = appendJSONInt(b, r.ApplicantID)
	b = append(b, `,"borrower_type":`...)
	b = appendJSONString(b, r.BorrowerType)
	b = append(b, `,"name":`...)
	b = appendJSONString(b, r.Name)
	b = append(b, `,"national_id":`...)
	b = appendJSONString(b, r.NationalID)
	b = append(b, `,"birth_date":`...)
	b = appendJSONString(b, r.BirthDate)
	b = append(b, `,"gender":`...)
	b = appendJSONString(b, r.Gender)
	b = append(b, `,"phone":`...)
	b = appendJSONString(b, r.Phone)
	b = append(b, `,"key_group":`...)
	b = appendJSONString(b, r.KeyGroup)
	b = append(b, `,"district_code":`...)
	b = appendJSONString(b, r.DistrictCode)
	b = append(b, `,"bank_code":`...)
	b = appendJSONString(b, r.BankCode)
	b = append(b, `,"amount":`...)
	b = appendJSONString(b, r.Amount)
	b = append(b, `,"term_months":`...)
	b = appendJSONInt(b, r.TermMonths)
	b = append(b, `,"business_name":`...)
	b = appendJSONString(b, r.BusinessName)
	b = append(b, `,"industry":`...)
	b = appendJSONString(b, r.Industry)
	b = append(b, `,"industry_code":`...)
	b = appendJSONString(b, r.IndustryCode)
	b = append(b, `,"industry_label":`...)
	b = appendJSONString(b, r.IndustryLabel)
	b = append(b, `,"purpose":`...)
	b = appendJSONString(b, r.Purpose)
	b = append(b, `,"jobs_planned":`...)
	b = appendJSONInt(b, r.JobsPlanned)
	b = append(b, `,"is_disabled":`...)
	b = appendJSONBool(b, r.IsDisabled)
	b = append(b, `,"is_village_official":`...)
	b = appendJSONBool(b, r.IsVillageOfficial)
	b = append(b, `,"is_returned_overseas_student":`...)
	b = appendJSONBool(b, r.IsReturnedOverseasStudent)
	b = append(b, `,"not_employed":`...)
	b = appendJSONBoolPtr(b, r.NotEmployed)
	b = append(b, `,"partners":`...)
	b, err := appendJSONSlice(b, r.Partners, (*partnerDTO).appendJSON)
	if err != nil {
		return b, err
	}
	b = append(b, `,"enterprise":`...)
	if r.Enterprise == nil {
		b = append(b, "null"...)
	} else {
		b = r.Enterprise.appendJSON(b)
	}
	b = append(b, `,"other_loans":`...)
	if b, err = appendJSONSlice(b, r.OtherLoans, (*otherLoanDTO).appendJSON); err != nil {
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
	b = append(b, `,"submitted_at":`...)
	if b, err = appendJSONTimePtr(b, r.SubmittedAt); err != nil {
		return b, err
	}
	b = append(b, `,"stage_deadline":`...)
	b = appendJSONStringPtr(b, r.StageDeadline)
	b = append(b, `,"late":`...)
	b = appendJSONBool(b, r.Late)
	b = append(b, `,"approved_amount":`...)
	b = appendJSONStringPtr(b, r.ApprovedAmount)
	b = append(b, `,"annual_rate":`...)
	b = appendJSONStringPtr(b, r.AnnualRate)
	b = append(b, `,"approved_term_months":`...)
	b = appendJSONIntPtr(b, r.ApprovedTermMonths)
	b = append(b, `,"counter_guarantee":`...)
	b = appendJSONString(b, r.CounterGuarantee)
	b = append(b, `,"approved_at":`...)
	if b, err = appendJSONTimePtr(b, r.ApprovedAt); err != nil {
		return b, err
	}
	b = append(b, `,"disbursed_at":`...)
	if b, err = appendJSONTimePtr(b, r.DisbursedAt); err != nil {
		return b, err
	}
	b = append(b, `,"missing_documents":`...)
	b = appendJSONStrings(b, r.MissingDocuments)
	if len(r.History) > 0 {
		b = append(b, `,"history":`...)
		if b, err = appendJSONSlice(b, r.History, (*historyDTO).appendJSON); err != nil {
			return b, err
		}
	}
	if len(r.Stages) > 0 {
		b = append(b, `,"stages":`...)
		if b, err = appendJSONSlice(b, r.Stages, (*stageDTO).appendJSON); err != nil {
			return b, err
		}
	}
	b = append(b, `,"identity_verified":`...)
	b = appendJSONBool(b, r.IdentityVerified)
	b = append(b, `,"missing":`...)
	b = appendJSONStrings(b, r.Missing)
	if r.IdentityClaims != nil {
		b = append(b, `,"identity_claims":`...)
		if b, err = appendJSONSlice(b, *r.IdentityClaims, (*claimDTO).appendJSON); err != nil {
			return b, err
		}
	}
	return append(b, '}'), nil
}
