package httpapi

import (
	"context"
	"slices"
	"strconv"

	"github.com/gin-gonic/gin"

	"chuangdai/internal/auth"
	"chuangdai/internal/idempotency"
)

// record is what a route on one record hands its service call.
type record[Req any] struct {
	c *gin.Context
	// ctx is the request's context, or for a money route the transaction
	// that also keeps the answer of its Idempotency-Key.
	ctx context.Context
	p   auth.Principal
	id  int64
	req Req
	// version is the If-Match version, else the body's (routes declaring
	// If-Match).
	version *int
}

// answer is a route's answer with the ETag of the version it shows.
type answer struct {
	body    any
	version int
}

func (v answer) write(c *gin.Context, status int) {
	c.Header("ETag", `"`+strconv.Itoa(v.version)+`"`)
	writeJSON(c, status, v.body)
}

// versioned is a request body that may carry the version it was made on.
type versioned interface{ bodyVersion() *int }

// optionalBody is a request body a client may leave out.
type optionalBody interface{ bodyOptional() }

// recordPath reads the path of a route on one record: its {id}, 404 when
// that is no id (or when another part of the path names nothing).
type recordPath func(c *gin.Context) (int64, error)

// idPath reads {id}; notFound is the 404's detail with the id as %q.
func idPath(notFound string) recordPath {
	return func(c *gin.Context) (int64, error) { return pathID[int64](c, notFound) }
}

var (
	loanPath        = idPath("no loan with id %q")
	applicationPath = idPath("no application with id %q")
	userPath        = idPath("no user with id %q")
)

// onRecord gives r the handler every route on one record has, its steps in
// this order: the path (404), the Idempotency-Key of a route declaring it,
// the body bound into Req (when r has a Request), the version from If-Match
// or the body (when r declares If-Match), then one call, whose answer is
// written with r.Status (with its ETag when it is an answer; none when it is
// nil) — for a money route once per key, a retry replaying it.
func onRecord[Req any](a *api, r Route, path recordPath, call func(k record[Req]) (any, error)) Route {
	money, ifMatches := slices.Contains(r.Headers, idempotencyHeader), slices.Contains(r.Headers, ifMatchHeader)
	r.handler = func(c *gin.Context, p auth.Principal) error {
		k := record[Req]{c: c, ctx: c.Request.Context(), p: p}
		var err error
		if k.id, err = path(c); err != nil {
			return err
		}
		if money {
			if err := idempotency.CheckKey(c.GetHeader("Idempotency-Key")); err != nil {
				return err
			}
		}
		if r.Request != nil {
			if err := bindBody(c, &k.req); err != nil {
				return err
			}
		}
		if ifMatches {
			var body *int
			if v, ok := any(&k.req).(versioned); ok {
				body = v.bodyVersion()
			}
			if k.version, err = ifMatch(c, body); err != nil {
				return err
			}
		}
		if money {
			return a.idempotent(c, p, k.req, r.Status, func(ctx context.Context) (any, error) {
				k.ctx = ctx
				return call(k)
			})
		}
		out, err := call(k)
		if err != nil {
			return err
		}
		switch v := out.(type) {
		case answer:
			v.write(c, r.Status)
		case nil:
			c.Status(r.Status)
		default:
			writeJSON(c, r.Status, out)
		}
		return nil
	}
	return r
}

// onBody gives r the handler of a route that takes a body and makes one
// service call (a record's creation): the body bound into Req, the call, and
// its answer written with r.Status.
func onBody[Req any](r Route, call func(ctx context.Context, p auth.Principal, req Req) (any, error)) Route {
	r.handler = func(c *gin.Context, p auth.Principal) error {
		var req Req
		if err := bind(c, &req); err != nil {
			return err
		}
		out, err := call(c.Request.Context(), p, req)
		if err != nil {
			return err
		}
		c.JSON(r.Status, out)
		return nil
	}
	return r
}

// bindBody decodes the body into dst, which may be left out when dst says so.
func bindBody(c *gin.Context, dst any) error {
	if _, ok := dst.(optionalBody); ok {
		return bindOptional(c, dst)
	}
	return bind(c, dst)
}
