package run

import (
	"bytes"
	"context"
	"iter"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/leadsync/leadsync/connector/react"
	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/state"
)

// feedCRM is a CRM with a deletion feed: it lists ids (all deleted at t0), or fails
// with expireBefore's error for a since earlier than it. Its other methods are never
// called.
type feedCRM struct {
	crm.Adapter
	ids          []string
	at           time.Time
	expireBefore time.Time
	calls        []time.Time // the since of each read
	// fail, while not empty, fails the next read after its first id with fail[0].
	fail []error
}

func (f *feedCRM) Deleted(_ context.Context, _ string, since time.Time) iter.Seq2[crm.Deletion, error] {
	return func(yield func(crm.Deletion, error) bool) {
		f.calls = append(f.calls, since)
		if !since.IsZero() && since.Before(f.expireBefore) {
			yield(crm.Deletion{}, &crm.Error{Service: "fake", Class: crm.ClassInvalid, Err: crm.ErrDeletionsExpired})
			return
		}
		for i, id := range f.ids {
			if i == 1 && len(f.fail) > 0 {
				err := f.fail[0]
				f.fail = f.fail[1:]
				yield(crm.Deletion{}, err)
				return
			}
			if !yield(crm.Deletion{ID: id, At: f.at}, nil) {
				return
			}
		}
	}
}

// wrappedFeed offers its feed only through an accessor, as an account's CRM does.
type wrappedFeed struct {
	crm.Adapter
	f *feedCRM
}

func (w wrappedFeed) DeletionFeed() (crm.DeletionFeed, bool) { return w.f, true }

func TestDropDeleted(t *testing.T) {
	ctx := context.Background()
	store, err := state.Open(ctx, filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	t0 := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	now := t0
	var logs bytes.Buffer
	r := &Runner{Store: store, Owner: "test/1/1", Now: func() time.Time { return now },
		Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	feed := &feedCRM{ids: []string{"1", "2", "3", "99"}, at: t0}
	p := &Pipeline{Name: "hs", Object: "contacts", Account: "acct", CRM: wrappedFeed{f: feed}}

	// 1 done (with a ledger row), 2 parked, 3 with a write of unknown outcome, 4 done
	// and not deleted.
	err = store.CommitPage(ctx, state.PageCommit{Pipeline: "hs", Account: "acct",
		Records: []state.RecordState{{CRMID: "1", Status: state.StatusDone}, {CRMID: "2", Status: state.StatusParked},
			{CRMID: "3", Status: state.StatusUnknown}, {CRMID: "4", Status: state.StatusDone}},
		Ledger: []state.LedgerEntry{{RunID: "r1", CRMObject: "contacts", CRMID: "1", Field: "jobtitle", NewValue: "CEO"}}})
	if err != nil {
		t.Fatal(err)
	}
	held := func() []string {
		got, err := store.RecordsOf(ctx, "hs", "acct", []string{"1", "2", "3", "4"})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for id := range got {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		return ids
	}

	// A 503 halfway through the feed: the read is retried, the drops counted once.
	r.Retry = react.Policy{Base: time.Millisecond, Max: time.Millisecond}
	feed.fail = []error{&crm.Error{Service: "fake", Class: crm.ClassUnavailable, Status: 503}}
	n, err := r.DropDeleted(ctx, p, time.Hour)
	if err != nil || n != 2 {
		t.Fatalf("first pass dropped %d, %v; want 2", n, err)
	}
	if got := held(); !slices.Equal(got, []string{"3", "4"}) {
		t.Errorf("records left %v, want the unknown 3 and the live 4", got)
	}
	if owned, _ := store.OwnedBy(ctx, "acct", "contacts", []string{"1"}); owned["1"]["jobtitle"] != "CEO" {
		t.Errorf("the ledger row of a dropped record went: %v", owned)
	}
	if len(feed.calls) != 2 || !feed.calls[0].IsZero() || !feed.calls[1].IsZero() {
		t.Errorf("first pass read since %v, want the whole window twice (a 503, a retry)", feed.calls)
	}
	feed.calls = feed.calls[1:]

	// Within every: no read. A new runner (a restart) keeps the checkpoint.
	now = t0.Add(30 * time.Minute)
	r2 := *r
	if n, err := r2.DropDeleted(ctx, p, time.Hour); n != 0 || err != nil || len(feed.calls) != 1 {
		t.Errorf("pass within every: %d, %v, %d reads", n, err, len(feed.calls))
	}
	now = t0.Add(time.Hour)
	if _, err := r2.DropDeleted(ctx, p, time.Hour); err != nil || len(feed.calls) != 2 || !feed.calls[1].Equal(t0.Add(-DeletedOverlap)) {
		t.Errorf("pass after every: %v, reads since %v, want %v", err, feed.calls, t0.Add(-DeletedOverlap))
	}

	// Another holder of the lease (a run): nothing, no error.
	now = t0.Add(3 * time.Hour)
	if _, err := store.Acquire(ctx, "hs", "other/2/2", time.Minute); err != nil {
		t.Fatal(err)
	}
	if n, err := r.DropDeleted(ctx, p, time.Hour); n != 0 || err != nil || len(feed.calls) != 2 {
		t.Errorf("pass while another holds the lease: %d, %v, %d reads", n, err, len(feed.calls))
	}
	if err := store.ReleaseLease(ctx, "hs", "other/2/2"); err != nil {
		t.Fatal(err)
	}

	// A feed that no longer reaches the checkpoint is read whole, with a warning.
	feed.expireBefore = now
	if _, err := r.DropDeleted(ctx, p, time.Hour); err != nil || len(feed.calls) != 4 || !feed.calls[3].IsZero() {
		t.Errorf("expired checkpoint: %v, reads since %v", err, feed.calls)
	}
	if !strings.Contains(logs.String(), "level=WARN") {
		t.Errorf("no warning of missed deletions: %s", logs.String())
	}

	// A CRM without a feed: nothing.
	if n, err := r.DropDeleted(ctx, &Pipeline{Name: "sf", Object: "Lead", CRM: struct{ crm.Adapter }{}}, 0); n != 0 || err != nil {
		t.Errorf("no feed: %d, %v", n, err)
	}
}

// TestDropDeletedPrunesTheirLedger: with a history section, a pass also deletes the
// ledger rows of dropped records once older than keep_ledger; without one, none.
func TestDropDeletedPrunesTheirLedger(t *testing.T) {
	ctx := context.Background()
	store, err := state.Open(ctx, filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	t0 := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	now := t0
	r := &Runner{Store: store, Owner: "test/1/1", Now: func() time.Time { return now },
		Logger: slog.New(slog.DiscardHandler), History: &History{Keep: state.Retention{KeepRuns: time.Hour, KeepLedger: time.Hour}}}
	feed := &feedCRM{ids: []string{"1"}, at: t0}
	p := &Pipeline{Name: "hs", Object: "contacts", Account: "acct", CRM: feed}
	err = store.CommitPage(ctx, state.PageCommit{Pipeline: "hs", Account: "acct",
		Records: []state.RecordState{{CRMID: "1", Status: state.StatusDone}},
		Ledger:  []state.LedgerEntry{{RunID: "r1", CRMObject: "contacts", CRMID: "1", Field: "jobtitle", NewValue: "CEO", WrittenAt: t0.Add(-30 * time.Minute)}}})
	if err != nil {
		t.Fatal(err)
	}
	owned := func() int {
		o, err := store.OwnedBy(ctx, "acct", "contacts", []string{"1"})
		if err != nil {
			t.Fatal(err)
		}
		return len(o["1"])
	}
	if n, err := r.DropDeleted(ctx, p, time.Minute); n != 1 || err != nil || owned() != 1 {
		t.Fatalf("first pass: %d, %v, %d ledger fields; want the record dropped and its young row kept", n, err, owned())
	}
	now = t0.Add(time.Hour)
	if _, err := r.DropDeleted(ctx, p, time.Minute); err != nil || owned() != 0 {
		t.Errorf("a pass after keep_ledger: %v, %d ledger fields left, want none", err, owned())
	}
}
