package main

import (
	"strings"

	"chuangdai/internal/apperr"
)

// describe renders an application error for a terminal, field errors included.
func describe(err error) string {
	e, ok := apperr.As(err)
	if !ok || len(e.Fields) == 0 {
		return err.Error()
	}
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + " " + f.Message.String()
	}
	return strings.Join(parts, "; ")
}
