package support

import (
	"context"

	"chuangdai/internal/application"
	"chuangdai/internal/auth"
)

// FromApplications makes the application service's Visible the profile's
// ApplicationLookup, so the profile of an application is visible exactly to
// those who see the application, and masks the resident ID exactly when the
// application does. An applicant whose account is not verified as the
// person sees none of the person's records.
func FromApplications(apps *application.Service) ApplicationLookup {
	return func(ctx context.Context, p auth.Principal, id application.ID) (Loan, error) {
		a, full, err := apps.Visible(ctx, p, id)
		if err != nil {
			return Loan{}, err
		}
		return Loan{
			MaskIdentity:  !full,
			Withhold:      p.UserID == a.ApplicantID && !a.IdentityVerified,
			ApplicationID: a.ID, Number: a.Number, NationalID: a.NationalID, Status: string(a.Status),
			BorrowerType: string(a.BorrowerType), Amount: a.Amount, ApprovedAmount: a.ApprovedAmount,
			DistrictCode: a.DistrictCode, BankCode: a.BankCode, OwnerID: a.ApplicantID,
			CreatedAt: a.CreatedAt, SubmittedAt: a.SubmittedAt,
		}, nil
	}
}
