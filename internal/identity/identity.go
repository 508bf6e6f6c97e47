// Package identity binds resident ID numbers to accounts. Typing a resident
// ID number into an application is only a claim: an account learns nothing
// about the person behind a number (records, other applications, loans,
// credit status) until it is verified as that person, and an unverified
// claim never stands in the real person's way. Verification binds the
// number to one account, by the HRSS officer who approves the eligibility
// review with the ID card in hand, or by a real-name check behind the
// Verifier port.
package identity

import (
	"time"

	"chuangdai/internal/apperr"
	"chuangdai/internal/auth"
)

// Method is how an identity was verified.
type Method string

// The verification methods.
const (
	// Officer: the HRSS officer approved the eligibility review, with the
	// applicant's ID card in hand.
	Officer Method = "officer"
	// RealName: a real-name check (the Verifier port) confirmed the number
	// and name for the account.
	RealName Method = "realname"
)

// Identity is a resident ID number bound to the account verified as its
// holder. A number is bound to one account at most.
type Identity struct {
	NationalID string
	UserID     auth.UserID
	Method     Method
	// VerifiedBy is the officer who verified it (Officer only).
	VerifiedBy *auth.UserID
	// ApplicationID is the application whose eligibility review verified it.
	ApplicationID *int64
	VerifiedAt    time.Time
}

// ErrUnusable is the only answer an account gets about a resident ID number
// it is not verified for when something stands in the way (the number is
// bound to another account, or the person's history bars a loan): what to
// do, and nothing about the person.
func ErrUnusable(field string) error {
	return apperr.Field(field, "this resident ID number cannot be used from this account: contact the HRSS office (人社部门) of your district")
}
