package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/leadsync/leadsync/connector/sandbox"
	"github.com/leadsync/leadsync/state/pgtest"
)

// TestStateCopyBuysNothingAgain: a SQLite state moved to PostgreSQL with `state copy`
// keeps what was bought. Every enriched contact is made due again; on the copy, the
// next sync reads them all and spends 0 credits, while the same sync on an empty
// database buys them again (the control that shows the test can fail).
func TestStateCopyBuysNothingAgain(t *testing.T) {
	copied, empty := pgtest.Database(t), pgtest.Database(t)
	sb, err := sandbox.Start(sandbox.Options{Seed: 4, Leads: 60, Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	stateURL := ""
	cli := func(args ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		environ := append(sb.Environ("127.0.0.1:0"), "TEST_STATE_URL="+stateURL)
		if code := run(context.Background(), args, environ, &out, &errb); code != exitOK {
			t.Fatalf("leadsync %s: exit %d\n%s%s", strings.Join(args, " "), code, out.String(), errb.String())
		}
		return out.String()
	}
	cli("sync", "-c", sb.Config, "-p", "hubspot-contacts")
	bought := sb.Lusha.CreditsUsed()
	if bought == 0 {
		t.Fatal("the first sync bought nothing")
	}
	file := filepath.Join(filepath.Dir(sb.Config), "leadsync-sandbox.db")
	out := cli("state", "copy", "--from", file, "--to", copied)
	if !regexp.MustCompile(`(?m)^enrichments\s+[1-9]\d* rows$`).MatchString(out) {
		t.Fatalf("state copy moved no cached answers:\n%s", out)
	}

	resync := func(dsn string) (spent, read int) {
		t.Helper()
		due := 0
		for id, c := range sb.HubSpot.Contacts() {
			if c["lusha_enriched_at"] != "" {
				sb.HubSpot.UpdateContact(id, map[string]string{"lusha_enriched_at": ""})
				due++
			}
		}
		sb.Settle()
		cfg := onPostgres(t, sb.Config)
		stateURL = dsn
		before := sb.Lusha.CreditsUsed()
		sum := cli("sync", "-c", cfg, "-p", "hubspot-contacts", "--json")
		return sb.Lusha.CreditsUsed() - before, recordsRead(t, sum, due)
	}
	if spent, _ := resync(copied); spent != 0 {
		t.Errorf("the sync on the copy spent %d credits on people already bought", spent)
	}
	if spent, _ := resync(empty); spent == 0 {
		t.Error("control: the sync on an empty database bought nothing either; the test proves nothing")
	}
}

// onPostgres writes a copy of the config at path whose state is the database that
// TEST_STATE_URL names, migrated on start.
func onPostgres(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	state := regexp.MustCompile(`(?m)^state: .*$`)
	if !state.Match(b) {
		t.Fatalf("%s has no one-line state section", path)
	}
	b = state.ReplaceAll(b, []byte(`state: { url: "${env:TEST_STATE_URL}", migrate: auto }`))
	out := filepath.Join(filepath.Dir(path), "postgres-"+filepath.Base(path))
	if err := os.WriteFile(out, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return out
}

// recordsRead checks that a sync summary read at least want records and returns how many.
func recordsRead(t *testing.T, summary string, want int) int {
	t.Helper()
	m := regexp.MustCompile(`"records_read":\s*(\d+)`).FindStringSubmatch(summary)
	if m == nil {
		t.Fatalf("no records_read in\n%s", summary)
	}
	n, _ := strconv.Atoi(m[1])
	if n < want {
		t.Fatalf("the sync read %d records, want the %d made due", n, want)
	}
	return n
}

// TestMigrateCommand: with state.migrate left manual, a command refuses a database
// whose schema is behind and says to run `leadsync migrate`; migrate brings it up
// once, and then finds nothing to do.
func TestMigrateCommand(t *testing.T) {
	dsn := pgtest.Database(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "leadsync.yaml")
	body := "lusha: { api_key: \"${env:LUSHA_API_KEY}\" }\nstate: { url: \"${env:TEST_STATE_URL}\" }\n"
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	environ := append(append([]string{}, shippedSecrets...), "TEST_STATE_URL="+dsn)
	cli := func(args ...string) (int, string) {
		var out, errb bytes.Buffer
		code := run(context.Background(), args, environ, &out, &errb)
		return code, out.String() + errb.String()
	}
	if code, out := cli("status", "-c", cfg); code == exitOK || !strings.Contains(out, "leadsync migrate") {
		t.Fatalf("status on an unmigrated database: exit %d, want a refusal naming leadsync migrate\n%s", code, out)
	}
	if code, out := cli("migrate", "-c", cfg); code != exitOK || !regexp.MustCompile(`migrated from version 0 to \d+`).MatchString(out) {
		t.Fatalf("migrate: exit %d\n%s", code, out)
	}
	if code, out := cli("migrate", "-c", cfg); code != exitOK || !strings.Contains(out, "nothing to do") {
		t.Fatalf("second migrate: exit %d\n%s", code, out)
	}
	if code, out := cli("status", "-c", cfg); code != exitOK {
		t.Fatalf("status after migrate: exit %d\n%s", code, out)
	}
}
