package account

import (
	"errors"
	"fmt"
	"time"

	"golang.org/x/time/rate"

	"github.com/leadsync/leadsync/connector/react"
	"github.com/leadsync/leadsync/crm"
)

// Settings is everything Apply needs: plain values, so that this package does not
// follow the config package's types.
type Settings struct {
	Lusha LushaSettings
	CRMs  []CRMSettings
}

// LushaSettings configures the Lusha account. APIKey and BaseURL are its identity: a
// change makes a new account; every other field changes in place.
type LushaSettings struct {
	APIKey  string
	BaseURL string        // "": lusha.DefaultBaseURL
	Timeout time.Duration // of one HTTP attempt
	// PerSecond paces every request (burst 1); Lusha's minute and hour windows slow
	// it further while they run low.
	PerSecond     float64
	CreditsPerDay int // 0: no daily cap
	CreditsPerRun int // 0: no per-run cap
	Breaker       BreakerSettings
	Retry         react.Policy
}

// BreakerSettings configures a circuit breaker.
type BreakerSettings struct {
	Failures int           // consecutive unavailable answers that open it
	Timeout  time.Duration // open → half-open
}

// CRMSettings configures one CRM account (crms.<name>).
type CRMSettings struct {
	Name, Kind string
	// Identity fingerprints what makes it the same account (kind, URLs, credential
	// references). A change makes a new account.
	Identity string
	Breaker  BreakerSettings
	// Settings is the rest of the account's configuration, comparable data. Adapters
	// cannot change it in place, so a change also makes a new account.
	Settings any
	// Build makes the adapter.
	Build func() (crm.Adapter, error)
	// BuildShared, when set, makes the adapter instead of Build if the accounts share
	// limits (Options.Shared): its pacer should wait on buckets made by bucket, which
	// every replica shares under this account's identity (e.g. through
	// hubspot.WithLimiters). name tells the buckets of one account apart.
	BuildShared func(bucket func(name string, perSecond rate.Limit, burst int) Bucket) (crm.Adapter, error)
}

// paceShare is the share of the configured rate the Lusha limiter sends at. Lusha
// counts requests in fixed one-second windows at arrival: at exactly the limit, one
// request delayed across a window's edge (a busy CPU, the network) lands beside the
// next window's full count, and that window answers 429. One request in 25 of
// slack absorbs such a delay.
const paceShare = 0.96

// pace is the rate the account's calls are sent at.
func (s LushaSettings) pace() rate.Limit { return rate.Limit(s.PerSecond * paceShare) }

func (s LushaSettings) identity() string { return s.APIKey + "\x00" + s.BaseURL }

// LimitName names a limit of this Lusha account in Shared (the API key hashed), for
// limits kept outside the account, such as the webhooks API's window.
func (s LushaSettings) LimitName(limit string) string { return limitName("lusha", s.identity(), limit) }

func (s CRMSettings) identity() string { return s.Kind + "\x00" + s.Identity }

func (s LushaSettings) validate() error {
	var errs []error
	if s.APIKey == "" {
		errs = append(errs, errors.New("api key is empty"))
	}
	if s.Timeout <= 0 {
		errs = append(errs, fmt.Errorf("timeout %v must be positive", s.Timeout))
	}
	if s.PerSecond <= 0 {
		errs = append(errs, fmt.Errorf("rate %v a second must be positive", s.PerSecond))
	}
	if s.CreditsPerDay < 0 || s.CreditsPerRun < 0 {
		errs = append(errs, errors.New("credit caps must not be negative"))
	}
	if s.Retry.Base <= 0 || s.Retry.Max < s.Retry.Base {
		errs = append(errs, fmt.Errorf("retry base %v and max %v must be positive, max ≥ base", s.Retry.Base, s.Retry.Max))
	}
	if err := s.Breaker.validate(); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("lusha: %w", err)
	}
	return nil
}

func (b BreakerSettings) validate() error {
	if b.Failures < 1 || b.Timeout <= 0 {
		return fmt.Errorf("breaker needs failures ≥ 1 (%d) and a positive timeout (%v)", b.Failures, b.Timeout)
	}
	return nil
}

func (s CRMSettings) validate() error {
	var errs []error
	if s.Name == "" || s.Kind == "" {
		errs = append(errs, errors.New("name and kind are required"))
	}
	if s.Build == nil {
		errs = append(errs, errors.New("no adapter builder"))
	}
	if err := s.Breaker.validate(); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("crm %s: %w", s.Name, err)
	}
	return nil
}

func (s Settings) validate() error {
	errs := []error{s.Lusha.validate()}
	seen := map[string]bool{}
	for _, c := range s.CRMs {
		errs = append(errs, c.validate())
		if seen[c.Name] {
			errs = append(errs, fmt.Errorf("crm %s: named twice", c.Name))
		}
		seen[c.Name] = true
	}
	return errors.Join(errs...)
}
