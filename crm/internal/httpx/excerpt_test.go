package httpx_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/leadsync/leadsync/crm/internal/httpx"
)

func TestExcerpt(t *testing.T) {
	long := strings.Repeat("x", 299) + "é" + strings.Repeat("y", 5<<20) // é straddles the cut
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"short", "bad gateway", "bad gateway"},
		{"trimmed", "\n  <html>bad gateway</html>\n", "<html>bad gateway</html>"},
		{"exactly the limit", strings.Repeat("a", 300), strings.Repeat("a", 300)},
		{"one over", strings.Repeat("a", 301), strings.Repeat("a", 300) + "…"},
		{"cut before a split character", long, strings.Repeat("x", 299) + "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := httpx.Excerpt(tt.in)
			if got != tt.want {
				t.Errorf("Excerpt = %q (%d bytes), want %q", got, len(got), tt.want)
			}
			if !utf8.ValidString(got) {
				t.Errorf("Excerpt split a character: %q", got)
			}
		})
	}
}
