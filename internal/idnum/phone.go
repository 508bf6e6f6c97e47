package idnum

import "regexp"

var phonePattern = regexp.MustCompile(`^\+?[0-9][0-9 -]{5,19}$`)

// ValidPhone reports whether v can be a phone number people can be called
// on: 6 to 20 digits, spaces and dashes, starting with a digit or +
// (13800138000, +86 138-0013-8000, 010-12345678). Applicants' and users'
// phone numbers are checked against the same rule.
func ValidPhone(v string) bool { return phonePattern.MatchString(v) }
