package httpapi

import (
	"bytes"
	"io"
	"log/slog"
	"net/http/httptest"
	"reflect"
	"testing"

	"github.com/gin-gonic/gin"

	"chuangdai/internal/apperr"
)

// FuzzBindEveryWrite decodes arbitrary bodies into the request type of every
// write route: decoding never panics, and every failure is a client error
// (400, 413 or 422), never an internal one.
func FuzzBindEveryWrite(f *testing.F) {
	for _, s := range []string{
		`{}`, `{"username":"a","password":"b"}`, `{"items":[{"district_code":"411282","loan_amount":"1.00","jobs":3}]}`,
		`{"amount":1e400}`, `{"term_months":"x"}`, `[]`, `null`, `{"a":{"b":[1,2,{"c":null}]}}`, `{"x":1}{"y":2}`, "\xff\xfe",
	} {
		f.Add([]byte(s))
	}
	a := New(Deps{Log: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	var types []reflect.Type
	for _, r := range a.Routes {
		if r.Request != nil {
			types = append(types, reflect.TypeOf(r.Request))
		}
	}
	if len(types) == 0 {
		f.Fatal("no write routes")
	}
	gin.SetMode(gin.ReleaseMode)
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, typ := range types {
			c, _ := gin.CreateTestContext(httptest.NewRecorder())
			c.Request = httptest.NewRequest("POST", "/", bytes.NewReader(body))
			err := bind(c, reflect.New(typ).Interface())
			if err == nil {
				continue
			}
			switch apperr.KindOf(err) {
			case apperr.BadRequest, apperr.Invalid, apperr.TooLarge:
			default:
				t.Fatalf("%s: %q gave %v", typ, body, err)
			}
		}
	})
}
