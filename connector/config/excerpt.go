package config

import (
	"fmt"
	"strconv"
	"unicode/utf8"
)

// A config can hold megabytes in one value (a pasted file, a runaway template). An
// error that repeats it whole floods the terminal and the logs, so messages repeat at
// most this much of any value, and say how long it was.
const (
	maxValue   = 200 // bytes of one value quoted in a message
	maxMessage = 400 // bytes of a whole message: the net for text quoted by libraries
)

// excerpt cuts s to at most n bytes, at a rune boundary, noting its length.
func excerpt(s string, n int) string {
	head, cut := clip(s, n)
	if !cut {
		return s
	}
	return fmt.Sprintf("%s… (%d bytes)", head, len(s))
}

// quote quotes a value from the config for a message, cut to maxValue bytes.
func quote(s string) string {
	head, cut := clip(s, maxValue)
	if !cut {
		return strconv.Quote(s)
	}
	return fmt.Sprintf("%s… (%d bytes)", strconv.Quote(head), len(s))
}

func clip(s string, n int) (string, bool) {
	if len(s) <= n {
		return s, false
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n], true
}
