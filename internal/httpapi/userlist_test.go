package httpapi_test

import (
	"testing"

	"chuangdai/internal/apptest"
)

// TestUserListSearchAndSort: the admin's user table finds users by text in
// the user name or the name (any case) and sorts by a column either way.
func TestUserListSearchAndSort(t *testing.T) {
	s := apptest.NewServer(t)
	namedUser(s, "zhao.min", "赵敏", "bank_officer", "", apptest.Bank)
	namedUser(s, "Li.Na", "李娜", "hrss_officer", apptest.District, "")
	namedUser(s, "li.lei", "李雷", "hrss_officer", apptest.District, "")
	names := func(q string) []string {
		t.Helper()
		var out struct {
			Items []struct{ Username string }
			Total int
		}
		s.Do("GET", "/api/v1/users?"+q, s.AdminToken, nil).Want(200).Decode(&out)
		var u []string
		for _, x := range out.Items {
			u = append(u, x.Username)
		}
		if out.Total != len(u) {
			t.Errorf("%s: total %d, items %d", q, out.Total, len(u))
		}
		return u
	}
	if got := names("q=LI.&sort=username"); len(got) != 2 || got[0] != "li.lei" || got[1] != "Li.Na" {
		t.Errorf("q=LI. by user name: %v", got)
	}
	if got := names("q=li.&sort=-username"); len(got) != 2 || got[0] != "Li.Na" {
		t.Errorf("reverse: %v", got)
	}
	if got := names("q=赵"); len(got) != 1 || got[0] != "zhao.min" {
		t.Errorf("q=赵: %v", got)
	}
	if got := names("q=%25"); len(got) != 0 {
		t.Errorf("q=%%: %v (a LIKE wildcard matched)", got)
	}
	if f := s.Do("GET", "/api/v1/users?sort=password", s.AdminToken, nil).WantProblem(422, "validation_failed").FieldErrors(); len(f) != 1 || f[0] != "sort" {
		t.Errorf("sort=password: %v", f)
	}
}
