// Package idnum validates the two national identifiers chuangdai keys on:
// the resident identity card number (GB 11643-1999) and the unified social
// credit code (GB 32100-2015). Both carry a check character. It also holds
// the one rule of a phone number, the other personal number people type,
// and the one rule of a reference another system gave (a bank's
// transaction reference, a legacy loan's number).
package idnum

import (
	"strings"
	"time"

	"chuangdai/internal/msg"
)

// Resident is a parsed resident ID number.
type Resident struct {
	Number   string
	Region   string // first six digits: the issuing administrative division
	Birth    time.Time
	Female   bool
	Sequence string
}

var residentWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

const residentChecks = "10X98765432"

// Errors of ParseResident.
var (
	ErrResidentLength   = msg.Err("must be 18 characters: 17 digits and a check digit (0–9 or X)")
	ErrResidentChars    = msg.Err("may hold only digits, with X allowed as the last character")
	ErrResidentBirth    = msg.Err("holds an impossible birth date")
	ErrResidentChecksum = msg.Err("check digit is wrong: the number was mistyped")
)

// ParseResident checks an 18-character resident ID number and returns what
// it encodes. A lower-case x is accepted and normalised to X.
func ParseResident(s string) (Resident, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	if len(s) != 18 {
		return Resident{}, ErrResidentLength
	}
	sum := 0
	for i := range 17 {
		c := s[i]
		if c < '0' || c > '9' {
			return Resident{}, ErrResidentChars
		}
		sum += int(c-'0') * residentWeights[i]
	}
	last := s[17]
	if (last < '0' || last > '9') && last != 'X' {
		return Resident{}, ErrResidentChars
	}
	birth, err := time.Parse("20060102", s[6:14])
	if err != nil || birth.Year() < 1800 {
		return Resident{}, ErrResidentBirth
	}
	if residentChecks[sum%11] != last {
		return Resident{}, ErrResidentChecksum
	}
	return Resident{Number: s, Region: s[:6], Birth: birth, Female: (s[16]-'0')%2 == 0, Sequence: s[14:17]}, nil
}

// WithCheckDigit completes the 17 digits of a resident ID number with its
// check digit (tools, demo data and tests make valid numbers with it).
func WithCheckDigit(body string) string {
	sum := 0
	for i := range 17 {
		sum += int(body[i]-'0') * residentWeights[i]
	}
	return body + string(residentChecks[sum%11])
}

// AgeOn returns the person's age in whole years on day.
func (r Resident) AgeOn(day time.Time) int {
	age := day.Year() - r.Birth.Year()
	if day.Month() < r.Birth.Month() || (day.Month() == r.Birth.Month() && day.Day() < r.Birth.Day()) {
		age--
	}
	return age
}

// Mask shows the first six and last four characters: 410102********1234.
func Mask(number string) string {
	if len(number) < 10 {
		return strings.Repeat("*", len(number))
	}
	return number[:6] + strings.Repeat("*", len(number)-10) + number[len(number)-4:]
}

// MaskPhone keeps the first three and last four characters of a phone
// number (138****8000).
func MaskPhone(phone string) string {
	if len(phone) < 8 {
		return "****"
	}
	return phone[:3] + "****" + phone[len(phone)-4:]
}

// The unified social credit code alphabet: digits and capitals without I, O, S, V, Z.
const creditChars = "0123456789ABCDEFGHJKLMNPQRTUWXY"

var creditWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// Errors of CheckCreditCode.
var (
	ErrCreditLength   = msg.Err("must be 18 characters")
	ErrCreditChars    = msg.Err("may hold only digits and capital letters other than I, O, S, V and Z")
	ErrCreditChecksum = msg.Err("check character is wrong: the code was mistyped")
)

// CheckCreditCode validates a unified social credit code and returns it
// normalised to upper case.
func CheckCreditCode(s string) (string, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	if len(s) != 18 {
		return "", ErrCreditLength
	}
	sum := 0
	for i := range 17 {
		v := strings.IndexByte(creditChars, s[i])
		if v < 0 {
			return "", ErrCreditChars
		}
		sum += v * creditWeights[i]
	}
	if strings.IndexByte(creditChars, s[17]) < 0 {
		return "", ErrCreditChars
	}
	want := creditChars[(31-sum%31)%31]
	if s[17] != want {
		return "", ErrCreditChecksum
	}
	return s, nil
}
