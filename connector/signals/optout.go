package signals

import (
	"context"
	"fmt"
	"iter"
	"slices"

	"github.com/leadsync/leadsync/lusha"
)

// signalOptOut is the signal type of the account's opt-out subscription.
const signalOptOut = "optOut"

// OptOutClient is what EnsureOptOut needs of the Lusha client.
type OptOutClient interface {
	Subscriptions(ctx context.Context, pageSize int) iter.Seq2[lusha.Subscription, error]
	CreateOptOutSubscription(ctx context.Context, req lusha.CreateOptOutSubscriptionRequest) (*lusha.Subscription, *lusha.Response, error)
	UpdateSubscription(ctx context.Context, id string, req lusha.UpdateSubscriptionRequest) (*lusha.Subscription, *lusha.Response, error)
}

// What EnsureOptOut did.
const (
	OptOutKept    = "kept"    // the subscription was there, active, at url
	OptOutCreated = "created" // there was none
	OptOutUpdated = "updated" // it pointed elsewhere or was disabled: moved to url, active
)

// EnsureOptOut makes the account's one opt-out subscription deliver to url, active,
// creating it when there is none: safe to call at every start.
func EnsureOptOut(ctx context.Context, c OptOutClient, url string) (string, error) {
	for sub, err := range c.Subscriptions(ctx, 0) {
		if err != nil {
			return "", fmt.Errorf("lusha opt-out subscription: %w", err)
		}
		if !slices.Contains(sub.SignalTypes, signalOptOut) {
			continue
		}
		if sub.URL == url && sub.IsActive {
			return OptOutKept, nil
		}
		active := true
		if _, _, err := c.UpdateSubscription(ctx, sub.ID, lusha.UpdateSubscriptionRequest{URL: url, IsActive: &active}); err != nil {
			return "", fmt.Errorf("lusha opt-out subscription: %w", err)
		}
		return OptOutUpdated, nil
	}
	if _, _, err := c.CreateOptOutSubscription(ctx, lusha.CreateOptOutSubscriptionRequest{URL: url, Name: "leadsync opt-outs"}); err != nil {
		return "", fmt.Errorf("lusha opt-out subscription: %w", err)
	}
	return OptOutCreated, nil
}
