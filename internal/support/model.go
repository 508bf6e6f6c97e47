// Package support keeps the "four in one" (四位一体) records that the bureau
// links to every loan: entrepreneurship training (创业培训), incubation at a
// base (创业孵化) and services (创业服务), keyed by the person's resident ID
// number. It imports rosters in bulk, builds a person's profile, decides the
// counter-guarantee waiver and counts the yearly figures.
package support

import (
	"slices"
	"time"

	"chuangdai/internal/application"
	"chuangdai/internal/auth"

	"github.com/shopspring/decimal"
)

// Courses of training records.
var Courses = []string{"GYB", "SYB", "IYB", "EYB", "malanhua", "other"}

// Base levels, highest first.
var Levels = []string{"national", "provincial", "municipal"}

// ServiceKinds of service records.
var ServiceKinds = []string{"mentoring", "guidance", "policy_consult", "event"}

// ValidCourse reports whether c is a known course.
func ValidCourse(c string) bool { return slices.Contains(Courses, c) }

// ValidLevel reports whether l is a known base level.
func ValidLevel(l string) bool { return slices.Contains(Levels, l) }

// ValidServiceKind reports whether k is a known kind of service.
func ValidServiceKind(k string) bool { return slices.Contains(ServiceKinds, k) }

// Training is one completed training course of a person.
type Training struct {
	ID            int64
	NationalID    string
	Name          string
	Course        string
	Institution   string
	StartDate     time.Time
	EndDate       time.Time
	CertificateNo string
	DistrictCode  string
	CreatedBy     auth.UserID
	CreatedAt     time.Time
}

// Base is an incubation base (创业孵化基地).
type Base struct {
	ID           int64
	Name         string
	DistrictCode string
	Level        string
	Capacity     *int
	CreatedAt    time.Time
}

// Tenancy is a person's (or their business's) stay at a base.
type Tenancy struct {
	ID         int64
	BaseID     int64
	NationalID string
	EntityName string
	MoveIn     time.Time
	MoveOut    *time.Time
	CreatedBy  auth.UserID
	CreatedAt  time.Time
	UpdatedAt  time.Time
	// Filled when read: the base the tenancy belongs to, and the account
	// that entered the record.
	BaseName      string
	BaseLevel     string
	DistrictCode  string
	CreatorName   string
	CreatorHandle string
}

// Open reports whether the tenant has not moved out.
func (t Tenancy) Open() bool { return t.MoveOut == nil }

// ServiceRecord is one service given to a person.
type ServiceRecord struct {
	ID           int64
	NationalID   string
	Kind         string
	Date         time.Time
	Notes        string
	DistrictCode string
	CreatedBy    auth.UserID
	CreatedAt    time.Time
}

// Loan is one of the person's applications, with the loan made from it if
// any, or a loan imported without an application (ApplicationID 0).
type Loan struct {
	ApplicationID application.ID
	// Number is the application's number, or the imported loan's.
	Number       string
	NationalID   string
	Status       string
	BorrowerType string
	Amount       decimal.Decimal
	// ApprovedAmount is set once the bank approved.
	ApprovedAmount *decimal.Decimal
	DistrictCode   string
	BankCode       string
	OwnerID        auth.UserID
	CreatedAt      time.Time
	SubmittedAt    *time.Time
	Disbursed      *Disbursed
	// MaskIdentity is set when the caller may not see the resident ID in full.
	MaskIdentity bool
	// Withhold is set when the caller is the applicant and their account is
	// not verified as the person: they see no record of the person.
	Withhold bool
}

// Disbursed is the loan made from an application.
type Disbursed struct {
	ID          int64
	Number      string
	Status      string
	Principal   decimal.Decimal
	Outstanding decimal.Decimal
	DisbursedOn time.Time
}

// Records is everything known about one person.
type Records struct {
	Training  []Training
	Tenancies []Tenancy
	Services  []ServiceRecord
	Loans     []Loan
}

// Empty reports whether nothing is known about the person.
func (r Records) Empty() bool {
	return len(r.Training) == 0 && len(r.Tenancies) == 0 && len(r.Services) == 0 && len(r.Loans) == 0
}

// Profile is a person's four-in-one profile with the counter-guarantee waiver
// of one application (the one asked about, or the newest open one).
type Profile struct {
	NationalID string
	Records
	CounterGuaranteeWaived bool
	WaiverReason           string
	// WaiverSource is the incubation record a waiver rests on, for the
	// officers who rely on it; nil for an amount waiver, no waiver, or the
	// applicant's own view.
	WaiverSource *WaiverSource
}

// WaiverSource is the incubation record behind a waiver, with when and by
// whom it was entered, so that a backdated move-in shows.
type WaiverSource struct {
	Tenancy Tenancy
	// AppliedOn is the application day the move-in was compared with.
	AppliedOn time.Time
	// RecordedAfterApplication is set when the record was entered after
	// that day (see Tenancy.RecordedAfter).
	RecordedAfterApplication bool
}

// DistrictFigures are one district's four-in-one figures for a year.
type DistrictFigures struct {
	DistrictCode string
	DistrictName string
	// PeopleTrained counts people who finished a course in the year.
	PeopleTrained int64
	// Tenants counts people at a base of the district at some time in the year.
	Tenants int64
	// Services counts services given in the year.
	Services int64
	// Borrowers counts people who received a loan in the district in the year.
	Borrowers int64
	// Supported counts those borrowers who were trained or incubated before.
	Supported int64
}

// BaseFigures are one base's figures for a year.
type BaseFigures struct {
	BaseID       int64
	Name         string
	DistrictCode string
	Level        string
	Tenants      int64
	// TenantsWithLoan counts tenants who received a guarantee loan by the end of the year.
	TenantsWithLoan int64
}

// Figures are the four-in-one figures of a year.
type Figures struct {
	Year      int
	Districts []DistrictFigures
	Bases     []BaseFigures
}
