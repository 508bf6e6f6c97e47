package httpapi

import (
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"chuangdai/internal/apperr"
	"chuangdai/internal/auth"
	"chuangdai/internal/sheet"
)

// MediaXLSX is the media type of an Excel workbook.
const MediaXLSX = sheet.MediaXLSX

// importResponse is the answer of every import.
type importResponse struct {
	Imported int `json:"imported"`
	Skipped  int `json:"skipped"`
	// DryRun is set on the answer of a dry run, which kept nothing.
	DryRun bool `json:"dry_run,omitempty"`
}

var dryRunParam = Param{Name: "dry_run", Type: "boolean",
	Description: "true: read and check the file and answer exactly as the import would (every bad row, the counts), writing nothing"}

// tooLargeReader turns the body limit's error into the 413 problem.
type tooLargeReader struct{ r io.Reader }

func (t tooLargeReader) Read(b []byte) (int, error) {
	n, err := t.r.Read(b)
	return n, tooLarge(err)
}

func tooLarge(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return apperr.Newf(apperr.TooLarge, "request_too_large", "the file is larger than %d bytes: split it into several imports", tooBig.Limit)
	}
	return err
}

// importMode reads ?dry_run.
func importMode(c *gin.Context) (sheet.Mode, error) {
	v := c.Query("dry_run")
	if v == "" {
		return sheet.Write, nil
	}
	dry, err := strconv.ParseBool(v)
	if err != nil {
		return sheet.Write, apperr.Field("dry_run", "must be true or false")
	}
	if dry {
		return sheet.DryRun, nil
	}
	return sheet.Write, nil
}

// upload reads an import file: the raw body (text/csv or the XLSX media
// type), or the form field "file" of a multipart form, streamed; and
// whether it is a dry run.
func upload(c *gin.Context) (sheet.Upload, sheet.Mode, error) {
	mode, err := importMode(c)
	if err != nil {
		return sheet.Upload{}, mode, err
	}
	mt, params, _ := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if mt != "multipart/form-data" {
		return sheet.Upload{Body: tooLargeReader{c.Request.Body}, Charset: params["charset"]}, mode, nil
	}
	mr, err := c.Request.MultipartReader()
	if err != nil {
		return sheet.Upload{}, mode, apperr.New(apperr.BadRequest, "bad_request", "the multipart form cannot be read: send the file in the form field \"file\"")
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return sheet.Upload{}, mode, apperr.Field("file", "is required: send the CSV or XLSX file in the form field \"file\"")
		}
		if err != nil {
			if e, ok := apperr.As(tooLarge(err)); ok {
				return sheet.Upload{}, mode, e
			}
			return sheet.Upload{}, mode, apperr.New(apperr.BadRequest, "bad_request", "the multipart form cannot be read: send the file in the form field \"file\"")
		}
		if part.FormName() == "file" {
			_, pp, _ := mime.ParseMediaType(part.Header.Get("Content-Type"))
			return sheet.Upload{Body: tooLargeReader{part}, Charset: pp["charset"]}, mode, nil
		}
	}
}

// importing is the handler of an import route: the file and whether it is
// a dry run (upload), the service's import, and its counts.
func importing(run func(context.Context, auth.Principal, sheet.Upload, sheet.Mode) (sheet.Result, error)) func(*gin.Context, auth.Principal) error {
	return func(c *gin.Context, p auth.Principal) error {
		up, mode, err := upload(c)
		if err != nil {
			return err
		}
		res, err := run(c.Request.Context(), p, up, mode)
		if err != nil {
			return err
		}
		c.JSON(http.StatusOK, importResponse{Imported: res.Imported, Skipped: res.Skipped, DryRun: mode == sheet.DryRun})
		return nil
	}
}

// template registers GET <importPath>/template, the download of an
// import's template as XLSX (default) or CSV.
func (a *api) template(importPath, tag, what string, build func(context.Context, auth.Principal) (sheet.Template, error)) {
	a.add(Route{Method: "GET", Path: importPath + "/template", Tag: tag, Status: 200, Download: true,
		Summary: "The template of " + what + " (the roles that import it): row 1 the Chinese headers, row 2 an example row; " +
			"XLSX with the code columns formatted as text, lists of the allowed labels and a sheet 说明 describing each column",
		Query:  []Param{{Name: "format", Type: "string", Description: "xlsx (default) or csv (UTF-8 with BOM)"}},
		Errors: []int{401, 403, 422},
		handler: func(c *gin.Context, p auth.Principal) error {
			format := c.DefaultQuery("format", sheet.FormatXLSX)
			if format != sheet.FormatXLSX && format != sheet.FormatCSV {
				return apperr.Field("format", "must be xlsx or csv")
			}
			t, err := build(c.Request.Context(), p)
			if err != nil {
				return err
			}
			c.Header("Content-Disposition", `attachment; filename="`+t.Name+`.`+format+`"`)
			if format == sheet.FormatCSV {
				c.Header("Content-Type", sheet.MediaCSV)
				c.Status(http.StatusOK)
				return t.WriteCSV(c.Writer)
			}
			c.Header("Content-Type", sheet.MediaXLSX)
			c.Status(http.StatusOK)
			return t.WriteXLSX(c.Writer)
		}})
}
