package config

import (
	"errors"
	"fmt"
	"strings"
)

// Error is a problem in the configuration, with its place when known.
type Error struct {
	File      string
	Line, Col int
	Key       string
	Msg       string
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			fmt.Fprintf(&b, ":%d:%d", e.Line, e.Col)
		}
		b.WriteString(": ")
	}
	if e.Key != "" {
		b.WriteString(excerpt(e.Key, maxValue) + ": ")
	}
	b.WriteString(excerpt(e.Msg, maxMessage))
	return b.String()
}

// Errors is every problem found in one load.
type Errors []*Error

func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// IsError tells whether err is a configuration problem (exit code 2).
func IsError(err error) bool {
	var one *Error
	var many Errors
	return errors.As(err, &one) || errors.As(err, &many)
}
