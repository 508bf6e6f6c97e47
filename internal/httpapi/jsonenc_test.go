package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"
)

// jsonPieces are what the random strings are made of: everything
// encoding/json escapes or replaces, and text as the service holds it.
var jsonPieces = []string{"", "a", "Z9", "<", ">", "&", `"`, `\`, "/", "'", "\x00", "\x01", "\x1f", "\b", "\f", "\n", "\r", "\t",
	"\x7f", "\xff", "\xc3", "\xe2\x80", "\xed\xa0\x80", "中文", "灵宝市", "\u2028", "\u2029", "é", "😀", "\ufffd", " ", "200000.00"}

var jsonZones = []*time.Location{time.UTC, time.Local, time.FixedZone("CST", 8*3600), time.FixedZone("", -(3*3600 + 30*60)),
	time.FixedZone("", 5*3600+45*60), time.FixedZone("odd", 23*3600+59*60+59)}

// filler fills values with random contents, a third of them nil, empty or
// zero.
type filler struct {
	t *testing.T
	r *rand.Rand
}

func (f filler) string() string {
	var b strings.Builder
	for range f.r.IntN(7) {
		b.WriteString(jsonPieces[f.r.IntN(len(jsonPieces))])
	}
	return b.String()
}

func (f filler) time() time.Time {
	var sec int64
	switch f.r.IntN(8) {
	case 0:
		return time.Time{}
	case 1:
		// Past year 9999, which encoding/json refuses.
		sec = 253402300800 + f.r.Int64N(1<<30)
	default:
		sec = f.r.Int64N(253402300799+62135596800) - 62135596800
	}
	var nsec int64
	switch f.r.IntN(3) {
	case 1:
		nsec = f.r.Int64N(1e9)
	case 2:
		nsec = f.r.Int64N(1000) * 1e6
	}
	return time.Unix(sec, nsec).In(jsonZones[f.r.IntN(len(jsonZones))])
}

// raw is a json.RawMessage as the audit trail keeps one: JSON with spaces,
// now and then nothing or no JSON at all.
func (f filler) raw() json.RawMessage {
	str := func() string {
		var b bytes.Buffer
		e := json.NewEncoder(&b)
		e.SetEscapeHTML(false)
		if err := e.Encode(f.string()); err != nil {
			f.t.Fatal(err)
		}
		return strings.TrimSpace(b.String())
	}
	switch f.r.IntN(9) {
	case 0:
		return nil
	case 1:
		return json.RawMessage{}
	case 2:
		return json.RawMessage(`{"a":`)
	case 3:
		return json.RawMessage(" null ")
	case 4:
		return json.RawMessage("\t" + str() + "\n")
	case 5:
		return json.RawMessage(` [ 1 , -2.5e3, true, ` + str() + ` ] `)
	case 6:
		return json.RawMessage(`{ "k<&>" : ` + str() + ` , "n" : { "m" : [ ] } }`)
	default:
		return json.RawMessage(str())
	}
}

func (f filler) int() int64 {
	switch f.r.IntN(6) {
	case 0:
		return 0
	case 1:
		return math.MaxInt64
	case 2:
		return math.MinInt64
	case 3:
		return -f.r.Int64N(1000)
	default:
		return f.r.Int64N(1 << 40)
	}
}

// fill fills v, every field of every struct in it, and fails on a kind it
// does not know.
func (f filler) fill(v reflect.Value) {
	switch {
	case v.Type() == timeType:
		v.Set(reflect.ValueOf(f.time()))
		return
	case v.Type() == rawType:
		v.Set(reflect.ValueOf(f.raw()))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(f.string())
	case reflect.Int, reflect.Int64:
		v.SetInt(f.int())
	case reflect.Bool:
		v.SetBool(f.r.IntN(2) == 0)
	case reflect.Pointer:
		if f.r.IntN(3) == 0 {
			v.SetZero()
			return
		}
		v.Set(reflect.New(v.Type().Elem()))
		f.fill(v.Elem())
	case reflect.Slice:
		switch f.r.IntN(4) {
		case 0:
			v.SetZero()
		case 1:
			v.Set(reflect.MakeSlice(v.Type(), 0, 0))
		default:
			s := reflect.MakeSlice(v.Type(), 1+f.r.IntN(3), 3)
			for i := range s.Len() {
				f.fill(s.Index(i))
			}
			v.Set(s)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			f.fill(v.Field(i))
		}
	default:
		f.t.Fatalf("no random value for a %s", v.Type())
	}
}

// TestOwnJSONIsEncodingJSON fills every field of each answer with an
// encoder of its own, recursively, with random values (strings with what
// encoding/json escapes, nil, empty and zero values, times in many zones)
// and wants the encoder's bytes to be json.Marshal's, or both to refuse. A
// page of answers is written by its items' encoders; a page of items
// without one is refused, for gin to write.
func TestOwnJSONIsEncodingJSON(t *testing.T) {
	if _, err := (listResponse[userResponse]{}).appendJSON(nil); !errors.Is(err, errNoOwnJSON) {
		t.Fatalf("a page of users: %v, want errNoOwnJSON", err)
	}
	for name, v := range map[string]jsonAppender{
		"loan": loanResponse{}, "application": applicationResponse{},
		"page of loans": listResponse[loanResponse]{}, "page of applications": listResponse[applicationResponse]{},
	} {
		t.Run(name, func(t *testing.T) {
			f := filler{t: t, r: rand.New(rand.NewPCG(16, 2026))}
			refused := 0
			for i := range 5000 {
				p := reflect.New(reflect.TypeOf(v))
				if i > 0 {
					f.fill(p.Elem())
				}
				val := p.Elem().Interface()
				want, wantErr := json.Marshal(val)
				got, err := val.(jsonAppender).appendJSON([]byte("prefix"))
				if (err != nil) != (wantErr != nil) {
					t.Fatalf("iteration %d: error %v, encoding/json's %v", i, err, wantErr)
				}
				if err != nil {
					refused++
					continue
				}
				if !bytes.Equal(got, append([]byte("prefix"), want...)) {
					t.Fatalf("iteration %d:\n got %s\nwant prefix%s", i, got, want)
				}
			}
			if refused == 0 || refused > 4000 {
				t.Fatalf("%d of 5000 refused", refused)
			}
		})
	}
}

// FuzzOwnJSONString holds the string encoder to encoding/json's.
func FuzzOwnJSONString(f *testing.F) {
	for _, s := range jsonPieces {
		f.Add(s)
	}
	f.Add("<script>alert('x & y')</script>\u2028中文\xff\x00")
	f.Fuzz(func(t *testing.T, s string) {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendJSONString(nil, s); !bytes.Equal(got, want) {
			t.Fatalf("%q: got %s, want %s", s, got, want)
		}
	})
}
