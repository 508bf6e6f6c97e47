package httpapi_test

import (
	"context"
	"testing"

	"chuangdai/internal/apptest"
	"chuangdai/internal/user"
)

// 三员分立: an administrator role (admin, audit_admin) granted by one
// administrator takes effect only when a second one confirms it, and no
// administrator changes their own roles or bindings.
func TestAdministratorRolesNeedASecondAdministrator(t *testing.T) {
	s := apptest.NewServer(t)
	first := s.AdminToken
	firstID := s.Do("GET", "/api/v1/me", first, nil).Want(200).JSON()["id"]
	if _, err := s.App.Users.CreateFromCLI(context.Background(), user.CreateInput{Username: "admin.b", Password: apptest.Password, Role: "admin"}); err != nil {
		t.Fatal(err)
	}
	second := s.Login("admin.b", apptest.Password)

	// POST /api/v1/users answers 201 as ever, but the role waits.
	created := s.Do("POST", "/api/v1/users", first, map[string]string{"username": "admin.c", "password": apptest.Password, "role": "admin"}).Want(201).JSON()
	grant, _ := created["pending_role_grant"].(map[string]any)
	if len(created["roles"].([]any)) != 0 || grant["role"] != "admin" || grant["requested_by"] != firstID {
		t.Fatalf("created admin: %v", created)
	}
	id := jsonID(created["id"])
	third := s.Login("admin.c", apptest.Password)
	s.Do("GET", "/api/v1/users", third, nil).WantProblem(403, "forbidden")
	s.Do("POST", "/api/v1/users/"+id+"/role-grant/confirm", first, nil).WantProblem(403, "four_eyes")
	s.Do("POST", "/api/v1/users/"+id+"/role-grant/confirm", third, nil).WantProblem(403, "forbidden")
	confirmed := s.Do("POST", "/api/v1/users/"+id+"/role-grant/confirm", second, nil).Want(200).JSON()
	if roles := confirmed["roles"].([]any); len(roles) != 1 || roles[0] != "admin" || confirmed["pending_role_grant"] != nil {
		t.Fatalf("confirmed: %v", confirmed)
	}
	s.Do("GET", "/api/v1/users", third, nil).Want(200)
	s.Do("POST", "/api/v1/users/"+id+"/role-grant/confirm", second, nil).WantProblem(409, "conflict")

	// Granting audit_admin to an existing account waits the same way; the
	// account keeps its role meanwhile.
	auditor := s.User("auditor.d", "finance_auditor", "", "")
	aid := jsonID(s.Do("GET", "/api/v1/me", auditor, nil).Want(200).JSON()["id"])
	patched := s.Do("PATCH", "/api/v1/users/"+aid, third, map[string]string{"role": "audit_admin"}).Want(200).JSON()
	if roles := patched["roles"].([]any); len(roles) != 1 || roles[0] != "finance_auditor" || patched["pending_role_grant"].(map[string]any)["role"] != "audit_admin" {
		t.Fatalf("patched: %v", patched)
	}
	s.Do("GET", "/api/v1/reports/portfolio", auditor, nil).Want(200)
	s.Do("POST", "/api/v1/users/"+aid+"/role-grant/confirm", third, nil).WantProblem(403, "four_eyes")
	s.Do("POST", "/api/v1/users/"+aid+"/role-grant/confirm", first, nil).Want(200)
	s.Do("GET", "/api/v1/reports/portfolio", auditor, nil).WantProblem(403, "forbidden")
	s.Do("GET", "/api/v1/audit-events/verify", auditor, nil).Want(200)

	// Nobody changes their own roles or bindings.
	s.Do("PATCH", "/api/v1/users/"+id, third, map[string]string{"role": "finance_auditor"}).WantProblem(403, "forbidden")
	s.Do("PATCH", "/api/v1/users/"+jsonID(firstID), first, map[string]string{"role": "audit_admin"}).WantProblem(403, "forbidden")
	s.Do("PATCH", "/api/v1/users/"+jsonID(firstID), first, map[string]string{"district_code": apptest.District}).WantProblem(403, "forbidden")

	// Every step is in the audit trail.
	var ev struct {
		Items []struct{ Action string } `json:"items"`
	}
	s.Do("GET", "/api/v1/audit-events?entity_type=user&entity_id="+aid, first, nil).Want(200).Decode(&ev)
	actions := map[string]bool{}
	for _, e := range ev.Items {
		actions[e.Action] = true
	}
	if !actions["user.role_grant_request"] || !actions["user.role_grant_confirm"] {
		t.Fatalf("audit actions %v", actions)
	}
}
