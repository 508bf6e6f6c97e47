package httpapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"chuangdai/internal/apptest"
	"chuangdai/internal/idnum"
)

const (
	csvType  = "text/csv"
	xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
)

func training(nationalID, cert, district string) map[string]any {
	return map[string]any{
		"national_id": nationalID, "name": "张伟", "course": "SYB", "institution": "灵宝市职业技术学校",
		"start_date": "2024-03-01", "end_date": "2024-03-10", "certificate_no": cert, "district_code": district,
	}
}

// four is the set of users a four-in-one test needs.
type four struct {
	s               *apptest.Server
	owner, other    string
	hrss, hrssOther string
	guar, guarOther string
	bank, bankOther string
	auditor         string
}

func newFour(t *testing.T) four {
	s := apptest.NewServer(t)
	return four{
		s:         s,
		owner:     s.User("owner", "entrepreneur", "", ""),
		other:     s.User("other", "entrepreneur", "", ""),
		hrss:      s.User("hrss", "hrss_officer", apptest.District, ""),
		hrssOther: s.User("hrss.other", "hrss_officer", apptest.OtherDistrict, ""),
		guar:      s.User("guar", "guarantee_officer", apptest.District, ""),
		guarOther: s.User("guar.other", "guarantee_officer", apptest.OtherDistrict, ""),
		bank:      s.User("bank", "bank_officer", "", apptest.Bank),
		bankOther: s.User("bank.other", "bank_officer", "", apptest.OtherBank),
		auditor:   s.User("auditor", "finance_auditor", "", ""),
	}
}

// loanApplication is a valid individual application in apptest.District and apptest.Bank.
func loanApplication(nationalID, amount string) map[string]any {
	return map[string]any{
		"borrower_type": "individual", "name": "张伟", "national_id": nationalID, "phone": "13800138000",
		"key_group": "returning_migrant_worker", "district_code": apptest.District, "bank_code": apptest.Bank,
		"amount": amount, "term_months": 24, "business_name": "灵宝苹果合作社", "industry": "agriculture",
		"purpose": "cold storage", "jobs_planned": 3, "not_employed": true,
	}
}

// apply makes a draft application for token and returns its path.
func (c four) apply(t *testing.T, token string, body map[string]any) string {
	t.Helper()
	return "/api/v1/applications/" + idStr(c.s.Do("POST", "/api/v1/applications", token, body).Want(201).JSON()["id"])
}

func idStr(id any) string {
	switch v := id.(type) {
	case float64:
		return strconv.FormatInt(int64(v), 10)
	case string:
		return v
	}
	panic(fmt.Sprintf("id %v", id))
}

func (c four) base(t *testing.T, name, district, level string) any {
	t.Helper()
	return c.s.Do("POST", "/api/v1/incubation-bases", c.s.AdminToken, map[string]any{"name": name, "district_code": district, "level": level}).Want(201).JSON()["id"]
}

// rowErrors lists "row:field" of an import's 422 answer.
func rowErrors(t *testing.T, r *apptest.Response) []string {
	t.Helper()
	var p struct {
		Errors []struct {
			Row   int
			Field string
		}
	}
	r.Decode(&p)
	var out []string
	for _, e := range p.Errors {
		out = append(out, fmt.Sprintf("%d:%s", e.Row, e.Field))
	}
	return out
}

func (c four) profile(t *testing.T, token, nationalID string) map[string]any {
	t.Helper()
	return c.s.Do("GET", "/api/v1/people/"+nationalID+"/support", token, nil).Want(200).JSON()
}

func count(m map[string]any, key string) int { return len(m[key].([]any)) }

func TestTrainingRecords(t *testing.T) {
	c := newFour(t)
	id := residentID("19900101", 11)
	r := c.s.Do("POST", "/api/v1/training-records", c.hrss, training(" "+id+" ", "SYB-2024-001", apptest.District)).Want(201).JSON()
	if r["national_id"] != id || r["course"] != "SYB" || r["start_date"] != "2024-03-01" || r["certificate_no"] != "SYB-2024-001" || r["id"] == nil {
		t.Fatalf("created %v", r)
	}
	// The certificate number is unique per course.
	c.s.Do("POST", "/api/v1/training-records", c.hrss, training(residentID("19910101", 13), "SYB-2024-001", apptest.District)).WantProblem(409, "conflict")
	other := training(id, "SYB-2024-001", apptest.District)
	other["course"] = "GYB"
	c.s.Do("POST", "/api/v1/training-records", c.hrss, other).Want(201)

	// Another district's records, and other roles.
	c.s.Do("POST", "/api/v1/training-records", c.hrss, training(id, "SYB-2024-002", apptest.OtherDistrict)).WantProblem(403, "forbidden")
	for _, tok := range []string{c.owner, c.guar, c.bank, c.auditor, c.s.AdminToken} {
		c.s.Do("POST", "/api/v1/training-records", tok, training(id, "SYB-2024-003", apptest.District)).WantProblem(403, "forbidden")
	}
	c.s.Do("POST", "/api/v1/training-records", "", training(id, "SYB-2024-003", apptest.District)).WantProblem(401, "auth.unauthenticated")

	bad := map[string]any{"national_id": "110105194912310021", "name": "", "course": "MBA", "institution": "x",
		"start_date": "2024-03-10", "end_date": "2024-03-01", "certificate_no": "", "district_code": "999999"}
	got := c.s.Do("POST", "/api/v1/training-records", c.hrss, bad).WantProblem(422, "validation_failed").FieldErrors()
	for _, f := range []string{"national_id", "name", "course", "end_date", "certificate_no", "district_code"} {
		if !slices.Contains(got, f) {
			t.Errorf("errors %v miss %s", got, f)
		}
	}
	bad = training(id, "X-1", apptest.District)
	bad["start_date"] = "2024-02-30"
	if got := c.s.Do("POST", "/api/v1/training-records", c.hrss, bad).WantProblem(422, "validation_failed").FieldErrors(); !slices.Equal(got, []string{"start_date"}) {
		t.Errorf("errors %v", got)
	}
	c.s.Do("POST", "/api/v1/training-records", c.hrss, map[string]any{"national_id": id, "grade": "A"}).WantProblem(422, "validation_failed")

	p := c.profile(t, c.auditor, id)
	if count(p, "training") != 2 || count(p, "incubation") != 0 || count(p, "loans") != 0 || p["counter_guarantee_waived"] != false {
		t.Fatalf("profile %v", p)
	}
}

func TestIncubationBasesAndTenancies(t *testing.T) {
	c := newFour(t)
	c.s.Do("POST", "/api/v1/incubation-bases", c.hrss, map[string]any{"name": "灵宝市创业孵化园", "district_code": apptest.District, "level": "national"}).WantProblem(403, "forbidden")
	got := c.s.Do("POST", "/api/v1/incubation-bases", c.s.AdminToken, map[string]any{"name": "", "district_code": "999999", "level": "county", "capacity": 0}).
		WantProblem(422, "validation_failed").FieldErrors()
	if !slices.Equal(got, []string{"name", "district_code", "level", "capacity"}) {
		t.Errorf("base errors %v", got)
	}
	baseID := c.base(t, "灵宝市创业孵化园", apptest.District, "national")
	c.s.Do("POST", "/api/v1/incubation-bases", c.s.AdminToken, map[string]any{"name": "灵宝市创业孵化园", "district_code": apptest.District, "level": "national"}).WantProblem(409, "conflict")
	otherBase := c.base(t, "义马市创业园", apptest.OtherDistrict, "municipal")
	var bases struct{ Items []map[string]any }
	c.s.Do("GET", "/api/v1/incubation-bases", c.owner, nil).Want(200).Decode(&bases)
	if len(bases.Items) != 2 {
		t.Fatalf("bases %v", bases.Items)
	}

	id := residentID("19900101", 11)
	tenancy := map[string]any{"base_id": baseID, "national_id": id, "entity_name": "灵宝苹果合作社", "move_in": "2024-01-15"}
	r := c.s.Do("POST", "/api/v1/incubation-records", c.hrss, tenancy).Want(201).JSON()
	if r["base_level"] != "national" || r["district_code"] != apptest.District || r["move_out"] != nil || r["move_in"] != "2024-01-15" {
		t.Fatalf("tenancy %v", r)
	}
	tid := r["id"]
	// One open tenancy per person and base.
	again := map[string]any{"base_id": baseID, "national_id": id, "entity_name": "灵宝苹果合作社", "move_in": "2024-05-01"}
	c.s.Do("POST", "/api/v1/incubation-records", c.hrss, again).WantProblem(409, "conflict")
	// The base's district decides who records.
	c.s.Do("POST", "/api/v1/incubation-records", c.hrssOther, again).WantProblem(403, "forbidden")
	c.s.Do("POST", "/api/v1/incubation-records", c.hrss, map[string]any{"base_id": otherBase, "national_id": id, "entity_name": "x", "move_in": "2024-01-01"}).WantProblem(403, "forbidden")
	c.s.Do("POST", "/api/v1/incubation-records", c.guar, again).WantProblem(403, "forbidden")
	got = c.s.Do("POST", "/api/v1/incubation-records", c.hrss, map[string]any{"base_id": 9999, "national_id": "123", "entity_name": "", "move_in": "2024-01-10", "move_out": "2024-01-01"}).
		WantProblem(422, "validation_failed").FieldErrors()
	if !slices.Equal(got, []string{"national_id", "entity_name", "move_out", "base_id"}) {
		t.Errorf("tenancy errors %v", got)
	}

	// Moving out: the officer of another district does not see the record.
	c.s.Do("PATCH", "/api/v1/incubation-records/"+idStr(tid), c.hrssOther, map[string]any{"move_out": "2024-06-30"}).WantProblem(404, "not_found")
	c.s.Do("PATCH", "/api/v1/incubation-records/"+idStr(tid), c.auditor, map[string]any{"move_out": "2024-06-30"}).WantProblem(403, "forbidden")
	c.s.Do("PATCH", "/api/v1/incubation-records/"+idStr(tid), c.hrss, map[string]any{"move_out": "2024-01-01"}).WantProblem(422, "validation_failed")
	c.s.Do("PATCH", "/api/v1/incubation-records/99999", c.hrss, map[string]any{"move_out": "2024-06-30"}).WantProblem(404, "not_found")
	r = c.s.Do("PATCH", "/api/v1/incubation-records/"+idStr(tid), c.hrss, map[string]any{"move_out": "2024-06-30"}).Want(200).JSON()
	if r["move_out"] != "2024-06-30" {
		t.Fatalf("moved out %v", r)
	}
	c.s.Do("PATCH", "/api/v1/incubation-records/"+idStr(tid), c.hrss, map[string]any{"move_out": "2024-07-30"}).WantProblem(409, "conflict")
	// After moving out the person may move in again.
	c.s.Do("POST", "/api/v1/incubation-records", c.hrss, again).Want(201)
	if p := c.profile(t, c.auditor, id); count(p, "incubation") != 2 {
		t.Fatalf("profile %v", p)
	}
}

func TestServiceRecords(t *testing.T) {
	c := newFour(t)
	id := residentID("19900101", 11)
	r := c.s.Do("POST", "/api/v1/service-records", c.hrss, map[string]any{"national_id": id, "kind": "mentoring", "date": "2024-04-02", "notes": "开业指导"}).Want(201).JSON()
	if r["district_code"] != apptest.District || r["kind"] != "mentoring" || r["notes"] != "开业指导" {
		t.Fatalf("service %v", r)
	}
	c.s.Do("POST", "/api/v1/service-records", c.hrss, map[string]any{"national_id": id, "kind": "event", "date": "2024-04-02", "district_code": apptest.OtherDistrict}).WantProblem(403, "forbidden")
	c.s.Do("POST", "/api/v1/service-records", c.auditor, map[string]any{"national_id": id, "kind": "event", "date": "2024-04-02"}).WantProblem(403, "forbidden")
	got := c.s.Do("POST", "/api/v1/service-records", c.hrss, map[string]any{"national_id": id, "kind": "lunch", "date": "2099-01-01"}).WantProblem(422, "validation_failed").FieldErrors()
	if !slices.Equal(got, []string{"date", "kind"}) && !slices.Equal(got, []string{"kind", "date"}) {
		t.Errorf("service errors %v", got)
	}
	if p := c.profile(t, c.auditor, id); count(p, "services") != 1 {
		t.Fatalf("profile %v", p)
	}
}

func trainingCSV(rows ...string) string {
	return "national_id,name,course,institution,start_date,end_date,certificate_no,district_code\n" + strings.Join(rows, "\n") + "\n"
}

func trainingRow(id, cert string) string {
	return id + ",张伟,SYB,灵宝市职业技术学校,2024-03-01,2024-03-10," + cert + "," + apptest.District
}

func TestTrainingImportCSV(t *testing.T) {
	c := newFour(t)
	a, b, d := residentID("19900101", 11), residentID("19910202", 22), residentID("19920303", 33)
	c.s.Do("POST", "/api/v1/training-records", c.hrss, training(a, "C-1", apptest.District)).Want(201)

	// A bad row in the middle: every bad row is named, nothing is imported.
	bad := trainingCSV(trainingRow(b, "C-2"), "110105194912310021,李娜,SYB,学校,2024-03-01,2024-03-10,C-3,"+apptest.District,
		trainingRow(d, "C-4"), d+",王芳,MBA,学校,2024-03-10,2024-03-01,C-5,999999")
	r := c.s.Do("POST", "/api/v1/training-records/import", c.hrss, bad, "Content-Type", csvType).WantProblem(422, "validation_failed")
	if got := rowErrors(t, r); !slices.Equal(got, []string{"3:national_id", "5:course", "5:end_date", "5:district_code"}) {
		t.Fatalf("row errors %v", got)
	}
	c.s.Do("GET", "/api/v1/people/"+b+"/support", c.hrss, nil).WantProblem(404, "not_found")

	// A bad row after the first batches were inserted: those are rolled back too.
	var rows []string
	for i := range 1200 {
		rows = append(rows, trainingRow(residentID("19800101", i%1000), fmt.Sprintf("B-%d", i)))
	}
	rows[1100] = strings.Replace(rows[1100], ",SYB,", ",XYZ,", 1)
	r = c.s.Do("POST", "/api/v1/training-records/import", c.hrss, trainingCSV(rows...), "Content-Type", csvType).WantProblem(422, "validation_failed")
	if got := rowErrors(t, r); !slices.Equal(got, []string{"1102:course"}) {
		t.Fatalf("row errors %v", got)
	}
	c.s.Do("GET", "/api/v1/people/"+residentID("19800101", 0)+"/support", c.auditor, nil).WantProblem(404, "not_found")

	// UTF-8 with BOM; the known certificate is skipped and counted.
	good := "\xEF\xBB\xBF" + trainingCSV(trainingRow(a, "C-1"), trainingRow(b, "C-2"), "", trainingRow(d, "C-4"), trainingRow(d, "C-4"))
	res := c.s.Do("POST", "/api/v1/training-records/import", c.hrss, good, "Content-Type", csvType).Want(200).JSON()
	if res["imported"] != 2.0 || res["skipped"] != 2.0 {
		t.Fatalf("import %v", res)
	}
	if p := c.profile(t, c.auditor, b); count(p, "training") != 1 {
		t.Fatalf("profile %v", p)
	}

	// Header problems are reported on row 1.
	r = c.s.Do("POST", "/api/v1/training-records/import", c.hrss, "national_id,name,grade\n"+a+",x,A\n", "Content-Type", csvType).WantProblem(422, "validation_failed")
	if got := rowErrors(t, r); !slices.Contains(got, "1:grade") || !slices.Contains(got, "1:course") {
		t.Fatalf("header errors %v", got)
	}
	c.s.Do("POST", "/api/v1/training-records/import", c.hrss, "", "Content-Type", csvType).WantProblem(422, "validation_failed")

	// Another district's rows, and roles that keep no records.
	r = c.s.Do("POST", "/api/v1/training-records/import", c.hrssOther, trainingCSV(trainingRow(residentID("19930404", 44), "C-9")), "Content-Type", csvType).WantProblem(422, "validation_failed")
	if got := rowErrors(t, r); !slices.Equal(got, []string{"2:district_code"}) {
		t.Fatalf("district errors %v", got)
	}
	for _, tok := range []string{c.auditor, c.owner, c.s.AdminToken} {
		c.s.Do("POST", "/api/v1/training-records/import", tok, good, "Content-Type", csvType).WantProblem(403, "forbidden")
	}

	// One audit event for the whole import.
	var ev struct{ Total int }
	c.s.Do("GET", "/api/v1/audit-events?entity_type=training_record&entity_id=import", c.s.AdminToken, nil).Want(200).Decode(&ev)
	if ev.Total != 1 {
		t.Fatalf("import audit events: %d", ev.Total)
	}
}

func TestTrainingImportGB18030AndMultipart(t *testing.T) {
	c := newFour(t)
	a, b := residentID("19900101", 11), residentID("19910202", 22)
	text := trainingCSV(a+",张伟,马兰花,三门峡市技师学院,2024/3/1,2024/3/10,MLH-1,"+apptest.District, b+",李娜,GYB,三门峡市技师学院,2024-03-01,2024-03-10,GYB-1,"+apptest.District)
	gb, err := simplifiedchinese.GB18030.NewEncoder().String(text)
	if err != nil {
		t.Fatal(err)
	}
	if gb == text {
		t.Fatal("the GB18030 file should differ from UTF-8")
	}
	res := c.s.Do("POST", "/api/v1/training-records/import", c.hrss, gb, "Content-Type", csvType).Want(200).JSON()
	if res["imported"] != 2.0 {
		t.Fatalf("import %v", res)
	}
	p := c.profile(t, c.auditor, a)
	tr := p["training"].([]any)[0].(map[string]any)
	if tr["name"] != "张伟" || tr["course"] != "malanhua" || tr["institution"] != "三门峡市技师学院" || tr["start_date"] != "2024-03-01" {
		t.Fatalf("GB18030 record %v", tr)
	}

	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	if err := w.WriteField("note", "roster"); err != nil {
		t.Fatal(err)
	}
	fw, err := w.CreateFormFile("file", "roster.csv")
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprint(fw, trainingCSV(trainingRow(residentID("19930404", 44), "SYB-9")))
	w.Close()
	res = c.s.Do("POST", "/api/v1/training-records/import", c.hrss, body.Bytes(), "Content-Type", w.FormDataContentType()).Want(200).JSON()
	if res["imported"] != 1.0 || res["skipped"] != 0.0 {
		t.Fatalf("multipart import %v", res)
	}
	body.Reset()
	w = multipart.NewWriter(&body)
	_ = w.WriteField("note", "no file")
	w.Close()
	c.s.Do("POST", "/api/v1/training-records/import", c.hrss, body.Bytes(), "Content-Type", w.FormDataContentType()).WantProblem(422, "validation_failed")
}

func xlsxFile(t *testing.T, rows [][]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := sw.SetRow(cell, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestIncubationImportXLSX(t *testing.T) {
	c := newFour(t)
	national := c.base(t, "三门峡国家级创业孵化示范基地", apptest.District, "national")
	other := c.base(t, "义马市创业园", apptest.OtherDistrict, "municipal")
	a, b, d := residentID("19900101", 11), residentID("19910202", 22), residentID("19920303", 33)
	header := []any{"base_id", "national_id", "entity_name", "move_in", "move_out"}
	n := idStr(national)

	bad := xlsxFile(t, [][]any{header,
		{n, a, "灵宝苹果合作社", "2024-01-15", ""},
		{idStr(other), b, "义马小吃店", "2024-02-01", ""},
		{"77777", d, "x", "2024-02-01", ""},
		{n, d, "", "2024-02-30", ""},
	})
	r := c.s.Do("POST", "/api/v1/incubation-records/import", c.hrss, bad, "Content-Type", xlsxType).WantProblem(422, "validation_failed")
	if got := rowErrors(t, r); !slices.Equal(got, []string{"3:base_id", "4:base_id", "5:entity_name", "5:move_in"}) {
		t.Fatalf("row errors %v", got)
	}
	c.s.Do("GET", "/api/v1/people/"+a+"/support", c.auditor, nil).WantProblem(404, "not_found")

	good := xlsxFile(t, [][]any{header,
		{n, a, "灵宝苹果合作社", "2024-01-15", "2024-06-30"},
		{n, b, "灵宝电商工作室", "2024/2/1", nil},
		{n, b, "灵宝电商工作室", "2024-02-01", nil}, // the same tenancy again
		{n, d, "陕州面馆", "2024-03-01", nil},
	})
	res := c.s.Do("POST", "/api/v1/incubation-records/import", c.hrss, good, "Content-Type", xlsxType).Want(200).JSON()
	if res["imported"] != 3.0 || res["skipped"] != 1.0 {
		t.Fatalf("import %v", res)
	}
	inc := c.profile(t, c.auditor, a)["incubation"].([]any)[0].(map[string]any)
	if inc["move_out"] != "2024-06-30" || inc["base_level"] != "national" || inc["entity_name"] != "灵宝苹果合作社" {
		t.Fatalf("imported tenancy %v", inc)
	}
	// A workbook's date cells arrive as day serials.
	f := excelize.NewFile()
	_ = f.SetSheetRow("Sheet1", "A1", &header)
	_ = f.SetSheetRow("Sheet1", "A2", &[]any{n, residentID("19930404", 44), "卢氏菌菇", 45383})
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	c.s.Do("POST", "/api/v1/incubation-records/import", c.hrss, buf.Bytes(), "Content-Type", "application/octet-stream").Want(200)
	inc = c.profile(t, c.auditor, residentID("19930404", 44))["incubation"].([]any)[0].(map[string]any)
	if inc["move_in"] != "2024-04-01" {
		t.Fatalf("serial date read as %v", inc["move_in"])
	}
	c.s.Do("POST", "/api/v1/incubation-records/import", c.hrss, []byte("PK\x03\x04not really a zip"), "Content-Type", xlsxType).WantProblem(422, "validation_failed")
}

func TestTrainingImportFiftyThousandRows(t *testing.T) {
	c := newFour(t)
	var b strings.Builder
	b.WriteString("national_id,name,course,institution,start_date,end_date,certificate_no,district_code\n")
	const n = 50_000
	for i := range n {
		fmt.Fprintf(&b, "%s,学员%d,SYB,三门峡市技师学院,2024-03-01,2024-03-10,SYB-%06d,%s\n", residentID("19900101", i%1000), i, i, apptest.District)
	}
	res := c.s.Do("POST", "/api/v1/training-records/import", c.hrss, b.String(), "Content-Type", csvType).Want(200).JSON()
	if res["imported"] != float64(n) || res["skipped"] != 0.0 {
		t.Fatalf("import %v", res)
	}
	var p struct{ Training []any }
	c.s.Do("GET", "/api/v1/people/"+residentID("19900101", 7)+"/support", c.auditor, nil).Want(200).Decode(&p)
	if len(p.Training) != n/1000 {
		t.Fatalf("person 7 has %d of the roster's records", len(p.Training))
	}
}

func TestSupportProfilesAndWaiver(t *testing.T) {
	c := newFour(t)
	national := c.base(t, "三门峡国家级创业孵化示范基地", apptest.District, "national")
	municipal := c.base(t, "灵宝市创业孵化园", apptest.District, "municipal")
	a, b, d := residentID("19900101", 11), residentID("19910202", 22), residentID("19920303", 33)
	c.s.Do("POST", "/api/v1/incubation-records", c.hrss, map[string]any{"base_id": national, "national_id": a, "entity_name": "灵宝苹果合作社", "move_in": "2024-01-15"}).Want(201)
	c.s.Do("POST", "/api/v1/incubation-records", c.hrss, map[string]any{"base_id": municipal, "national_id": d, "entity_name": "陕州面馆", "move_in": "2024-01-15"}).Want(201)

	appA := c.apply(t, c.owner, loanApplication(a, "200000.00"))
	appB := c.apply(t, c.other, loanApplication(b, "100000.00"))
	third := c.s.User("third", "entrepreneur", "", "")
	appD := c.apply(t, third, loanApplication(d, "200000.00"))

	// An application's profile: exactly those who see the application; the
	// applicant sees the records once verified as the person (see
	// TestTypedResidentID).
	if own := c.s.Do("GET", appA+"/support", c.owner, nil).Want(200).JSON(); count(own, "incubation") != 0 || own["counter_guarantee_waived"] != false {
		t.Fatalf("an unverified applicant reads the person's records: %v", own)
	}
	pa := c.s.Do("GET", appA+"/support", c.guar, nil).Want(200).JSON()
	if pa["counter_guarantee_waived"] != true || !strings.Contains(pa["waiver_reason"].(string), "三门峡国家级创业孵化示范基地") ||
		count(pa, "incubation") != 1 || count(pa, "loans") != 1 {
		t.Fatalf("profile of application A: %v", pa)
	}
	loan := pa["loans"].([]any)[0].(map[string]any)
	if loan["amount"] != "200000.00" || loan["status"] != "draft" || loan["number"] == "" || loan["loan"] != nil || loan["application_id"] == nil {
		t.Fatalf("loan line %v", loan)
	}
	for _, tok := range []string{c.hrss, c.guar, c.bank, c.auditor} {
		c.s.Do("GET", appA+"/support", tok, nil).Want(200)
	}
	for _, tok := range []string{c.other, c.hrssOther, c.guarOther, c.bankOther} {
		c.s.Do("GET", appA+"/support", tok, nil).WantProblem(404, "not_found")
	}
	c.s.Do("GET", "/api/v1/applications/99999/support", c.auditor, nil).WantProblem(404, "not_found")

	pb := c.s.Do("GET", appB+"/support", c.other, nil).Want(200).JSON()
	if pb["counter_guarantee_waived"] != true || pb["waiver_reason"] != "个人贷款不超过10万元 / individual loan ≤ 100,000.00" {
		t.Fatalf("profile of application B: %v", pb)
	}
	pd := c.s.Do("GET", appD+"/support", third, nil).Want(200).JSON()
	if pd["counter_guarantee_waived"] != false || pd["waiver_reason"] != "" {
		t.Fatalf("a municipal base waives nothing: %v", pd)
	}

	// A person's profile: officers of their districts and bank, auditors.
	for _, tok := range []string{c.hrss, c.guar, c.bank} {
		if p := c.profile(t, tok, a); p["national_id"] != a || p["incubation"].([]any)[0].(map[string]any)["national_id"] != a {
			t.Fatalf("an officer of the person's district or bank sees the ID masked: %v", p)
		}
	}
	// Auditors see the person, not their identity, in both profiles.
	masked := idnum.Mask(a)
	for _, url := range []string{"/api/v1/people/" + a + "/support", appA + "/support"} {
		raw := string(c.s.Do("GET", url, c.auditor, nil).Want(200).Body)
		if strings.Contains(raw, a) || !strings.Contains(raw, `"national_id":"`+masked+`"`) {
			t.Fatalf("auditor's %s: %s", url, raw)
		}
	}
	if p := c.profile(t, c.auditor, a); p["counter_guarantee_waived"] != true {
		t.Fatalf("person profile %v", p)
	}
	for _, tok := range []string{c.hrssOther, c.bankOther} {
		c.s.Do("GET", "/api/v1/people/"+a+"/support", tok, nil).WantProblem(404, "not_found")
	}
	for _, tok := range []string{c.owner, c.other, c.s.AdminToken} {
		c.s.Do("GET", "/api/v1/people/"+a+"/support", tok, nil).WantProblem(403, "forbidden")
	}
	// Records alone show the person to auditors only.
	e := residentID("19930404", 44)
	c.s.Do("POST", "/api/v1/service-records", c.hrssOther, map[string]any{"national_id": e, "kind": "guidance", "date": "2024-04-02"}).Want(201)
	for _, tok := range []string{c.hrssOther, c.hrss} {
		c.s.Do("GET", "/api/v1/people/"+e+"/support", tok, nil).WantProblem(404, "not_found")
	}
	if p := c.profile(t, c.auditor, e); count(p, "loans") != 0 || p["counter_guarantee_waived"] != false || p["waiver_reason"] != "" {
		t.Fatalf("profile without application %v", p)
	}
	c.s.Do("GET", "/api/v1/people/"+residentID("19940505", 55)+"/support", c.auditor, nil).WantProblem(404, "not_found")
	c.s.Do("GET", "/api/v1/people/12345/support", c.auditor, nil).WantProblem(404, "not_found")
}

func TestSupportFigures(t *testing.T) {
	c := newFour(t)
	year := time.Now().In(time.FixedZone("CST", 8*3600)).Year()
	jan1 := fmt.Sprintf("%d-01-01", year)
	national := c.base(t, "三门峡国家级创业孵化示范基地", apptest.District, "national")
	municipal := c.base(t, "灵宝市创业孵化园", apptest.District, "municipal")
	a, d := residentID("19900101", 11), residentID("19920303", 33)
	c.s.Do("POST", "/api/v1/incubation-records", c.hrss, map[string]any{"base_id": national, "national_id": a, "entity_name": "灵宝苹果合作社", "move_in": "2024-01-15"}).Want(201)
	c.s.Do("POST", "/api/v1/incubation-records", c.hrss, map[string]any{"base_id": municipal, "national_id": d, "entity_name": "陕州面馆", "move_in": "2024-01-15"}).Want(201)
	tr := training(d, "SYB-1", apptest.District)
	tr["start_date"], tr["end_date"] = jan1, jan1
	c.s.Do("POST", "/api/v1/training-records", c.hrss, tr).Want(201)
	c.s.Do("POST", "/api/v1/service-records", c.hrss, map[string]any{"national_id": a, "kind": "mentoring", "date": jan1}).Want(201)

	app := c.apply(t, c.owner, loanApplication(a, "200000.00"))
	c.s.Do("POST", app+"/submit", c.owner, nil).Want(200)
	c.s.Do("POST", app+"/decisions", c.hrss, map[string]any{"decision": "approve"}).Want(200)
	c.s.Do("POST", app+"/decisions", c.guar, map[string]any{"decision": "approve"}).Want(200)
	c.s.Do("POST", app+"/decisions", c.bank, map[string]any{"decision": "approve", "approved_amount": "150000.00", "annual_rate": "0.0300", "term_months": 24}).Want(200)
	// Approved is not yet a loan: the borrower counts once the bank disburses.
	var f0 struct {
		Districts []struct {
			DistrictCode string `json:"district_code"`
			Borrowers    int    `json:"borrowers"`
		}
	}
	c.s.Do("GET", fmt.Sprintf("/api/v1/support/figures?year=%d", year), c.auditor, nil).Want(200).Decode(&f0)
	for _, d := range f0.Districts {
		if d.Borrowers != 0 {
			t.Fatalf("borrowers before disbursement %+v", f0)
		}
	}
	today := time.Now().In(time.FixedZone("CST", 8*3600)).Format(time.DateOnly)
	bank2 := c.s.User("bank2", "bank_officer", "", apptest.Bank)
	c.s.Do("POST", app+"/disbursement", bank2, map[string]any{"amount": "150000.00", "disbursed_on": today, "bank_reference": "ICBC-2024-0001"},
		"Idempotency-Key", "support-figures-1").Want(201)
	lines := c.profile(t, c.auditor, a)["loans"].([]any)
	loan := lines[0].(map[string]any)["loan"].(map[string]any)
	if len(lines) != 1 || loan["principal"] != "150000.00" || loan["outstanding_principal"] != "150000.00" || loan["disbursed_on"] != today || loan["status"] != "active" {
		t.Fatalf("profile loans %v", lines)
	}

	var f struct {
		Year      int
		Districts []struct {
			DistrictCode       string  `json:"district_code"`
			PeopleTrained      int     `json:"people_trained"`
			Tenants            int     `json:"tenants"`
			Services           int     `json:"services"`
			Borrowers          int     `json:"borrowers"`
			BorrowersSupported int     `json:"borrowers_supported"`
			SupportedSharePct  *string `json:"supported_share_pct"`
		}
		Bases []struct {
			Name            string `json:"name"`
			Tenants         int    `json:"tenants"`
			TenantsWithLoan int    `json:"tenants_with_loan"`
		}
	}
	c.s.Do("GET", fmt.Sprintf("/api/v1/support/figures?year=%d", year), c.auditor, nil).Want(200).Decode(&f)
	if f.Year != year || len(f.Districts) != 2 || len(f.Bases) != 2 {
		t.Fatalf("figures %+v", f)
	}
	for _, d := range f.Districts {
		switch d.DistrictCode {
		case apptest.District:
			if d.PeopleTrained != 1 || d.Tenants != 2 || d.Services != 1 || d.Borrowers != 1 || d.BorrowersSupported != 1 || d.SupportedSharePct == nil || *d.SupportedSharePct != "100.00" {
				t.Errorf("district figures %+v", d)
			}
		case apptest.OtherDistrict:
			if d.PeopleTrained != 0 || d.Tenants != 0 || d.Borrowers != 0 || d.SupportedSharePct != nil {
				t.Errorf("other district figures %+v", d)
			}
		}
	}
	for _, b := range f.Bases {
		want := map[string][2]int{"三门峡国家级创业孵化示范基地": {1, 1}, "灵宝市创业孵化园": {1, 0}}[b.Name]
		if b.Tenants != want[0] || b.TenantsWithLoan != want[1] {
			t.Errorf("base figures %+v", b)
		}
	}
	// A year before the records: nothing trained, nobody borrowed.
	c.s.Do("GET", "/api/v1/support/figures?year=2023", c.s.AdminToken, nil).Want(200).Decode(&f)
	for _, d := range f.Districts {
		if d.PeopleTrained != 0 || d.Tenants != 0 || d.Borrowers != 0 {
			t.Errorf("2023 figures %+v", d)
		}
	}
	// District officers see their own district.
	c.s.Do("GET", fmt.Sprintf("/api/v1/support/figures?year=%d", year), c.hrssOther, nil).Want(200).Decode(&f)
	if len(f.Districts) != 1 || f.Districts[0].DistrictCode != apptest.OtherDistrict || len(f.Bases) != 0 {
		t.Fatalf("figures of the other district %+v", f)
	}
	for _, tok := range []string{c.bank, c.guar, c.owner} {
		c.s.Do("GET", "/api/v1/support/figures", tok, nil).WantProblem(403, "forbidden")
	}
	c.s.Do("GET", "/api/v1/support/figures?year=abc", c.auditor, nil).WantProblem(422, "validation_failed")
	c.s.Do("GET", "/api/v1/support/figures?year=1990", c.auditor, nil).WantProblem(422, "validation_failed")
}

func TestImportBodyLimit(t *testing.T) {
	c := newFour(t)
	// Above the 10 MiB JSON limit but within the import limit: the file is
	// read whole (and found not to be a workbook).
	big := "PK\x03\x04" + strings.Repeat("x", 11<<20)
	r := c.s.Do("POST", "/api/v1/training-records/import", c.hrss, big, "Content-Type", xlsxType).WantProblem(422, "validation_failed")
	if got := rowErrors(t, r); !slices.Equal(got, []string{"1:file"}) {
		t.Fatalf("errors %v", got)
	}
	c.s.Do("POST", "/api/v1/training-records", c.hrss, big).WantProblem(413, "request_too_large")
	c.s.Do("POST", "/api/v1/training-records/import", c.hrss, strings.Repeat("x", 65<<20), "Content-Type", csvType).WantProblem(413, "request_too_large")
}

// Two officers importing overlapping rosters at once: every certificate is
// recorded once, and the counts of both answers add up.
func TestConcurrentTrainingImports(t *testing.T) {
	c := newFour(t)
	hrss2 := c.s.User("hrss2", "hrss_officer", apptest.District, "")
	var rows []string
	for i := range 600 {
		rows = append(rows, trainingRow(residentID("19850101", i%900), fmt.Sprintf("C-%04d", i)))
	}
	files := []string{trainingCSV(rows[:400]...), trainingCSV(rows[200:]...)}
	type result struct {
		status            int
		imported, skipped float64
	}
	results := make(chan result, 2)
	var wg sync.WaitGroup
	for i, tok := range []string{c.hrss, hrss2} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest("POST", c.s.URL+"/api/v1/training-records/import", strings.NewReader(files[i]))
			req.Header.Set("Authorization", "Bearer "+tok)
			req.Header.Set("Content-Type", csvType)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				results <- result{status: -1}
				return
			}
			defer resp.Body.Close()
			var body struct{ Imported, Skipped float64 }
			_ = json.NewDecoder(resp.Body).Decode(&body)
			results <- result{resp.StatusCode, body.Imported, body.Skipped}
		}()
	}
	wg.Wait()
	close(results)
	var imported, skipped float64
	for r := range results {
		if r.status != 200 {
			t.Fatalf("an import answered %d", r.status)
		}
		imported += r.imported
		skipped += r.skipped
	}
	if imported != 600 || skipped != 200 {
		t.Fatalf("imported %v, skipped %v; want 600 and 200", imported, skipped)
	}
}

// TestProfileVisibilityFollowsApplications: an officer who writes a record
// about a person sees nothing more of them by doing so; the profile shows
// where the person applied or borrowed.
func TestProfileVisibilityFollowsApplications(t *testing.T) {
	c := newCast(t)
	s := c.s
	hrssOther := c.hrssOther
	loan := c.loan(t)
	person := loanPersonID(c.seq)
	s.Do("POST", "/api/v1/service-records", hrssOther, map[string]any{"national_id": person, "kind": "guidance", "date": "2024-04-02", "district_code": apptest.OtherDistrict}).Want(201)
	s.Do("POST", "/api/v1/training-records", hrssOther, training(person, "SYB-OTHER-1", apptest.OtherDistrict)).Want(201)
	for _, tok := range []string{hrssOther, c.guarOther, c.bankOther} {
		s.Do("GET", "/api/v1/people/"+person+"/support", tok, nil).WantProblem(404, "not_found")
	}
	for _, tok := range []string{c.owner, c.other} {
		s.Do("GET", "/api/v1/people/"+person+"/support", tok, nil).WantProblem(403, "forbidden")
	}
	// Where the person borrowed, the profile shows every record, the other
	// district's included.
	for _, tok := range []string{c.hrss, c.guar, c.bank, c.auditor} {
		p := s.Do("GET", "/api/v1/people/"+person+"/support", tok, nil).Want(200).JSON()
		if count(p, "services") != 1 || count(p, "training") != 1 || count(p, "loans") != 1 ||
			p["loans"].([]any)[0].(map[string]any)["loan"].(map[string]any)["number"] != loan["number"] {
			t.Fatalf("profile where the person borrowed: %v", p)
		}
	}
	// An application in the other district opens the profile there.
	body := individual(c.nextID())
	body["district_code"], body["bank_code"] = apptest.OtherDistrict, apptest.OtherBank
	second := body["national_id"].(string)
	s.Do("POST", "/api/v1/service-records", c.hrss, map[string]any{"national_id": second, "kind": "guidance", "date": "2024-04-02"}).Want(201)
	s.Do("GET", "/api/v1/people/"+second+"/support", hrssOther, nil).WantProblem(404, "not_found")
	s.Do("POST", "/api/v1/applications", c.other, body).Want(201)
	s.Do("GET", "/api/v1/people/"+second+"/support", hrssOther, nil).Want(200)
	s.Do("GET", "/api/v1/people/"+second+"/support", c.hrss, nil).WantProblem(404, "not_found")
}

// TestWaiverSourceShowsBackdatedRecords: a waiver that rests on an
// incubation record shows the guarantee officer when and by whom the record
// was entered, and flags one entered after the application day.
func TestWaiverSourceShowsBackdatedRecords(t *testing.T) {
	c := newFour(t)
	national := c.base(t, "三门峡国家级创业孵化示范基地", apptest.District, "national")
	honest, late := residentID("19900101", 11), residentID("19910202", 22)
	c.s.Do("POST", "/api/v1/incubation-records", c.hrss, map[string]any{"base_id": national, "national_id": honest, "entity_name": "灵宝苹果合作社", "move_in": "2024-01-15"}).Want(201)
	appHonest := c.apply(t, c.owner, loanApplication(honest, "200000.00"))

	// The second applicant applied ten days ago; the record of a move-in
	// before that was entered today.
	svc := c.s.App.Applications
	tenDaysAgo := time.Now().AddDate(0, 0, -10)
	svc.SetClock(func() time.Time { return tenDaysAgo })
	appLate := c.apply(t, c.other, loanApplication(late, "200000.00"))
	c.s.Do("POST", appLate+"/submit", c.other, nil).Want(200)
	svc.SetClock(time.Now)
	moveIn := tenDaysAgo.AddDate(0, 0, -30).Format(time.DateOnly)
	c.s.Do("POST", "/api/v1/incubation-records", c.hrss, map[string]any{"base_id": national, "national_id": late, "entity_name": "灵宝电商工作室", "move_in": moveIn}).Want(201)

	source := func(url, tok string) map[string]any {
		t.Helper()
		p := c.s.Do("GET", url, tok, nil).Want(200).JSON()
		if p["counter_guarantee_waived"] != true {
			t.Fatalf("%s: not waived: %v", url, p)
		}
		src, _ := p["waiver_source"].(map[string]any)
		return src
	}
	src := source(appHonest+"/support", c.guar)
	if src == nil || src["recorded_after_application"] != false || src["base_level"] != "national" || src["move_in"] != "2024-01-15" ||
		src["recorded_by"].(map[string]any)["username"] != "hrss" || src["recorded_at"] == nil {
		t.Fatalf("source of an honest waiver: %v", src)
	}
	for _, url := range []string{appLate + "/support", "/api/v1/people/" + late + "/support"} {
		src := source(url, c.guar)
		if src == nil || src["recorded_after_application"] != true || src["move_in"] != moveIn ||
			src["applied_on"] != tenDaysAgo.In(time.FixedZone("CST", 8*3600)).Format(time.DateOnly) || src["recorded_by"].(map[string]any)["name"] != "hrss" {
			t.Fatalf("%s: source of a backdated waiver: %v", url, src)
		}
	}
	if src := source(appLate+"/support", c.auditor); src == nil || src["recorded_after_application"] != true {
		t.Fatalf("the auditor's view: %v", src)
	}
	// An amount waiver has no source; the applicant's own view shows none.
	small := c.apply(t, c.owner, loanApplication(residentID("19920303", 33), "80000.00"))
	if src := source(small+"/support", c.guar); src != nil {
		t.Fatalf("an amount waiver shows a source: %v", src)
	}
	c.s.Do("POST", appLate+"/decisions", c.hrss, map[string]any{"decision": "approve"}).Want(200)
	if own := c.s.Do("GET", appLate+"/support", c.other, nil).Want(200).JSON(); own["counter_guarantee_waived"] != true || own["waiver_source"] != nil {
		t.Fatalf("the verified applicant's own view: waived %v, source %v", own["counter_guarantee_waived"], own["waiver_source"])
	}
}
