package httpapi_test

import (
	"os"
	"slices"
	"testing"

	"chuangdai/internal/apptest"
)

// The sample files the README links import as documented.
func TestSupportSampleFiles(t *testing.T) {
	c := newFour(t)
	read := func(name string) []byte {
		b, err := os.ReadFile("../../docs/samples/" + name)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, s := range []struct {
		file, contentType string
		imported, skipped float64
	}{
		{"training-roster.csv", "text/csv", 5, 0},
		{"training-roster-gb18030.csv", "text/csv; charset=gb18030", 0, 5},
		{"training-roster.xlsx", xlsxType, 0, 5},
	} {
		res := c.s.Do("POST", "/api/v1/training-records/import", c.hrss, read(s.file), "Content-Type", s.contentType).Want(200).JSON()
		if res["imported"] != s.imported || res["skipped"] != s.skipped {
			t.Errorf("%s: %v", s.file, res)
		}
	}
	if id := idStr(c.base(t, "三门峡市创业孵化示范基地", apptest.District, "national")); id != "1" {
		t.Fatalf("the sample names base 1, the first base made; got %s", id)
	}
	res := c.s.Do("POST", "/api/v1/incubation-records/import", c.hrss, read("incubation-tenancies.csv"), "Content-Type", "text/csv").Want(200).JSON()
	if res["imported"] != 3.0 || res["skipped"] != 0.0 {
		t.Errorf("tenancies: %v", res)
	}
	p := c.profile(t, c.auditor, "411282199307080425")
	if count(p, "training") != 1 || count(p, "incubation") != 1 || p["training"].([]any)[0].(map[string]any)["course"] != "malanhua" {
		t.Fatalf("profile %v", p)
	}
}

func TestImportsInOpenAPI(t *testing.T) {
	s := apptest.NewServer(t)
	type content struct {
		Content map[string]any `json:"content"`
	}
	var doc struct {
		Paths map[string]map[string]struct {
			RequestBody content            `json:"requestBody"`
			Responses   map[string]content `json:"responses"`
			Parameters  []struct{ Name string }
		} `json:"paths"`
	}
	s.Do("GET", "/api/openapi.json", "", nil).Want(200).Decode(&doc)
	for _, p := range []string{"/api/v1/training-records/import", "/api/v1/incubation-records/import", "/api/v1/imports/loans", "/api/v1/reports/reconciliation"} {
		op := doc.Paths[p]["post"]
		for _, mt := range []string{"text/csv", xlsxType, "multipart/form-data"} {
			if op.RequestBody.Content[mt] == nil {
				t.Errorf("%s takes no %s in the OpenAPI document: %v", p, mt, op.RequestBody.Content)
			}
		}
		if !slices.ContainsFunc(op.Parameters, func(q struct{ Name string }) bool { return q.Name == "dry_run" }) {
			t.Errorf("%s has no dry_run parameter", p)
		}
		tpl := doc.Paths[p+"/template"]["get"]
		for _, mt := range []string{"text/csv", xlsxType} {
			if tpl.Responses["200"].Content[mt] == nil {
				t.Errorf("%s/template answers no %s in the OpenAPI document", p, mt)
			}
		}
	}
}
