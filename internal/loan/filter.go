package loan

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"chuangdai/internal/apperr"
	"chuangdai/internal/application"
	"chuangdai/internal/idnum"
	"chuangdai/internal/listing"
	"chuangdai/internal/msg"
)

// SortKeys are the columns a loan list sorts by (sort=key or sort=-key); the
// default order is the newest disbursement first.
var SortKeys = []string{"disbursed_on", "number", "name", "principal", "outstanding_principal", "maturity_date", "days_overdue", "status"}

// ParseFilter reads a loan list's query parameters through get: status (one
// or several separated by commas), district_code, bank_code, key_group,
// borrower_type, disbursed_from, disbursed_to, maturity_from, maturity_to,
// min_days_overdue, write_off, q and sort, adding a field error for each
// bad value.
func ParseFilter(get func(name string) string, f *apperr.Fields) Filter {
	out := Filter{
		Statuses:     listing.Values(get("status"), "status", "loan_status", Statuses, f),
		DistrictCode: strings.TrimSpace(get("district_code")),
		BankCode:     strings.TrimSpace(get("bank_code")),
		KeyGroup:     strings.TrimSpace(get("key_group")),
		BorrowerType: strings.TrimSpace(get("borrower_type")),
		Search:       strings.TrimSpace(get("q")),
		Sort:         listing.ParseSort(get("sort"), SortKeys, f),
	}
	if len(out.DistrictCode) > 6 {
		f.Add("district_code", "must be a 6-digit district code, such as 411282")
	}
	if len(out.BankCode) > 32 {
		f.Add("bank_code", "must be at most 32 characters")
	}
	if out.KeyGroup != "" && !slices.Contains(application.KeyGroups, out.KeyGroup) {
		f.Addf("key_group", "must be one of %s", msg.OneOf("key_group", application.KeyGroups...))
	}
	if out.BorrowerType != "" && !slices.Contains(application.BorrowerTypes, application.BorrowerType(out.BorrowerType)) {
		f.Addf("borrower_type", "must be one of %s", msg.OneOf("borrower_type", application.BorrowerTypes...))
	}
	if len([]rune(out.Search)) > 100 {
		f.Add("q", "must be at most 100 characters")
	}
	if r, err := idnum.ParseResident(out.Search); err == nil {
		out.NationalID = r.Number
	}
	if v := strings.TrimSpace(get("min_days_overdue")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 100_000 {
			f.Add("min_days_overdue", "must be a whole number of days from 0")
		}
		out.MinDaysOverdue = n
	}
	switch v := strings.TrimSpace(get("write_off")); v {
	case "":
	case "proposed":
		out.WriteOffProposed = true
	default:
		f.Add("write_off", "must be proposed (the write-offs waiting for their confirmation)")
	}
	for _, d := range []struct {
		from, to string
		dst      [2]*time.Time
	}{{"disbursed_from", "disbursed_to", [2]*time.Time{&out.DisbursedFrom, &out.DisbursedTo}},
		{"maturity_from", "maturity_to", [2]*time.Time{&out.MaturesFrom, &out.MaturesTo}}} {
		for i, name := range []string{d.from, d.to} {
			v := strings.TrimSpace(get(name))
			if v == "" {
				continue
			}
			day, err := application.ParseDay(v)
			if err != nil {
				f.Add(name, "must be a date YYYY-MM-DD")
				continue
			}
			*d.dst[i] = day
		}
		if !d.dst[0].IsZero() && !d.dst[1].IsZero() && d.dst[1].Before(*d.dst[0]) {
			f.Addf(d.to, "must not be before %s", d.from)
		}
	}
	return out
}
