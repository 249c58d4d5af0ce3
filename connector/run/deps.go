package run

import (
	"context"
	"time"

	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/lusha"
	"github.com/leadsync/leadsync/state"
)

// Store is what a run reads and writes in the state store.
type Store interface {
	StartRun(ctx context.Context, r state.Run) error
	FinishRun(ctx context.Context, r state.Run) error
	AbandonRuns(ctx context.Context, pipeline string, before time.Time, reason string) (int, error)
	Cursor(ctx context.Context, pipeline string) (string, error)
	AssignAccount(ctx context.Context, pipeline, account string) (int, error)

	RecordsOf(ctx context.Context, pipeline, account string, crmIDs []string) (map[string]state.RecordState, error)
	OwnedBy(ctx context.Context, account, crmObject string, crmIDs []string) (map[string]map[string]string, error)
	SuppressedMany(ctx context.Context, keys []string) (map[string]bool, error)
	Enrichments(ctx context.Context, keys []string, now time.Time) (map[string]*state.Enrichment, error)
	SaveEnrichments(ctx context.Context, spend state.Spend, es []state.Enrichment) error
	Suppress(ctx context.Context, key, reason string, at time.Time) error
	AnyPersonForgotten(ctx context.Context) (bool, error)
	CommitPage(ctx context.Context, c state.PageCommit) error

	PendingWritesOf(ctx context.Context, pipeline, account string) ([]state.LedgerEntry, error)
	DueOf(ctx context.Context, pipeline, account string, now time.Time, limit int) ([]state.RecordState, error)
	MergeRecords(ctx context.Context, account, crmObject, survivor string, merged []string) error
	PurgeExpired(ctx context.Context, now time.Time) (int, error)
	RefreshDue(ctx context.Context, pipeline, account string, before time.Time, limit int) ([]state.Due, error)
	CreditsSpentOn(ctx context.Context, suffix string, since time.Time) (int, error)

	Acquire(ctx context.Context, pipeline, owner string, ttl time.Duration) (state.Lease, error)
	Renew(ctx context.Context, f state.Fence, ttl time.Duration) (state.Lease, error)
	BreakLease(ctx context.Context, pipeline, owner string) error
	ReleaseLease(ctx context.Context, pipeline, owner string) error
}

// Lusha is the shared Lusha account as a run uses it: calls go through the account's
// limiter, breaker and retries; credits through its one budget; purchases of one
// identity through its single flight.
type Lusha interface {
	SearchContacts(ctx context.Context, req lusha.ContactsSearchRequest) (*lusha.ContactsSearchResponse, error)
	SearchAndEnrichContacts(ctx context.Context, req lusha.ContactsSearchAndEnrichRequest) (*lusha.ContactsSearchAndEnrichResponse, error)
	EnrichContacts(ctx context.Context, req lusha.ContactsEnrichRequest) (*lusha.ContactsEnrichResponse, error)
	EnrichCompanies(ctx context.Context, req lusha.CompaniesEnrichRequest) (*lusha.CompaniesEnrichResponse, error)
	SearchCompanies(ctx context.Context, req lusha.CompaniesSearchRequest) (*lusha.CompaniesSearchResponse, error)
	SearchAndEnrichCompanies(ctx context.Context, req lusha.CompaniesSearchAndEnrichRequest) (*lusha.CompaniesSearchAndEnrichResponse, error)
	// ContactsJob polls a Data Waterfall job of a contact enrich (free).
	ContactsJob(ctx context.Context, jobID string) (*lusha.ContactsJob, error)
	// Reserve books up to want credits within the budgets, given what this run spent;
	// release is called once the spend is persisted.
	Reserve(ctx context.Context, runSpent, want int, now time.Time) (granted int, release func(), err error)
	// CreditsLeft is the account's balance, or -1 when unknown.
	CreditsLeft(ctx context.Context) int64
	// Pricing is the account's price list as its usage answers gave it, nil when
	// unknown. It makes no call.
	Pricing() lusha.Pricing
	// Claim takes the identity keys no other pipeline or process is buying; the
	// others are bought elsewhere and waited for with Wait.
	Claim(ctx context.Context, keys []string) (Claim, error)
	Wait(ctx context.Context, keys []string) error
}

// Claim is a set of identity keys a run is buying. Release ends their flights once
// the answers are persisted (or the purchase failed), so that waiters look again.
type Claim interface {
	Mine() []string
	Others() []string
	Release(keys ...string)
	// Context is the context to buy and persist in: not cancelled with ctx (credits
	// are spent once a request is sent), but ended before the claim expires.
	Context(ctx context.Context) (context.Context, context.CancelFunc)
}

// CRM is a CRM account's adapter as a run uses it: behind its breaker and pacing, and
// able to read records by id (the retry queue and the read-back of unknown writes).
type CRM = crm.Adapter
