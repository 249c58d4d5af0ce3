package connector

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"time"

	"github.com/go-viper/mapstructure/v2"
	"github.com/knadh/koanf/parsers/yaml"
	"github.com/knadh/koanf/providers/env/v2"
	"github.com/knadh/koanf/providers/file"
	"github.com/knadh/koanf/v2"
	yamlv3 "go.yaml.in/yaml/v3"
)

// EnvPrefix starts every environment variable that overrides a config key:
// LEADSYNC_LUSHA__RATE__PER_SECOND=10 sets lusha.rate.per_second.
const EnvPrefix = "LEADSYNC_"

// Config is leadsync's whole configuration (DESIGN §5).
type Config struct {
	State         StateConfig   `koanf:"state"`
	HTTP          HTTPConfig    `koanf:"http"`
	Log           LogConfig     `koanf:"log"`
	ShutdownGrace time.Duration `koanf:"shutdown_grace"`
	Retry         RetryConfig   `koanf:"retry"`
	// LeaseTTL is how long a pipeline's lease outlives a process that stopped
	// renewing it (a crash); a live run renews it every third of it.
	LeaseTTL  time.Duration        `koanf:"lease_ttl"`
	Lusha     LushaConfig          `koanf:"lusha"`
	CRMs      map[string]CRMConfig `koanf:"crms"`
	Pipelines []PipelineConfig     `koanf:"pipelines"`

	// path is the file the config came from; relative paths in it resolve against its directory.
	path string
}

// RetryConfig shapes the backoff of retried calls (rate limits without a server hint,
// outages): full jitter from Base, doubling, capped at Max.
type RetryConfig struct {
	Base time.Duration `koanf:"base"`
	Max  time.Duration `koanf:"max"`
}

type StateConfig struct {
	Path string `koanf:"path"`
}

type HTTPConfig struct {
	Listen string `koanf:"listen"`
}

type LogConfig struct {
	Level  string `koanf:"level"`  // debug, info, warn, error
	Format string `koanf:"format"` // auto, text, json
}

type LushaConfig struct {
	APIKey      SecretRef     `koanf:"api_key"`
	BaseURL     string        `koanf:"base_url"`
	Timeout     time.Duration `koanf:"timeout"`
	Rate        RateConfig    `koanf:"rate"`
	Budget      BudgetConfig  `koanf:"budget"`
	NegativeTTL time.Duration `koanf:"negative_ttl"`
	Breaker     BreakerConfig `koanf:"breaker"`
}

type RateConfig struct {
	PerSecond float64 `koanf:"per_second"`
}

// BudgetConfig caps credit spend; 0 means no cap.
type BudgetConfig struct {
	CreditsPerDay int `koanf:"credits_per_day"`
	CreditsPerRun int `koanf:"credits_per_run"`
}

type BreakerConfig struct {
	Failures int           `koanf:"failures"` // consecutive unavailable answers that open it
	Timeout  time.Duration `koanf:"timeout"`  // open → half-open
}

// CRMConfig is one CRM account. Kind selects the adapter; each kind reads its own keys.
type CRMConfig struct {
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
	Limits CRMLimits `koanf:"limits"`
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
	Overlap time.Duration `koanf:"overlap"`
	// SettleLag keeps the read this far behind now, so that the index has caught up.
	SettleLag time.Duration `koanf:"settle_lag"`
}

// CRMLimits pace a CRM client: searches per second and other calls per 10 seconds
// (0: the tier's default).
type CRMLimits struct {
	SearchPerSecond float64 `koanf:"search_per_second"`
	CallsPer10s     int     `koanf:"calls_per_10s"`
}

type PipelineConfig struct {
	Name     string        `koanf:"name"`
	CRM      string        `koanf:"crm"`
	Object   string        `koanf:"object"`
	Schedule string        `koanf:"schedule"`
	Filter   FilterConfig  `koanf:"filter"`
	Mapping  string        `koanf:"mapping"`
	CacheTTL time.Duration `koanf:"cache_ttl"`
	Disabled bool          `koanf:"disabled"`
}

// FilterConfig selects the records a pipeline handles; it is pushed into the CRM query.
type FilterConfig struct {
	Missing []string          `koanf:"missing"`
	Equals  map[string]string `koanf:"equals"`
}

// Default returns the configuration every file starts from.
func Default() Config {
	return Config{
		State:         StateConfig{Path: "leadsync.db"},
		HTTP:          HTTPConfig{Listen: "127.0.0.1:8080"},
		Log:           LogConfig{Level: "info", Format: "auto"},
		ShutdownGrace: 30 * time.Second,
		Retry:         RetryConfig{Base: time.Second, Max: 60 * time.Second},
		LeaseTTL:      2 * time.Minute,
		Lusha: LushaConfig{
			BaseURL:     "https://api.lusha.com",
			Timeout:     30 * time.Second,
			Rate:        RateConfig{PerSecond: 25},
			NegativeTTL: 30 * 24 * time.Hour,
			Breaker:     BreakerConfig{Failures: 5, Timeout: 60 * time.Second},
		},
	}
}

func pipelineDefaults(p *PipelineConfig) {
	if p.Schedule == "" {
		p.Schedule = "@every 5m"
	}
	if p.CacheTTL == 0 {
		p.CacheTTL = 30 * 24 * time.Hour
	}
}

func crmDefaults(c *CRMConfig) {
	if c.Timeout == 0 {
		c.Timeout = 30 * time.Second
	}
	if c.Overlap == 0 {
		c.Overlap = time.Minute
	}
}

// ConfigError is a problem in the configuration, with its place when known.
type ConfigError struct {
	File      string
	Line, Col int
	Key       string
	Msg       string
}

func (e *ConfigError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			fmt.Fprintf(&b, ":%d:%d", e.Line, e.Col)
		}
		b.WriteString(": ")
	}
	if e.Key != "" {
		b.WriteString(e.Key + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// ConfigErrors is every problem found in one load.
type ConfigErrors []*ConfigError

func (es ConfigErrors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// LoadConfig reads the YAML file at path, applies LEADSYNC_… overrides from environ
// and validates the result; secrets stay references until a client needs them. Every problem is reported
// at once, each with its file, line and column where it has one.
func LoadConfig(path string, environ []string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &ConfigError{File: path, Msg: err.Error()}
	}
	doc, err := parseNode(path, data)
	if err != nil {
		return nil, err
	}
	errs := checkKeys(path, doc, reflect.TypeFor[Config]())
	if len(errs) > 0 {
		return nil, errs // before the decode, whose errors have no position
	}

	k := koanf.New(".")
	if err := k.Load(file.Provider(path), yaml.Parser()); err != nil {
		return nil, yamlError(path, err)
	}
	envErrs := loadEnv(k, environ)
	errs = append(errs, envErrs...)
	if len(errs) > 0 {
		return nil, errs
	}

	cfg := Default()
	dc := &mapstructure.DecoderConfig{
		TagName:          "koanf",
		ErrorUnused:      true,
		WeaklyTypedInput: true,
		Result:           &cfg,
		DecodeHook:       durationHook,
	}
	if err := k.UnmarshalWithConf("", &cfg, koanf.UnmarshalConf{DecoderConfig: dc}); err != nil {
		return nil, decodeError(path, doc, err)
	}
	cfg.path = path
	for i := range cfg.Pipelines {
		pipelineDefaults(&cfg.Pipelines[i])
	}
	for name, c := range cfg.CRMs {
		crmDefaults(&c)
		cfg.CRMs[name] = c
	}
	if errs := cfg.validate(doc); len(errs) > 0 {
		return nil, errs
	}
	return &cfg, nil
}

// loadEnv merges LEADSYNC_… variables; a variable naming no known key is an error,
// like an unknown key in the file.
func loadEnv(k *koanf.Koanf, environ []string) ConfigErrors {
	var errs ConfigErrors
	toKey := func(name, val string) (string, any) {
		key := strings.ToLower(strings.TrimPrefix(name, EnvPrefix))
		key = strings.ReplaceAll(key, "__", ".")
		if !knownPath(reflect.TypeFor[Config](), strings.Split(key, ".")) {
			errs = append(errs, &ConfigError{Key: name, Msg: "environment variable names no config key"})
			return "", nil
		}
		return key, val
	}
	err := k.Load(env.Provider(".", env.Opt{
		Prefix: EnvPrefix, TransformFunc: toKey,
		EnvironFunc: func() []string { return environ },
	}), nil)
	if err != nil {
		errs = append(errs, &ConfigError{Msg: "environment: " + err.Error()})
	}
	return errs
}

var durationType = reflect.TypeFor[time.Duration]()

// durationHook insists on units: a bare number would silently mean nanoseconds.
func durationHook(from, to reflect.Type, data any) (any, error) {
	if to != durationType {
		return data, nil
	}
	switch v := data.(type) {
	case string:
		d, err := time.ParseDuration(strings.TrimSpace(v))
		if err != nil {
			return nil, fmt.Errorf("duration %q: %w (write e.g. 30s, 5m, 720h)", v, err)
		}
		return d, nil
	case time.Duration:
		return v, nil
	}
	return nil, fmt.Errorf("duration %v needs a unit (write e.g. 30s, 5m, 720h)", data)
}

var decodePath = regexp.MustCompile(`'([^']+)'`)

// decodeError places a decoding error (most come from environment overrides, since the
// file's own shape was checked first) at the key it names, when the file has it.
func decodeError(file string, doc *yamlv3.Node, err error) *ConfigError {
	ce := &ConfigError{File: file, Msg: err.Error()}
	if m := decodePath.FindStringSubmatch(err.Error()); m != nil {
		segs := strings.FieldsFunc(m[1], func(r rune) bool { return r == '.' || r == '[' || r == ']' })
		ce.Line, ce.Col = posOf(doc, segs...)
	}
	return ce
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
func (c *Config) Pipeline(name string) (PipelineConfig, bool) {
	for _, p := range c.Pipelines {
		if p.Name == name {
			return p, true
		}
	}
	return PipelineConfig{}, false
}

// IsConfigError tells whether err is a configuration problem (exit code 2).
func IsConfigError(err error) bool {
	var one *ConfigError
	var many ConfigErrors
	return errors.As(err, &one) || errors.As(err, &many)
}
