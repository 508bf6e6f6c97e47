package audit

import (
	"encoding/json"
	"testing"
)

func TestMaskJSON(t *testing.T) {
	for _, c := range []struct{ name, in, want string }{
		{"order and nesting are kept",
			`{"number":"411282-2024-000001","fields":{"NationalID":"41128219900101001X","Phone":"13800138000","Partners":[{"name":"李娜","national_id":"411282199001020021"}]},"version":2}`,
			`{"number":"411282-2024-000001","fields":{"NationalID":"411282********001X","Phone":"138****8000","Partners":[{"name":"李娜","national_id":"411282********0021"}]},"version":2}`},
		{"numbers inside text", `{"comment":"身份证411282199001010013，电话13800138000。"}`, `{"comment":"身份证411282********0013，电话138****8000。"}`},
		{"a landline under a phone key", `{"contact_phone":"0398-8881234"}`, `{"contact_phone":"039****1234"}`},
		{"other figures stay", `{"amount":"200000.00","hash":"ab411282199001010013cd","bank_reference":"BK2024031500001","days":97,"ok":true,"x":null}`,
			`{"amount":"200000.00","hash":"ab411282199001010013cd","bank_reference":"BK2024031500001","days":97,"ok":true,"x":null}`},
		{"a top-level array", `["411282199001010013",1]`, `["411282********0013",1]`},
	} {
		got := string(maskJSON(json.RawMessage(c.in)))
		if got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.name, got, c.want)
		}
		if !json.Valid([]byte(got)) {
			t.Errorf("%s: not JSON: %s", c.name, got)
		}
	}
	if maskJSON(nil) != nil {
		t.Error("no document must stay none")
	}
	if got := string(maskJSON(json.RawMessage(`{"national_id":"411282199001010013"`))); got != `"(withheld: not valid JSON)"` {
		t.Errorf("broken document: %s", got)
	}
}

// TestChanges: the fields that differ, by path, with application fields by
// their own names; unchanged ones are left out.
func TestChanges(t *testing.T) {
	before := json.RawMessage(`{"status":"returned","version":3,"list":[],"fields":{"amount":"200000.00","partners":[{"name":"甲"}],"enterprise":{"name":"旧"}}}`)
	after := json.RawMessage(`{"status":"returned","version":4,"fields":{"amount":"150000.00","partners":[{"name":"乙"}],"enterprise":{"name":"旧"},"purpose":"冷库","NationalID":"x","JobsPlanned":2}}`)
	got := Changes(before, after)
	want := []string{`amount "200000.00" "150000.00"`, `jobs_planned null 2`, `national_id null "x"`, `partners [{"name":"甲"}] [{"name":"乙"}]`, `purpose null "冷库"`, `version 3 4`}
	if len(got) != len(want) {
		t.Fatalf("changes %+v", got)
	}
	for i, c := range got {
		if s := c.Field + " " + string(c.Before) + " " + string(c.After); s != want[i] {
			t.Errorf("change %d = %s, want %s", i, s, want[i])
		}
	}
	if c := Changes(nil, json.RawMessage(`{"name":"x"}`)); len(c) != 1 || c[0].Field != "name" || string(c[0].Before) != "null" {
		t.Errorf("creation %+v", c)
	}
}
