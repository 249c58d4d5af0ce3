package statetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/leadsync/leadsync/state"
)

// testBatchLookups checks that a store's page-at-a-time lookups (state.BatchReader)
// answer exactly what the per-record ones do, over more keys than one query binds,
// with duplicates, missing and expired keys, and fields erased by Forget.
func testBatchLookups(t *testing.T, s state.Store, _ *Clock) {
	b, ok := s.(state.BatchReader)
	if !ok {
		t.Skipf("%T has no batch lookups", s)
	}
	ctx := t.Context()
	const n = 1100 // more than two chunks of bound variables
	var (
		keys, ids []string
		es        []state.Enrichment
		ledger    []state.LedgerEntry
	)
	for i := range n {
		key, id := fmt.Sprintf("key-%04d", i), fmt.Sprint(i)
		keys, ids = append(keys, key), append(ids, id)
		if i%3 == 0 {
			continue // neither cached nor written: absent from the answers
		}
		es = append(es, state.Enrichment{Key: key, Outcome: state.OutcomeMatched, LushaID: "L" + id,
			Answer: []byte(`{"n":` + id + `}`), Revealed: []string{"phones"}, Credits: i % 7,
			FetchedAt: Epoch, ExpiresAt: Epoch.Add(time.Duration(i) * time.Minute)})
		ledger = append(ledger,
			state.LedgerEntry{RunID: "r", CRMObject: "contacts", CRMID: id, Field: "title", NewValue: "old " + id, WrittenAt: Epoch},
			state.LedgerEntry{RunID: "r", CRMObject: "contacts", CRMID: id, Field: "title", NewValue: "new " + id, WrittenAt: Epoch.Add(time.Second)},
			state.LedgerEntry{RunID: "r", CRMObject: "leads", CRMID: id, Field: "phone", NewValue: "+" + id, WrittenAt: Epoch})
	}
	if err := s.SaveEnrichments(ctx, state.Spend{Pipeline: "p", Call: "contacts/enrich", Credits: 1}, es); err != nil {
		t.Fatalf("SaveEnrichments: %v", err)
	}
	if err := s.CommitPage(ctx, state.PageCommit{Pipeline: "p", Ledger: ledger}); err != nil {
		t.Fatalf("CommitPage: %v", err)
	}
	for i := 1; i < n; i += 10 {
		if err := s.Suppress(ctx, keys[i], "opt-out", Epoch); err != nil {
			t.Fatalf("Suppress: %v", err)
		}
	}
	// Forget erases the values of record 2's ledger rows: nothing of it is owned.
	if err := s.Forget(ctx, "forgotten-key", []string{"2"}, Epoch); err != nil {
		t.Fatalf("Forget: %v", err)
	}
	asked := append(append([]string{}, keys...), keys[1], "missing", "")
	askedIDs := append(append([]string{}, ids...), ids[1], "missing")

	for _, now := range []time.Time{Epoch, Epoch.Add(500 * time.Minute)} {
		got, err := b.Enrichments(ctx, asked, now)
		if err != nil {
			t.Fatalf("Enrichments: %v", err)
		}
		want := map[string]*state.Enrichment{}
		for _, k := range asked {
			if e, err := s.Enrichment(ctx, k, now); err != nil {
				t.Fatalf("Enrichment(%s): %v", k, err)
			} else if e != nil {
				want[k] = e
			}
		}
		if len(want) == 0 {
			t.Fatalf("the fixture cached nothing unexpired at %v", now)
		}
		if diff := cmp.Diff(want, got, equate); diff != "" {
			t.Errorf("Enrichments at %v differ from Enrichment (-one by one +batch):\n%s", now, diff)
		}
	}

	sup, err := b.SuppressedMany(ctx, asked)
	if err != nil {
		t.Fatalf("SuppressedMany: %v", err)
	}
	wantSup := map[string]bool{}
	for _, k := range asked {
		if ok, err := s.Suppressed(ctx, k); err != nil {
			t.Fatalf("Suppressed(%s): %v", k, err)
		} else if ok {
			wantSup[k] = true
		}
	}
	if len(wantSup) != (n+8)/10 {
		t.Fatalf("%d keys suppressed, want %d", len(wantSup), (n+8)/10)
	}
	if diff := cmp.Diff(wantSup, sup, equate); diff != "" {
		t.Errorf("SuppressedMany differs from Suppressed (-one by one +batch):\n%s", diff)
	}

	for _, obj := range []string{"contacts", "leads", "companies"} {
		got, err := b.OwnedMany(ctx, obj, askedIDs)
		if err != nil {
			t.Fatalf("OwnedMany(%s): %v", obj, err)
		}
		want := map[string]map[string]string{}
		for _, id := range askedIDs {
			if o, err := s.Owned(ctx, obj, id); err != nil {
				t.Fatalf("Owned(%s, %s): %v", obj, id, err)
			} else if len(o) > 0 {
				want[id] = o
			}
		}
		if diff := cmp.Diff(want, got, equate); diff != "" {
			t.Errorf("OwnedMany(%s) differs from Owned (-one by one +batch):\n%s", obj, diff)
		}
		if obj == "contacts" && (got["1"]["title"] != "new 1" || got["2"] != nil) {
			t.Errorf("OwnedMany(contacts): record 1 %v (want the latest title), record 2 %v (want none: forgotten)",
				got["1"], got["2"])
		}
	}
	for name, empty := range map[string]func() (int, error){
		"Enrichments":    func() (int, error) { m, err := b.Enrichments(ctx, nil, Epoch); return len(m), err },
		"SuppressedMany": func() (int, error) { m, err := b.SuppressedMany(ctx, nil); return len(m), err },
		"OwnedMany":      func() (int, error) { m, err := b.OwnedMany(ctx, "contacts", nil); return len(m), err },
	} {
		if got, err := empty(); got != 0 || err != nil {
			t.Errorf("%s of no keys = %d entries, %v", name, got, err)
		}
	}
}
