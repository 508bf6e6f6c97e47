package httpapi_test

import (
	"bytes"
	"testing"

	"github.com/xuri/excelize/v2"

	"chuangdai/internal/apptest"
)

func xlsxOf(t testing.TB, rows [][]any) []byte {
	f := excelize.NewFile()
	defer f.Close()
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// fuzzImport posts arbitrary files to an import endpoint: whatever arrives,
// the answer is 200 or a client error with a problem body, never a 5xx.
func fuzzImport(f *testing.F, path, role string, seeds [][]byte) {
	for _, s := range seeds {
		f.Add(s, false)
		f.Add(s, true)
	}
	s := apptest.NewServer(f)
	token := s.AdminToken
	if role != "admin" {
		token = s.User("importer", role, apptest.District, "")
	}
	f.Fuzz(func(t *testing.T, body []byte, asXLSX bool) {
		contentType := csvType
		if asXLSX {
			contentType = xlsxType
		}
		r := s.For(t).Do("POST", path, token, body, "Content-Type", contentType)
		switch {
		case r.Status == 200:
		case r.Status >= 400 && r.Status < 500:
			if r.Header.Get("Content-Type") != "application/problem+json" {
				t.Fatalf("%d without a problem body: %s", r.Status, r.Body)
			}
		default:
			t.Fatalf("%s answered %d: %s", path, r.Status, r.Body)
		}
	})
}

func FuzzTrainingImport(f *testing.F) {
	header := "national_id,name,course,institution,start_date,end_date,certificate_no,district_code\n"
	id := residentID("19900101", 7)
	fuzzImport(f, "/api/v1/training-records/import", "hrss_officer", [][]byte{
		[]byte(header + id + ",张伟,SYB,学校,2024-03-01,2024-03-10,C-1," + apptest.District + "\n"),
		[]byte("\xEF\xBB\xBF" + header + id + ",张伟,GYB,学校,2024-03-01,2024-02-10,C-2,999999\n"),
		[]byte(header + "\"unterminated,quote\n"),
		[]byte("\xd5\xc5\xce\xb0,\xff\xfe\n"),
		xlsxOf(f, [][]any{{"national_id", "name", "course", "institution", "start_date", "end_date", "certificate_no", "district_code"},
			{id, "张伟", "SYB", "学校", 45352, 45361, "C-3", apptest.District}}),
		[]byte("PK\x03\x04 not really a zip"),
		{},
	})
}

func FuzzLegacyLoanImport(f *testing.F) {
	header := "external_ref,name,national_id,gender,key_group,borrower_type,district_code,bank_code,principal,annual_rate,term_months,disbursed_on,jobs_created\n"
	id := residentID("19900101", 7)
	fuzzImport(f, "/api/v1/imports/loans", "admin", [][]byte{
		[]byte(header + "L-1,张伟," + id + ",male,returning_migrant_worker,individual," + apptest.District + "," + apptest.Bank + ",200000.00,0.0395,24,2024-03-15,3\n"),
		[]byte(header + "L-2,张伟," + id + ",female,unknown,individual,999999,NOPE,1e9,3.95%,0,2024-13-01,-1\n"),
		[]byte(header[:40] + "\n"),
		[]byte("\x00\x01\x02"),
		{},
	})
}
