package httpapi_test

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// TestQueueLateFilterAndDeadlineSort: the server filters the queue to the
// late applications (late=true) or the others (late=false) and sorts it by
// the stage's deadline (sort=deadline, -deadline: those without one last),
// paged, within the caller's scope; anything else for late or sort is 422.
func TestQueueLateFilterAndDeadlineSort(t *testing.T) {
	c := newCast(t)
	a := c.at(t, "eligibility_review", nil).(float64)
	b := c.at(t, "eligibility_review", nil).(float64)
	fresh := c.at(t, "eligibility_review", nil).(float64)
	draft := c.at(t, "draft", nil).(float64)
	// a entered on Monday 2 September 2024 09:00, b on Friday 20 September:
	// five working days later they were due on 9 and 27 September.
	for id, at := range map[float64]time.Time{a: time.Date(2024, 9, 2, 1, 0, 0, 0, time.UTC), b: time.Date(2024, 9, 20, 1, 0, 0, 0, time.UTC)} {
		if _, err := c.s.App.DB.SQL().Exec(sqlRebind("UPDATE applications SET stage_entered_at = ? WHERE id = ?"), at, int64(id)); err != nil {
			t.Fatal(err)
		}
	}
	type item struct {
		ID            float64
		StageDeadline *string `json:"stage_deadline"`
		Late          bool
	}
	list := func(tok, q string) ([]float64, int, []item) {
		t.Helper()
		var l struct {
			Items []item
			Total int
		}
		c.s.Do("GET", "/api/v1/applications?"+q, tok, nil).Want(200).Decode(&l)
		var ids []float64
		for _, it := range l.Items {
			ids = append(ids, it.ID)
		}
		return ids, l.Total, l.Items
	}
	_, _, items := list(c.hrss, "sort=deadline")
	if len(items) != 4 || items[0].StageDeadline == nil || *items[0].StageDeadline != "2024-09-09" || !items[0].Late ||
		items[1].StageDeadline == nil || *items[1].StageDeadline != "2024-09-27" || !items[1].Late || items[2].Late || items[3].StageDeadline != nil {
		t.Fatalf("deadlines %+v", items)
	}
	for q, want := range map[string][]float64{
		"sort=deadline":                        {a, b, fresh, draft},
		"sort=-deadline":                       {fresh, b, a, draft},
		"sort=deadline&page=2&page_size=2":     {fresh, draft},
		"late=true":                            {a, b},
		"late=true&sort=-deadline":             {b, a},
		"late=true&page=2&page_size=1":         {b},
		"late=false":                           {fresh, draft},
		"late=false&status=eligibility_review": {fresh},
		"late=true&sort=-number":               {b, a},
		"late=true&status=guarantee_review":    nil,
	} {
		ids, total, _ := list(c.hrss, q)
		if !slices.Equal(ids, want) {
			t.Errorf("%s: %v, want %v", q, ids, want)
		}
		wantTotal := map[string]int{"sort=deadline&page=2&page_size=2": 4, "late=true&page=2&page_size=1": 2}[q]
		if wantTotal == 0 {
			wantTotal = len(want)
		}
		if total != wantTotal {
			t.Errorf("%s: total %d, want %d", q, total, wantTotal)
		}
	}
	// The scope holds: the other district's officer has nothing late.
	if ids, total, _ := list(c.hrssOther, "late=true"); len(ids) != 0 || total != 0 {
		t.Errorf("other district late %v (%d)", ids, total)
	}
	for q, field := range map[string]string{"late=yes": "late", "sort=soonest": "sort"} {
		if f := c.s.Do("GET", "/api/v1/applications?"+q, c.hrss, nil).WantProblem(422, "validation_failed").FieldErrors(); !slices.Equal(f, []string{field}) {
			t.Errorf("%s: fields %v, want %s", q, f, field)
		}
	}
}

// Sorted by deadline, the applications without one come last in the list's
// own order, however many of them there are: here two returned ones whose
// submissions are the other way round from their ids, after one in review;
// the officer's list has the oldest submission first, the applicant's own
// the newest application first.
func TestDeadlineSortKeepsTheListOrderOfThoseWithout(t *testing.T) {
	c := newCast(t)
	review := c.at(t, "eligibility_review", nil).(float64)
	first := c.at(t, "returned", nil).(float64)
	second := c.at(t, "returned", nil).(float64)
	for id, at := range map[float64]time.Time{first: time.Date(2024, 9, 20, 1, 0, 0, 0, time.UTC), second: time.Date(2024, 9, 2, 1, 0, 0, 0, time.UTC)} {
		if _, err := c.s.App.DB.SQL().Exec(sqlRebind("UPDATE applications SET submitted_at = ? WHERE id = ?"), at, int64(id)); err != nil {
			t.Fatal(err)
		}
	}
	for q, want := range map[string][]float64{
		"owner sort=deadline":                      {review, second, first},
		"owner sort=-deadline":                     {review, second, first},
		"sort=deadline":                            {review, second, first},
		"sort=-deadline":                           {review, second, first},
		"sort=deadline&status=returned":            {second, first},
		"sort=deadline&page=2&page_size=1":         {second},
		"sort=-deadline&status=eligibility_review": {review},
	} {
		var l struct {
			Items []struct{ ID float64 }
			Total int
		}
		tok, query := c.hrss, q
		if owner, ok := strings.CutPrefix(q, "owner "); ok {
			tok, query = c.owner, owner
		}
		c.s.Do("GET", "/api/v1/applications?"+query, tok, nil).Want(200).Decode(&l)
		var ids []float64
		for _, it := range l.Items {
			ids = append(ids, it.ID)
		}
		if !slices.Equal(ids, want) {
			t.Errorf("%s: %v, want %v", q, ids, want)
		}
	}
}
