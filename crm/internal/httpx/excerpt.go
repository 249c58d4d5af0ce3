package httpx

import (
	"strings"
	"unicode/utf8"
)

// excerptLimit keeps error messages short enough for logs and status pages.
const excerptLimit = 300

// Excerpt is s trimmed and cut to a few hundred bytes, on a character boundary. It is
// for what a server answered; a credential must be cut out before (Answer.Decode
// does so for the call's token).
func Excerpt(s string) string {
	s = strings.TrimSpace(s)
	if len(s) <= excerptLimit {
		return s
	}
	cut := excerptLimit
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
