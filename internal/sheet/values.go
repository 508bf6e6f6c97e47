package sheet

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"chuangdai/internal/apperr"
)

// spreadsheetEpoch is day 0 of spreadsheet date serials (after the 1900 leap-year quirk).
var spreadsheetEpoch = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)

var chineseDate = regexp.MustCompile(`^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?$`)

// cellDate turns the ways a file writes a day into YYYY-MM-DD: 2024-03-15,
// 2024/3/15, 2024.3.15, 2024年3月15日, an ISO instant (a workbook's date
// cell) and, in workbooks, the day serial of a date cell. Anything else is
// returned as it was, for the validation to name.
func cellDate(v string, serials bool) string {
	if serials {
		if n, err := strconv.ParseFloat(v, 64); err == nil && n >= 1 && n < 200000 {
			return spreadsheetEpoch.AddDate(0, 0, int(math.Floor(n))).Format(time.DateOnly)
		}
	}
	if strings.Contains(v, "年") {
		if m := chineseDate.FindStringSubmatch(v); m != nil {
			v = m[1] + "-" + m[2] + "-" + m[3]
		}
	}
	if len(v) > 10 && v[10] == 'T' {
		v = v[:10]
	}
	// Each layout starts with a four-digit year: the character after it
	// names the one layout that can read v.
	if len(v) < 5 {
		return v
	}
	layout := ""
	switch v[4] {
	case '/':
		layout = "2006/1/2"
	case '.':
		layout = "2006.1.2"
	case '-':
		if isDay(v) {
			return v
		}
		layout = "2006-1-2"
	default:
		return v
	}
	if d, err := time.Parse(layout, v); err == nil {
		return d.Format(time.DateOnly)
	}
	return v
}

// rate reads a rate cell as a decimal fraction. A percent sign makes it
// percent; so does a header that says percent. A plain number is asked
// about when it cannot be what the column means: under 1 in a percent
// column (0.0395 would be 0.0395%), 1 or more in a fraction column (3.95
// would be 395%).
func (c *Column) rate(raw string, percent bool, read *apperr.Fields) string {
	if !percent && isFraction(raw) {
		return raw
	}
	s := strings.ReplaceAll(raw, "％", "%")
	num, hasSign := strings.CutSuffix(s, "%")
	num = trim(num)
	d, err := decimal.NewFromString(num)
	if err != nil || strings.ContainsAny(num, "eE") {
		if hasSign || percent {
			read.Addf(c.Name, "is %q, which is not a rate: write it in percent, such as 3.95", raw)
		}
		return raw
	}
	switch {
	case hasSign:
		return d.Shift(-2).String()
	case percent:
		if d.IsPositive() && d.LessThan(decimal.NewFromInt(1)) {
			read.Addf(c.Name, "is %s%%: did you mean %s%%? This column holds the rate in percent, such as 3.95 for 3.95%%", d.String(), d.Shift(2).String())
		}
		return d.Shift(-2).String()
	case d.GreaterThanOrEqual(decimal.NewFromInt(1)):
		read.Addf(c.Name, "is %s, which as a decimal fraction is %s%%: did you mean %s%%? Write 0.0395 or 3.95%% for 3.95%%", d.String(), d.Shift(2).String(), d.String())
	}
	return raw
}

var thousands = regexp.MustCompile(`^[+-]?\d{1,3}([,，]\d{3})+(\.\d+)?$`)

// number drops what people write around an amount: thousands separators
// and a trailing 元.
func number(v string) string {
	v = trim(strings.TrimSuffix(v, "元"))
	if strings.ContainsAny(v, ",，") && thousands.MatchString(v) {
		v = strings.NewReplacer(",", "", "，", "").Replace(v)
	}
	return v
}

// isDay reports whether v is a day written YYYY-MM-DD, which cellDate
// returns as it is.
func isDay(v string) bool {
	_, err := time.Parse(time.DateOnly, v)
	return len(v) == len(time.DateOnly) && err == nil
}

// isFraction reports whether v is 0, a point and one or more digits: a
// rate under 1 as a decimal fraction, which a column whose header does not
// say percent keeps as it is.
func isFraction(v string) bool {
	digits, ok := strings.CutPrefix(v, "0.")
	if !ok || digits == "" {
		return false
	}
	for i := range len(digits) {
		if digits[i] < '0' || digits[i] > '9' {
			return false
		}
	}
	return true
}
