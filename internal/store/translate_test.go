package store

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"chuangdai/internal/apperr"
)

// Every failure that a retry later can cure is 503 unavailable, never 500:
// lost or refused connections, a server shutting down or starting, a
// read-only database, too many connections, a statement past its deadline.
func TestTranslateDatabaseFailures(t *testing.T) {
	pg := func(code string) error { return fmt.Errorf("query: %w", &pgconn.PgError{Code: code, Message: "x"}) }
	cases := []struct {
		err  error
		kind apperr.Kind
		code string
	}{
		{pg("08000"), apperr.Unavailable, "unavailable"},
		{pg("08003"), apperr.Unavailable, "unavailable"},
		{pg("08006"), apperr.Unavailable, "unavailable"},
		{pg("08P01"), apperr.Unavailable, "unavailable"},
		{pg("57P01"), apperr.Unavailable, "unavailable"},
		{pg("57P02"), apperr.Unavailable, "unavailable"},
		{pg("57P03"), apperr.Unavailable, "unavailable"},
		{pg("25006"), apperr.Unavailable, "unavailable"},
		{pg("53300"), apperr.Unavailable, "unavailable"},
		{pg("53100"), apperr.Unavailable, "unavailable"},
		{pg("57014"), apperr.Unavailable, "unavailable"},
		{pg("55P03"), apperr.Unavailable, "unavailable"},
		{fmt.Errorf("acquire: %w", context.DeadlineExceeded), apperr.Unavailable, "unavailable"},
		{fmt.Errorf("step: %w", sqliteCode(9)), apperr.Unavailable, "unavailable"},
		{fmt.Errorf("step: %w", sqliteCode(5)), apperr.Unavailable, "unavailable"},
		{fmt.Errorf("step: %w", sqliteCode(1)), apperr.Internal, "internal"},
		{pg("40001"), apperr.Conflict, "conflict"},
		{pg("40P01"), apperr.Conflict, "conflict"},
		{pg("42601"), apperr.Internal, "internal"},
		{errors.New("something else"), apperr.Internal, "internal"},
	}
	for _, c := range cases {
		got := translate(c.err, "thing")
		if apperr.KindOf(got) != c.kind || apperr.CodeOf(got) != c.code {
			t.Errorf("%v → kind %v code %s, want %v %s", c.err, apperr.KindOf(got), apperr.CodeOf(got), c.kind, c.code)
		}
	}
	// Wrapping an unavailable error for context keeps it unavailable.
	if w := apperr.Wrap(translate(pg("57P01"), "thing"), "release idempotency key"); w.Kind != apperr.Unavailable {
		t.Errorf("wrapped: %v", w)
	}
	if !readOnly(pg("25006")) || readOnly(pg("08006")) {
		t.Error("readOnly misjudges")
	}
}

// sqliteCode is an error with a SQLite result code, as the driver returns.
type sqliteCode int

func (c sqliteCode) Error() string { return fmt.Sprintf("sqlite error %d", int(c)) }
func (c sqliteCode) Code() int     { return int(c) }
