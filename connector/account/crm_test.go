package account

import (
	"testing"

	"github.com/leadsync/leadsync/crm"
)

func TestOnlyOutagesOpenACRMBreaker(t *testing.T) {
	fake := &fakeCRM{}
	a, _ := newAccounts(t, Options{})
	mustApply(t, a, settings(fake))
	l := use(t, a, "hs")
	defer l.Release()
	hs := l.CRM("hs")
	if hs.Name() != "hs" || hs.Kind() != "hubspot" || hs.BatchSize() != 100 {
		t.Fatalf("account %s (%s), batch %d", hs.Name(), hs.Kind(), hs.BatchSize())
	}
	for _, class := range []crm.Class{crm.ClassRateLimited, crm.ClassQuotaExhausted, crm.ClassAuth, crm.ClassInvalid} {
		fake.fail(&crm.Error{Service: "hs", Op: "write", Class: class})
		for range 3 {
			_, _ = hs.Write(t.Context(), "contacts", nil)
		}
	}
	if hs.BreakerState() != "closed" {
		t.Fatal("a class other than unavailable opened the breaker")
	}
	fake.fail(errUnavailable)
	_, _ = hs.Schema(t.Context(), "contacts")
	for _, err := range hs.Changes(t.Context(), crm.ChangesRequest{Object: "contacts"}) {
		if err == nil {
			t.Fatal("a failed read yielded no error")
		}
	}
	if hs.BreakerState() != "open" {
		t.Fatalf("a failed schema read and a failed change read left the breaker %s", hs.BreakerState())
	}
	if got := a.Breakers()["crm hs"]; got != "open" {
		t.Fatalf("status page says %q", got)
	}
	fake.fail(nil)
	calls := fake.calls
	if _, err := hs.Get(t.Context(), "contacts", []string{"1"}, nil); crm.ClassOf(err) != crm.ClassUnavailable {
		t.Fatalf("Get through an open breaker: %v", err)
	}
	for _, err := range hs.Changes(t.Context(), crm.ChangesRequest{Object: "contacts"}) {
		if crm.ClassOf(err) != crm.ClassUnavailable {
			t.Fatalf("read through an open breaker: %v", err)
		}
	}
	if fake.calls != calls {
		t.Fatal("an open breaker let a call reach the CRM")
	}
}

func TestACRMReadsThroughItsBreaker(t *testing.T) {
	fake := &fakeCRM{}
	a, _ := newAccounts(t, Options{})
	mustApply(t, a, settings(fake))
	l := use(t, a, "hs")
	defer l.Release()
	var got []crm.Page
	for pg, err := range l.CRM("hs").Changes(t.Context(), crm.ChangesRequest{Object: "contacts"}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, pg)
	}
	recs, err := l.CRM("hs").Get(t.Context(), "contacts", []string{"1", "2"}, nil)
	if len(got) != 1 || got[0].Next != "c1" || err != nil || len(recs) != 2 {
		t.Fatalf("pages %v, records %v, %v", got, recs, err)
	}
	if l.CRM("hs").Unwrap() != crm.Adapter(fake) {
		t.Fatal("Unwrap is not the adapter")
	}
}
