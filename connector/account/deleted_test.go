package account

import (
	"context"
	"iter"
	"testing"
	"time"

	"github.com/leadsync/leadsync/crm"
)

// feedCRM is a fakeCRM with a deletion feed.
type feedCRM struct{ fakeCRM }

func (f *feedCRM) Deleted(context.Context, string, time.Time) iter.Seq2[crm.Deletion, error] {
	return func(yield func(crm.Deletion, error) bool) {
		if err := f.answer(); err != nil {
			yield(crm.Deletion{}, err)
			return
		}
		yield(crm.Deletion{ID: "1"}, nil)
	}
}

// TestADeletionFeedReachesThroughTheAccount: an adapter's feed is offered behind the
// breaker (the wrapper must not hide it), failures count, an open breaker stops the
// read before it reaches the CRM, and an adapter without a feed offers none.
func TestADeletionFeedReachesThroughTheAccount(t *testing.T) {
	fake := &feedCRM{}
	a, _ := newAccounts(t, Options{})
	mustApply(t, a, settings(fake))
	l := use(t, a, "hs")
	defer l.Release()
	feed, ok := l.CRM("hs").DeletionFeed()
	if !ok {
		t.Fatal("the account hides its adapter's deletion feed")
	}
	var got []string
	for d, err := range feed.Deleted(t.Context(), "contacts", time.Time{}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, d.ID)
	}
	if len(got) != 1 || got[0] != "1" {
		t.Fatalf("read %v", got)
	}
	fake.fail(errUnavailable)
	for range 2 {
		for range feed.Deleted(t.Context(), "contacts", time.Time{}) {
		}
	}
	if s := l.CRM("hs").BreakerState(); s != "open" {
		t.Fatalf("two failed feed reads left the breaker %s", s)
	}
	fake.fail(nil)
	calls := fake.calls
	for _, err := range feed.Deleted(t.Context(), "contacts", time.Time{}) {
		if crm.ClassOf(err) != crm.ClassUnavailable {
			t.Fatalf("read through an open breaker: %v", err)
		}
	}
	if fake.calls != calls {
		t.Fatal("an open breaker let a feed read reach the CRM")
	}

	b, _ := newAccounts(t, Options{})
	mustApply(t, b, settings(&fakeCRM{}))
	lb := use(t, b, "hs")
	defer lb.Release()
	if _, ok := lb.CRM("hs").DeletionFeed(); ok {
		t.Error("an adapter without a feed offers one")
	}
}
