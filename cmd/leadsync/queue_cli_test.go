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
	"time"

	"github.com/leadsync/leadsync/connector/sandbox"
	"github.com/leadsync/leadsync/mapping"
	"github.com/leadsync/leadsync/state"
)

// TestRetryAndForget: parked records are released by class for the next run, and a
// forgotten person's data is erased and Lusha never asked about them again.
func TestRetryAndForget(t *testing.T) {
	sb, err := sandbox.Start(sandbox.Options{Seed: 9, Leads: 80, Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	mpath := filepath.Join(filepath.Dir(sb.Config), "mappings", "hubspot-contacts.yaml")
	b, _ := os.ReadFile(mpath)
	b = bytes.Replace(b, []byte("    default: other\n"), nil, 1)
	b = bytes.Replace(b, []byte("Manager: manager, "), nil, 1) // managers are now invalid: parked
	if err := os.WriteFile(mpath, b, 0o600); err != nil {
		t.Fatal(err)
	}
	environ := sb.Environ("127.0.0.1:0")
	cli := func(args ...string) (int, string) {
		var out, errb bytes.Buffer
		code := run(context.Background(), args, environ, &out, &errb)
		return code, out.String() + errb.String()
	}
	if code, out := cli("sync", "-c", sb.Config, "-p", "hubspot-contacts", "--json"); code != exitOK {
		t.Fatalf("sync: %d\n%s", code, out)
	}
	code, out := cli("retry", "-c", sb.Config, "--class", "invalid")
	m := regexp.MustCompile(`(\d+) parked records released`).FindStringSubmatch(out)
	if code != exitOK || m == nil {
		t.Fatalf("retry: %d\n%s", code, out)
	}
	if n, _ := strconv.Atoi(m[1]); n == 0 {
		t.Error("no parked records released; the mapping should park some")
	}
	if code, out := cli("retry", "-c", sb.Config, "--class", "nonsense"); code != exitUsage {
		t.Errorf("unknown class: exit %d\n%s", code, out)
	}

	var id, email string
	for cid, c := range sb.HubSpot.Contacts() {
		if p := sb.ContactPerson[cid]; p.Known && !p.Restricted && c["email"] != "" && c["lusha_enriched_at"] != "" {
			id, email = cid, c["email"]
			break
		}
	}
	if id == "" {
		t.Fatal("no enriched contact with an email")
	}
	if code, out := cli("forget", "-c", sb.Config, "--email", strings.ToUpper(email)); code != exitOK {
		t.Fatalf("forget: %d\n%s", code, out)
	}
	store, err := state.Open(t.Context(), filepath.Join(filepath.Dir(sb.Config), "leadsync-sandbox.db"))
	if err != nil {
		t.Fatal(err)
	}
	key := mapping.Identity{Email: email}.Key()
	if e, err := store.Enrichment(t.Context(), key, time.Now()); err != nil || e != nil {
		t.Errorf("cached answer survived forget: %v %v", e, err)
	}
	if s, err := store.Suppressed(t.Context(), key); err != nil || !s {
		t.Errorf("forgotten person not suppressed: %v %v", s, err)
	}
	store.Close()
	sb.HubSpot.UpdateContact(id, map[string]string{"lusha_enriched_at": "", "jobtitle": ""})
	before := sb.Lusha.CreditsUsed()
	calls := len(sb.Lusha.Charges())
	if code, out := cli("sync", "-c", sb.Config, "-p", "hubspot-contacts", "--json"); code != exitOK {
		t.Fatalf("sync after forget: %d\n%s", code, out)
	}
	if sb.Lusha.CreditsUsed() != before || len(sb.Lusha.Charges()) != calls {
		for _, c := range sb.Lusha.Charges()[calls:] {
			t.Logf("new charge: %+v", c)
		}
		t.Error("Lusha was asked again after forget")
	}
}
