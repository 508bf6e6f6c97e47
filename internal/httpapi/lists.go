package httpapi

import (
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"chuangdai/internal/apperr"
)

// MaxPageSize caps page_size.
const MaxPageSize = 200

// pageQuery reads page and page_size.
type pageQuery struct {
	Page     int
	PageSize int
}

func (p pageQuery) offset() int { return (p.Page - 1) * p.PageSize }

func readPage(c *gin.Context, f *apperr.Fields) pageQuery {
	p := pageQuery{Page: 1, PageSize: 20}
	if v := c.Query("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1_000_000 {
			f.Add("page", "must be a whole number from 1")
		} else {
			p.Page = n
		}
	}
	if v := c.Query("page_size"); v != "" {
		n, err := strconv.Atoi(v)
		switch {
		case err != nil && !isLongNumber(v), n < 1 && err == nil:
			f.Add("page_size", "must be a whole number from 1 to 200")
		case err != nil || n > MaxPageSize:
			// Larger pages are capped, not refused: the answer's page_size
			// says what was served.
			p.PageSize = MaxPageSize
		default:
			p.PageSize = n
		}
	}
	return p
}

// isLongNumber reports whether v is a positive whole number too large for an int.
func isLongNumber(v string) bool {
	if v == "" {
		return false
	}
	for _, r := range v {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// listResponse is the envelope of every list.
type listResponse[T any] struct {
	Items    []T   `json:"items"`
	Total    int64 `json:"total"`
	Page     int   `json:"page"`
	PageSize int   `json:"page_size"`
}

func newList[T any](items []T, total int64, p pageQuery) listResponse[T] {
	if items == nil {
		items = []T{}
	}
	return listResponse[T]{Items: items, Total: total, Page: p.Page, PageSize: p.PageSize}
}

// pathID reads the numeric {id} of the path; anything else names nothing
// and answers 404 with notFound, a message printing the id (%q).
func pathID[ID ~int64](c *gin.Context, notFound string) (ID, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id < 1 {
		return 0, apperr.NotFoundf(notFound, c.Param("id"))
	}
	return ID(id), nil
}

// sortParam documents the sort parameter of a list sorting by keys.
func sortParam(keys []string, def string) Param {
	return Param{Name: "sort", Type: "string", Description: "the column to sort by, " + strings.Join(keys, ", ") +
		"; a leading - sorts it in reverse (default " + def + ")"}
}
