// Package statetest is the conformance suite of state.Store: every backend (SQLite
// today, a server database later) runs RunStoreTests against a fresh store.
package statetest

import (
	"sync"
	"testing"
	"time"

	"github.com/leadsync/leadsync/state"
)

// Epoch is the time the suite's clock starts at.
var Epoch = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// Clock is a manual clock. The suite moves it; the store under test must read the
// current time from Now (lease expiry and defaulted timestamps depend on it).
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock set to Epoch.
func NewClock() *Clock { return &Clock{now: Epoch} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Opener returns a new, empty store that reads the time from now, and arranges
// (t.Cleanup) for it to be closed.
type Opener func(t *testing.T, now func() time.Time) state.Store

// RunStoreTests runs the whole conformance suite, each test against a new store.
func RunStoreTests(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s state.Store, c *Clock)
	}{
		{"Runs", testRuns},
		{"FinishUnknownRun", testFinishUnknownRun},
		{"Cursor", testCursor},
		{"Lease", testLease},
		{"LeaseGenerations", testLeaseGenerations},
		{"LeaseHeldError", testLeaseHeldError},
		{"Renew", testRenew},
		{"FencedCommit", testFencedCommit},
		{"Accounts", testAccounts},
		{"AssignAccount", testAssignAccount},
		{"UnknownStatus", testUnknownStatus},
		{"SeenDigest", testSeenDigest},
		{"IdentityClaims", testIdentityClaims},
		{"MergeRecords", testMergeRecords},
		{"Records", testRecords},
		{"RecordsManyIDs", testRecordsManyIDs},
		{"CommitPageAtomic", testCommitPageAtomic},
		{"DropRecords", testDropRecords},
		{"Owned", testOwned},
		{"Enrichment", testEnrichment},
		{"CreditsSpent", testCreditsSpent},
		{"Suppress", testSuppress},
		{"Forget", testForget},
		{"ForgetPerson", testForgetPerson},
		{"Inbox", testInbox},
		{"ForgetSettles", testForgetSettles},
		{"SignalLedger", testSignalLedger},
		{"RefreshDue", testRefreshDue},
		{"PurgeExpired", testPurgeExpired},
		{"ConcurrentWriters", testConcurrentWriters},
		{"BatchLookups", testBatchLookups},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewClock()
			tt.fn(t, open(t, c.Now), c)
		})
	}
}

// ms is how the store keeps times: UTC, millisecond precision.
func ms(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }
