package httpapi

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"chuangdai/internal/apperr"
	"chuangdai/internal/auth"
	"chuangdai/internal/notify"
)

type notificationDTO struct {
	ID         int64             `json:"id"`
	Template   string            `json:"template" doc:"what happened, such as application.returned (the README lists them)"`
	Text       string            `json:"text" doc:"the message in the reader's language (Accept-Language)"`
	Params     map[string]string `json:"params" doc:"the template's parameters, such as number, comment, missing"`
	EntityType string            `json:"entity_type" doc:"application or loan"`
	EntityID   string            `json:"entity_id"`
	CreatedAt  time.Time         `json:"created_at"`
	ReadAt     *time.Time        `json:"read_at"`
	Read       bool              `json:"read"`
}

type inboxResponse struct {
	Items    []notificationDTO `json:"items"`
	Total    int64             `json:"total" doc:"notifications matching the filter"`
	Page     int               `json:"page"`
	PageSize int               `json:"page_size"`
	Unread   int64             `json:"unread" doc:"all the caller's unread notifications, whatever the filter"`
}

type unreadResponse struct {
	Unread int64 `json:"unread"`
}

type failedNotificationDTO struct {
	ID          int64       `json:"id"`
	RecipientID auth.UserID `json:"recipient_id"`
	Recipient   string      `json:"recipient" doc:"the recipient's user name (the phone is never shown: fix it on the account)"`
	Template    string      `json:"template"`
	EntityType  string      `json:"entity_type"`
	EntityID    string      `json:"entity_id"`
	Attempts    int         `json:"attempts"`
	LastError   string      `json:"last_error" doc:"what the last attempt met, such as the gateway's answer"`
	CreatedAt   time.Time   `json:"created_at"`
	FailedAt    *time.Time  `json:"failed_at"`
	SMSState    string      `json:"sms_state" doc:"failed; pending again after a retry"`
}

func toFailed(n notify.Notification) failedNotificationDTO {
	return failedNotificationDTO{ID: n.ID, RecipientID: n.RecipientID, Recipient: n.Recipient, Template: n.Template, EntityType: n.EntityType,
		EntityID: n.EntityID, Attempts: n.Attempts, LastError: n.LastError, CreatedAt: n.CreatedAt, FailedAt: n.DoneAt, SMSState: string(n.SMSState)}
}

type notificationSettingsDTO struct {
	SMS *bool `json:"sms" doc:"SMS on: an entrepreneur gets an SMS for each event, an officer one daily digest; off: the in-app inbox only"`
}

func toNotification(n notify.Notification, c *gin.Context) notificationDTO {
	params := n.Params
	if params == nil {
		params = map[string]string{}
	}
	return notificationDTO{ID: n.ID, Template: n.Template, Text: notify.Render(n.Template, n.Params).Render(language(c)), Params: params,
		EntityType: n.EntityType, EntityID: n.EntityID, CreatedAt: n.CreatedAt, ReadAt: n.ReadAt, Read: n.ReadAt != nil}
}

func (a *api) routesNotifications() {
	notificationPath := idPath("no notification with id %q")
	a.add(Route{Method: "GET", Path: "/api/v1/notifications", Tag: "notifications", Status: 200,
		Summary:  "The caller's own inbox, newest first, with the unread count (every role)",
		Response: inboxResponse{}, Errors: []int{401, 422},
		Query: []Param{
			{"unread", "boolean", "true: only the unread ones"},
			{"page", "integer", "page number from 1"},
			{"page_size", "integer", "items per page, 1 to 200"},
		},
		handler: func(c *gin.Context, p auth.Principal) error {
			var f apperr.Fields
			pg := readPage(c, &f)
			unread := false
			switch c.Query("unread") {
			case "", "false":
			case "true":
				unread = true
			default:
				f.Add("unread", "must be true or false")
			}
			if err := f.Err(); err != nil {
				return err
			}
			page, err := a.Notifications.Inbox(c.Request.Context(), p, unread, pg.offset(), pg.PageSize)
			if err != nil {
				return err
			}
			out := inboxResponse{Items: make([]notificationDTO, len(page.Items)), Total: page.Total, Page: pg.Page, PageSize: pg.PageSize, Unread: page.Unread}
			for i, n := range page.Items {
				out.Items[i] = toNotification(n, c)
			}
			c.JSON(http.StatusOK, out)
			return nil
		}})
	a.add(Route{Method: "GET", Path: "/api/v1/notifications/unread-count", Tag: "notifications", Status: 200,
		Summary:  "How many of the caller's notifications are unread (the navigation's badge)",
		Response: unreadResponse{}, Errors: []int{401},
		handler: func(c *gin.Context, p auth.Principal) error {
			n, err := a.Notifications.Unread(c.Request.Context(), p)
			if err != nil {
				return err
			}
			c.JSON(http.StatusOK, unreadResponse{Unread: n})
			return nil
		}})
	a.add(onRecord(a, Route{Method: "POST", Path: "/api/v1/notifications/{id}/read", Tag: "notifications", Status: 200,
		Summary:  "Mark one of the caller's notifications read (again is harmless); another user's answers 404",
		Response: notificationDTO{}, Errors: []int{401, 404},
	}, notificationPath, func(k record[struct{}]) (any, error) {
		n, err := a.Notifications.Read(k.ctx, k.p, k.id)
		if err != nil {
			return nil, err
		}
		return toNotification(n, k.c), nil
	}))
	a.add(Route{Method: "GET", Path: "/api/v1/notifications/failed", Tag: "notifications", Status: 200,
		Summary:  "The SMS that could not be delivered after the last attempt, newest first (administrators)",
		Response: listResponse[failedNotificationDTO]{}, Errors: []int{401, 403, 422},
		Query: []Param{{"page", "integer", "page number from 1"}, {"page_size", "integer", "items per page, 1 to 200"}},
		handler: func(c *gin.Context, p auth.Principal) error {
			var f apperr.Fields
			pg := readPage(c, &f)
			if err := f.Err(); err != nil {
				return err
			}
			ns, total, err := a.Notifications.Failed(c.Request.Context(), p, pg.offset(), pg.PageSize)
			if err != nil {
				return err
			}
			items := make([]failedNotificationDTO, len(ns))
			for i, n := range ns {
				items[i] = toFailed(n)
			}
			writeJSON(c, http.StatusOK, newList(items, total, pg))
			return nil
		}})
	a.add(onRecord(a, Route{Method: "POST", Path: "/api/v1/notifications/{id}/retry", Tag: "notifications", Status: 200,
		Summary:  "Send a failed SMS again, from the first attempt (administrators; an audit event); one that is not failed answers 409",
		Response: failedNotificationDTO{}, Errors: []int{401, 403, 404, 409},
	}, notificationPath, func(k record[struct{}]) (any, error) {
		n, err := a.Notifications.Retry(k.ctx, k.p, k.id)
		return toFailed(n), err
	}))
	a.add(Route{Method: "GET", Path: "/api/v1/me/notification-settings", Tag: "notifications", Status: 200,
		Summary:  "The caller's SMS choice (on unless turned off)",
		Response: notificationSettingsDTO{}, Errors: []int{401},
		handler: func(c *gin.Context, p auth.Principal) error {
			s, err := a.Notifications.Settings(c.Request.Context(), p)
			if err != nil {
				return err
			}
			c.JSON(http.StatusOK, notificationSettingsDTO{SMS: &s.SMS})
			return nil
		}})
	a.add(Route{Method: "PUT", Path: "/api/v1/me/notification-settings", Tag: "notifications", Status: 200,
		Summary: "Turn the caller's SMS on or off; the in-app inbox stays",
		Request: notificationSettingsDTO{}, Response: notificationSettingsDTO{}, Errors: []int{400, 401, 422},
		handler: func(c *gin.Context, p auth.Principal) error {
			var req notificationSettingsDTO
			if err := bind(c, &req); err != nil {
				return err
			}
			if req.SMS == nil {
				return apperr.Field("sms", "is required")
			}
			s, err := a.Notifications.SetSettings(c.Request.Context(), p, notify.Settings{SMS: *req.SMS})
			if err != nil {
				return err
			}
			c.JSON(http.StatusOK, notificationSettingsDTO{SMS: &s.SMS})
			return nil
		}})
}
