package web

import (
	"strings"
	"testing"
	"time"
)

// TestSubscriptionsSection: the count against the cap, the full account, and the
// subscriptions Lusha disabled with their block reason; nothing without signals.
func TestSubscriptionsSection(t *testing.T) {
	src := sampleSource()
	_, body, _ := get(t, newHandler(src, Options{}), "/")
	if strings.Contains(body, `id="subscriptions"`) {
		t.Error("a subscriptions section without signals")
	}
	src.overview.Subscriptions = &SubscriptionsView{Managed: true, Checked: now.Add(-2 * time.Minute), Account: 1000,
		Max: 1000, Full: true, Wanted: 1200, Active: 990, Disabled: 1, Missing: 201,
		Blocked: []BlockedView{{ID: "sub-9", EntityType: "contact", EntityID: "P9", Reason: "Max retries exceeded",
			Since: now.Add(-time.Hour)}}}
	_, body, _ = get(t, newHandler(src, Options{}), "/")
	sec := text(element(t, body, "section", `id="subscriptions"`))
	for _, want := range []string{"990 active", "1 disabled by Lusha", "of 1200 people and companies",
		"holds 1000 of at most 1000", "201 not subscribed: the account is full", "Checked 2m00s ago",
		"sub-9 contact P9 Max retries exceeded 1h00m ago"} {
		if !strings.Contains(sec, want) {
			t.Errorf("section lacks %q:\n%s", want, sec)
		}
	}
	src.overview.Subscriptions = &SubscriptionsView{}
	_, body, _ = get(t, newHandler(src, Options{}), "/")
	if sec := text(element(t, body, "section", `id="subscriptions"`)); !strings.Contains(sec, "Managed by another replica") {
		t.Errorf("another replica's page: %s", sec)
	}
}
