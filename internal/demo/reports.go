package demo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"chuangdai/internal/app"
	"chuangdai/internal/application"
	"chuangdai/internal/beijing"
	"chuangdai/internal/idnum"
	"chuangdai/internal/loan"
	"chuangdai/internal/report"
	"chuangdai/internal/sheet"
)

// bulletinShare is the share of each district's annual target the legacy
// history reaches, in per mille, after Sanmenxia's January–April 2024
// bulletin (市本级 48.06 %, 灵宝市 38.14 %, 义马市 50.09 %, …).
var bulletinShare = map[string]int64{
	"411200": 481, "411202": 400, "411203": 344, "411221": 425, "411224": 463, "411281": 501, "411282": 381,
}

// seedReports imports a legacy loan history through the import service, so
// that the progress bulletin of this year shows every district. The legacy
// loans are dated before the demo's own loans (from 1 January up to eight
// months ago; last year when that window is empty), as a history from the
// system the bureau used before. BulletinYear says which year that is.
func seedReports(ctx context.Context, a *app.App, d *Data) error {
	today := beijing.Day(time.Now())
	end := loan.AddMonths(today, -8)
	start := time.Date(today.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
	if end.Before(start) {
		start = time.Date(today.Year()-1, 1, 1, 0, 0, 0, 0, time.UTC)
		if _, err := a.Refdata.PutTargets(ctx, d.Admin, start.Year(), targets()); err != nil {
			return fmt.Errorf("set last year's targets: %w", err)
		}
	}
	days := int(end.Sub(start).Hours()/24) + 1
	goals := map[string]int64{}
	for _, t := range targets() {
		yuan := strings.TrimSuffix(t.LoanAmount, ".00")
		var v int64
		if _, err := fmt.Sscan(yuan, &v); err != nil {
			return fmt.Errorf("target of %s: %w", t.DistrictCode, err)
		}
		goals[t.DistrictCode] = v * bulletinShare[t.DistrictCode] / 1000
	}
	var b strings.Builder
	b.WriteString(strings.Join(report.LegacyColumns, ",") + "\n")
	n := 0
	for _, dist := range Districts {
		var sum int64
		for k := 0; sum < goals[dist.Code]; k++ {
			n++
			principal := int64(50_000 + (n*37%26)*10_000)
			if rest := goals[dist.Code] - sum; principal > rest && rest >= 10_000 {
				principal = rest - rest%10_000
			}
			sum += principal
			keyGroup := application.KeyGroups[n%len(application.KeyGroups)]
			if n%4 == 0 {
				keyGroup = "returning_migrant_worker"
			}
			id, female := demoPersonID(dist.Code, n)
			gender := map[bool]string{true: "female", false: "male"}[female]
			on := start.AddDate(0, 0, (n*7919)%days)
			fmt.Fprintf(&b, "LEGACY-%s-%05d,%s,%s,%s,%s,individual,%s,%s,%d.00,0.0395,%d,%s,%d\n",
				dist.Code, k+1, legacyNames[n%len(legacyNames)], id, gender, keyGroup, dist.Code, Banks[n%len(Banks)].Code,
				principal, 24+12*(n%2), on.Format(time.DateOnly), 1+n%4)
		}
	}
	if _, err := a.Reports.ImportLoans(ctx, d.Admin, sheet.Upload{Body: strings.NewReader(b.String())}, sheet.Write); err != nil {
		return fmt.Errorf("import the legacy history: %w", err)
	}
	return nil
}

// BulletinYear is the year whose bulletin the legacy history fills: this
// year, or last year in the first eight months.
func BulletinYear(today time.Time) int { return loan.AddMonths(today, -8).Year() }

var legacyNames = []string{"王建国", "李秀英", "张伟", "刘洋", "陈静", "杨帆", "赵磊", "黄丽", "周强", "吴敏"}

// demoPersonID makes a valid resident ID number of the district for the
// n-th legacy borrower, born 1975–1994, and says whether it is a woman's.
func demoPersonID(district string, n int) (string, bool) {
	birth := time.Date(1975+n%20, time.Month(1+n%12), 1+n%28, 0, 0, 0, 0, time.UTC)
	body := fmt.Sprintf("%s%s%03d", district, birth.Format("20060102"), n%1000)
	return idnum.WithCheckDigit(body), (body[16]-'0')%2 == 0
}
