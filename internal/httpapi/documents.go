package httpapi

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"chuangdai/internal/apperr"
	"chuangdai/internal/application"
	"chuangdai/internal/auth"
	"chuangdai/internal/document"
	"chuangdai/internal/msg"
)

// maxDocumentBody bounds an upload's body: the file's 10 MiB and the form
// around it.
const maxDocumentBody = document.MaxBytes + 1<<20

type checklistDTO struct {
	Kind     string `json:"kind"`
	Label    string `json:"label" doc:"the kind's name in the reader's language"`
	Required bool   `json:"required"`
	State    string `json:"state" doc:"missing, uploaded, accepted or rejected (the newest version's)"`
	Reason   string `json:"reason" doc:"the officer's reason when the newest version was rejected"`
	// Requested marks the kinds the last return or rejection named.
	Requested bool `json:"requested" doc:"named as missing by the last return or rejection (一次性告知)"`
}

type documentDTO struct {
	ID           int64       `json:"id"`
	Kind         string      `json:"kind"`
	Filename     string      `json:"filename"`
	ContentType  string      `json:"content_type" doc:"application/pdf, image/jpeg or image/png, from the content"`
	Size         int64       `json:"size" doc:"bytes"`
	SHA256       string      `json:"sha256"`
	Version      int         `json:"version" doc:"1 for the first upload of the kind, then 2, 3 … (nothing is overwritten)"`
	UploadedBy   string      `json:"uploaded_by" doc:"the uploader's user name"`
	UploadedByID auth.UserID `json:"uploaded_by_id"`
	UploadedAt   time.Time   `json:"uploaded_at"`
	State        string      `json:"state" doc:"uploaded, accepted or rejected"`
	Reason       string      `json:"reason"`
	ReviewedAt   *time.Time  `json:"reviewed_at"`
}

type documentsResponse struct {
	Checklist []checklistDTO `json:"checklist"`
	Items     []documentDTO  `json:"items"`
}

type reviewRequest struct {
	Decision string `json:"decision" doc:"accept or reject"`
	Reason   string `json:"reason" doc:"required to reject: what is wrong, for the applicant"`
}

func toDocument(d document.Document) documentDTO {
	return documentDTO{ID: d.ID, Kind: d.Kind, Filename: d.Filename, ContentType: d.ContentType, Size: d.Size, SHA256: d.SHA256,
		Version: d.Version, UploadedBy: d.Uploader, UploadedByID: d.UploadedBy, UploadedAt: d.UploadedAt, State: string(d.State),
		Reason: d.Reason, ReviewedAt: d.ReviewedAt}
}

func toDocuments(list document.Checklist, lang msg.Lang) documentsResponse {
	out := documentsResponse{Checklist: make([]checklistDTO, len(list.Items)), Items: make([]documentDTO, len(list.Documents))}
	for i, it := range list.Items {
		out.Checklist[i] = checklistDTO{Kind: it.Kind, Label: it.Label.Localize(lang), Required: it.Required,
			State: string(it.State), Reason: it.Reason, Requested: it.Requested}
	}
	for i, d := range list.Documents {
		out.Items[i] = toDocument(d)
	}
	return out
}

var documentForm = []Param{
	{Name: "kind", Type: "string", Description: "a kind of the application's checklist, such as id_card"},
	{Name: "file", Type: "file", Description: "the PDF, JPEG or PNG file, at most 10 MiB"},
}

func (a *api) routesDocuments() {
	a.add(onRecord(a, Route{Method: "GET", Path: "/api/v1/applications/{id}/documents", Tag: "documents", Status: 200,
		Summary:  "The application's document checklist with each item's state, and every version on file (whoever sees the application)",
		Response: documentsResponse{}, Errors: []int{401, 404},
	}, applicationPath, func(k record[struct{}]) (any, error) {
		list, err := a.Documents.List(k.ctx, k.p, application.ID(k.id))
		return toDocuments(list, language(k.c)), err
	}))
	a.add(Route{Method: "POST", Path: "/api/v1/applications/{id}/documents", Tag: "documents", Status: 201,
		Summary:   "Upload a document (multipart kind, file): the applicant while a draft or returned, the officers of its district and bank while under review; a new version each time, checked by its content",
		Form:      documentForm,
		Response:  documentDTO{},
		BodyLimit: maxDocumentBody,
		Errors:    []int{400, 401, 403, 404, 409, 413, 422},
		handler: func(c *gin.Context, p auth.Principal) error {
			id, err := pathID[application.ID](c, "no application with id %q")
			if err != nil {
				return err
			}
			d, err := a.Documents.Add(c.Request.Context(), p, id, func() (document.Upload, error) { return readDocument(c) })
			if err != nil {
				return err
			}
			c.JSON(http.StatusCreated, toDocument(d))
			return nil
		}})
	a.add(Route{Method: "GET", Path: "/api/v1/documents/{id}/content", Tag: "documents", Status: 200,
		Summary:  "The file of a document version, to whoever sees its application; every read is an audit event",
		Produces: []string{document.PDF, document.JPEG, document.PNG},
		Errors:   []int{401, 404},
		handler: func(c *gin.Context, p auth.Principal) error {
			id, err := pathID[int64](c, "no document with id %q")
			if err != nil {
				return err
			}
			d, r, err := a.Documents.Open(c.Request.Context(), p, id)
			if err != nil {
				return err
			}
			defer r.Close()
			h := c.Writer.Header()
			h.Set("Content-Type", d.ContentType)
			h.Set("Content-Length", strconv.FormatInt(d.Size, 10))
			h.Set("Content-Disposition", "inline; filename*=UTF-8''"+url.PathEscape(d.Filename))
			h.Set("Cache-Control", "private, no-store")
			// Opened on its own, the file runs nothing and reaches nothing.
			h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
			h.Set("ETag", `"`+d.SHA256+`"`)
			c.Status(http.StatusOK)
			// The answer has started: a copy cut short cannot become a problem.
			_, _ = io.Copy(c.Writer, r)
			return nil
		}})
	a.add(onRecord(a, Route{Method: "POST", Path: "/api/v1/documents/{id}/review", Tag: "documents", Status: 200,
		Summary: "Accept or reject a document version (the officer deciding the application's current stage); a rejection needs a reason",
		Request: reviewRequest{}, Response: documentDTO{}, Errors: []int{400, 401, 403, 404, 409, 422},
	}, idPath("no document with id %q"), func(k record[reviewRequest]) (any, error) {
		d, err := a.Documents.Review(k.ctx, k.p, k.id, document.Decision{Decision: k.req.Decision, Reason: k.req.Reason})
		return toDocument(d), err
	}))
}

var errNoForm = apperr.New(apperr.BadRequest, "bad_request", "send a multipart/form-data form with the fields kind and file")

// readDocument reads the multipart form of an upload: the fields kind and
// file, in either order, the file at most document.MaxBytes (one byte more
// is read, so that Inspect says it is too large).
func readDocument(c *gin.Context) (document.Upload, error) {
	mt, _, _ := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if mt != "multipart/form-data" {
		return document.Upload{}, errNoForm
	}
	mr, err := c.Request.MultipartReader()
	if err != nil {
		return document.Upload{}, errNoForm
	}
	var up document.Upload
	sawFile := false
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if e, ok := apperr.As(tooLarge(err)); ok {
				return up, e
			}
			return up, errNoForm
		}
		switch part.FormName() {
		case "kind":
			b, err := io.ReadAll(io.LimitReader(part, 100))
			if err != nil {
				return up, tooLarge(err)
			}
			up.Kind = string(b)
		case "file":
			sawFile = true
			up.Filename = part.FileName()
			if up.Content, err = io.ReadAll(io.LimitReader(part, document.MaxBytes+1)); err != nil {
				if e, ok := apperr.As(tooLarge(err)); ok {
					return up, e
				}
				return up, errNoForm
			}
		}
	}
	var f apperr.Fields
	if strings.TrimSpace(up.Kind) == "" {
		f.Add("kind", "is required: the kind of document, one of the application's checklist")
	}
	if !sawFile {
		f.Add("file", "is required: send the PDF, JPEG or PNG file in the form field file")
	}
	return up, f.Err()
}
