package httpapi

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"chuangdai/internal/apperr"
	"chuangdai/internal/audit"
	"chuangdai/internal/auth"
	"chuangdai/internal/beijing"
	"chuangdai/internal/listing"
	"chuangdai/internal/report"
)

type auditEventResponse struct {
	ID          int64           `json:"id"`
	At          time.Time       `json:"at"`
	ActorID     *auth.UserID    `json:"actor_id"`
	Actor       string          `json:"actor" doc:"the user name of the account that acted"`
	ActorName   string          `json:"actor_name" doc:"the person's name of that account (its user name when it has none)"`
	Action      string          `json:"action"`
	ActionLabel string          `json:"action_label" doc:"the action in the reader's language"`
	EntityType  string          `json:"entity_type"`
	EntityID    string          `json:"entity_id"`
	Before      json.RawMessage `json:"before"`
	After       json.RawMessage `json:"after"`
	Changes     []changeDTO     `json:"changes" doc:"what differs between before and after, field by field (masked like them)"`
	Link        *string         `json:"link" doc:"the web UI route of the record, such as #/applications/12; null when it has no page"`
	RequestID   string          `json:"request_id"`
	PrevHash    string          `json:"prev_hash"`
	Hash        string          `json:"hash"`
}

type changeDTO struct {
	Field  string          `json:"field" doc:"the field's JSON name; a.b for a nested one"`
	Before json.RawMessage `json:"before" doc:"its value before (null when absent)"`
	After  json.RawMessage `json:"after" doc:"its value after (null when absent)"`
}

type auditActionDTO struct {
	Action string `json:"action" doc:"the action's code, the value of the action filter"`
	Label  string `json:"label" doc:"its name in the reader's language"`
}

func toChanges(cs []audit.Change) []changeDTO {
	out := make([]changeDTO, len(cs))
	for i, c := range cs {
		out[i] = changeDTO(c)
	}
	return out
}

// recordLink is the web UI route of an event's record: applications and
// their documents' application, loans and their subsidy quarters (id
// loan/period), users.
func recordLink(e audit.Event) *string {
	var l string
	switch e.EntityType {
	case "application":
		l = "#/applications/" + e.EntityID
	case "loan":
		l = "#/loans/" + e.EntityID
	case "subsidy":
		l = "#/loans/" + strings.SplitN(e.EntityID, "/", 2)[0]
	case "user":
		l = "#/users"
	default:
		return nil
	}
	return &l
}

// auditTable is the audit trail as the web UI's table shows it.
func auditTable(evs []audit.Event) report.Table {
	t := report.Table{Name: "audit-events", Title: "审计日志", Period: "导出", Codes: map[string]map[string]string{"action": {}},
		Columns: []report.Column{{Key: "at", Label: "时间", Kind: report.Text}, {Key: "actor", Label: "账号", Kind: report.Text},
			{Key: "actor_name", Label: "操作人", Kind: report.Text}, {Key: "action", Label: "操作", Kind: report.Text},
			{Key: "entity_type", Label: "对象类型", Kind: report.Text}, {Key: "entity_id", Label: "对象编号", Kind: report.Text},
			{Key: "request_id", Label: "请求编号", Kind: report.Text}}}
	for _, x := range audit.Actions {
		t.Codes["action"][x.Action] = x.ZH
	}
	for _, e := range evs {
		t.Rows = append(t.Rows, []string{e.At.In(beijing.Zone).Format(time.RFC3339), e.Actor, e.ActorName, e.Action, e.EntityType, e.EntityID, e.RequestID})
	}
	return t
}

// auditDay reads a from/to day (Beijing) of the audit filter: from is the
// start of its day, to the start of the next.
func auditDay(c *gin.Context, f *apperr.Fields, name string, next bool) *time.Time {
	v := strings.TrimSpace(c.Query(name))
	if v == "" {
		return nil
	}
	d, err := time.ParseInLocation(time.DateOnly, v, beijing.Zone)
	if err != nil {
		f.Add(name, "must be a date YYYY-MM-DD")
		return nil
	}
	if next {
		d = d.AddDate(0, 0, 1)
	}
	return &d
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
			{Name: "actor", Type: "string", Description: "the actor's user name (any case) or person's name, whole"},
			{Name: "action", Type: "string", Description: "one action code, such as application.approve (see GET /api/v1/audit-events/actions)"},
			{Name: "from", Type: "string", Description: "first day, YYYY-MM-DD (Beijing time)"},
			{Name: "to", Type: "string", Description: "last day, YYYY-MM-DD (Beijing time), not before from"},
			sortParam(audit.SortKeys, "newest first"),
			{Name: "format", Type: "string", Description: "csv or xlsx: the matching events (up to 10,000; more is 422 on format: narrow the filters) in the list's order, without paging, as a download of the columns the web UI shows; JSON otherwise"},
			{Name: "headers", Type: "string", Description: "what a CSV download shows: fields (default) or labels (Chinese column names and action labels)"},
		}, pageParams...), Errors: []int{401, 403, 422}, Exports: true,
		handler: func(c *gin.Context, p auth.Principal) error {
			var f apperr.Fields
			pg := readPage(c, &f)
			from, to := auditDay(c, &f, "from", false), auditDay(c, &f, "to", true)
			if from != nil && to != nil && !to.After(*from) {
				f.Add("to", "must not be before from")
			}
			sort := listing.ParseSort(c.Query("sort"), audit.SortKeys, &f)
			if err := f.Err(); err != nil {
				return err
			}
			format, offset, limit, err := exportFormat(c, pg)
			if err != nil {
				return err
			}
			evs, total, err := a.Audit.List(c.Request.Context(), p, audit.Filter{
				EntityType: c.Query("entity_type"), EntityID: c.Query("entity_id"), Actor: strings.TrimSpace(c.Query("actor")),
				Action: strings.TrimSpace(c.Query("action")), From: from, To: to, Sort: sort, Offset: offset, Limit: limit,
			})
			if err != nil {
				return err
			}
			if format != report.FormatJSON {
				if err := exportCap(total); err != nil {
					return err
				}
				return answerReport(c, format, nil, func() report.Table { return auditTable(evs) })
			}
			lang := language(c)
			items := make([]auditEventResponse, len(evs))
			for i, e := range evs {
				label, _ := audit.LabelOf(e.Action)
				items[i] = auditEventResponse{ID: e.ID, At: e.At, ActorID: e.ActorID, Actor: e.Actor, ActorName: e.ActorName,
					Action: e.Action, ActionLabel: label.Localize(lang), EntityType: e.EntityType, EntityID: e.EntityID,
					Before: e.Before, After: e.After, Changes: toChanges(audit.Changes(e.Before, e.After)), Link: recordLink(e),
					RequestID: e.RequestID, PrevHash: e.PrevHash, Hash: e.Hash}
			}
			writeJSON(c, http.StatusOK, newList(items, total, pg))
			return nil
		}})
	a.add(Route{Method: "GET", Path: "/api/v1/audit-events/actions", Tag: "audit", Status: 200,
		Summary: "The actions the audit trail can be filtered by, with their names in the reader's language (finance auditor, admin)", Response: itemsResponse[auditActionDTO]{}, Errors: []int{401, 403},
		handler: func(c *gin.Context, p auth.Principal) error {
			as, err := a.Audit.ActionsOf(c.Request.Context(), p)
			if err != nil {
				return err
			}
			lang := language(c)
			items := make([]auditActionDTO, len(as))
			for i, x := range as {
				items[i] = auditActionDTO{Action: x.Action, Label: x.Localize(lang)}
			}
			c.JSON(http.StatusOK, itemsResponse[auditActionDTO]{Items: items})
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
