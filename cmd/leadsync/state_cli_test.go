package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/leadsync/leadsync/state"
)

// TestStateBackup: `leadsync state backup` copies the state file while another
// connection (a running daemon) commits, the copy opens as a state file with whole
// pages only, and an existing destination is refused.
func TestStateBackup(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "leadsync.yaml")
	if err := os.WriteFile(cfg, []byte("lusha: { api_key: \"${env:LUSHA_API_KEY}\" }\nstate: { path: s.db }\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	daemon, err := state.Open(ctx, filepath.Join(dir, "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer daemon.Close()
	commit := func(i int) error {
		id := fmt.Sprint(i)
		return daemon.CommitPage(ctx, state.PageCommit{Pipeline: "p", Account: "a",
			Records: []state.RecordState{{CRMID: id, Status: state.StatusDone}},
			Ledger:  []state.LedgerEntry{{RunID: "r", CRMObject: "contact", CRMID: id, Field: "title", NewValue: "v"}}})
	}
	for i := range 100 {
		if err := commit(i); err != nil {
			t.Fatal(err)
		}
	}
	cli := func(args ...string) (int, string) {
		var out, errb bytes.Buffer
		code := run(ctx, args, shippedSecrets, &out, &errb)
		return code, out.String() + errb.String()
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var writeErr error
	wg.Go(func() {
		for i := 100; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if writeErr = commit(i); writeErr != nil {
				return
			}
		}
	})
	dest := filepath.Join(dir, "backup.db")
	code, out := cli("state", "backup", "-c", cfg, dest)
	close(stop)
	wg.Wait()
	if code != exitOK || writeErr != nil {
		t.Fatalf("state backup: %d\n%s\nwriter: %v", code, out, writeErr)
	}
	info, err := os.Stat(dest)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("backup mode %v, want 0600", info.Mode().Perm())
	}
	copied, err := state.Open(ctx, dest)
	if err != nil {
		t.Fatal(err)
	}
	defer copied.Close()
	recs, err := copied.RecordsOf(ctx, "p", "a", []string{"0", "99"})
	if err != nil || len(recs) != 2 {
		t.Errorf("the copy's records: %v, %v", recs, err)
	}

	if code, out := cli("state", "backup", "-c", cfg, dest); code != exitUsage || !strings.Contains(out, "exists") {
		t.Errorf("backup over the copy: %d\n%s", code, out)
	}
	if code, out := cli("state", "backup", "-c", cfg); code != exitUsage {
		t.Errorf("backup without a destination: %d\n%s", code, out)
	}
	if code, out := cli("state", "restore"); code != exitUsage || !strings.Contains(out, "stop the daemon") {
		t.Errorf("state restore: %d\n%s", code, out)
	}
}
