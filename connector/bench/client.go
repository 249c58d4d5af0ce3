package bench

import (
	"fmt"
	"time"

	"github.com/leadsync/leadsync/crm/hubspot"
)

// ClientLimits are leadsync's own pacing, as the benchmark writes it into the config
// (crms.hubspot.limits, lusha.rate.per_second): what the client will send. They must
// stay under the fakes' Limits for a sync to meet no 429, and they, not the fakes'
// limits, are the bound a sync can reach.
type ClientLimits struct {
	HubSpotSearchPerSecond float64 `json:"hubspot_search_per_second"` // negative: off
	HubSpotCallsPer10s     int     `json:"hubspot_calls_per_10s"`     // negative: off
	LushaPerSecond         float64 `json:"lusha_per_second"`
}

// DefaultClientLimits are what a user's config gets with no limits set: the HubSpot
// client's search pacing and the free tier's burst, and the Lusha rate of DESIGN §5.
var DefaultClientLimits = ClientLimits{
	HubSpotSearchPerSecond: hubspot.DefaultSearchPerSecond,
	HubSpotCallsPer10s:     hubspot.TierLimits(hubspot.TierFree).Burst,
	LushaPerSecond:         25,
}

// clientLimitsOff switches leadsync's pacing off, for the runs that measure CPU and
// memory: the Lusha limiter cannot be switched off, so it is set far above anything
// a loopback fake answers.
var clientLimitsOff = ClientLimits{HubSpotSearchPerSecond: -1, HubSpotCallsPer10s: -1, LushaPerSecond: unlimited}

// Scaled multiplies every pacing that is on by f, as Limits.Scaled does the fakes'.
func (c ClientLimits) Scaled(f float64) ClientLimits {
	if c.HubSpotSearchPerSecond > 0 {
		c.HubSpotSearchPerSecond *= f
	}
	if c.HubSpotCallsPer10s > 0 {
		c.HubSpotCallsPer10s = max(1, int(float64(c.HubSpotCallsPer10s)*f))
	}
	if c.LushaPerSecond > 0 && c.LushaPerSecond < unlimited {
		c.LushaPerSecond *= f
	}
	return c
}

// otherCallsPerSecond is the sustained rate at which the HubSpot client sends calls
// other than searches. The client fits a token bucket inside the rolling window: a
// bucket of max(1, calls/20) and a rate of (calls − bucket) per window
// (crm/hubspot/pacing.go burstRate), so that no window ever holds more than calls.
// Over a sync of many windows the rate is what counts.
func (c ClientLimits) otherCallsPerSecond() float64 {
	if c.HubSpotCallsPer10s <= 0 {
		return 0
	}
	bucket := max(1, c.HubSpotCallsPer10s/20)
	return float64(c.HubSpotCallsPer10s-bucket) / (10 * time.Second).Seconds()
}

// check refuses client pacing that would provoke 429s from the fakes: a client
// limit above the fake's is a benchmark set up to fail.
func (c ClientLimits) check(fake Limits) error {
	switch {
	case fake.HubSpotSearchPerSecond > 0 && (c.HubSpotSearchPerSecond <= 0 || c.HubSpotSearchPerSecond > float64(fake.HubSpotSearchPerSecond)):
		return fmt.Errorf("bench: HubSpot search paced at %g/s against a fake limit of %d/s", c.HubSpotSearchPerSecond, fake.HubSpotSearchPerSecond)
	case fake.HubSpotCallsPer10s > 0 && (c.HubSpotCallsPer10s <= 0 || c.HubSpotCallsPer10s > fake.HubSpotCallsPer10s):
		return fmt.Errorf("bench: HubSpot calls paced at %d/10s against a fake limit of %d/10s", c.HubSpotCallsPer10s, fake.HubSpotCallsPer10s)
	case fake.LushaPerSecond > 0 && c.LushaPerSecond > float64(fake.LushaPerSecond):
		return fmt.Errorf("bench: Lusha paced at %g/s against a fake limit of %d/s", c.LushaPerSecond, fake.LushaPerSecond)
	}
	return nil
}
