package crashtest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	yamlv3 "go.yaml.in/yaml/v3"

	"github.com/leadsync/leadsync/connector"
	"github.com/leadsync/leadsync/state"
)

// watched is a child whose end the test can wait for while it does other things.
type watched struct {
	*child
	done chan struct{} // closed once the child ended and was reaped
	err  error         // cmd.Wait's; read after done
}

// startWatched starts leadsync like start and waits for its end in the background.
func (f *fixture) startWatched(t *testing.T, args ...string) *watched {
	t.Helper()
	return watch(t, f.start(t, args...))
}

// watch waits for c's end in the background.
func watch(t *testing.T, c *child) *watched {
	t.Helper()
	w := &watched{child: c, done: make(chan struct{})}
	go func() {
		w.err = w.cmd.Wait()
		close(w.done)
	}()
	// Runs before start's cleanup: a child left behind (stopped, even) is killed and
	// reaped here.
	t.Cleanup(func() {
		select {
		case <-w.done:
		default:
			_ = w.cmd.Process.Kill()
			<-w.done
		}
	})
	return w
}

// waitAtMost waits up to limit for the child to end by itself, then kills it; ok is
// false when it had to be killed.
func (w *watched) waitAtMost(t *testing.T, limit time.Duration) (out outcome, ok bool) {
	t.Helper()
	select {
	case <-w.done:
		return w.outcome(t, w.err), true
	case <-time.After(limit):
		_ = w.cmd.Process.Kill()
		<-w.done
		return w.outcome(t, w.err), false
	}
}

// procState is the state letter of a process in /proc (T: stopped); 0 once the
// process is gone.
func procState(t *testing.T, pid int) byte {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if errors.Is(err, fs.ErrNotExist) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 || i+2 >= len(b) {
		t.Fatalf("cannot read the state of process %d from %q", pid, b)
	}
	return b[i+2]
}

// sigStop stops the child and waits until the kernel shows it stopped; sigCont
// continues it and waits until it no longer is (or has ended already).
func (w *watched) sigStop(t *testing.T) { w.signalAndWait(t, syscall.SIGSTOP, true) }
func (w *watched) sigCont(t *testing.T) { w.signalAndWait(t, syscall.SIGCONT, false) }

func (w *watched) signalAndWait(t *testing.T, sig syscall.Signal, stopped bool) {
	t.Helper()
	if err := w.cmd.Process.Signal(sig); errors.Is(err, os.ErrProcessDone) && !stopped {
		return
	} else if err != nil {
		t.Fatalf("send %v to process %d: %v", sig, w.cmd.Process.Pid, err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case <-w.done:
			if stopped {
				t.Fatalf("process %d ended instead of stopping", w.cmd.Process.Pid)
			}
			return
		default:
		}
		switch st := procState(t, w.cmd.Process.Pid); {
		case st == 0 && !stopped, (st == 'T') == stopped:
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("process %d did not take %v", w.cmd.Process.Pid, sig)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// hubBaseURL is the HubSpot base URL of the fixture's config.
func (f *fixture) hubBaseURL(t *testing.T) string {
	t.Helper()
	cfg := f.readConfig(t)
	u, _ := hubAccount(t, cfg)["base_url"].(string)
	if u == "" {
		t.Fatal("the fixture's config has no crms.hubspot.base_url")
	}
	return u
}

func (f *fixture) readConfig(t *testing.T) map[string]any {
	t.Helper()
	b, err := os.ReadFile(f.cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	var cfg map[string]any
	if err := yamlv3.Unmarshal(b, &cfg); err != nil {
		t.Fatal(err)
	}
	return cfg
}

func hubAccount(t *testing.T, cfg map[string]any) map[string]any {
	t.Helper()
	crms, _ := cfg["crms"].(map[string]any)
	hub, _ := crms[crmAccount].(map[string]any)
	if hub == nil {
		t.Fatalf("the fixture's config has no crms.%s", crmAccount)
	}
	return hub
}

// configVariant writes a copy of the fixture's config beside it (same state file,
// same mapping) whose HubSpot account goes through hubURL with a CRM timeout of
// crmTimeout, and whose top-level keys are changed by top; it returns its path.
func (f *fixture) configVariant(t *testing.T, name, hubURL string, crmTimeout time.Duration, top map[string]any) string {
	t.Helper()
	cfg := f.readConfig(t)
	hub := hubAccount(t, cfg)
	hub["base_url"] = hubURL
	if crmTimeout > 0 {
		hub["timeout"] = crmTimeout.String()
	}
	for k, v := range top {
		cfg[k] = v
	}
	b, err := yamlv3.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(f.dir, name)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// rawDB opens the state file with plain SQL and the DSN options extra: it inspects
// the store while a leadsync process may hold it, without the Store's opening steps.
func (f *fixture) rawDB(t *testing.T, extra string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+f.dbPath+"?"+extra)
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	return db
}

// leaseRow is the pipeline's lease as the state file holds it.
type leaseRow struct {
	Owner      string
	Generation int64
	ExpiresAt  time.Time
}

func (f *fixture) lease(t *testing.T) leaseRow {
	t.Helper()
	db := f.rawDB(t, "mode=ro&_busy_timeout=10000")
	defer db.Close()
	var l leaseRow
	var expires int64
	err := db.QueryRow(`SELECT owner, generation, expires_at FROM leases WHERE pipeline = ?`, pipelineName).
		Scan(&l.Owner, &l.Generation, &expires)
	if err != nil {
		t.Fatalf("read the lease of %s: %v", pipelineName, err)
	}
	l.ExpiresAt = time.UnixMilli(expires)
	return l
}

// busyWith says what a stopped process still holds in the store: the write lock, or
// live identity claims (another process would wait for their answers until they
// expire); "" when nothing.
func (f *fixture) busyWith(t *testing.T) string {
	t.Helper()
	db := f.rawDB(t, "_busy_timeout=0&_txlock=immediate")
	defer db.Close()
	tx, err := db.Begin()
	if err != nil {
		return "the write lock (" + err.Error() + ")"
	}
	defer func() { _ = tx.Rollback() }()
	var claims int
	if err := tx.QueryRow(`SELECT COUNT(*) FROM identity_claims WHERE expires_at > ?`,
		time.Now().UnixMilli()).Scan(&claims); err != nil {
		t.Fatal(err)
	}
	if claims > 0 {
		return fmt.Sprintf("%d identity claims", claims)
	}
	return ""
}

// stopQuiet SIGSTOPs the child at a moment when it holds neither the store's write
// lock nor identity claims, so that its stall blocks nobody else's store writes or
// purchases (a stall while holding them is SQLite's and the claim TTL's business,
// not fencing's): it stops the child, looks, and lets it go on a little when busy.
func (f *fixture) stopQuiet(t *testing.T, w *watched) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for tries := 1; ; tries++ {
		w.sigStop(t)
		busy := f.busyWith(t)
		if busy == "" {
			t.Logf("process %d stopped (try %d), holding no write lock and no claim", w.cmd.Process.Pid, tries)
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("process %d still held %s after %d tries to stop it idle", w.cmd.Process.Pid, busy, tries)
		}
		w.sigCont(t)
		time.Sleep(100 * time.Millisecond)
	}
}

// storeSnapshot is what a stale holder must leave alone: every record state, every
// ledger row (pending ones included), the cursor and who holds the lease.
type storeSnapshot struct {
	Records, Ledger []string
	Cursor          string
	LeaseOwner      string
	LeaseGeneration int64
}

func (f *fixture) snapshot(t *testing.T) storeSnapshot {
	t.Helper()
	db := f.rawDB(t, "mode=ro&_busy_timeout=10000")
	defer db.Close()
	var s storeSnapshot
	s.Records = dumpRows(t, db, `SELECT * FROM records ORDER BY pipeline, crm_account, crm_id`)
	s.Ledger = dumpRows(t, db, `SELECT * FROM ledger ORDER BY id`)
	if err := db.QueryRow(`SELECT cursor FROM cursors WHERE pipeline = ?`, pipelineName).Scan(&s.Cursor); err != nil &&
		err != sql.ErrNoRows {
		t.Fatal(err)
	}
	if err := db.QueryRow(`SELECT owner, generation FROM leases WHERE pipeline = ?`, pipelineName).
		Scan(&s.LeaseOwner, &s.LeaseGeneration); err != nil {
		t.Fatal(err)
	}
	return s
}

// dumpRows renders every row of a query as one line.
func dumpRows(t *testing.T, db *sql.DB, query string) []string {
	t.Helper()
	rows, err := db.Query(query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		parts := make([]string, len(cols))
		for i, v := range vals {
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			parts[i] = fmt.Sprintf("%s=%v", cols[i], v)
		}
		out = append(out, strings.Join(parts, " "))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// diffLines reports up to a few lines that are in a but not in b.
func diffLines(a, b []string) (n int, eg []string) {
	in := make(map[string]int, len(b))
	for _, l := range b {
		in[l]++
	}
	for _, l := range a {
		if in[l] > 0 {
			in[l]--
			continue
		}
		n++
		if len(eg) < 3 {
			eg = append(eg, l)
		}
	}
	return n, eg
}

// openWrites reads, through the Store, the pipeline's pending ledger rows (by CRM id)
// and the records whose write's outcome is unknown. No leadsync may run meanwhile.
func (f *fixture) openWrites(t *testing.T) (pending map[string][]state.LedgerEntry, unknown []string) {
	t.Helper()
	ctx := context.Background()
	store, err := state.Open(ctx, f.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	rows, err := store.PendingWritesOf(ctx, pipelineName, crmAccount)
	if err != nil {
		t.Fatal(err)
	}
	pending = map[string][]state.LedgerEntry{}
	for _, e := range rows {
		pending[e.CRMID] = append(pending[e.CRMID], e)
	}
	for id, r := range mustRecords(t, store, f.contactIDs()) {
		if r.Status == state.StatusUnknown {
			unknown = append(unknown, id)
		}
	}
	slices.Sort(unknown)
	return pending, unknown
}

// recordsOf reads the record states of ids through the Store.
func (f *fixture) recordsOf(t *testing.T, ids []string) map[string]state.RecordState {
	t.Helper()
	store, err := state.Open(context.Background(), f.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	return mustRecords(t, store, ids)
}

// checkNoOpenWrites proves the end of every unknown outcome: no pending ledger row is
// left and no record waits for a read-back.
func (f *fixture) checkNoOpenWrites(t *testing.T) {
	t.Helper()
	pending, unknown := f.openWrites(t)
	if len(pending) > 0 {
		ids := slices.Sorted(maps.Keys(pending))
		t.Errorf("I6: %d contacts still have pending (write-ahead) ledger rows after the syncs settled, e.g. %s",
			len(pending), strings.Join(ids[:min(5, len(ids))], ", "))
	}
	if len(unknown) > 0 {
		t.Errorf("I1: %d contacts are still 'unknown' after the syncs settled, e.g. %s",
			len(unknown), strings.Join(unknown[:min(5, len(unknown))], ", "))
	}
}

// syncUntilSettled runs `leadsync sync -c cfg` until a sync ends ok having read
// nothing and leaves no write open; runs that stop early (an unknown outcome) are
// part of the way there. It returns the summaries.
func (f *fixture) syncUntilSettled(t *testing.T, cfg string, maxRuns int) []connector.Summary {
	t.Helper()
	var sums []connector.Summary
	for range maxRuns {
		out, ended := f.startWatched(t, "sync", "-c", cfg, "--json").waitAtMost(t, 5*time.Minute)
		if !ended {
			t.Fatalf("a sync was still running after 5 minutes; stderr:\n%s", tail(out.Stderr))
		}
		if len(out.Summaries) != 1 {
			t.Fatalf("a sync exited %d with %d summaries; stderr:\n%s", out.Code, len(out.Summaries), tail(out.Stderr))
		}
		sum := out.Summaries[0]
		sums = append(sums, sum)
		if sum.Status != connector.RunOK || sum.RecordsRead != 0 {
			continue
		}
		if pending, unknown := f.openWrites(t); len(pending) == 0 && len(unknown) == 0 {
			return sums
		}
	}
	t.Fatalf("after %d syncs leadsync had not settled: %s", maxRuns, sumLine(sums))
	return nil
}

// sumLine is a short account of summaries for a log line.
func sumLine(sums []connector.Summary) string {
	parts := make([]string, len(sums))
	for i, s := range sums {
		parts[i] = fmt.Sprintf("%s(read %d, written %d", s.Status, s.RecordsRead, s.RecordsWritten)
		if s.Error != "" {
			parts[i] += ": " + clipTo(s.Error, 80)
		}
		parts[i] += ")"
	}
	return strings.Join(parts, " → ")
}

func clipTo(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
