package crashtest

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// knownBug skips a test that exposes an engine bug not fixed yet, so that CI stays
// green while the test stays in; LEADSYNC_ENGINE_BUGS=1 runs it (and shows the bug).
func knownBug(t *testing.T, bug string) {
	t.Helper()
	if os.Getenv("LEADSYNC_ENGINE_BUGS") == "" {
		t.Skip("engine bug: " + bug + " (LEADSYNC_ENGINE_BUGS=1 runs this test)")
	}
}

// bugFilter passes a check's failures to the test, except those of invariants a known
// engine bug breaks: it holds these back so that the test can end with a skip naming
// the bug, after every other check has run.
type bugFilter struct {
	testing.TB
	prefixes []string
	held     []string
}

func (b *bugFilter) Errorf(format string, args ...any) {
	b.TB.Helper()
	msg := fmt.Sprintf(format, args...)
	for _, p := range b.prefixes {
		if strings.HasPrefix(msg, p) {
			b.held = append(b.held, msg)
			return
		}
	}
	b.TB.Errorf("%s", msg)
}

// settle fails the test with what was held back when LEADSYNC_ENGINE_BUGS is set, and
// otherwise logs it and skips naming the bug.
func (b *bugFilter) settle(t *testing.T, bug string) {
	t.Helper()
	if len(b.held) == 0 {
		return
	}
	for _, msg := range b.held {
		t.Log(msg)
	}
	knownBug(t, bug)
	t.Errorf("%d failures above from the engine bug: %s", len(b.held), bug)
}
