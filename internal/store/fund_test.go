package store_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"chuangdai/internal/apperr"
	"chuangdai/internal/audit"
	"chuangdai/internal/auth"
	"chuangdai/internal/fund"
	"chuangdai/internal/store"
)

// sqlExec returns a function that executes SQL on db, failing the test on
// an error.
func sqlExec(t *testing.T, db *store.DB) func(string) {
	return func(q string) {
		t.Helper()
		if _, err := db.SQL().ExecContext(context.Background(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// day is the date of s (YYYY-MM-DD).
func day(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// The fund's journal: postings read back as written, in booking order,
// filtered by dates (inclusive) and account, paged with the total; the
// balances of the whole chart are the fen sums on each account's normal
// side; the latest posting of a source is found; a posting of fractions of
// a fen, or debiting and crediting one account, is refused and leaves the
// journal as it was.
func TestFundJournalAndBalances(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	f := store.Fund{DB: db}
	baseFixture(sqlExec(t, db))
	insertLoan(sqlExec(t, db), 7, "NULL", "NULL", "411282199001010013", "individual", 10000000, 30000000)
	by := auth.UserID(1)
	at := time.Date(2024, 3, 1, 2, 3, 4, 0, time.UTC)

	if bs, err := f.Balances(ctx); err != nil || len(bs) != len(fund.Accounts) || bs[0].Account != fund.BankDeposit || !bs[0].Balance.IsZero() {
		t.Fatalf("balances of empty books = %+v, %v; want the chart at zero", bs, err)
	}
	loanID := int64(7)
	posts := []fund.Posting{
		{BookedOn: day(t, "2024-03-02"), Debit: fund.CompensationPaid, Credit: fund.BankDeposit, Amount: decimal.RequireFromString("300.10"),
			Kind: fund.KindCompensation, LoanID: &loanID, Source: "compensation:7", CreatedBy: &by, CreatedAt: at},
		{BookedOn: day(t, "2024-03-01"), Debit: fund.BankDeposit, Credit: fund.GovernmentContributions, Amount: decimal.RequireFromString("1000000.01"),
			Kind: fund.KindContribution, Source: "movement:1", CreatedAt: at},
		{BookedOn: day(t, "2024-03-02"), Debit: fund.BankDeposit, Credit: fund.InterestIncome, Amount: decimal.RequireFromString("0.07"),
			Kind: fund.KindInterestIncome, Source: "movement:2", CreatedAt: at},
	}
	ids := make([]int64, len(posts))
	for i, p := range posts {
		id, err := f.Post(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = id
	}
	first := ids[0]
	back := fund.Posting{BookedOn: day(t, "2024-04-01"), Debit: fund.BankDeposit, Credit: fund.CompensationPaid, Amount: decimal.RequireFromString("300.10"),
		Kind: fund.KindReversal, LoanID: &loanID, Source: "reversal:3", ReversesID: &first, CreatedBy: &by, CreatedAt: at}
	again := back
	again.Source, again.Kind, again.ReversesID, again.Debit, again.Credit = "compensation:7", fund.KindCompensation, nil, fund.CompensationPaid, fund.BankDeposit
	for _, p := range []fund.Posting{back, again} {
		if _, err := f.Post(ctx, p); err != nil {
			t.Fatal(err)
		}
	}

	bad := []fund.Posting{
		{BookedOn: day(t, "2024-03-05"), Debit: fund.BankDeposit, Credit: fund.GovernmentContributions, Amount: decimal.RequireFromString("1.005"), Kind: fund.KindContribution, Source: "movement:9", CreatedAt: at},
		{BookedOn: day(t, "2024-03-05"), Debit: fund.BankDeposit, Credit: fund.BankDeposit, Amount: decimal.RequireFromString("1.00"), Kind: fund.KindContribution, Source: "movement:9", CreatedAt: at},
		{BookedOn: day(t, "2024-03-05"), Debit: fund.BankDeposit, Credit: fund.GovernmentContributions, Amount: decimal.Zero, Kind: fund.KindContribution, Source: "movement:9", CreatedAt: at},
	}
	for _, p := range bad {
		if _, err := f.Post(ctx, p); err == nil {
			t.Fatalf("posting %s from %s to %s was stored", p.Amount, p.Debit, p.Credit)
		}
	}
	if id, err := f.PostingOf(ctx, "movement:9"); err != nil || id != nil {
		t.Fatalf("a refused posting's source has posting %v, %v", id, err)
	}

	want := map[fund.Account]string{fund.BankDeposit: "999699.98", fund.GovernmentContributions: "1000000.01", fund.CompensationPaid: "300.1",
		fund.InterestIncome: "0.07", fund.Recoveries: "0", fund.ClaimsWrittenOff: "0", fund.WriteOffs: "0"}
	bs, err := f.Balances(ctx)
	if err != nil || len(bs) != len(fund.Accounts) {
		t.Fatalf("balances = %+v, %v", bs, err)
	}
	for i, b := range bs {
		if b.Account != fund.Accounts[i] || b.Balance.String() != want[b.Account] {
			t.Errorf("balance %d = %s %s, want %s %s", i, b.Account, b.Balance, fund.Accounts[i], want[fund.Accounts[i]])
		}
	}

	if id, err := f.PostingOf(ctx, "compensation:7"); err != nil || id == nil || *id <= first {
		t.Fatalf("the latest posting of compensation:7 = %v, %v; want the one after %d", id, err, first)
	}
	if id, err := f.PostingOf(ctx, "recovery:1"); err != nil || id != nil {
		t.Fatalf("posting of a source never posted = %v, %v; want none", id, err)
	}

	all, total, err := f.Journal(ctx, fund.JournalFilter{}, 0, 0)
	if err != nil || total != 5 || len(all) != 5 {
		t.Fatalf("journal = %d of %d, %v; want 5", len(all), total, err)
	}
	order := []int64{ids[1], ids[0], ids[2]}
	for i, id := range order {
		if all[i].ID != id {
			t.Fatalf("journal order %d = posting %d, want %d (booking day, then id)", i, all[i].ID, id)
		}
	}
	c := all[1]
	if !c.BookedOn.Equal(day(t, "2024-03-02")) || c.Debit != fund.CompensationPaid || c.Credit != fund.BankDeposit || c.Amount.String() != "300.1" ||
		c.Kind != fund.KindCompensation || c.LoanID == nil || *c.LoanID != 7 || c.Source != "compensation:7" || c.ReversesID != nil ||
		c.CreatedBy == nil || *c.CreatedBy != by || !c.CreatedAt.Equal(at) {
		t.Fatalf("compensation posting read back as %s", asJSON(c))
	}
	if r := all[3]; r.ReversesID == nil || *r.ReversesID != first || r.Kind != fund.KindReversal {
		t.Fatalf("reversal posting read back as %s", asJSON(r))
	}
	if g := all[0]; g.LoanID != nil || g.CreatedBy != nil {
		t.Fatalf("contribution posting read back as %s", asJSON(g))
	}
	journal := func(jf fund.JournalFilter, offset, limit int) ([]int64, int64) {
		t.Helper()
		ps, n, err := f.Journal(ctx, jf, offset, limit)
		if err != nil {
			t.Fatal(err)
		}
		var out []int64
		for _, p := range ps {
			out = append(out, p.ID)
		}
		return out, n
	}
	if got, n := journal(fund.JournalFilter{From: day(t, "2024-03-02"), To: day(t, "2024-03-02")}, 0, 0); n != 2 || len(got) != 2 || got[0] != ids[0] || got[1] != ids[2] {
		t.Fatalf("journal of 2024-03-02 = %v of %d", got, n)
	}
	if got, n := journal(fund.JournalFilter{Account: fund.CompensationPaid}, 1, 1); n != 3 || len(got) != 1 || got[0] != all[3].ID {
		t.Fatalf("second compensation_paid posting = %v of %d", got, n)
	}
	if got, n := journal(fund.JournalFilter{From: day(t, "2024-04-02")}, 0, 0); n != 0 || len(got) != 0 {
		t.Fatalf("journal after the last posting = %v of %d", got, n)
	}
}

// Movements: proposed and read back exactly by the decision (none runs on
// an unknown id: not found); a decision that fails, or changes the id,
// leaves nothing (no status, posting or audit event); one that succeeds is
// written with its audit event; listed newest first by status; the fund is opened by its first confirmed
// movement; an amount in fractions of a fen is refused and not stored.
func TestFundMovements(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	f := store.Fund{DB: db}
	proposer := account(t, db, "guarantee.one", auth.Binding{Role: auth.GuaranteeOfficer})
	decider := account(t, db, "guarantee.two", auth.Binding{Role: auth.GuaranteeOfficer})
	at := time.Date(2024, 3, 1, 2, 3, 4, 0, time.UTC)

	opened := func(want bool) {
		t.Helper()
		if ok, err := f.Opened(ctx); err != nil || ok != want {
			t.Fatalf("opened = %v, %v; want %v", ok, err, want)
		}
	}
	opened(false)
	m := fund.Movement{Kind: fund.Contribution, Amount: decimal.RequireFromString("5000000.01"), BookedOn: day(t, "2024-03-01"), Reference: "拨款-1",
		Note: "首笔", Status: fund.Proposed, ProposedBy: proposer, ProposedAt: at}
	id, err := f.CreateMovement(ctx, m)
	if err != nil {
		t.Fatal(err)
	}
	other, err := f.CreateMovement(ctx, fund.Movement{Kind: fund.Interest, Amount: decimal.RequireFromString("0.01"), BookedOn: day(t, "2024-03-21"),
		Reference: "利息", Status: fund.Proposed, ProposedBy: proposer, ProposedAt: at})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.CreateMovement(ctx, fund.Movement{Kind: fund.Withdrawal, Amount: decimal.RequireFromString("0.001"), BookedOn: day(t, "2024-03-21"),
		Reference: "x", Status: fund.Proposed, ProposedBy: proposer, ProposedAt: at}); err == nil {
		t.Fatal("a movement of a tenth of a fen was stored")
	}
	var seen fund.Movement
	boom := errors.New("boom")
	post := func(ctx context.Context, m *fund.Movement) int64 {
		t.Helper()
		id, err := f.Post(ctx, fund.Posting{BookedOn: m.BookedOn, Debit: fund.BankDeposit, Credit: fund.GovernmentContributions, Amount: m.Amount,
			Kind: fund.KindContribution, Source: "movement:1", CreatedAt: at})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	decided := at.Add(time.Hour)
	if _, err := f.UpdateMovement(ctx, id, func(ctx context.Context, m *fund.Movement) (audit.Event, error) {
		seen = *m
		posting := post(ctx, m)
		m.Status, m.DecidedBy, m.DecidedAt, m.PostingID = fund.Confirmed, &decider, &decided, &posting
		return audit.Event{Action: "fund.confirm"}, boom
	}); !errors.Is(err, boom) {
		t.Fatalf("a decision that fails: %v, want its error", err)
	}
	if seen.ID != id || seen.Kind != fund.Contribution || seen.Amount.String() != "5000000.01" || !seen.BookedOn.Equal(day(t, "2024-03-01")) ||
		seen.Reference != "拨款-1" || seen.Note != "首笔" || seen.Status != fund.Proposed || seen.ProposedBy != proposer || !seen.ProposedAt.Equal(at) ||
		seen.DecidedBy != nil || seen.DecidedAt != nil || seen.PostingID != nil {
		t.Fatalf("the decision saw the movement as %s", asJSON(seen))
	}
	if _, err := f.UpdateMovement(ctx, other+100, func(context.Context, *fund.Movement) (audit.Event, error) {
		t.Fatal("a decision ran on an unknown movement")
		return audit.Event{}, nil
	}); apperr.KindOf(err) != apperr.NotFound {
		t.Fatalf("an unknown movement: %v, want not found", err)
	}
	if _, err := f.UpdateMovement(ctx, id, func(ctx context.Context, m *fund.Movement) (audit.Event, error) {
		posting := post(ctx, m)
		m.ID, m.Status, m.DecidedBy, m.DecidedAt, m.PostingID = other, fund.Confirmed, &decider, &decided, &posting
		return audit.Event{Action: "fund.confirm"}, nil
	}); err == nil {
		t.Fatal("a decision that changed the movement's id was written")
	}

	got, err := f.UpdateMovement(ctx, id, func(ctx context.Context, m *fund.Movement) (audit.Event, error) {
		posting := post(ctx, m)
		m.Status, m.DecidedBy, m.DecidedAt, m.PostingID = fund.Confirmed, &decider, &decided, &posting
		return audit.Event{ActorID: &decider, Actor: "guarantee.two", Action: "fund.confirm"}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	stored, _, err := f.Movements(ctx, fund.MovementFilter{Statuses: []fund.MovementStatus{fund.Confirmed}}, 0, 0)
	if err != nil || len(stored) != 1 {
		t.Fatalf("confirmed movements = %s, %v", asJSON(stored), err)
	}
	for _, m := range []fund.Movement{got, stored[0]} {
		if m.Status != fund.Confirmed || m.DecidedBy == nil || *m.DecidedBy != decider || m.DecidedAt == nil || !m.DecidedAt.Equal(decided) ||
			m.PostingID == nil || m.Reason != "" || m.Amount.String() != "5000000.01" {
			t.Fatalf("the confirmed movement read back as %s", asJSON(m))
		}
	}
	if ps, n, err := f.Journal(ctx, fund.JournalFilter{}, 0, 0); err != nil || n != 1 || ps[0].ID != *stored[0].PostingID {
		t.Fatalf("journal after the confirmation and the failures = %s, %v; want its posting alone", asJSON(ps), err)
	}
	evs, n, err := store.Audit{DB: db}.List(ctx, audit.Filter{})
	if err != nil || n != 1 || evs[0].Action != "fund.confirm" || evs[0].EntityType != "fund_movement" || evs[0].EntityID != strconv.FormatInt(id, 10) {
		t.Fatalf("audit after the confirmation and the failures = %s, %v; want the confirmation alone", asJSON(evs), err)
	}
	opened(true)

	list := func(statuses ...fund.MovementStatus) []int64 {
		t.Helper()
		ms, n, err := f.Movements(ctx, fund.MovementFilter{Statuses: statuses}, 0, 0)
		if err != nil || int(n) != len(ms) {
			t.Fatalf("movements %v: %d of %d, %v", statuses, len(ms), n, err)
		}
		var out []int64
		for _, m := range ms {
			out = append(out, m.ID)
		}
		return out
	}
	if got := list(); len(got) != 2 || got[0] != other || got[1] != id {
		t.Fatalf("all movements = %v, want newest first [%d %d]", got, other, id)
	}
	if got := list(fund.Proposed); len(got) != 1 || got[0] != other {
		t.Fatalf("proposed movements = %v, want [%d]", got, other)
	}
	if got := list(fund.Rejected); len(got) != 0 {
		t.Fatalf("rejected movements = %v, want none", got)
	}
	if ms, n, err := f.Movements(ctx, fund.MovementFilter{}, 1, 1); err != nil || n != 2 || len(ms) != 1 || ms[0].ID != id {
		t.Fatalf("second page of one = %+v of %d, %v", ms, n, err)
	}
}

// What the fund guarantees, read in one statement: the outstanding of
// active and overdue loans, the applications at bank review for the amount
// applied for and approved ones for the amount the bank approved (or
// applied for, when the bank named none); and a year's repayment figures
// of the loans disbursed here that matured in it, a reversed repayment not
// among them.
func TestFundGuaranteedAndDue(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	f := store.Fund{DB: db}
	exec := sqlExec(t, db)
	baseFixture(exec)
	if g, err := f.Guaranteed(ctx); err != nil || !g.Loans.IsZero() || !g.Committed.IsZero() {
		t.Fatalf("guaranteed with nothing = %+v, %v", g, err)
	}
	insertLoan(exec, 1, "NULL", "NULL", "411282199001010013", "individual", 10000001, 30000000)
	insertLoan(exec, 2, "NULL", "NULL", "411282199001010021", "individual", 20000000, 30000000)
	insertLoan(exec, 3, "NULL", "NULL", "411282199001010030", "individual", 40000000, 30000000)
	insertLoan(exec, 4, "NULL", "'OLD-1'", "411282199001010048", "individual", 80000000, 30000000)
	exec("UPDATE loans SET status = 'overdue', outstanding_fen = 15000000 WHERE id = 2")
	exec("UPDATE loans SET status = 'settled', outstanding_fen = 0, maturity_date = '2027-01-31' WHERE id = 3")
	for i, s := range []string{"bank_review", "approved", "approved", "disbursed", "guarantee_review"} {
		insertApplication(exec, i+1, "individual", "41128219900101003"+string(rune('0'+i)), s, "[]")
	}
	exec("UPDATE applications SET approved_amount_fen = 500000001 WHERE id = 2")
	g, err := f.Guaranteed(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if g.Loans.String() != "1050000.01" || g.Committed.String() != "25000000.01" {
		t.Fatalf("guaranteed = loans %s, committed %s; want 1050000.01 and 25000000.01", g.Loans, g.Committed)
	}

	exec("INSERT INTO loan_repayments (loan_id, principal_fen, interest_fen, paid_on, paid_year, paid_month, paid_quarter, bank_code, bank_reference, created_at) VALUES " +
		"(1, 123, 0, '2026-03-15', 2026, 3, 1, 'ICBC-SMX', 'R-1', " + fixtureAt + "), (1, 1000, 0, '2026-03-16', 2026, 3, 1, 'ICBC-SMX', 'R-2', " + fixtureAt + "), " +
		"(2, 5000001, 0, '2025-01-01', 2025, 1, 1, 'ICBC-SMX', 'R-3', " + fixtureAt + "), (4, 7, 0, '2025-01-01', 2025, 1, 1, 'ICBC-SMX', 'R-4', " + fixtureAt + ")")
	exec("INSERT INTO loan_repayments (id, loan_id, principal_fen, interest_fen, paid_on, paid_year, paid_month, paid_quarter, bank_code, bank_reference, created_at) VALUES " +
		"(50, 1, 999999, 0, '2026-03-15', 2026, 3, 1, 'ICBC-SMX', 'R-5', " + fixtureAt + ")")
	exec("INSERT INTO reversals (id, kind, loan_id, target_id, district_code, bank_code, amount_fen, original_on, reason, status, proposed_by, proposed_at) VALUES " +
		"(7, 'repayment', 1, 50, '411282', 'ICBC-SMX', 999999, '2026-03-15', '错账', 'confirmed', 1, " + fixtureAt + ")")
	exec("UPDATE loan_repayments SET reversed_by = 7, reversed_at = " + fixtureAt + " WHERE id = 50")
	due, err := f.DueIn(ctx, 2026)
	if err != nil {
		t.Fatal(err)
	}
	if due.Due.String() != "300000.01" || due.OnTime.String() != "50001.24" {
		t.Fatalf("2026 due = %s, on time %s; want 300000.01 and 50001.24", due.Due, due.OnTime)
	}
	if due, err := f.DueIn(ctx, 2027); err != nil || due.Due.String() != "400000" || !due.OnTime.IsZero() {
		t.Fatalf("2027 due = %+v, %v", due, err)
	}
	if err := db.InTx(ctx, func(ctx context.Context) error { return f.LockBooks(ctx) }); err != nil {
		t.Fatalf("locking the books: %v", err)
	}
}
