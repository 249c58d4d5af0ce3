package sandbox_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/leadsync/leadsync/connector/account"
)

// leased returns the account objects a run would get now.
func leased(t *testing.T, accts *account.Accounts) (*account.Lusha, *account.CRM, *account.CRM) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	l, err := accts.Use(ctx, "hubspot", "salesforce")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	return l.Lusha, l.CRM("hubspot"), l.CRM("salesforce")
}

// TestReloadKeepsOneAccountEach is DESIGN §9a across a SIGHUP: runs before and after
// a reload that changes the rate, the budget's caps and the breaker use the same Lusha
// account (one limiter, one breaker, one budget with its reservations) and the same
// CRM accounts, and the day's spend never passes the cap although runs of both
// pipelines go on across the reload.
func TestReloadKeepsOneAccountEach(t *testing.T) {
	const capPerDay = 150
	o := startDaemon(t, func(o *opsEnv) {
		o.edit(filepath.Base(o.sb.Config), "credits_per_day: 50000", "credits_per_day: 150")
	})
	o.waitFor("runs of both pipelines", func() bool { return finished(o.runs()) >= 2 })
	lu, hs, sf := leased(t, o.d.Accounts())

	o.edit(filepath.Base(o.sb.Config), "per_second: 25", "per_second: 20")
	o.edit(filepath.Base(o.sb.Config), "credits_per_run: 20000", "credits_per_run: 100")
	o.edit(filepath.Base(o.sb.Config), "failures: 5, timeout: 30s", "failures: 7, timeout: 30s")
	before := finished(o.runs())
	o.reloads <- struct{}{}
	o.waitFor("runs after the reload", func() bool { return finished(o.runs()) >= before+4 })
	if page := o.get("/"); strings.Contains(page, `id="reload-error"`) {
		t.Fatal("the reload was refused; the test proves nothing")
	}

	lu2, hs2, sf2 := leased(t, o.d.Accounts())
	if lu2 != lu {
		t.Error("a reload that changed only settings made a new Lusha account: a second limiter, breaker and budget")
	}
	if hs2 != hs || sf2 != sf {
		t.Error("a reload that did not touch the CRM accounts made new ones: second pacers and breakers")
	}
	spent, err := o.eng.Store.CreditsSpent(context.Background(), "", time.Now().UTC().Truncate(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if spent > capPerDay {
		t.Errorf("spent %d credits today across the reload, over the cap of %d", spent, capPerDay)
	}
	if spent == 0 {
		t.Error("nothing was bought: the test proves nothing")
	}
}
