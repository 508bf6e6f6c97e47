package httpapi

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"chuangdai/internal/apperr"
	"chuangdai/internal/audit"
	"chuangdai/internal/auth"
)

type auditEventResponse struct {
	ID         int64           `json:"id"`
	At         time.Time       `json:"at"`
	ActorID    *int64          `json:"actor_id"`
	Actor      string          `json:"actor"`
	Action     string          `json:"action"`
	EntityType string          `json:"entity_type"`
	EntityID   string          `json:"entity_id"`
	Before     json.RawMessage `json:"before"`
	After      json.RawMessage `json:"after"`
	RequestID  string          `json:"request_id"`
	PrevHash   string          `json:"prev_hash"`
	Hash       string          `json:"hash"`
}

type verifyResponse struct {
	OK         bool   `json:"ok"`
	Events     int64  `json:"events"`
	BadEventID *int64 `json:"bad_event_id,omitempty"`
	Problem    string `json:"problem,omitempty"`
}

func (a *api) routesAudit() {
	a.add(Route{Method: "GET", Path: "/api/v1/audit-events", Tag: "audit", Status: 200,
		Summary: "The audit trail, newest first (finance auditor, admin)", Response: listResponse[auditEventResponse]{},
		Query: append([]Param{
			{Name: "entity_type", Type: "string", Description: "such as application, loan, user"},
			{Name: "entity_id", Type: "string", Description: "the entity's id"},
		}, pageParams...), Errors: []int{401, 403, 422},
		handler: func(c *gin.Context, p auth.Principal) error {
			var f apperr.Fields
			pg := readPage(c, &f)
			if err := f.Err(); err != nil {
				return err
			}
			evs, total, err := a.Audit.List(c.Request.Context(), p, audit.Filter{
				EntityType: c.Query("entity_type"), EntityID: c.Query("entity_id"), Offset: pg.offset(), Limit: pg.PageSize,
			})
			if err != nil {
				return err
			}
			items := make([]auditEventResponse, len(evs))
			for i, e := range evs {
				items[i] = auditEventResponse{ID: e.ID, At: e.At, ActorID: e.ActorID, Actor: e.Actor, Action: e.Action,
					EntityType: e.EntityType, EntityID: e.EntityID, Before: e.Before, After: e.After,
					RequestID: e.RequestID, PrevHash: e.PrevHash, Hash: e.Hash}
			}
			c.JSON(http.StatusOK, newList(items, total, pg))
			return nil
		}})
	a.add(Route{Method: "GET", Path: "/api/v1/audit-events/verify", Tag: "audit", Status: 200,
		Summary: "Recompute the hash chain of the audit trail", Response: verifyResponse{}, Errors: []int{401, 403},
		handler: func(c *gin.Context, p auth.Principal) error {
			res, err := a.Audit.Verify(c.Request.Context(), p)
			if err != nil {
				return err
			}
			out := verifyResponse{OK: res.OK, Events: res.Events, Problem: res.Problem}
			if !res.OK {
				out.BadEventID = &res.BadID
			}
			c.JSON(http.StatusOK, out)
			return nil
		}})
}
