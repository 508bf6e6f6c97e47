// Package beijing is the bureau's clock: the one time zone in which
// chuangdai's days (application numbers, deadlines, the daily job, the day
// of a record, the time of an export) are counted.
package beijing

import "time"

// Zone is Beijing time. China keeps UTC+8 all year, so a fixed zone needs no
// time zone database on the server.
var Zone = time.FixedZone("Asia/Shanghai", 8*3600)

// Day returns the calendar day of t in Beijing, at midnight UTC, as policy
// dates and the dates of the database are.
func Day(t time.Time) time.Time {
	l := t.In(Zone)
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, time.UTC)
}
