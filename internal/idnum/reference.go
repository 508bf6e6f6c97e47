package idnum

import "regexp"

// referencePattern is what a reference from another system may be: a
// bank's transaction reference, a legacy loan system's number.
var referencePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_./:-]{0,63}$`)

// ValidReference reports whether v can be a reference from another system
// (a bank's transaction reference of a disbursement, a repayment or a fund
// movement, a legacy loan's number): 1 to 64 letters, digits and _ . / : -,
// starting with a letter or digit.
func ValidReference(v string) bool { return referencePattern.MatchString(v) }
