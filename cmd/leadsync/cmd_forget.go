package main

import (
	"context"
	"fmt"
	"time"

	"github.com/leadsync/leadsync/connector"
	"github.com/leadsync/leadsync/mapping"
	"github.com/leadsync/leadsync/state"
)

// cmdForget erases what leadsync holds about one person (the cached Lusha answer,
// record states, the values in the ledger) and suppresses them, so that Lusha is never
// asked about them again: the answer to an erasure request.
func cmdForget(ctx context.Context, e *env, args []string) int {
	fs := newFlags(e, "forget")
	cfgPath := fs.String("c", defaultConfig, "config file")
	email := fs.String("email", "", "the person's email address")
	crmID := fs.String("crm-id", "", "the person's CRM record id")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if (*email == "") == (*crmID == "") {
		fmt.Fprintln(e.stderr, "leadsync forget: give exactly one of --email and --crm-id")
		return exitUsage
	}
	cfg, code := loadConfig(e, *cfgPath)
	if cfg == nil {
		return code
	}
	store, err := connector.OpenStore(ctx, cfg, e.getenv)
	if err != nil {
		fmt.Fprintf(e.stderr, "leadsync forget: %v\n", err)
		return exitFailed
	}
	defer store.Close()
	f := state.Forget{At: time.Now()}
	if *email != "" {
		f.Keys = append(f.Keys, mapping.Identity{Email: *email}.Key())
	} else {
		f.CRMIDs = append(f.CRMIDs, *crmID)
		for _, p := range cfg.Pipelines {
			recs, err := store.RecordsOf(ctx, p.Name, p.CRM, f.CRMIDs)
			if err != nil {
				fmt.Fprintf(e.stderr, "leadsync forget: %v\n", err)
				return exitFailed
			}
			if r, ok := recs[*crmID]; ok && r.IdentityKey != "" {
				f.Keys = append(f.Keys, r.IdentityKey)
			}
		}
	}
	// The person, not one key: every identity that led to the same Lusha person is
	// suppressed with it, and so is the Lusha person id itself.
	report, err := store.ForgetPerson(ctx, f)
	if err != nil {
		fmt.Fprintf(e.stderr, "leadsync forget: %v\n", err)
		return exitFailed
	}
	fmt.Fprintf(e.stdout, "suppressed %d identities; erased %d cached answers, %d record states, %d ledger values\n",
		report.Suppressed, report.Answers, report.Records, report.LedgerRows)
	fmt.Fprintln(e.stdout, "erased and suppressed: leadsync will not ask Lusha about this person again")
	return exitOK
}
