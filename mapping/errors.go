package mapping

import (
	"fmt"
	"slices"
	"strings"
)

// Error is one problem found in a mapping file, at its position.
type Error struct {
	File      string
	Line, Col int // 1-based; Col is 0 when only the line is known (YAML syntax errors)
	Msg       string
}

// Error prints "file:line:col: msg", or "file:line: msg" when the column is unknown,
// the form editors and go vet use.
func (e *Error) Error() string {
	if e.Col == 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
}

// Errors is every problem found in one mapping file, in file order. Parse returns them
// all at once so that a user fixes a file in one pass.
type Errors []*Error

func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// sorted orders the errors by position; equal positions keep their order of discovery.
func (es Errors) sorted() Errors {
	slices.SortStableFunc(es, func(a, b *Error) int {
		if a.Line != b.Line {
			return a.Line - b.Line
		}
		return a.Col - b.Col
	})
	return es
}
