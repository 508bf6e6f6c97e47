package application

import (
	"chuangdai/internal/auth"
	"chuangdai/internal/authz"
	"chuangdai/internal/idnum"
)

// needsIdentity reports whether p may see a's resident ID and phone numbers
// in full: the applicant always; the officers whose role decides a stage of
// it (the bank officers who disburse included) when they open it, to check the
// person's identity. Lists and everyone else
// (auditors included) see them masked.
func (s *Service) needsIdentity(p auth.Principal, a Application, inList bool) bool {
	if p.UserID == a.ApplicantID {
		return true
	}
	if inList {
		return false
	}
	r := a.Resource()
	for _, act := range []authz.Action{DecideEligibility, DecideGuarantee, DecideBank} {
		if s.authz.Can(p, act, r) {
			return true
		}
	}
	return false
}

// Redacted returns a copy with resident IDs and phone numbers masked
// (410102********1234, 138****8000).
func (a Application) Redacted() Application {
	a.NationalID = idnum.Mask(a.NationalID)
	if a.Phone != "" {
		// A draft saved without a phone shows none, not a mask.
		a.Phone = idnum.MaskPhone(a.Phone)
	}
	partners := make([]Partner, len(a.Partners))
	for i, pt := range a.Partners {
		pt.NationalID = idnum.Mask(pt.NationalID)
		partners[i] = pt
	}
	a.Partners = partners
	return a
}
