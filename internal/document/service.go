package document

import (
	"context"
	"io"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"chuangdai/internal/apperr"
	"chuangdai/internal/application"
	"chuangdai/internal/audit"
	"chuangdai/internal/auth"
	"chuangdai/internal/authz"
	"chuangdai/internal/msg"
	"chuangdai/internal/policy"
)

// Applications finds an application as the caller may see it.
type Applications interface {
	Visible(ctx context.Context, p auth.Principal, id application.ID) (application.Application, bool, error)
}

// Service keeps the documents of applications.
type Service struct {
	store  Store
	files  Files
	apps   Applications
	authz  *authz.Enforcer
	audit  *audit.Recorder
	policy *policy.Policy
	now    func() time.Time
}

// NewService wires the documents service.
func NewService(s Store, f Files, apps Applications, z *authz.Enforcer, a *audit.Recorder, p *policy.Policy) *Service {
	return &Service{store: s, files: f, apps: apps, authz: z, audit: a, policy: p, now: time.Now}
}

// Checklist is an application's checklist with the state of each item,
// and every version on file (by kind and version).
type Checklist struct {
	Items     []Item
	Documents []Document
}

// List returns the checklist and the documents of the application id, to
// whoever may see the application (404 otherwise).
func (s *Service) List(ctx context.Context, p auth.Principal, id application.ID) (Checklist, error) {
	a, _, err := s.apps.Visible(ctx, p, id)
	if err != nil {
		return Checklist{}, err
	}
	docs, err := s.store.Documents(ctx, id)
	if err != nil {
		return Checklist{}, err
	}
	newest := map[string]Document{}
	for _, d := range docs {
		newest[d.Kind] = d
	}
	requested := a.MissingDocuments()
	out := Checklist{Items: []Item{}, Documents: docs}
	for _, c := range a.Checklist(s.policy, s.now()) {
		item := Item{ChecklistItem: c, State: Missing, Requested: slices.Contains(requested, c.Kind)}
		if d, ok := newest[c.Kind]; ok {
			item.State, item.Reason = d.State, d.Reason
		}
		out.Items = append(out.Items, item)
	}
	return out, nil
}

// Upload is a file sent for one kind of document.
type Upload struct {
	Kind     string
	Filename string
	Content  []byte
}

// Add keeps a new version of a document of the application id: the
// applicant's while the application is a draft or returned, an officer's of
// its district or bank while it is under review. read is called for the
// upload only once the caller may add it. The file is checked by its content
// (Inspect) and kept by its SHA-256 before the record is written; nothing is
// ever overwritten.
func (s *Service) Add(ctx context.Context, p auth.Principal, id application.ID, read func() (Upload, error)) (Document, error) {
	a, _, err := s.apps.Visible(ctx, p, id)
	if err != nil {
		return Document{}, err
	}
	if err := s.mayAdd(p, a); err != nil {
		return Document{}, err
	}
	up, err := read()
	if err != nil {
		return Document{}, err
	}
	var f apperr.Fields
	kind := strings.TrimSpace(up.Kind)
	checklist := a.Checklist(s.policy, s.now())
	if !slices.ContainsFunc(checklist, func(c policy.ChecklistItem) bool { return c.Kind == kind }) {
		kinds := make([]string, len(checklist))
		for i, c := range checklist {
			kinds[i] = c.Kind
		}
		f.Addf("kind", "is not on this application's checklist: use one of %s", strings.Join(kinds, ", "))
	}
	content, err := Inspect(up.Content)
	if err != nil {
		if e, ok := apperr.As(err); ok {
			for _, fe := range e.Fields {
				f.AddText(fe.Field, fe.Message)
			}
		}
	}
	if err := f.Err(); err != nil {
		return Document{}, err
	}
	if err := s.files.Put(ctx, content.SHA256, up.Content); err != nil {
		return Document{}, apperr.Contextf(err, "keep the content of a document of application %d", id)
	}
	var out Document
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.LockApplication(ctx, id); err != nil {
			return err
		}
		a, _, err := s.apps.Visible(ctx, p, id)
		if err != nil {
			return err
		}
		if err := s.mayAdd(p, a); err != nil {
			return err
		}
		d := Document{ApplicationID: id, Kind: kind, Filename: filename(up.Filename, kind, content.Type),
			ContentType: content.Type, Size: content.Size, SHA256: content.SHA256, UploadedBy: p.UserID,
			UploadedAt: s.now().UTC().Truncate(time.Microsecond), State: Uploaded}
		if out, err = s.store.Add(ctx, d); err != nil {
			return err
		}
		return s.audit.Record(ctx, p, "document.upload", "document", strconv.FormatInt(out.ID, 10), nil, auditView(a, out))
	})
	return out, apperr.Contextf(err, "upload a document to application %d", id)
}

// mayAdd decides whether p may add a document to a now.
func (s *Service) mayAdd(p auth.Principal, a application.Application) error {
	if !s.authz.Can(p, UploadAction, a.Resource()) {
		return apperr.Forbiddenf("your role does not add documents to applications: the applicant does, and the officers who review it")
	}
	if p.UserID == a.ApplicantID {
		if !a.Status.Editable() {
			return apperr.Newf(apperr.Conflict, "application.invalid_state", "the application is %s: the applicant adds documents while it is a draft or returned", msg.Label("status", a.Status))
		}
		return nil
	}
	if a.Involves(p) {
		return apperr.New(apperr.Forbidden, "four_eyes", "you are the applicant or a partner of this application (by account or resident ID number): you add no documents to it as an officer")
	}
	if !a.Status.InReview() {
		return apperr.Newf(apperr.Conflict, "application.invalid_state", "the application is %s: officers add documents while it is under review", msg.Label("status", a.Status))
	}
	return nil
}

// Decision is an officer's acceptance or rejection of a version.
type Decision struct {
	Decision string
	Reason   string
}

// Review records the decision of the officer deciding the application's
// current stage on the document id: accepted, or rejected with a reason
// the applicant reads. Only the newest version of a kind, not yet
// reviewed, is decided.
func (s *Service) Review(ctx context.Context, p auth.Principal, id int64, in Decision) (Document, error) {
	var out Document
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		d, err := s.visible(ctx, p, id)
		if err != nil {
			return err
		}
		if err := s.store.LockApplication(ctx, d.ApplicationID); err != nil {
			return err
		}
		a, _, err := s.apps.Visible(ctx, p, d.ApplicationID)
		if err != nil {
			return err
		}
		if !slices.ContainsFunc([]application.Status{application.EligibilityReview, application.GuaranteeReview, application.BankReview}, func(st application.Status) bool {
			act, _ := application.StageAction(st)
			return s.authz.Can(p, act, a.Resource())
		}) {
			return apperr.Forbiddenf("documents are reviewed by the officer who decides the application's current stage")
		}
		if a.Involves(p) {
			return apperr.New(apperr.Forbidden, "four_eyes", "you are the applicant or a partner of this application (by account or resident ID number): you review none of its documents")
		}
		act, inReview := application.StageAction(a.Status)
		if !inReview {
			return apperr.Newf(apperr.Conflict, "application.invalid_state", "the application is %s: documents are reviewed while it is under review", msg.Label("status", a.Status))
		}
		if !s.authz.Can(p, act, a.Resource()) {
			return apperr.Forbiddenf("the application is at %s: its documents are reviewed by the officer of that stage", msg.Label("status", a.Status))
		}
		var f apperr.Fields
		reason := strings.TrimSpace(in.Reason)
		action := strings.TrimSpace(in.Decision)
		switch action {
		case "accept":
			d.State, reason = Accepted, ""
		case "reject":
			d.State = Rejected
			if reason == "" {
				f.Add("reason", "is required to reject a document: tell the applicant what is wrong with it")
			}
		default:
			f.Add("decision", "must be accept or reject")
		}
		if len([]rune(reason)) > 500 {
			f.Add("reason", "must be at most 500 characters")
		}
		if err := f.Err(); err != nil {
			return err
		}
		docs, err := s.store.Documents(ctx, d.ApplicationID)
		if err != nil {
			return err
		}
		for _, other := range docs {
			if other.Kind == d.Kind && other.Version > d.Version {
				return apperr.Newf(apperr.Conflict, "document.invalid_state", "version %d of this document was uploaded since: review the newest version", other.Version)
			}
		}
		before := auditView(a, d)
		before.State = Uploaded
		by, at := p.UserID, s.now().UTC().Truncate(time.Microsecond)
		d.ReviewedBy, d.ReviewedAt, d.Reason = &by, &at, reason
		if err := s.store.Review(ctx, d); err != nil {
			return err
		}
		out = d
		return s.audit.Record(ctx, p, "document."+action, "document", strconv.FormatInt(d.ID, 10), before, auditView(a, d))
	})
	return out, apperr.Contextf(err, "review document %d", id)
}

// Open returns the document id and its content to whoever may see its
// application (404 otherwise), and records the read in the audit trail:
// who read which file of whom, and when.
func (s *Service) Open(ctx context.Context, p auth.Principal, id int64) (Document, io.ReadCloser, error) {
	d, err := s.visible(ctx, p, id)
	if err != nil {
		return Document{}, nil, err
	}
	r, err := s.files.Open(ctx, d.SHA256)
	if err != nil {
		return Document{}, nil, apperr.Contextf(err, "open the content of document %d", id)
	}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		a, _, err := s.apps.Visible(ctx, p, d.ApplicationID)
		if err != nil {
			return err
		}
		return s.audit.Record(ctx, p, "document.read", "document", strconv.FormatInt(d.ID, 10), nil, auditView(a, d))
	})
	if err != nil {
		_ = r.Close()
		return Document{}, nil, apperr.Contextf(err, "record the read of document %d", id)
	}
	return d, r, nil
}

// visible returns the document id when its application is visible to p.
func (s *Service) visible(ctx context.Context, p auth.Principal, id int64) (Document, error) {
	notFound := apperr.NotFoundf("no document with id %d is visible to you", id)
	d, err := s.store.Document(ctx, id)
	if apperr.KindOf(err) == apperr.NotFound {
		return Document{}, notFound
	}
	if err != nil {
		return Document{}, apperr.Contextf(err, "read document %d", id)
	}
	if _, _, err := s.apps.Visible(ctx, p, d.ApplicationID); err != nil {
		if apperr.KindOf(err) == apperr.NotFound {
			return Document{}, notFound
		}
		return Document{}, err
	}
	return d, nil
}

// extensions are the file name endings of each content type, the first one
// added to a name that has none of them.
var extensions = map[string][]string{PDF: {".pdf"}, JPEG: {".jpg", ".jpeg"}, PNG: {".png"}}

// filename is the name a file is kept under: the base name the client
// sent, without control characters, at most 100 characters, ending in an
// extension of its real type (a scan.jpg that is a PDF is kept as
// scan.jpg.pdf); the kind when no name was sent.
func filename(sent, kind, typ string) string {
	name := strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == unicode.ReplacementChar {
			return -1
		}
		return r
	}, sent)
	name = path.Base(strings.ReplaceAll(name, "\\", "/"))
	name = strings.TrimSpace(name)
	if name == "." || name == "/" || name == ".." {
		name = ""
	}
	if r := []rune(name); len(r) > 100 {
		name = string(r[len(r)-100:])
	}
	if name == "" {
		name = kind
	}
	if !slices.Contains(extensions[typ], strings.ToLower(path.Ext(name))) {
		name += extensions[typ][0]
	}
	return name
}

// docAudit is what the audit trail keeps of a document action.
type docAudit struct {
	Application string `json:"application"`
	Kind        string `json:"kind"`
	Version     int    `json:"version"`
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
	State       State  `json:"state"`
	Reason      string `json:"reason,omitempty"`
}

func auditView(a application.Application, d Document) docAudit {
	return docAudit{Application: a.Number, Kind: d.Kind, Version: d.Version, Filename: d.Filename, ContentType: d.ContentType,
		Size: d.Size, SHA256: d.SHA256, State: d.State, Reason: d.Reason}
}
