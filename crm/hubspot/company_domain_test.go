package hubspot_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/crm/hubspot"
	"github.com/leadsync/leadsync/crm/hubspot/hubspottest"
)

// Reference §4.1: an IN filter on a text property matches lowercase values exactly,
// archived records never appear; the oldest of companies sharing a domain is the
// earliest created, whatever the ids say (§11.4).
func TestCompaniesByDomain(t *testing.T) {
	clk := newClock()
	fake := hubspottest.NewServer(hubspottest.Options{Clock: clk.Now, SearchPerSecond: -1, BurstLimit: -1})
	calls := &counter{next: fake, n: map[string]int{}}
	e := setupHandler(t, fake, calls, clk)
	fake.AddCompany(map[string]string{"name": "Acme (copy)", "domain": "acme.com", "createdate": "2026-01-02T00:00:00Z"})
	acme := fake.AddCompany(map[string]string{"name": "Acme", "domain": "Acme.com", "createdate": "2026-01-01T00:00:00Z"})
	globex := fake.AddCompany(map[string]string{"name": "Globex", "domain": "globex.com"})
	fake.Archive("companies", fake.AddCompany(map[string]string{"name": "Initech", "domain": "initech.com"}))

	got, err := e.client.CompaniesByDomain(context.Background(),
		[]string{"acme.com", "globex.com", "Globex.com", "initech.com", "nowhere.com", ""}, []string{"name"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"acme.com": acme, "globex.com": globex, "Globex.com": globex}
	gotIDs := map[string]string{}
	for d, r := range got {
		gotIDs[d] = r.ID
		if r.ModifiedAt.IsZero() || len(r.Fields) != 1 || r.Fields["name"] == "" {
			t.Errorf("%s: record %+v", d, r)
		}
	}
	if diff := cmp.Diff(want, gotIDs); diff != "" {
		t.Errorf("companies by domain (-want +got):\n%s", diff)
	}
	if n := calls.counts()["POST /crm/v3/objects/companies/search"]; n != 1 {
		t.Errorf("%d searches for 4 domains, want 1", n)
	}
}

// 250 domains take three searches of at most 100; 450 companies on one domain are
// read by ascending id, 200 a search, without deep offsets.
func TestCompaniesByDomainCosts(t *testing.T) {
	clk := newClock()
	fake := hubspottest.NewServer(hubspottest.Options{Clock: clk.Now, SearchPerSecond: -1, BurstLimit: -1})
	calls := &counter{next: fake, n: map[string]int{}}
	e := setupHandler(t, fake, calls, clk)
	var domains []string
	for i := range 250 {
		domains = append(domains, fmt.Sprintf("d%03d.example", i))
	}
	var crowded []string
	for range 450 {
		crowded = append(crowded, fake.AddCompany(map[string]string{"domain": "crowded.example"}))
	}
	tests := []struct {
		domains  []string
		searches int
		want     map[string]string
	}{
		{domains, 3, map[string]string{}},
		{[]string{"crowded.example"}, 3, map[string]string{"crowded.example": crowded[0]}},
	}
	for _, tt := range tests {
		calls.reset()
		got, err := e.client.CompaniesByDomain(context.Background(), tt.domains, nil)
		if err != nil {
			t.Fatal(err)
		}
		gotIDs := map[string]string{}
		for d, r := range got {
			gotIDs[d] = r.ID
		}
		if !cmp.Equal(tt.want, gotIDs) || calls.counts()["POST /crm/v3/objects/companies/search"] != tt.searches {
			t.Errorf("%d domains: %v in %d searches, want %v in %d", len(tt.domains), gotIDs,
				calls.counts()["POST /crm/v3/objects/companies/search"], tt.want, tt.searches)
		}
	}
}

// Domain searches share the account's search pacing: many of them in a row against
// the fake's documented 5 a second are never refused.
func TestCompaniesByDomainPaced(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fake := hubspottest.NewServer(hubspottest.Options{})
		tr := &inProcess{h: fake, statuses: map[int]int{}}
		c := hubspot.New(fake.Token(), hubspot.WithBaseURL("http://hubspot.test"), hubspot.WithHTTPClient(&http.Client{Transport: tr}))
		var domains []string
		for i := range 1200 {
			domains = append(domains, fmt.Sprintf("d%04d.example", i))
		}
		if _, err := c.CompaniesByDomain(context.Background(), domains, nil); err != nil {
			t.Fatal(err)
		}
		if tr.statuses[http.StatusOK] != 12 || tr.statuses[http.StatusTooManyRequests] != 0 {
			t.Errorf("statuses %v, want 12 searches and no 429", tr.statuses)
		}
	})
}

// Search lags writes (reference §4.1): a company just created is not found by its
// domain until the index catches up, which is why callers remember what they create.
func TestCompaniesByDomainLagsCreates(t *testing.T) {
	e := setup(t, hubspottest.Options{SearchLag: 5 * time.Second})
	id, err := e.client.CreateCompany(context.Background(), "contacts", map[string]string{"name": "New", "domain": "new.example"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	find := func() map[string]crm.Record {
		got, err := e.client.CompaniesByDomain(context.Background(), []string{"new.example"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	if got := find(); len(got) != 0 {
		t.Errorf("found before the index caught up: %v", got)
	}
	e.clock.Advance(5 * time.Second)
	if got := find(); got["new.example"].ID != id {
		t.Errorf("after the lag: %v, want %s", got, id)
	}
}
