package httpapi

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"chuangdai/internal/apperr"
	"chuangdai/internal/auth"
	"chuangdai/internal/identity"
	"chuangdai/internal/idnum"
	"chuangdai/internal/listing"
	"chuangdai/internal/user"
)

type registerRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
	Name     string `json:"name"`
	Phone    string `json:"phone"`
}

type registerResponse struct {
	ID       auth.UserID `json:"id"`
	Username string      `json:"username"`
	Roles    []string    `json:"roles"`
}

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

type loginUser struct {
	ID       auth.UserID `json:"id"`
	Username string      `json:"username"`
	Name     string      `json:"name"`
	Roles    []string    `json:"roles"`
}

type loginResponse struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
	User      loginUser `json:"user"`
	// PasswordExpired: the token serves only to change the password.
	PasswordExpired bool `json:"password_expired" doc:"the password is past its maximum age: the token serves only GET /api/v1/me, POST /api/v1/me/password and logout"`
}

type userResponse struct {
	ID           auth.UserID `json:"id"`
	Username     string      `json:"username"`
	Name         string      `json:"name"`
	Phone        string      `json:"phone"`
	Roles        []string    `json:"roles"`
	DistrictCode *string     `json:"district_code"`
	BankCode     *string     `json:"bank_code"`
	Disabled     bool        `json:"disabled"`
	CreatedAt    time.Time   `json:"created_at"`
	// PasswordChangedAt is when the password was last set.
	PasswordChangedAt time.Time `json:"password_changed_at"`
	// PasswordExpired is set on the caller's own account (GET /me) when the
	// password is past its maximum age.
	PasswordExpired bool `json:"password_expired"`
	// FailedSignIns and SignInDelayedUntil tell administrators (the users
	// list and detail) of failed sign-ins and a delay in force.
	PendingRoleGrant   *roleGrantDTO `json:"pending_role_grant" doc:"an administrator role granted by one administrator, waiting for a second one to confirm it (POST /api/v1/users/{id}/role-grant/confirm)"`
	FailedSignIns      int           `json:"failed_sign_ins" doc:"consecutive failed sign-ins since the last success (users list and detail)"`
	SignInDelayedUntil *time.Time    `json:"sign_in_delayed_until" doc:"sign-ins of the account wait until then, from at least one address (users list and detail); a password reset lifts it"`
	// Identities are the resident ID numbers the account is verified for, masked.
	Identities []identityDTO `json:"identities" doc:"the resident ID numbers the account is verified for (masked)"`
	NationalID *string       `json:"national_id" doc:"a staff member's own resident ID number, masked; null for none"`
	// RealNameCheck is in GET /api/v1/me only.
	RealNameCheck *bool `json:"real_name_check,omitempty" doc:"GET /api/v1/me: a real-name check is configured, and POST /api/v1/me/identities verifies the account"`
}

// identityDTO is a resident ID number verified for an account.
type identityDTO struct {
	NationalID string    `json:"national_id" doc:"masked"`
	Method     string    `json:"method" doc:"officer (the eligibility approval) or realname (a real-name check)"`
	VerifiedAt time.Time `json:"verified_at"`
}

type identityRequest struct {
	NationalID string `json:"national_id"`
	Name       string `json:"name" doc:"as printed on the ID card"`
	Evidence   string `json:"evidence" doc:"what the real-name check service's own flow gave the applicant, if it asks for it"`
}

func toIdentity(id identity.Identity) identityDTO {
	return identityDTO{NationalID: idnum.Mask(id.NationalID), Method: string(id.Method), VerifiedAt: id.VerifiedAt}
}

type createUserRequest struct {
	Username     string `json:"username"`
	Password     string `json:"password"`
	Name         string `json:"name"`
	Phone        string `json:"phone"`
	Role         string `json:"role"`
	DistrictCode string `json:"district_code"`
	BankCode     string `json:"bank_code"`
	NationalID   string `json:"national_id" doc:"a staff member's own resident ID number (optional): they act on no loan or application of that person"`
}

// roleGrantDTO is an administrator role waiting for a second administrator.
type roleGrantDTO struct {
	Role        string      `json:"role"`
	RequestedBy auth.UserID `json:"requested_by" doc:"the administrator who granted it"`
	RequestedAt time.Time   `json:"requested_at"`
}

func roleNames(bs []auth.Binding) []string {
	return auth.Principal{Bindings: bs}.RoleNames()
}

func toUser(u user.User) userResponse {
	r := userResponse{ID: u.ID, Username: u.Username, Name: u.Name, Phone: u.Phone, Roles: roleNames(u.Bindings), Disabled: u.Disabled, CreatedAt: u.CreatedAt,
		Identities: []identityDTO{}, PasswordChangedAt: u.PasswordChangedAt,
		FailedSignIns: u.FailedSignIns, SignInDelayedUntil: u.SignInDelayedUntil}
	if g := u.PendingGrant; g != nil {
		r.PendingRoleGrant = &roleGrantDTO{Role: string(g.Role), RequestedBy: g.RequestedBy, RequestedAt: g.RequestedAt}
	}
	for _, id := range u.Identities {
		r.Identities = append(r.Identities, toIdentity(id))
	}
	if u.NationalID != "" {
		m := idnum.Mask(u.NationalID)
		r.NationalID = &m
	}
	for _, b := range u.Bindings {
		if b.District != "" && r.DistrictCode == nil {
			d := b.District
			r.DistrictCode = &d
		}
		if b.Bank != "" && r.BankCode == nil {
			bk := b.Bank
			r.BankCode = &bk
		}
	}
	return r
}

func (a *api) routesAuth() {
	a.add(Route{Method: "POST", Path: "/api/v1/auth/register", Tag: "auth", Public: true, Status: 201,
		Summary: "Open an entrepreneur account", Request: registerRequest{}, Response: registerResponse{}, Errors: []int{400, 409, 422},
		public: func(c *gin.Context) error {
			var req registerRequest
			if err := bind(c, &req); err != nil {
				return err
			}
			u, err := a.Users.Register(c.Request.Context(), user.RegisterInput(req), c.ClientIP())
			if err != nil {
				return err
			}
			c.JSON(http.StatusCreated, registerResponse{ID: u.ID, Username: u.Username, Roles: roleNames(u.Bindings)})
			return nil
		}})
	a.add(Route{Method: "POST", Path: "/api/v1/auth/login", Tag: "auth", Public: true, Status: 200,
		Summary: "Sign in and receive a bearer token", Request: loginRequest{}, Response: loginResponse{}, Errors: []int{400, 401, 429},
		public: func(c *gin.Context) error {
			var req loginRequest
			if err := bind(c, &req); err != nil {
				return err
			}
			res, err := a.Users.Login(c.Request.Context(), req.Username, req.Password, c.ClientIP())
			if err != nil {
				return err
			}
			c.JSON(http.StatusOK, loginResponse{Token: res.Token, ExpiresAt: res.ExpiresAt, PasswordExpired: res.PasswordExpired, User: loginUser{
				ID: res.User.ID, Username: res.User.Username, Name: res.User.Name, Roles: roleNames(res.User.Bindings)}})
			return nil
		}})
	a.add(Route{Method: "POST", Path: "/api/v1/auth/logout", Tag: "auth", Status: 204, WhilePasswordExpired: true,
		Summary: "Revoke the caller's token", Errors: []int{401},
		handler: func(c *gin.Context, p auth.Principal) error {
			if err := a.Users.Logout(c.Request.Context(), p); err != nil {
				return err
			}
			c.Status(http.StatusNoContent)
			return nil
		}})
	a.add(Route{Method: "GET", Path: "/api/v1/me", Tag: "auth", Status: 200, WhilePasswordExpired: true,
		Summary: "The signed-in user with roles and bindings", Response: userResponse{}, Errors: []int{401},
		handler: func(c *gin.Context, p auth.Principal) error {
			u, err := a.Users.Me(c.Request.Context(), p)
			if err != nil {
				return err
			}
			r := toUser(u)
			r.PasswordExpired = p.PasswordExpired
			check := a.Identity.RealNameCheck()
			r.RealNameCheck = &check
			c.JSON(http.StatusOK, r)
			return nil
		}})
	a.add(Route{Method: "POST", Path: "/api/v1/me/identities", Tag: "auth", Status: 201, AlsoStatus: []int{200},
		Summary: "Verify the caller's account as the holder of a resident ID number by the real-name check (entrepreneurs; 200 when verified already)",
		Request: identityRequest{}, Response: identityDTO{}, Errors: []int{400, 401, 403, 409, 422, 429, 503},
		handler: func(c *gin.Context, p auth.Principal) error {
			var req identityRequest
			if err := bind(c, &req); err != nil {
				return err
			}
			id, created, err := a.Identity.VerifySelf(c.Request.Context(), p, identity.SelfInput(req))
			if err != nil {
				return err
			}
			status := http.StatusOK
			if created {
				status = http.StatusCreated
			}
			c.JSON(status, toIdentity(id))
			return nil
		}})
	a.add(Route{Method: "POST", Path: "/api/v1/users", Tag: "users", Status: 201,
		Summary: "Create a user with a role (admin)", Request: createUserRequest{}, Response: userResponse{}, Errors: []int{400, 401, 403, 409, 422},
		handler: func(c *gin.Context, p auth.Principal) error {
			var req createUserRequest
			if err := bind(c, &req); err != nil {
				return err
			}
			u, err := a.Users.Create(c.Request.Context(), p, user.CreateInput(req))
			if err != nil {
				return err
			}
			c.JSON(http.StatusCreated, toUser(u))
			return nil
		}})
	a.add(Route{Method: "GET", Path: "/api/v1/users", Tag: "users", Status: 200,
		Summary: "List users (admin)", Response: listResponse[userResponse]{}, Errors: []int{401, 403, 422},
		Query: append([]Param{{Name: "q", Type: "string", Description: "text found in the user name or the name, any case"},
			sortParam(user.SortKeys, "by id")}, pageParams...),
		handler: func(c *gin.Context, p auth.Principal) error {
			var f apperr.Fields
			pg := readPage(c, &f)
			filter := user.Filter{Query: c.Query("q"), Sort: listing.ParseSort(c.Query("sort"), user.SortKeys, &f)}
			if len([]rune(filter.Query)) > 100 {
				f.Add("q", "must be at most 100 characters")
			}
			if err := f.Err(); err != nil {
				return err
			}
			us, total, err := a.Users.List(c.Request.Context(), p, filter, pg.offset(), pg.PageSize)
			if err != nil {
				return err
			}
			items := make([]userResponse, len(us))
			for i, u := range us {
				items[i] = toUser(u)
			}
			writeJSON(c, http.StatusOK, newList(items, total, pg))
			return nil
		}})
	a.add(onRecord(a, Route{Method: "GET", Path: "/api/v1/users/{id}", Tag: "users", Status: 200,
		Summary: "One user (admin)", Response: userResponse{}, Errors: []int{401, 403, 404},
	}, userPath, func(k record[struct{}]) (any, error) {
		u, err := a.Users.Get(k.ctx, k.p, auth.UserID(k.id))
		return toUser(u), err
	}))
}

type passwordChangeRequest struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

type passwordResetRequest struct {
	NewPassword string `json:"new_password"`
}

type updateUserRequest struct {
	Name         *string `json:"name"`
	Disabled     *bool   `json:"disabled"`
	Role         *string `json:"role"`
	DistrictCode *string `json:"district_code"`
	BankCode     *string `json:"bank_code"`
	NationalID   *string `json:"national_id" doc:"a staff member's own resident ID number; \"\" removes it"`
}

func (a *api) routesAccount() {
	a.add(Route{Method: "POST", Path: "/api/v1/me/password", Tag: "auth", Status: 204, WhilePasswordExpired: true,
		Summary: "Change the caller's password; every session of the user ends", Request: passwordChangeRequest{}, Errors: []int{400, 401, 422, 429},
		handler: func(c *gin.Context, p auth.Principal) error {
			var req passwordChangeRequest
			if err := bind(c, &req); err != nil {
				return err
			}
			if err := a.Users.ChangePassword(c.Request.Context(), p, req.CurrentPassword, req.NewPassword); err != nil {
				return err
			}
			c.Status(http.StatusNoContent)
			return nil
		}})
	a.add(onRecord(a, Route{Method: "PATCH", Path: "/api/v1/users/{id}", Tag: "users", Status: 200,
		Summary: "Change a user's name, role binding or disabled flag (admin)", Request: updateUserRequest{}, Response: userResponse{}, Errors: []int{400, 401, 403, 404, 422},
	}, userPath, func(k record[updateUserRequest]) (any, error) {
		u, err := a.Users.Update(k.ctx, k.p, auth.UserID(k.id), user.UpdateInput(k.req))
		return toUser(u), err
	}))
	a.add(onRecord(a, Route{Method: "POST", Path: "/api/v1/users/{id}/role-grant/confirm", Tag: "users", Status: 200,
		Summary: "Confirm the administrator role (admin, audit_admin) another administrator granted to a user (a second administrator, not the user)", Response: userResponse{}, Errors: []int{401, 403, 404, 409},
	}, userPath, func(k record[struct{}]) (any, error) {
		u, err := a.Users.ConfirmRoleGrant(k.ctx, k.p, auth.UserID(k.id))
		return toUser(u), err
	}))
	a.add(onRecord(a, Route{Method: "POST", Path: "/api/v1/users/{id}/password", Tag: "users", Status: 204,
		Summary: "Set a user's password (admin); the user's sessions end and a lockout is lifted", Request: passwordResetRequest{}, Errors: []int{400, 401, 403, 404, 422},
	}, userPath, func(k record[passwordResetRequest]) (any, error) {
		return nil, a.Users.ResetPassword(k.ctx, k.p, auth.UserID(k.id), k.req.NewPassword)
	}))
}

var pageParams = []Param{
	{Name: "page", Type: "integer", Description: "page number from 1"},
	{Name: "page_size", Type: "integer", Description: "items per page, default 20; above 200 is capped at 200"},
}
