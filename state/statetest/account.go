package statetest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/leadsync/leadsync/state"
)

// accountPage writes, for CRM id 1 of one account, a record, an owned value, a
// pending write and a due retry, each telling the account apart.
func accountPage(account string) state.PageCommit {
	return state.PageCommit{Pipeline: "p", Account: account,
		Records: []state.RecordState{
			{CRMID: "1", Status: state.StatusDone, Reason: "in " + account, UpdatedAt: Epoch},
			{CRMID: "2", Status: state.StatusParked, NextAttempt: Epoch, UpdatedAt: Epoch},
		},
		Ledger: []state.LedgerEntry{
			{RunID: "r", CRMObject: "contacts", CRMID: "1", Field: "title", NewValue: "CTO of " + account, WrittenAt: Epoch},
			{RunID: "r", CRMObject: "contacts", CRMID: "2", Field: "title", NewValue: "sent in " + account,
				WrittenAt: Epoch, Pending: true},
		}}
}

// testAccounts commits colliding CRM ids in two CRM accounts of one pipeline and
// checks that no read crosses from one account to the other, and that the
// deprecated reads see only the account "".
func testAccounts(t *testing.T, s state.Store, _ *Clock) {
	ctx := t.Context()
	for _, account := range []string{"portal-a", "portal-b", ""} {
		if err := s.CommitPage(ctx, accountPage(account)); err != nil {
			t.Fatalf("CommitPage(%q): %v", account, err)
		}
	}
	in, _ := s.(state.Inspector)
	for _, account := range []string{"portal-a", "portal-b", "", "portal-c"} {
		var want accountView
		if account != "portal-c" {
			want = accountView{Reason: "in " + account, Account: account,
				Owned: map[string]map[string]string{"1": {"title": "CTO of " + account}},
				Due:   []string{"2"}, Pending: []string{"sent in " + account}}
		}
		if diff := cmp.Diff(want, viewAccount(t, s, in, account), equate); diff != "" {
			t.Errorf("account %q (-want +got):\n%s", account, diff)
		}
	}
	old, err := s.Records(ctx, "p", []string{"1"})
	if err != nil || old["1"].Reason != "in " {
		t.Errorf(`Records = %v, %v; want the account "" only`, old, err)
	}
	if owned, err := s.Owned(ctx, "contacts", "1"); err != nil || owned["title"] != "CTO of " {
		t.Errorf(`Owned = %v, %v; want the account "" only`, owned, err)
	}
	mixed := accountPage("portal-a")
	mixed.Records[1].Account = "portal-b"
	if err := s.CommitPage(ctx, mixed); err == nil {
		t.Error("a commit of portal-a accepted a record of portal-b")
	}
}

// accountView is what the store shows of CRM ids 1 and 2 in one account.
type accountView struct {
	Reason, Account string // of record 1
	Owned           map[string]map[string]string
	Due             []string // CRM ids
	Pending         []string // new values
}

func viewAccount(t *testing.T, s state.Store, in state.Inspector, account string) accountView {
	t.Helper()
	ctx := t.Context()
	var v accountView
	recs, err := s.RecordsOf(ctx, "p", account, []string{"1", "3"})
	if err != nil {
		t.Fatal(err)
	}
	v.Reason, v.Account = recs["1"].Reason, recs["1"].Account
	if v.Owned, err = s.OwnedBy(ctx, account, "contacts", []string{"1", "2"}); err != nil {
		t.Fatal(err)
	}
	delete(v.Owned, "2") // the pending row is the last value sent: not asserted here
	if in == nil {
		return v
	}
	due, err := in.DueOf(ctx, "p", account, Epoch, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range due {
		v.Due = append(v.Due, r.CRMID)
	}
	pending, err := in.PendingWritesOf(ctx, "p", account)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range pending {
		if e.Account != account {
			t.Errorf("PendingWritesOf(%q) returned a row of account %q", account, e.Account)
		}
		v.Pending = append(v.Pending, e.NewValue)
	}
	return v
}

// testAssignAccount gives the rows an old caller wrote without an account the
// account, in records and ledger, once.
func testAssignAccount(t *testing.T, s state.Store, _ *Clock) {
	ctx := t.Context()
	legacy := accountPage("")
	other := accountPage("")
	other.Pipeline = "q"
	newer := state.PageCommit{Pipeline: "p", Account: "acct",
		Records: []state.RecordState{{CRMID: "2", Status: state.StatusDone, Reason: "newer", UpdatedAt: Epoch}}}
	for _, pc := range []state.PageCommit{legacy, other, newer} {
		if err := s.CommitPage(ctx, pc); err != nil {
			t.Fatal(err)
		}
	}
	// Record 1 and both ledger rows get the account; record 2 keeps the newer row.
	for i, want := range []int{3, 0} {
		if n, err := s.AssignAccount(ctx, "p", "acct"); err != nil || n != want {
			t.Errorf("AssignAccount #%d = %d, %v; want %d", i+1, n, err, want)
		}
	}
	got, err := s.RecordsOf(ctx, "p", "acct", []string{"1", "2"})
	if err != nil || got["1"].Reason != "in " || got["1"].Account != "acct" || got["2"].Reason != "newer" {
		t.Errorf("RecordsOf(acct) = %+v, %v; want record 1 moved, record 2 the newer row", got, err)
	}
	if left, err := s.RecordsOf(ctx, "p", "", []string{"1", "2"}); err != nil || len(left) != 0 {
		t.Errorf(`RecordsOf("") = %v, %v; want none left`, left, err)
	}
	owned, err := s.OwnedBy(ctx, "acct", "contacts", []string{"1"})
	if err != nil || owned["1"]["title"] != "CTO of " {
		t.Errorf("OwnedBy(acct) = %v, %v; want the legacy value", owned, err)
	}
	if q, err := s.RecordsOf(ctx, "q", "", []string{"1", "2"}); err != nil || len(q) != 2 {
		t.Errorf("pipeline q = %v, %v; want untouched", q, err)
	}
	if _, err := s.AssignAccount(ctx, "p", ""); err == nil {
		t.Error(`AssignAccount to "" succeeded`)
	}
}

// testUnknownStatus checks the one transition the store guards: a record stored
// as unknown changes only in a recovery commit, and keeps its pending ledger rows
// as long as it stays unknown, whatever the commit settles.
func testUnknownStatus(t *testing.T, s state.Store, _ *Clock) {
	ctx := t.Context()
	const none = ""
	tests := []struct {
		stored, commit string
		recover        bool
		want           string
		wantKept       bool // the pending rows stay
	}{
		{state.StatusDone, state.StatusDone, false, state.StatusDone, false},
		{state.StatusPending, state.StatusUnknown, false, state.StatusUnknown, true},
		{none, state.StatusUnknown, false, state.StatusUnknown, true},
		{state.StatusUnknown, state.StatusDone, false, state.StatusUnknown, true},
		{state.StatusUnknown, state.StatusParked, false, state.StatusUnknown, true},
		{state.StatusUnknown, state.StatusPending, false, state.StatusUnknown, true},
		{state.StatusUnknown, state.StatusUnknown, false, state.StatusUnknown, true},
		{state.StatusUnknown, state.StatusDone, true, state.StatusDone, false},
		{state.StatusUnknown, state.StatusPending, true, state.StatusPending, false},
		{state.StatusUnknown, state.StatusUnknown, true, state.StatusUnknown, true},
		{state.StatusParked, state.StatusDone, true, state.StatusDone, false},
	}
	in, _ := s.(state.Inspector)
	for i, tt := range tests {
		id := string(rune('a' + i))
		name := tt.stored + " → " + tt.commit
		if tt.stored == none {
			name = "new → " + tt.commit
		}
		setup := state.PageCommit{Pipeline: "p", Ledger: []state.LedgerEntry{{RunID: "r", CRMObject: "contacts",
			CRMID: id, Field: "title", NewValue: "sent", WrittenAt: Epoch, Pending: true}}}
		if tt.stored != none {
			setup.Records = []state.RecordState{{CRMID: id, Status: tt.stored, Reason: "stored"}}
		}
		if err := s.CommitPage(ctx, setup); err != nil {
			t.Fatalf("%s: setup: %v", name, err)
		}
		commit := state.PageCommit{Pipeline: "p", Recover: tt.recover, Settle: []string{id},
			Records: []state.RecordState{{CRMID: id, Status: tt.commit, Reason: "committed"}}}
		if err := s.CommitPage(ctx, commit); err != nil {
			t.Fatalf("%s: commit: %v", name, err)
		}
		got, err := s.RecordsOf(ctx, "p", "", []string{id})
		if err != nil {
			t.Fatal(err)
		}
		if got[id].Status != tt.want {
			t.Errorf("%s (recover %v): status %q, want %q", name, tt.recover, got[id].Status, tt.want)
		}
		if guarded := tt.stored == state.StatusUnknown && !tt.recover; guarded && got[id].Reason != "stored" {
			t.Errorf("%s: the guarded record changed: %+v", name, got[id])
		}
		if in == nil {
			continue
		}
		pending, err := in.PendingWritesOf(ctx, "p", "")
		if err != nil {
			t.Fatal(err)
		}
		kept := false
		for _, e := range pending {
			kept = kept || e.CRMID == id
		}
		if kept != tt.wantKept {
			t.Errorf("%s (recover %v): pending rows kept = %v, want %v", name, tt.recover, kept, tt.wantKept)
		}
	}
}

// testSeenDigest stores a record's digest beside its modification time.
func testSeenDigest(t *testing.T, s state.Store, _ *Clock) {
	ctx := t.Context()
	seen := Epoch.Add(-time.Second)
	for _, digest := range []string{"sha256:1f2e", "sha256:99aa", ""} {
		r := state.RecordState{CRMID: "1", Account: "org", Status: state.StatusDone,
			SeenModifiedAt: seen, SeenDigest: digest, UpdatedAt: Epoch}
		if err := s.CommitPage(ctx, state.PageCommit{Pipeline: "p", Account: "org", Records: []state.RecordState{r}}); err != nil {
			t.Fatal(err)
		}
		r.Pipeline = "p"
		got, err := s.RecordsOf(ctx, "p", "org", []string{"1"})
		if diff := cmp.Diff(map[string]state.RecordState{"1": r}, got); err != nil || diff != "" {
			t.Errorf("digest %q (-want +got):\n%s (error %v)", digest, diff, err)
		}
	}
}
