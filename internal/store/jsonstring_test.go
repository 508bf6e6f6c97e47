package store

import (
	"encoding/json"
	"reflect"
	"testing"
)

// jsonString reads every string and null a JSON aggregate may hold as
// json.Unmarshal into a *string does, and refuses what it refuses.
func TestJSONStringReadsAsTheDecoder(t *testing.T) {
	for _, in := range []string{`null`, `""`, `"2024-06-20"`, `"2024-03-05T08:30:15.123456+00:00"`, `"2024-04-01 09:00:00"`,
		`"a\"b"`, `"\u0032024-01-01"`, `"追回「一部分」"`, `"a\\b"`, `"x"y"`, `"`, `12`, `"abc`, `nul`, `[]`} {
		var want *string
		wantErr := json.Unmarshal([]byte(in), &want)
		got, err := jsonString([]byte(in))
		if (err != nil) != (wantErr != nil) || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %v, %v; the decoder %v, %v", in, deref(got), err, deref(want), wantErr)
		}
	}
}

// unmarshalArray leaves what json.Unmarshal leaves in a nil slice, the
// empty array (an empty slice, not nil) and every other input alike.
func TestUnmarshalArrayAsTheDecoder(t *testing.T) {
	type item struct {
		Name string `json:"name"`
	}
	for _, in := range []string{`[]`, `null`, ` [] `, `[{"name":"李娜"}]`, `[{}]`, ``, `[`, `{}`} {
		var got, want []item
		err := unmarshalArray(in, &got)
		wantErr := json.Unmarshal([]byte(in), &want)
		if (err != nil) != (wantErr != nil) || !reflect.DeepEqual(got, want) || (got == nil) != (want == nil) {
			t.Errorf("%q: got %#v, %v; the decoder %#v, %v", in, got, err, want, wantErr)
		}
	}
}
