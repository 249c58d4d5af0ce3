// Package state records leadsync's sync state: runs, cursors, leases, per-record
// outcomes, cached Lusha answers, suppressions, credit spend and the write ledger.
//
// Store is the interface the connector uses; Open returns the SQLite implementation
// (one file), OpenPostgres the PostgreSQL one (replicas sharing a database).
package state

import (
	"context"
	"time"
)

// Store is leadsync's persistent state. All methods are safe for concurrent use.
// Times are stored as UTC with millisecond precision.
type Store interface {
	// Runs.
	StartRun(ctx context.Context, r Run) error
	FinishRun(ctx context.Context, r Run) error // updates the row with r.RunID
	Runs(ctx context.Context, pipeline string, limit int) ([]Run, error)

	// Cursor of a pipeline; "" when none was stored.
	Cursor(ctx context.Context, pipeline string) (string, error)

	// Leases keep a second process off a pipeline. Acquire takes the lease when it
	// is free, released or expired (the next generation) or renews it for its
	// owner (the same generation); otherwise a *LeaseHeldError (ErrLeaseHeld).
	Acquire(ctx context.Context, pipeline, owner string, ttl time.Duration) (Lease, error)
	// Renew extends the lease while it still has f's owner and generation, else
	// ErrLeaseLost.
	Renew(ctx context.Context, f Fence, ttl time.Duration) (Lease, error)
	// BreakLease releases owner's lease, live or not, once owner is known dead.
	BreakLease(ctx context.Context, pipeline, owner string) error
	// Deprecated: use Acquire.
	AcquireLease(ctx context.Context, pipeline, owner string, ttl time.Duration) error
	ReleaseLease(ctx context.Context, pipeline, owner string) error

	// RecordsOf: the last outcome per (pipeline, CRM account, CRM id).
	RecordsOf(ctx context.Context, pipeline, account string, crmIDs []string) (map[string]RecordState, error)
	// OwnedBy returns, per CRM id and field, the value leadsync last wrote to the
	// record and that the ledger proves (for overwrite_if_owned), within one CRM
	// account: a value written in another account proves nothing.
	OwnedBy(ctx context.Context, account, crmObject string, crmIDs []string) (map[string]map[string]string, error)
	// AssignAccount gives the rows of pipeline without a CRM account the account.
	AssignAccount(ctx context.Context, pipeline, account string) (int, error)
	// MergeRecords moves the ledger rows and record states kept under merged CRM
	// ids of one account onto the survivor that the CRM merged them into.
	MergeRecords(ctx context.Context, account, crmObject, survivor string, merged []string) error
	// Deprecated: use RecordsOf.
	Records(ctx context.Context, pipeline string, crmIDs []string) (map[string]RecordState, error)
	// Deprecated: use OwnedBy.
	Owned(ctx context.Context, crmObject, crmID string) (map[string]string, error)

	// CommitPage stores in one transaction the outcome of a page: record states, ledger
	// rows and, when Cursor is non-nil, the pipeline's new cursor. With a non-zero
	// Fence it writes only while the fence holds the lease, else ErrLeaseLost.
	CommitPage(ctx context.Context, c PageCommit) error

	// Enrichments: cached Lusha answers keyed by identity hash. Enrichment returns
	// (nil, nil) when there is none or it expired at now.
	Enrichment(ctx context.Context, key string, now time.Time) (*Enrichment, error)
	// SaveEnrichments persists answers and the credits the call cost, in one
	// transaction, before the answers are used.
	SaveEnrichments(ctx context.Context, spend Spend, es []Enrichment) error
	// ClaimIdentities claims for owner, until now+ttl, each key that is free, expired
	// or already owner's, and returns those owner holds, in input order: single
	// flight across processes. SaveEnrichments deletes the claims of its keys.
	ClaimIdentities(ctx context.Context, owner string, keys []string, ttl time.Duration) (claimed []string, err error)
	// ReleaseClaims gives up owner's claims on keys.
	ReleaseClaims(ctx context.Context, owner string, keys []string) error
	// AnyPersonForgotten reports whether some Lusha person id is suppressed.
	AnyPersonForgotten(ctx context.Context) (bool, error)
	// ClaimHolders says who holds the unexpired claims on keys (keys not claimed are
	// absent), so that a waiter can tell a live buyer from a dead one.
	ClaimHolders(ctx context.Context, keys []string) (map[string]string, error)
	// CreditsSpent sums the credits spent since t (all pipelines when pipeline is "").
	CreditsSpent(ctx context.Context, pipeline string, since time.Time) (int, error)

	// Suppressions: identities never to ask Lusha about again (GDPR 451, opt-out).
	Suppressed(ctx context.Context, key string) (bool, error)
	Suppress(ctx context.Context, key, reason string, at time.Time) error

	// ForgetPerson erases what the store holds about one person, found from
	// identity keys and CRM ids through the Lusha person ids they lead to (cached
	// answers, record states, ledger values and Lusha ids), and suppresses every
	// identity key and Lusha person id of theirs.
	ForgetPerson(ctx context.Context, f Forget) (ForgetReport, error)
	// Deprecated: use ForgetPerson.
	Forget(ctx context.Context, key string, crmIDs []string, at time.Time) error
	// PurgeExpired deletes cached answers that expired before now.
	PurgeExpired(ctx context.Context, now time.Time) (int, error)

	// OAuth refresh tokens that a provider rotated.
	TokenStore

	Close() error
}

// Pruner bounds the state to the history it is told to keep (Retention) and
// gives the space back. Both backends implement it.
type Pruner interface {
	Prune(ctx context.Context, r Retention, now time.Time) (PruneReport, error)
}

// Inspector is what the status command, the status page and the retry queue read
// beyond Store. Both backends implement both.
type Inspector interface {
	Store
	BatchReader
	Run(ctx context.Context, runID string) (Run, error) // ErrNoRun when unknown
	Ledger(ctx context.Context, runID string, limit int) ([]LedgerEntry, error)
	Stats(ctx context.Context, pipeline string) (PipelineStats, error)
	// Parked lists parked records of a pipeline ("" for all), next due first.
	Parked(ctx context.Context, pipeline string, limit int) ([]RecordState, error)
	// DueOf lists parked or pending records of a pipeline's CRM account whose retry
	// time has come.
	DueOf(ctx context.Context, pipeline, account string, now time.Time, limit int) ([]RecordState, error)
	ReleaseParked(ctx context.Context, pipeline, class string, now time.Time) (int, error)
	// PendingWritesOf returns the pending ledger rows of a pipeline's CRM account:
	// writes sent and never seen answered (a crash, or an unknown outcome).
	PendingWritesOf(ctx context.Context, pipeline, account string) ([]LedgerEntry, error)
	// Deprecated: use DueOf.
	Due(ctx context.Context, pipeline string, now time.Time, limit int) ([]RecordState, error)
	// Deprecated: use PendingWritesOf.
	PendingWrites(ctx context.Context, pipeline string) ([]LedgerEntry, error)
	// AbandonRuns marks the pipeline's runs still "running" that started before a time
	// as failed: their process died. Call it while holding the pipeline's lease.
	AbandonRuns(ctx context.Context, pipeline string, before time.Time, reason string) (int, error)
	// FieldActionsOf sums the field actions of the pipeline's runs (not dry runs)
	// started at or after since, for the fill rates of the status page.
	FieldActionsOf(ctx context.Context, pipeline string, since time.Time) (FieldActions, error)
	// CreditsByDay sums the credits spent per UTC day from since's day on (all
	// pipelines when pipeline is ""), oldest first; days without spend are absent.
	CreditsByDay(ctx context.Context, pipeline string, since time.Time) ([]DayCredits, error)
	// RefreshDue lists the records of a pipeline due for a scheduled refresh.
	RefreshDue(ctx context.Context, pipeline, account string, before time.Time, limit int) ([]Due, error)
	// CreditsSpentOn sums the credits spent since on calls whose name ends in suffix.
	CreditsSpentOn(ctx context.Context, suffix string, since time.Time) (int, error)
}

// Run is one run of one pipeline and its summary.
type Run struct {
	RunID      string
	Pipeline   string
	DryRun     bool
	Status     string // "running", then ok|partial|failed|credits_exhausted|quota_exhausted|upstream_unavailable
	StartedAt  time.Time
	FinishedAt time.Time // zero while running
	Error      string
	// Runner is who ran it (a replica, the lease owner); StartRun stores it.
	Runner string
	Counts RunCounts
	// FieldActions are the mapping's decisions per field; FinishRun stores them,
	// Run and Runs leave them nil (FieldActionsOf sums them).
	FieldActions FieldActions
}

// RunCounts are the summary figures of a run (DESIGN §6).
type RunCounts struct {
	RecordsRead     int `json:"records_read"`
	RecordsEnriched int `json:"records_enriched"`
	RecordsWritten  int `json:"records_written"`
	RecordsSkipped  int `json:"records_skipped"`
	RecordsFailed   int `json:"records_failed"`
	FieldsWritten   int `json:"fields_written"`
	CreditsSpent    int `json:"credits_spent"`
}

// Record statuses.
const (
	StatusDone    = "done"    // written, or nothing to write
	StatusSkipped = "skipped" // skipped by rule (filter, no match, restricted)
	StatusParked  = "parked"  // failed; waits in the retry queue
	StatusPending = "pending" // not finished (deferred); the cursor has not passed it
	// StatusUnknown: a write was sent and its outcome is unknown (a timeout, a 5xx
	// after the CRM committed, a cancellation). The record keeps its pending ledger
	// rows, and only a commit with Recover (after a read-back) changes it.
	StatusUnknown = "unknown"
)

// RecordState is the last outcome for one CRM record in one pipeline.
type RecordState struct {
	Pipeline    string
	Account     string // CRM account; "" for rows from before accounts, or old callers
	CRMID       string
	Status      string
	Class       string // error class for parked/pending records
	Reason      string
	Attempts    int
	NextAttempt time.Time // zero: no retry scheduled
	// SeenModifiedAt is the record's modification time when leadsync last handled
	// it (after its own write, when the CRM reported it): a record read again with
	// the same time is an echo or a duplicate and is not planned again.
	SeenModifiedAt time.Time
	// SeenDigest is a digest of the record's read fields that goes with
	// SeenModifiedAt: CRM stamps of one second (Salesforce) cannot tell a human
	// change in the same second as leadsync's write from its echo; the digest can.
	SeenDigest  string
	IdentityKey string
	UpdatedAt   time.Time
}

// LedgerEntry is one field value that leadsync wrote (I6).
type LedgerEntry struct {
	RunID      string
	Pipeline   string
	Account    string // CRM account; "" as in RecordState
	CRMObject  string
	CRMID      string
	Field      string
	OldValue   string
	NewValue   string
	SourcePath string // mapping source, e.g. contact.jobTitle.title
	LushaID    string
	WrittenAt  time.Time
	// Pending marks a write sent but not yet answered (write-ahead); a commit's
	// Settle replaces such rows with what was written.
	Pending bool
	// SignalID is the payload id of the Lusha signal whose action wrote the value;
	// "" for a run's writes.
	SignalID string
}

// PageCommit is the outcome of one page, stored atomically.
type PageCommit struct {
	Pipeline string
	// Account is the CRM account of the page's records and ledger rows; a row's
	// own empty Pipeline or Account means the commit's, another one is an error.
	Account string
	Records []RecordState
	Ledger  []LedgerEntry
	// Settle lists CRM ids whose pending ledger rows are removed before Ledger is
	// inserted. The pending rows of a record left 'unknown' after this commit are
	// kept (skipped, not an error): only a read-back may settle that write.
	Settle []string
	// Drop lists CRM ids whose record state is deleted: the CRM no longer has the
	// record (deleted, merged away, purged). A record stored as 'unknown' is kept,
	// like Settle keeps its rows, until a read-back settles it. Ledger rows stay:
	// they are provenance, pruned by the history settings.
	Drop []string
	// Recover says the commit settles recovery (a read-back of writes whose outcome
	// was unknown): only such a commit may change a record stored as 'unknown'. In
	// any other commit, the records stored as 'unknown' keep their stored state.
	Recover bool
	Cursor  *string // nil: leave the cursor where it is
	// Fence, unless zero, must still hold the pipeline's lease when the commit's
	// transaction runs, or nothing is written (ErrLeaseLost).
	Fence Fence
}

// Enrichment outcomes.
const (
	OutcomeMatched    = "matched"
	OutcomeNoMatch    = "no_match"
	OutcomeRestricted = "restricted"
)

// Enrichment is a cached Lusha answer for one identity (or one company domain).
type Enrichment struct {
	Key       string // identity hash, or "company:" + domain
	Outcome   string
	LushaID   string
	Answer    []byte   // JSON document the mapping reads; nil unless matched
	Revealed  []string // data points bought: emails, phones
	Credits   int      // credits this answer cost
	FetchedAt time.Time
	ExpiresAt time.Time
}

// Spend is credits paid for one Lusha call.
type Spend struct {
	Pipeline string
	RunID    string
	Call     string // e.g. contacts/search
	Credits  int
	At       time.Time
}
