package idnum

import (
	"testing"
	"time"
)

func TestResidentVectors(t *testing.T) {
	for _, id := range []string{"11010519491231002X", "440524188001010014", "11010519491231002x"} {
		r, err := ParseResident(id)
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		if id[:6] == "110105" && (!r.Female || r.Birth.Format("2006-01-02") != "1949-12-31") {
			t.Fatalf("%s decoded as %+v", id, r)
		}
		if id[:6] == "440524" && (r.Female || r.Birth.Format("2006-01-02") != "1880-01-01") {
			t.Fatalf("%s decoded as %+v", id, r)
		}
	}
}

func TestResidentEveryDigitChangeIsCaught(t *testing.T) {
	for _, id := range []string{"11010519491231002X", "440524188001010014"} {
		for i := range 18 {
			for _, c := range "0123456789X" {
				if byte(c) == id[i] || (c == 'X' && i != 17) {
					continue
				}
				changed := id[:i] + string(c) + id[i+1:]
				if _, err := ParseResident(changed); err == nil {
					t.Errorf("%s accepted (changed position %d of %s)", changed, i, id)
				}
			}
		}
	}
}

func TestResidentErrors(t *testing.T) {
	cases := map[string]error{
		"":                    ErrResidentLength,
		"1101051949123100":    ErrResidentLength,
		"1101051949123100AX":  ErrResidentChars,
		"110105194913310023":  ErrResidentBirth,
		"110105194912310021":  ErrResidentChecksum,
		"11010519491231002XX": ErrResidentLength,
	}
	for in, want := range cases {
		if _, err := ParseResident(in); err != want {
			t.Errorf("ParseResident(%q) = %v, want %v", in, err, want)
		}
	}
}

func TestAgeOn(t *testing.T) {
	r, _ := ParseResident("11010519491231002X")
	cases := map[string]int{"2009-12-30": 59, "2009-12-31": 60, "2010-01-01": 60}
	for day, want := range cases {
		d, _ := time.Parse("2006-01-02", day)
		if got := r.AgeOn(d); got != want {
			t.Errorf("AgeOn(%s) = %d, want %d", day, got, want)
		}
	}
}

func TestCreditCode(t *testing.T) {
	for _, code := range []string{"91350100M000100Y43", "91110000600037341L"} {
		if _, err := CheckCreditCode(code); err != nil {
			t.Fatalf("%s: %v", code, err)
		}
		for i := range 18 {
			for _, c := range creditChars {
				if byte(c) == code[i] {
					continue
				}
				changed := code[:i] + string(c) + code[i+1:]
				if _, err := CheckCreditCode(changed); err == nil {
					t.Errorf("%s accepted", changed)
				}
			}
		}
	}
	for _, bad := range []string{"", "91350100M000100Y4", "91350100M000100YI3"} {
		if _, err := CheckCreditCode(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestWithCheckDigit(t *testing.T) {
	for _, id := range []string{"11010519491231002X", "440524188001010014"} {
		if got := WithCheckDigit(id[:17]); got != id {
			t.Errorf("WithCheckDigit(%s) = %s", id[:17], got)
		}
	}
}

func TestMask(t *testing.T) {
	if got := Mask("410102199001011234"); got != "410102********1234" {
		t.Fatal(got)
	}
}

func TestValidPhone(t *testing.T) {
	for v, want := range map[string]bool{
		"13800138000": true, "+86 138-0013-8000": true, "010-12345678": true, "123456": true,
		"12345": false, "+": false, "": false, "-13800138000": false, " 13800138000": false,
		"138001380001380013800": false, "1380013800a": false, "+8613800138000x": false,
	} {
		if got := ValidPhone(v); got != want {
			t.Errorf("ValidPhone(%q) = %v, want %v", v, got, want)
		}
	}
}
