package statetest

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/leadsync/leadsync/state"
)

func inboxOf(t *testing.T, s state.Store) state.Inbox {
	t.Helper()
	in, ok := s.(state.Inbox)
	if !ok {
		t.Fatalf("%T has no inbox", s)
	}
	return in
}

// testInbox stores deliveries, a retried one once, lists the received ones in
// arrival order, and settles each once: a second settle is refused and the body
// (personal data for an opt-out) is gone.
func testInbox(t *testing.T, s state.Store, c *Clock) {
	ctx := t.Context()
	in := inboxOf(t, s)
	for i, d := range []state.Delivery{
		{PayloadID: "b", Kind: state.InboxSignal, Body: []byte(`{"id":"b"}`)},
		{PayloadID: "a", Kind: state.InboxOptOut, Body: []byte(`{"contactId":"1"}`)},
		{PayloadID: "b", Kind: state.InboxSignal, Body: []byte(`{"id":"b","retry":true}`)},
	} {
		stored, err := in.Receive(ctx, d)
		if err != nil {
			t.Fatalf("Receive %d: %v", i, err)
		}
		if want := i < 2; stored != want {
			t.Errorf("Receive %d (%s) stored = %v; want %v", i, d.PayloadID, stored, want)
		}
		c.Advance(time.Second)
	}
	if _, err := in.Receive(ctx, state.Delivery{Kind: state.InboxSignal}); err == nil {
		t.Error("a delivery without a payload id was stored")
	}
	got, err := in.Unprocessed(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		ID, Kind, Body string
		At             time.Time
	}
	var rows []row
	for _, d := range got {
		rows = append(rows, row{d.PayloadID, d.Kind, string(d.Body), d.ReceivedAt})
	}
	want := []row{{"b", state.InboxSignal, `{"id":"b"}`, ms(Epoch)},
		{"a", state.InboxOptOut, `{"contactId":"1"}`, ms(Epoch.Add(time.Second))}}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Fatalf("Unprocessed (-want +got):\n%s", diff)
	}
	if err := in.Settle(ctx, got[0].Seq, state.InboxRecorded, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if err := in.Settle(ctx, got[0].Seq, state.InboxApplied, time.Time{}); !errors.Is(err, state.ErrSettled) {
		t.Errorf("second Settle = %v; want ErrSettled", err)
	}
	if err := in.Settle(ctx, got[1].Seq, state.InboxReceived, time.Time{}); err == nil {
		t.Error("Settle accepted received as a final status")
	}
	left, err := in.Unprocessed(ctx, 5)
	if err != nil || len(left) != 1 || left[0].PayloadID != "a" {
		t.Errorf("Unprocessed after a settle = %v, %v; want a only", left, err)
	}
	counts, err := in.InboxCounts(ctx)
	if diff := cmp.Diff(map[string]int{state.InboxReceived: 1, state.InboxRecorded: 1}, counts); err != nil || diff != "" {
		t.Errorf("InboxCounts (-want +got) %v:\n%s", err, diff)
	}
	if stored, err := in.Receive(ctx, state.Delivery{PayloadID: "b", Kind: state.InboxSignal, Body: []byte(`{}`)}); err != nil || stored {
		t.Errorf("a processed delivery received again: stored %v, %v; want not stored", stored, err)
	}
}

// testForgetSettles applies an opt-out by its Lusha person id alone: the person's
// keys, records and ledger rows found through that id are erased, the delivery is
// settled in the same transaction, and applying it again is refused unapplied.
func testForgetSettles(t *testing.T, s state.Store, _ *Clock) {
	ctx := t.Context()
	in := inboxOf(t, s)
	if _, err := in.Receive(ctx, state.Delivery{PayloadID: "opt-1", Kind: state.InboxOptOut, Body: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	ds, err := in.Unprocessed(ctx, 1)
	if err != nil || len(ds) != 1 {
		t.Fatalf("Unprocessed = %v, %v", ds, err)
	}
	if err := s.SaveEnrichments(ctx, state.Spend{Pipeline: "p", Call: "c", Credits: 1}, []state.Enrichment{
		{Key: "email-1", Outcome: state.OutcomeMatched, LushaID: "L1", Answer: []byte(`{}`), FetchedAt: Epoch,
			ExpiresAt: Epoch.Add(time.Hour)}}); err != nil {
		t.Fatal(err)
	}
	if err := s.CommitPage(ctx, state.PageCommit{Pipeline: "p", Account: "a",
		Records: []state.RecordState{{CRMID: "1", Status: state.StatusDone, IdentityKey: "email-1", UpdatedAt: Epoch},
			{CRMID: "7", Status: state.StatusDone, IdentityKey: "", UpdatedAt: Epoch}},
		Ledger: []state.LedgerEntry{{RunID: "r", CRMObject: "contacts", CRMID: "7", Field: "title", NewValue: "CTO",
			LushaID: "L1", WrittenAt: Epoch}}}); err != nil {
		t.Fatal(err)
	}
	f := state.Forget{LushaIDs: []string{"L1"}, Settles: ds[0].Seq, At: Epoch}
	if pr, ok := s.(interface {
		PersonRecords(context.Context, state.Forget) ([]state.PersonRecord, error)
	}); ok {
		got, err := pr.PersonRecords(ctx, f)
		want := []state.PersonRecord{{Account: "a", Object: "contacts", CRMID: "7", Owned: map[string]string{"title": "CTO"}},
			{Account: "a", Pipeline: "p", CRMID: "1"}, {Account: "a", Pipeline: "p", CRMID: "7"}}
		if diff := cmp.Diff(want, got); err != nil || diff != "" {
			t.Errorf("PersonRecords (-want +got) %v:\n%s", err, diff)
		}
	}
	rep, err := s.ForgetPerson(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	if want := (state.ForgetReport{Suppressed: 2, Answers: 1, Records: 2, LedgerRows: 1}); rep != want {
		t.Errorf("ForgetPerson = %+v; want %+v", rep, want)
	}
	for _, key := range []string{"email-1", state.LushaKey("L1")} {
		if sup, err := s.Suppressed(ctx, key); err != nil || !sup {
			t.Errorf("Suppressed(%s) = %v, %v; want true", key, sup, err)
		}
	}
	if _, err := s.ForgetPerson(ctx, f); !errors.Is(err, state.ErrSettled) {
		t.Errorf("the same opt-out applied again: %v; want ErrSettled", err)
	}
	if counts, err := in.InboxCounts(ctx); err != nil || counts[state.InboxApplied] != 1 {
		t.Errorf("InboxCounts = %v, %v; want one applied", counts, err)
	}
}

// testSignalLedger stores a signal's ledger row: it keeps the signal id, and
// SignalWritten finds the record by the signal and its pipeline only;
// EntityRecords finds the records whose identity a Lusha id was cached under.
func testSignalLedger(t *testing.T, s state.Store, _ *Clock) {
	ctx := t.Context()
	row := state.LedgerEntry{RunID: "signal:sig-1", CRMObject: "contacts", CRMID: "7", Field: "job_changed_on",
		NewValue: "2026-11-24", SourcePath: "signal.signalDate", LushaID: "L1", SignalID: "sig-1", WrittenAt: Epoch}
	if err := s.CommitPage(ctx, state.PageCommit{Pipeline: "p", Account: "a", Ledger: []state.LedgerEntry{row},
		Records: []state.RecordState{{CRMID: "7", Status: state.StatusDone, UpdatedAt: Epoch}}}); err != nil {
		t.Fatal(err)
	}
	insp, ok := s.(state.Inspector)
	if !ok {
		t.Fatalf("%T is no state.Inspector", s)
	}
	got, err := insp.Ledger(ctx, "signal:sig-1", 10)
	row.Pipeline, row.Account = "p", "a"
	if diff := cmp.Diff([]state.LedgerEntry{row}, got); err != nil || diff != "" {
		t.Errorf("Ledger (-want +got) %v:\n%s", err, diff)
	}
	sw, ok := s.(interface {
		SignalWritten(ctx context.Context, pipeline, signalID string, crmIDs []string) ([]string, error)
	})
	if !ok {
		t.Fatalf("%T has no SignalWritten", s)
	}
	for _, c := range []struct {
		pipeline, signal string
		want             []string
	}{{"p", "sig-1", []string{"7"}}, {"p", "sig-2", nil}, {"q", "sig-1", nil}} {
		got, err := sw.SignalWritten(ctx, c.pipeline, c.signal, []string{"1", "7", "9"})
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("SignalWritten(%s, %s) = %v, %v; want %v", c.pipeline, c.signal, got, err, c.want)
		}
	}
	if err := s.SaveEnrichments(ctx, state.Spend{Pipeline: "companies", Call: "c", Credits: 1}, []state.Enrichment{
		{Key: "domain-key", Outcome: state.OutcomeMatched, LushaID: "C9", FetchedAt: Epoch, ExpiresAt: Epoch.Add(time.Hour)},
		{Key: "company:C9", Outcome: state.OutcomeMatched, LushaID: "C9", Answer: []byte(`{}`), FetchedAt: Epoch,
			ExpiresAt: Epoch.Add(time.Hour)}}); err != nil {
		t.Fatal(err)
	}
	for _, pipe := range []string{"companies", "other"} {
		if err := s.CommitPage(ctx, state.PageCommit{Pipeline: pipe, Account: "a", Records: []state.RecordState{
			{CRMID: "9", Status: state.StatusDone, IdentityKey: "domain-key", UpdatedAt: Epoch},
			{CRMID: "10", Status: state.StatusDone, IdentityKey: "else", UpdatedAt: Epoch}}}); err != nil {
			t.Fatal(err)
		}
	}
	er, ok := s.(interface {
		EntityRecords(ctx context.Context, lushaID string) ([]state.PersonRecord, error)
	})
	if !ok {
		t.Fatalf("%T has no EntityRecords", s)
	}
	recs, err := er.EntityRecords(ctx, "C9")
	want := []state.PersonRecord{{Account: "a", Pipeline: "companies", CRMID: "9"}, {Account: "a", Pipeline: "other", CRMID: "9"}}
	if diff := cmp.Diff(want, recs); err != nil || diff != "" {
		t.Errorf("EntityRecords (-want +got) %v:\n%s", err, diff)
	}
}
