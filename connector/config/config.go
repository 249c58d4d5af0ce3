package config

import (
	"path/filepath"
	"time"

	yamlv3 "go.yaml.in/yaml/v3"
)

// Config is leadsync's whole configuration (DESIGN §5).
type Config struct {
	State         State         `koanf:"state"`
	History       History       `koanf:"history"`
	HTTP          HTTP          `koanf:"http"`
	Log           Log           `koanf:"log"`
	ShutdownGrace time.Duration `koanf:"shutdown_grace"`
	Retry         Retry         `koanf:"retry"`
	// LeaseTTL is how long a pipeline's lease outlives a process that stopped
	// renewing it (a crash); a live run renews it every third of it.
	LeaseTTL time.Duration `koanf:"lease_ttl"`
	// RunOnStart runs every pipeline once when the daemon starts, then on its
	// schedule; a pipeline's own run_on_start overrides it. On by default.
	RunOnStart bool           `koanf:"run_on_start"`
	Lusha      Lusha          `koanf:"lusha"`
	CRMs       map[string]CRM `koanf:"crms"`
	Pipelines  []Pipeline     `koanf:"pipelines"`

	// path is the file the config came from; relative paths in it resolve against its directory.
	path string
	// doc is the file's YAML tree: it places a problem found after loading at its line.
	doc *yamlv3.Node
}

// Retry shapes the backoff of retried calls (rate limits without a server hint,
// outages): full jitter from Base, doubling, capped at Max.
type Retry struct {
	Base time.Duration `koanf:"base"`
	Max  time.Duration `koanf:"max"`
}

// History bounds what the state file keeps (README "Backups and history"): runs
// and their per-run rows for KeepRuns, every ledger row for KeepLedger and, after
// that, the latest settled row of each record's field (what overwrite_if_owned
// reads) and pending writes.
type History struct {
	KeepRuns   time.Duration `koanf:"keep_runs"`
	KeepLedger time.Duration `koanf:"keep_ledger"`
	// DeletedEvery spaces each pipeline's reads of its CRM's deletion feed, which
	// drop the state of deleted records: HubSpot's is a walk of the whole recycle
	// bin, 100 records a call.
	DeletedEvery time.Duration `koanf:"deleted_every"`
}

type HTTP struct {
	Listen string `koanf:"listen"`
}

type Log struct {
	Level  string `koanf:"level"`  // debug, info, warn, error
	Format string `koanf:"format"` // auto, text, json
}

type Lusha struct {
	APIKey      SecretRef     `koanf:"api_key"`
	BaseURL     string        `koanf:"base_url"`
	Timeout     time.Duration `koanf:"timeout"`
	Rate        Rate          `koanf:"rate"`
	Budget      Budget        `koanf:"budget"`
	NegativeTTL time.Duration `koanf:"negative_ttl"`
	Breaker     Breaker       `koanf:"breaker"`
	Webhook     Webhook       `koanf:"webhook"`
	// OptOutWebhook has the daemon subscribe the receiver (Webhook.PublicURL) to the
	// account's opt-outs at start: each one erases and suppresses that person, as
	// `leadsync forget` does.
	OptOutWebhook bool `koanf:"opt_out_webhook"`
	// OptOut is the CRM action of an opt-out (clear owned fields, a marker).
	OptOut OptOut `koanf:"opt_out"`
	// Subscriptions bound the pipelines' signal subscriptions.
	Subscriptions Subscriptions `koanf:"subscriptions"`
}

type Rate struct {
	PerSecond float64 `koanf:"per_second"`
}

// Budget caps credit spend; 0 means no cap.
type Budget struct {
	CreditsPerDay int `koanf:"credits_per_day"`
	CreditsPerRun int `koanf:"credits_per_run"`
	// RefreshShare is the share of CreditsPerDay that scheduled refreshes
	// (refresh_after) may spend, 0 to 1; 0 lets them take only free re-reveals.
	RefreshShare float64 `koanf:"refresh_share"`
}

type Breaker struct {
	Failures int           `koanf:"failures"` // consecutive unavailable answers that open it
	Timeout  time.Duration `koanf:"timeout"`  // open → half-open
}

// CRM is one CRM account. Kind selects the adapter; each kind reads its own keys.
type CRM struct {
	Kind    string        `koanf:"kind"` // hubspot or salesforce
	BaseURL string        `koanf:"base_url"`
	Token   SecretRef     `koanf:"token"` // HubSpot private-app token
	Timeout time.Duration `koanf:"timeout"`
	// HubSpot: tier sets the client-side pacing (free, professional, enterprise,
	// public_app); client_id, client_secret and refresh_token select OAuth 2.0
	// instead of a private-app token.
	Tier string `koanf:"tier"`
	// Limits override the tier's client-side pacing; a negative value switches that
	// pacing off (only sensible against a fake).
	Limits Limits `koanf:"limits"`
	// Salesforce: OAuth 2.0 against login_url; JWT bearer when private_key_file is
	// set, else refresh_token, else client credentials.
	LoginURL       string    `koanf:"login_url"`
	ClientID       SecretRef `koanf:"client_id"`
	ClientSecret   SecretRef `koanf:"client_secret"`
	Username       string    `koanf:"username"`
	PrivateKeyFile string    `koanf:"private_key_file"`
	RefreshToken   SecretRef `koanf:"refresh_token"`
	APIVersion     string    `koanf:"api_version"`
	// Overlap re-reads this much before the cursor to catch records the CRM's
	// search index showed late; duplicates are dropped.
	// Unset keeps the adapter's default; an explicit 0s means none.
	Overlap *time.Duration `koanf:"overlap"`
	// SettleLag keeps the read this far behind now, so that the index has caught up;
	// unset leaves the adapter's default (10s for both), 0s means none.
	SettleLag *time.Duration `koanf:"settle_lag"`
	// Lookback (Salesforce) re-reads this far behind the last read's end for records
	// that long transactions committed late; unset leaves the adapter's default (5m),
	// 0s turns it off.
	Lookback *time.Duration `koanf:"lookback"`
}

// Limits pace a CRM client: searches per second and other calls per 10 seconds
// (0: the tier's default).
type Limits struct {
	SearchPerSecond float64 `koanf:"search_per_second"`
	CallsPer10s     int     `koanf:"calls_per_10s"`
}

type Pipeline struct {
	Name     string        `koanf:"name"`
	CRM      string        `koanf:"crm"`
	Object   string        `koanf:"object"`
	Schedule string        `koanf:"schedule"`
	Filter   Filter        `koanf:"filter"`
	Mapping  string        `koanf:"mapping"`
	CacheTTL time.Duration `koanf:"cache_ttl"`
	Disabled bool          `koanf:"disabled"`
	// RunOnStart overrides the top-level run_on_start for this pipeline; unset
	// inherits it (Load fills it in, so that it is never nil after Load).
	RunOnStart *bool `koanf:"run_on_start"`
	// CompanyRecord, on a people pipeline, also writes each person's company record.
	CompanyRecord *CompanyRecord `koanf:"company_record"`
	// Signals subscribes the people and companies the pipeline enriched to Lusha's
	// signals, through the webhook receiver.
	Signals *Signals `koanf:"signals"`
	// RefreshAfter, on a people pipeline, enriches again the records whose last
	// enrichment is older (0: never), within lusha.budget.refresh_share.
	RefreshAfter time.Duration `koanf:"refresh_after"`
}

// Filter selects the records a pipeline handles; it is pushed into the CRM query.
type Filter struct {
	Missing []string          `koanf:"missing"`
	Equals  map[string]string `koanf:"equals"`
}

// Default returns the configuration every file starts from.
func Default() Config {
	return Config{
		State:         State{Path: "leadsync.db"},
		History:       History{KeepRuns: 90 * 24 * time.Hour, KeepLedger: 30 * 24 * time.Hour, DeletedEvery: time.Hour},
		HTTP:          HTTP{Listen: "127.0.0.1:8080"},
		Log:           Log{Level: "info", Format: "auto"},
		ShutdownGrace: 30 * time.Second,
		Retry:         Retry{Base: time.Second, Max: 60 * time.Second},
		LeaseTTL:      2 * time.Minute,
		RunOnStart:    true,
		Lusha: Lusha{
			BaseURL:     "https://api.lusha.com",
			Timeout:     30 * time.Second,
			Rate:        Rate{PerSecond: 25},
			NegativeTTL: 30 * 24 * time.Hour,
			Breaker:     Breaker{Failures: 5, Timeout: 60 * time.Second},
			Webhook:     Webhook{Tolerance: 5 * time.Minute},
			Budget:      Budget{RefreshShare: DefaultRefreshShare},
		},
	}
}

func pipelineDefaults(p *Pipeline) {
	if p.Schedule == "" {
		p.Schedule = "@every 5m"
	}
	if p.CacheTTL == 0 {
		p.CacheTTL = 30 * 24 * time.Hour
	}
}

func crmDefaults(c *CRM) {
	if c.Timeout == 0 {
		c.Timeout = 30 * time.Second
	}
}

// RunsOnStart reports whether the daemon runs the named pipeline once at start,
// before its first scheduled run: the pipeline's run_on_start, else the top-level one.
func (c *Config) RunsOnStart(pipeline string) bool {
	if p, ok := c.Pipeline(pipeline); ok && p.RunOnStart != nil {
		return *p.RunOnStart
	}
	return c.RunOnStart
}

// Resolve turns a path from the config into one relative to the config file's directory.
func (c *Config) Resolve(p string) string {
	if p == "" || filepath.IsAbs(p) || c.path == "" {
		return p
	}
	return filepath.Join(filepath.Dir(c.path), p)
}

// Path is the file the config was loaded from.
func (c *Config) Path() string { return c.path }

// Pipeline returns the named pipeline's config.
func (c *Config) Pipeline(name string) (Pipeline, bool) {
	for _, p := range c.Pipelines {
		if p.Name == name {
			return p, true
		}
	}
	return Pipeline{}, false
}
