package report

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	"chuangdai/internal/loan"
)

// A spilled loan is one record: its length (uvarint), then the strings of
// the loan (each its length and its bytes), its sex, its integers
// (varints), the index of its regime in legacyRuns.regimes and its three
// times (time.Time.AppendBinary, each after its length). Reading it back
// costs one string for all the loan's strings and no reflection, which gob
// spent on every field of every loan.

// errBadRun is a spilled run that does not decode: the temporary file was
// changed under the import.
var errBadRun = errors.New("a spilled run of checked loans does not decode")

// appendLoan appends the record of l to b.
func (r *legacyRuns) appendLoan(b []byte, l *LegacyLoan) []byte {
	var rec [512]byte
	e := rec[:0]
	for _, s := range [...]string{l.Number, l.ExternalRef, l.Name, l.NationalID, l.KeyGroup, l.BorrowerType, l.DistrictCode, l.BankCode} {
		e = binary.AppendUvarint(e, uint64(len(s)))
		e = append(e, s...)
	}
	female := byte(0)
	if l.Female {
		female = 1
	}
	e = append(e, female)
	for _, n := range [...]int64{l.PrincipalFen, l.AnnualRatePPM, l.SubsidyRatePPM, l.BorrowerRatePPM, l.SubsidyCapFen,
		int64(r.regimeIndex(l.Regime)), int64(l.TermMonths), int64(l.JobsCreated)} {
		e = binary.AppendVarint(e, n)
	}
	for _, t := range [...]time.Time{l.DisbursedOn, l.Maturity, l.CreatedAt} {
		at := len(e)
		e = append(e, 0)
		e, _ = t.AppendBinary(e) // fails only for an offset beyond ±18 h, which no day has
		e[at] = byte(len(e) - at - 1)
	}
	b = binary.AppendUvarint(b, uint64(len(e)))
	return append(b, e...)
}

// regimeIndex is the index of reg in r.regimes, added if new.
func (r *legacyRuns) regimeIndex(reg loan.Regime) int {
	for i := len(r.regimes) - 1; i >= 0; i-- {
		if sameRegime(r.regimes[i], reg) {
			return i
		}
	}
	r.regimes = append(r.regimes, reg)
	return len(r.regimes) - 1
}

// sameRegime reports whether a and b are the same regime.
func sameRegime(a, b loan.Regime) bool {
	if a.Method != b.Method || (a.From == nil) != (b.From == nil) || (a.Funding == nil) != (b.Funding == nil) {
		return false
	}
	if a.From != nil && (!a.From.Equal(*b.From) || a.From.Location() != b.From.Location()) {
		return false
	}
	if f, g := a.Funding, b.Funding; f != nil {
		return f.Central.Equal(g.Central) && f.Provincial.Equal(g.Provincial) && f.City.Equal(g.City) && f.County.Equal(g.County) &&
			f.Central.Exponent() == g.Central.Exponent() && f.Provincial.Exponent() == g.Provincial.Exponent() &&
			f.City.Exponent() == g.City.Exponent() && f.County.Exponent() == g.County.Exponent()
	}
	return true
}

// readLoan reads the next record of a run, with buf as its scratch space;
// io.EOF after the last.
func (r *legacyRuns) readLoan(br *bufio.Reader, buf []byte) (LegacyLoan, []byte, error) {
	size, err := binary.ReadUvarint(br)
	if err != nil {
		if errors.Is(err, io.EOF) {
			return LegacyLoan{}, buf, io.EOF
		}
		return LegacyLoan{}, buf, err
	}
	if size > 1<<20 {
		return LegacyLoan{}, buf, errBadRun
	}
	if uint64(cap(buf)) < size {
		buf = make([]byte, size)
	}
	buf = buf[:size]
	if _, err := io.ReadFull(br, buf); err != nil {
		return LegacyLoan{}, buf, fmt.Errorf("%w: %w", errBadRun, err)
	}
	d := loanDecoder{raw: buf, all: string(buf)}
	var l LegacyLoan
	for _, s := range [...]*string{&l.Number, &l.ExternalRef, &l.Name, &l.NationalID, &l.KeyGroup, &l.BorrowerType, &l.DistrictCode, &l.BankCode} {
		*s = d.string()
	}
	l.Female = d.byte() == 1
	var regime, term, jobs int64
	for _, n := range [...]*int64{&l.PrincipalFen, &l.AnnualRatePPM, &l.SubsidyRatePPM, &l.BorrowerRatePPM, &l.SubsidyCapFen, &regime, &term, &jobs} {
		*n = d.varint()
	}
	l.TermMonths, l.JobsCreated = int(term), int(jobs)
	for _, t := range [...]*time.Time{&l.DisbursedOn, &l.Maturity, &l.CreatedAt} {
		d.time(t)
	}
	if d.bad || d.at != len(d.all) || regime < 0 || regime >= int64(len(r.regimes)) {
		return LegacyLoan{}, buf, errBadRun
	}
	l.Regime = r.regimes[regime]
	return l, buf, nil
}

// loanDecoder reads the fields of one record (raw, and all as a string);
// bad once one does not fit.
type loanDecoder struct {
	raw []byte
	all string
	at  int
	bad bool
}

func (d *loanDecoder) uvarint() uint64 {
	var n uint64
	for shift := 0; shift < 64 && d.at < len(d.all); shift += 7 {
		c := d.all[d.at]
		d.at++
		n |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return n
		}
	}
	d.bad = true
	return 0
}

func (d *loanDecoder) varint() int64 {
	u := d.uvarint()
	n := int64(u >> 1)
	if u&1 != 0 {
		n = ^n
	}
	return n
}

func (d *loanDecoder) byte() byte {
	if d.at >= len(d.all) {
		d.bad = true
		return 0
	}
	d.at++
	return d.all[d.at-1]
}

// string returns a substring of the record: the loan's strings share it.
func (d *loanDecoder) string() string {
	n := d.uvarint()
	if d.bad || n > uint64(len(d.all)-d.at) {
		d.bad = true
		return ""
	}
	s := d.all[d.at : d.at+int(n)]
	d.at += int(n)
	return s
}

func (d *loanDecoder) time(t *time.Time) {
	n := len(d.string())
	if d.bad {
		return
	}
	if err := t.UnmarshalBinary(d.raw[d.at-n : d.at]); err != nil {
		d.bad = true
	}
}
