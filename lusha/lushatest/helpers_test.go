package lushatest

import (
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// pick returns the first person of w matching ok, failing the test if none does.
func pick(t *testing.T, w *World, what string, ok func(p *Person) bool) *Person {
	t.Helper()
	for i := range w.People {
		if ok(&w.People[i]) {
			return &w.People[i]
		}
	}
	t.Fatalf("world has no %s", what)
	return nil
}

func knownWithPhones(p *Person) bool    { return p.Known && !p.Restricted && len(p.Phones) > 0 }
func knownWithoutPhones(p *Person) bool { return p.Known && !p.Restricted && len(p.Phones) == 0 }
func unknown(p *Person) bool            { return !p.Known }
func restricted(p *Person) bool         { return p.Restricted }
