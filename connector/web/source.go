package web

import (
	"context"
	"errors"
	"time"

	"github.com/leadsync/leadsync/state"
)

// ErrNotFound is returned (wrapped) by a Source for a run that does not exist; the
// page answers 404. state.ErrNoRun is treated the same.
var ErrNotFound = errors.New("web: not found")

// Source supplies what the pages show. The daemon implements it over the state
// store and the live engine (schedule, breakers, reload status). Methods are called
// once per page view, concurrently from several requests.
type Source interface {
	// Overview returns the state of every configured pipeline, in config order.
	Overview(ctx context.Context) (Overview, error)
	// Runs returns the runs (of every pipeline) started at or after since, newest
	// first; the page draws its chart and its recent-runs table from them.
	Runs(ctx context.Context, since time.Time) ([]state.Run, error)
	// Run returns one run and up to maxChanges of its ledger rows, oldest first.
	Run(ctx context.Context, id string, maxChanges int) (RunView, error)
	// Parked returns up to limit parked records of pipeline ("" for every
	// pipeline), the next due first.
	Parked(ctx context.Context, pipeline string, limit int) ([]state.RecordState, error)
}

// Overview is the daemon's state as a whole.
type Overview struct {
	Pipelines []PipelineView
	// Credits is the shared Lusha budget for today, across pipelines.
	Credits CreditsView
	// Reload is the outcome of the last configuration reload.
	Reload ReloadView
	// CreditsByDay is the credit spend per UTC day, of every pipeline, over the
	// last CreditDays days, oldest first; days without spend may be absent.
	CreditsByDay []state.DayCredits
	// Cluster is the cluster of replicas on one PostgreSQL; nil on a SQLite file.
	Cluster *ClusterView
	// Subscriptions are the Lusha signal subscriptions; nil when no pipeline
	// subscribes to signals, or outside the daemon.
	Subscriptions *SubscriptionsView
}

// SubscriptionsView is what the daemon's signal subscriptions' manager last found.
type SubscriptionsView struct {
	Managed bool // false: another replica manages them (or the first pass is to come)
	Checked time.Time
	Error   string
	Account int // the account's subscriptions, leadsync's or not
	Max     int // 0: Lusha's limit only
	Full    bool
	Wanted  int
	Active  int
	// Disabled were turned off by Lusha after failed deliveries (blockReason);
	// Blocked lists the first of them.
	Disabled int
	Missing  int // wanted, not subscribed: the account is full, or another subscription watches them
	Blocked  []BlockedView
}

// BlockedView is a subscription Lusha disabled.
type BlockedView struct {
	ID, EntityType, EntityID, Reason string
	Since                            time.Time
}

// ClusterView is who leads a cluster of replicas and who ran its latest ticks.
type ClusterView struct {
	Replica string // the replica serving the page; "" outside a daemon
	Leader  string // "" while none is elected
	Ticks   []TickView
}

// TickView is one pipeline tick (a River job) and the replica that worked it.
type TickView struct {
	Pipeline    string
	State       string // River's: available, running, completed, retryable, ...
	Replica     string // "" before any attempt
	Attempt     int
	ScheduledAt time.Time
	FinalizedAt time.Time // zero until it ends
	Error       string    // the last attempt's error, if any
}

// ClusterTicks is how many of the latest ticks the page lists.
const ClusterTicks = 12

// CreditDays is how many days, today included, the credits-per-day chart covers.
const CreditDays = 30

// FillWindow is how far back a pipeline's runs count towards its fill rates.
const FillWindow = 30 * 24 * time.Hour

// CreditsView is credit spend today against the configured caps (0: no cap).
type CreditsView struct {
	SpentToday int
	PerDay     int
	PerRun     int
}

// ReloadView is the outcome of the last configuration reload (SIGHUP).
type ReloadView struct {
	Failed bool      // the last reload failed: the previous configuration still runs
	Error  string    // why it failed; shown to the operator, so it must not hold secrets
	At     time.Time // when it was attempted; zero if never
}

// PipelineView is one row of the status page.
type PipelineView struct {
	Name     string
	CRM      string // CRM account name from the config
	Object   string // CRM object, e.g. contacts
	Schedule string
	LastRun  *state.Run // nil before the first run
	NextRun  time.Time  // zero when not scheduled
	Running  bool       // a run is in progress now
	// Stopped says why the pipeline no longer runs (e.g. the auth class); "" while it runs.
	Stopped string
	// CursorLag is how far the stored cursor trails the present; meaningful only
	// when HasCursor.
	CursorLag time.Duration
	HasCursor bool
	// Queued counts records the cursor has not passed yet (status pending);
	// ParkedByClass the records waiting in the retry queue, by error class.
	Queued        int
	ParkedByClass map[string]int
	CreditsToday  int // spent by this pipeline today
	// Breakers are the breakers of the accounts the pipeline uses: Lusha and its
	// CRM account.
	Breakers []BreakerView
	// FieldActions sums the mapping's decisions per field (write, keep_filled,
	// no_value…) over the pipeline's runs of the last FillWindow, dry runs left
	// out; the pipeline's page draws its fill rates from them.
	FieldActions state.FieldActions
	// RefreshAfter is the pipeline's refresh_after (0: no refresh); the refreshes
	// of every pipeline spent RefreshCreditsToday of their day's share today.
	RefreshAfter                             time.Duration
	RefreshCreditsToday, RefreshCreditsShare int
}

// BreakerView is one circuit breaker the pipeline depends on (Lusha, its CRM).
type BreakerView struct {
	Name  string
	State string // closed, half-open or open, as gobreaker prints it
}

// RunView is one run with the field-level changes it wrote.
type RunView struct {
	Run     state.Run
	Changes []state.LedgerEntry // up to the requested maximum, oldest first
}
