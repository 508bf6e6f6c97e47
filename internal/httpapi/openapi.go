package httpapi

import (
	"encoding/json"
	"log/slog"
	"maps"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Document is the OpenAPI document of the route table, as the server serves
// it, built without a database (chuangdai openapi).
func Document() []byte {
	return New(Deps{Log: slog.New(slog.DiscardHandler)}).OpenAPI
}

// openAPI renders the OpenAPI 3 document from the route table, with schemas
// reflected from the request and response types, so the document cannot drift
// from the code.
func (a *api) openAPI() []byte {
	schemas := map[string]any{
		"Problem": map[string]any{
			"type": "object",
			"properties": map[string]any{
				"type": map[string]any{"type": "string"}, "title": map[string]any{"type": "string"},
				"status": map[string]any{"type": "integer"}, "detail": map[string]any{"type": "string"},
				"code": map[string]any{"type": "string", "description": "machine-readable error code, such as validation_failed, four_eyes, application.invalid_state"},
				"errors": map[string]any{"type": "array", "items": map[string]any{
					"type": "object", "properties": map[string]any{"field": map[string]any{"type": "string"}, "message": map[string]any{"type": "string"}},
				}},
				"request_id": map[string]any{"type": "string"},
			},
		},
	}
	paths := map[string]map[string]any{}
	for _, r := range a.routes {
		op := map[string]any{
			"summary":     r.Summary,
			"tags":        []string{r.Tag},
			"operationId": strings.ToLower(r.Method) + strings.ReplaceAll(strings.ReplaceAll(strings.ReplaceAll(r.Path, "/api/v1", ""), "/", "_"), "{", "by_"),
		}
		op["operationId"] = strings.ReplaceAll(op["operationId"].(string), "}", "")
		if !r.Public {
			op["security"] = []map[string][]string{{"bearer": {}}}
		} else {
			op["security"] = []map[string][]string{}
		}
		var params []map[string]any
		for _, seg := range strings.Split(r.Path, "/") {
			if strings.HasPrefix(seg, "{") {
				params = append(params, map[string]any{"name": strings.Trim(seg, "{}"), "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
			}
		}
		for _, q := range r.Query {
			params = append(params, map[string]any{"name": q.Name, "in": "query", "description": q.Description, "schema": map[string]any{"type": q.Type}})
		}
		for _, h := range r.Headers {
			params = append(params, map[string]any{"name": h.Name, "in": "header", "required": h.Required, "description": h.Description, "schema": map[string]any{"type": "string"}})
		}
		if len(params) > 0 {
			op["parameters"] = params
		}
		if r.Request != nil {
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{
				"application/json": map[string]any{"schema": schemaOf(reflect.TypeOf(r.Request), schemas)},
			}}
		}
		if r.Upload {
			file := map[string]any{"schema": map[string]any{"type": "string", "format": "binary"}}
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{
				"text/csv": file, MediaXLSX: file,
				"multipart/form-data": map[string]any{"schema": map[string]any{"type": "object", "required": []string{"file"},
					"properties": map[string]any{"file": map[string]any{"type": "string", "format": "binary"}}}},
			}}
		}
		if r.Form != nil {
			props, required := map[string]any{}, []string{}
			for _, f := range r.Form {
				fs := map[string]any{"type": f.Type, "description": f.Description}
				if f.Type == "file" {
					fs = map[string]any{"type": "string", "format": "binary", "description": f.Description}
				}
				props[f.Name], required = fs, append(required, f.Name)
			}
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{
				"multipart/form-data": map[string]any{"schema": map[string]any{"type": "object", "required": required, "properties": props}},
			}}
		}
		responses := map[string]any{}
		ok := map[string]any{"description": http.StatusText(r.Status)}
		if r.Response != nil {
			ok["content"] = map[string]any{"application/json": map[string]any{"schema": schemaOf(reflect.TypeOf(r.Response), schemas)}}
		}
		if r.Download || r.Exports {
			file := map[string]any{"schema": map[string]any{"type": "string", "format": "binary"}}
			content, _ := ok["content"].(map[string]any)
			if content == nil {
				content = map[string]any{}
			}
			content["text/csv"], content[MediaXLSX] = file, file
			ok["content"] = content
		}
		if r.Produces != nil {
			content := map[string]any{}
			for _, m := range r.Produces {
				content[m] = map[string]any{"schema": map[string]any{"type": "string", "format": "binary"}}
			}
			ok["content"] = content
		}
		responses[strconv.Itoa(r.Status)] = ok
		for _, st := range r.AlsoStatus {
			also := maps.Clone(ok)
			also["description"] = http.StatusText(st)
			responses[strconv.Itoa(st)] = also
		}
		for _, code := range r.Errors {
			responses[strconv.Itoa(code)] = map[string]any{
				"description": http.StatusText(code),
				"content":     map[string]any{"application/problem+json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Problem"}}},
			}
		}
		// Any other answer is a problem too (a 503 when the database is
		// away, a 429, a 413, …).
		responses["default"] = map[string]any{
			"description": "a problem",
			"content":     map[string]any{"application/problem+json": map[string]any{"schema": map[string]any{"$ref": schemaPrefix + "Problem"}}},
		}
		op["responses"] = responses
		if paths[r.Path] == nil {
			paths[r.Path] = map[string]any{}
		}
		paths[r.Path][strings.ToLower(r.Method)] = op
	}
	doc := map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{
			"title":       "chuangdai 创贷",
			"version":     "1.0.0",
			"description": "Entrepreneurship guarantee loans (创业担保贷款). Money is a string with two decimals; rates are decimal fractions; errors are RFC 9457 problem+json.",
		},
		"paths": paths,
		"components": map[string]any{
			"schemas":         schemas,
			"securitySchemes": map[string]any{"bearer": map[string]any{"type": "http", "scheme": "bearer"}},
		},
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		panic(err)
	}
	return b
}

var timeType = reflect.TypeOf(time.Time{})
var rawType = reflect.TypeOf(json.RawMessage{})

// schemaOf returns the JSON schema of t, registering named structs under
// components/schemas.
func schemaOf(t reflect.Type, schemas map[string]any) map[string]any {
	nullable := false
	for t.Kind() == reflect.Pointer {
		t, nullable = t.Elem(), true
	}
	var s map[string]any
	switch {
	case t == timeType:
		s = map[string]any{"type": "string", "format": "date-time"}
	case t == rawType:
		// Any JSON value or null, said so that ajv (which refuses
		// "nullable" without a "type") and kin-openapi (which refuses null
		// where nothing permits it) agree.
		s = map[string]any{"description": "any JSON value", "anyOf": []any{
			map[string]any{"type": "object", "nullable": true, "additionalProperties": true},
			map[string]any{"type": "array", "items": map[string]any{}},
			map[string]any{"type": "string"}, map[string]any{"type": "number"}, map[string]any{"type": "boolean"},
		}}
	case t.Kind() == reflect.String:
		s = map[string]any{"type": "string"}
	case t.Kind() == reflect.Bool:
		s = map[string]any{"type": "boolean"}
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64:
		s = map[string]any{"type": "integer"}
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		s = map[string]any{"type": "number"}
	case t.Kind() == reflect.Slice:
		s = map[string]any{"type": "array", "items": schemaOf(t.Elem(), schemas)}
	case t.Kind() == reflect.Map:
		s = map[string]any{"type": "object", "additionalProperties": schemaOf(t.Elem(), schemas)}
	case t.Kind() == reflect.Struct:
		name := schemaName(t)
		if _, done := schemas[name]; !done {
			schemas[name] = map[string]any{} // break recursion
			props := map[string]any{}
			for i := range t.NumField() {
				f := t.Field(i)
				tag := f.Tag.Get("json")
				if tag == "-" || !f.IsExported() {
					continue
				}
				fname, _, _ := strings.Cut(tag, ",")
				if fname == "" {
					fname = f.Name
				}
				ps := schemaOf(f.Type, schemas)
				if d := f.Tag.Get("doc"); d != "" {
					ps = withDescription(ps, d)
				}
				props[fname] = ps
			}
			schemas[name] = map[string]any{"type": "object", "properties": props}
		}
		s = map[string]any{"$ref": schemaPrefix + name}
	default:
		s = map[string]any{}
	}
	if nullable {
		if ref, isRef := s["$ref"].(string); isRef {
			return nullableRef(ref, schemas)
		}
		if _, typed := s["type"]; typed {
			s["nullable"] = true
		}
	}
	return s
}

const schemaPrefix = "#/components/schemas/"

// nullableRef refers to the nullable twin of the schema ref names (X and
// XNullable), made on first use. OpenAPI 3.0 puts "nullable" beside a
// "type"; JSON Schema validators (ajv) refuse it beside an allOf without
// one, so a nullable object is a schema of its own rather than a wrapper.
func nullableRef(ref string, schemas map[string]any) map[string]any {
	name := strings.TrimPrefix(ref, schemaPrefix) + "Nullable"
	if _, done := schemas[name]; !done {
		twin := maps.Clone(schemas[strings.TrimPrefix(ref, schemaPrefix)].(map[string]any))
		twin["nullable"] = true
		schemas[name] = twin
	}
	return map[string]any{"$ref": schemaPrefix + name}
}

// withDescription describes s; a $ref gets its description beside it in an
// allOf, typed like its target so that a nullable target stays nullable.
func withDescription(s map[string]any, d string) map[string]any {
	if ref, isRef := s["$ref"].(string); isRef {
		out := map[string]any{"allOf": []any{s}, "description": d}
		if strings.HasSuffix(ref, "Nullable") {
			out["type"], out["nullable"] = "object", true
		}
		return out
	}
	s["description"] = d
	return s
}

// schemaName turns a Go type name into a schema name, generics included.
func schemaName(t reflect.Type) string {
	n := t.Name()
	if i := strings.IndexByte(n, '['); i >= 0 {
		inner := n[i+1 : len(n)-1]
		if j := strings.LastIndexByte(inner, '.'); j >= 0 {
			inner = inner[j+1:]
		}
		n = n[:i] + "_" + inner
	}
	return strings.ToUpper(n[:1]) + n[1:]
}
