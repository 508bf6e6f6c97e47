package httpapi

import (
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"chuangdai/internal/apperr"
)

// NUL characters (U+0000) are refused in every path value, query parameter
// and JSON string before anything reads them: PostgreSQL cannot store them
// in text, and no field of chuangdai has a use for them.

const nulMessage = "must not contain NUL characters (\\u0000): remove them and send again"

// nulName makes a name that holds NUL readable in an error entry.
func nulName(s string) string { return strings.ReplaceAll(s, "\x00", `\u0000`) }

// refuseNULInURL names every path value and query parameter that holds a NUL.
func refuseNULInURL(c *gin.Context) error {
	var f apperr.Fields
	for _, p := range c.Params {
		if strings.ContainsRune(p.Value, 0) {
			f.Add(p.Key, nulMessage)
		}
	}
	q := c.Request.URL.Query()
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		bad := strings.ContainsRune(k, 0)
		for _, v := range q[k] {
			bad = bad || strings.ContainsRune(v, 0)
		}
		if bad {
			f.Add(nulName(k), nulMessage)
		}
	}
	return f.Err()
}

// refuseNULInBody names every string of a decoded request body that holds a
// NUL, by its JSON path (partners[1].name).
func refuseNULInBody(dst any) error {
	var f apperr.Fields
	nulStrings(reflect.ValueOf(dst), "", &f)
	return f.Err()
}

func nulStrings(v reflect.Value, path string, f *apperr.Fields) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			nulStrings(v.Elem(), path, f)
		}
	case reflect.String:
		if strings.ContainsRune(v.String(), 0) {
			f.Add(path, nulMessage)
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			nulStrings(v.Index(i), path+"["+strconv.Itoa(i)+"]", f)
		}
	case reflect.Map:
		keys := v.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
		for _, k := range keys {
			name := join(path, nulName(k.String()))
			if strings.ContainsRune(k.String(), 0) {
				f.Add(name, nulMessage)
				continue
			}
			nulStrings(v.MapIndex(k), name, f)
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			sf := t.Field(i)
			if !sf.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
			switch {
			case name == "-":
				continue
			case name == "" && sf.Anonymous:
				nulStrings(v.Field(i), path, f)
				continue
			case name == "":
				name = sf.Name
			}
			nulStrings(v.Field(i), join(path, name), f)
		}
	}
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}
