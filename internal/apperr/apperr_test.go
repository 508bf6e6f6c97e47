package apperr

import (
	"errors"
	"io"
	"testing"
)

// Context names what was being done, and the error stays what it was: the
// client's answer (kind, code, message) is found through it.
func TestContextfKeepsTheClassification(t *testing.T) {
	if Contextf(nil, "disburse application %d", 7) != nil {
		t.Fatal("nil is not nil any more")
	}
	nf := NotFoundf("no application with id %d", 7)
	err := Contextf(Contextf(nf, "read application %d", 7), "disburse application %d", 7)
	if got := err.Error(); got != "disburse application 7: read application 7: not_found: no application with id 7" {
		t.Errorf("message %q", got)
	}
	if e, ok := As(err); !ok || e != nf || KindOf(err) != NotFound || CodeOf(err) != "not_found" || !errors.Is(err, nf) {
		t.Errorf("classification lost: %v %v %v", ok, KindOf(err), CodeOf(err))
	}
	raw := Contextf(io.ErrUnexpectedEOF, "repay loan %d", 3)
	if !errors.Is(raw, io.ErrUnexpectedEOF) || KindOf(raw) != Internal || raw.Error() != "repay loan 3: unexpected EOF" {
		t.Errorf("plain error: %v", raw)
	}
}
