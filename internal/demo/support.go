package demo

import (
	"context"
	"fmt"
	"time"

	"chuangdai/internal/app"
	"chuangdai/internal/beijing"
	"chuangdai/internal/support"
)

// supportBases are the demo's incubation bases.
var supportBases = []support.BaseInput{
	{Name: "三门峡市创业孵化示范基地", DistrictCode: "411282", Level: "national", Capacity: intPtr(120)},
	{Name: "灵宝市电子商务产业园", DistrictCode: "411282", Level: "provincial", Capacity: intPtr(60)},
	{Name: "灵宝市返乡创业园", DistrictCode: "411282", Level: "municipal"},
}

func intPtr(n int) *int { return &n }

// The demo applicants' four-in-one records, keyed by resident ID number.
var (
	supportTraining = []support.TrainingInput{
		{NationalID: "411282198803120313", Name: "张伟", Course: "SYB", Institution: "灵宝市职业技术学校", StartDate: "2024-03-04", EndDate: "2024-03-15", CertificateNo: "SYB-411282-2024-0031", DistrictCode: "411282"},
		{NationalID: "411282199307080425", Name: "李娜", Course: "malanhua", Institution: "三门峡市技师学院", StartDate: "2024-05-06", EndDate: "2024-05-10", CertificateNo: "MLH-411282-2024-0107", DistrictCode: "411282"},
		{NationalID: "41128219960909075X", Name: "刘洋", Course: "SYB", Institution: "灵宝市职业技术学校", StartDate: "2024-09-02", EndDate: "2024-09-13", CertificateNo: "SYB-411282-2024-0212", DistrictCode: "411282"},
		{NationalID: "411282199005200647", Name: "赵敏", Course: "GYB", Institution: "三门峡市技师学院", StartDate: "2025-03-03", EndDate: "2025-03-05", CertificateNo: "GYB-411282-2025-0009", DistrictCode: "411282"},
		{NationalID: "411282198501010530", Name: "王强", Course: "IYB", Institution: "三门峡市创业指导中心", StartDate: "2025-04-07", EndDate: "2025-04-18", CertificateNo: "IYB-411282-2025-0015", DistrictCode: "411282"},
	}
	// supportTenancies name their base by its index in supportBases.
	supportTenancies = []struct {
		base int
		in   support.TenancyInput
	}{
		{0, support.TenancyInput{NationalID: "41128219960909075X", EntityName: "刘洋农家乐", MoveIn: "2024-10-08"}},
		{1, support.TenancyInput{NationalID: "411282199307080425", EntityName: "娜娜网店", MoveIn: "2024-06-01"}},
		{2, support.TenancyInput{NationalID: "411282198803120313", EntityName: "张记苹果专业合作社", MoveIn: "2024-04-01", MoveOut: strPtr("2025-03-31")}},
	}
	supportServices = []support.ServiceInput{
		{NationalID: "411282198803120313", Kind: "policy_consult", Date: "2024-02-20", Notes: "创业担保贷款政策咨询"},
		{NationalID: "411282199005200647", Kind: "mentoring", Date: "2025-04-10", Notes: "创业导师一对一指导：网店运营"},
		{NationalID: "411282199912250971", Kind: "guidance", Date: "2025-05-12", Notes: "养殖项目开业指导"},
		{NationalID: "41128219960909075X", Kind: "event", Date: "2025-06-18", Notes: "灵宝市创业项目路演"},
	}
)

func strPtr(s string) *string { return &s }

// seedBackdatedTenancy records, today, that 高峰 moved into the provincial
// e-commerce park 45 days ago — before he applied twenty days ago. The
// waiver it gives is shown with the record's date and creator and flagged
// as entered after the application day.
func seedBackdatedTenancy(ctx context.Context, a *app.App, d *Data) error {
	bases, err := a.Support.Bases(ctx, d.Admin)
	if err != nil {
		return err
	}
	for _, b := range bases {
		if b.Name != supportBases[1].Name {
			continue
		}
		moveIn := beijing.Day(time.Now()).AddDate(0, 0, -45).Format(time.DateOnly)
		_, err := a.Support.CreateTenancy(ctx, d.ByName["hrss.lingbao"], support.TenancyInput{BaseID: b.ID, NationalID: gaofengID, EntityName: "高峰文印店", MoveIn: moveIn})
		return err
	}
	return fmt.Errorf("no base %s", supportBases[1].Name)
}

// seedSupport records training, incubation and services for the demo
// applicants, as the Lingbao HRSS officer, through the service.
func seedSupport(ctx context.Context, a *app.App, d *Data) error {
	officer := d.ByName["hrss.lingbao"]
	bases := make([]support.Base, len(supportBases))
	for i, in := range supportBases {
		b, err := a.Support.CreateBase(ctx, d.Admin, in)
		if err != nil {
			return fmt.Errorf("base %s: %w", in.Name, err)
		}
		bases[i] = b
	}
	for _, in := range supportTraining {
		if _, err := a.Support.CreateTraining(ctx, officer, in); err != nil {
			return fmt.Errorf("training of %s: %w", in.Name, err)
		}
	}
	for _, t := range supportTenancies {
		t.in.BaseID = bases[t.base].ID
		if _, err := a.Support.CreateTenancy(ctx, officer, t.in); err != nil {
			return fmt.Errorf("tenancy of %s: %w", t.in.EntityName, err)
		}
	}
	for _, in := range supportServices {
		if _, err := a.Support.CreateService(ctx, officer, in); err != nil {
			return fmt.Errorf("service %s: %w", in.Notes, err)
		}
	}
	return nil
}
