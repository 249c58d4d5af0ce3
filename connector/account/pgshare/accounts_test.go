package pgshare

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/leadsync/leadsync/connector/account"
	"github.com/leadsync/leadsync/connector/react"
	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/lusha"
)

// lowWindow is a Lusha that answers every search saying 120 requests are left in
// this minute: adapt spreads them at 2 a second.
type lowWindow struct{}

func (lowWindow) RoundTrip(r *http.Request) (*http.Response, error) {
	h := http.Header{"Content-Type": {"application/json"}}
	h.Set(lusha.HeaderLeftMinute, "120")
	return &http.Response{StatusCode: http.StatusOK, Header: h, Request: r,
		Body: io.NopCloser(bytes.NewReader([]byte(`{"results":[]}`)))}, nil
}

// replicaAccounts is one replica's accounts on the shared limits of dsn, with a
// daily cap of perDay, and its Lusha account.
func replicaAccounts(t *testing.T, dsn string, l account.Ledger, perDay int, crms ...account.CRMSettings) (*account.Accounts, *account.Lusha) {
	t.Helper()
	a := account.New(account.Options{Ledger: l, Shared: New(replica(t, dsn), Options{}), Transport: lowWindow{}})
	t.Cleanup(a.Close)
	err := a.Apply(account.Settings{Lusha: account.LushaSettings{APIKey: "key", BaseURL: "http://lusha.test",
		Timeout: time.Second, PerSecond: 10, CreditsPerDay: perDay,
		Breaker: account.BreakerSettings{Failures: 2, Timeout: time.Minute},
		Retry:   react.Policy{Base: time.Millisecond, Max: time.Second, Attempts: 1}}, CRMs: crms})
	if err != nil {
		t.Fatal(err)
	}
	lease, err := a.Use(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(lease.Release)
	return a, lease.Lusha
}

func search(t *testing.T, l *account.Lusha) {
	t.Helper()
	_, err := account.Call(t.Context(), l, func(ctx context.Context, c *lusha.Client) (*lusha.ContactsSearchResponse, *lusha.Response, error) {
		return c.SearchContacts(ctx, lusha.ContactsSearchRequest{Contacts: []lusha.ContactSearchItem{{Email: "a@b.test"}}})
	})
	if err != nil {
		t.Fatal(err)
	}
}

// bucketRates reads every bucket's rate, by name.
func bucketRates(t *testing.T, dsn string) map[string]float64 {
	t.Helper()
	rows, err := replica(t, dsn).Query(t.Context(), `SELECT name, rate FROM leadsync_share_bucket`)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for rows.Next() {
		var name string
		var r float64
		if err := rows.Scan(&name, &r); err != nil {
			t.Fatal(err)
		}
		out[name] = r
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// Lusha's headers, as one replica reads them, slow the bucket every replica waits on;
// a replica that starts later does not undo that with its configured rate.
func TestLushasHeadersSlowEveryReplica(t *testing.T) {
	dsn := testDB(t)
	_, a := replicaAccounts(t, dsn, nil, 0)
	_, b := replicaAccounts(t, dsn, nil, 0)
	search(t, a) // its answer lowers the rate
	search(t, a) // which this take writes
	search(t, b)
	rates := bucketRates(t, dsn)
	if len(rates) != 1 {
		t.Fatalf("buckets %v, want the Lusha account's one", rates)
	}
	for name, r := range rates {
		if r != 2 {
			t.Errorf("bucket %s at %v/s, want the 2/s that 120 left this minute allow", name, r)
		}
	}
}

// A CRM account built with BuildShared gets buckets named for its identity: the same
// rows on every replica, and other rows for another account.
func TestCRMAccountsShareBucketsByIdentity(t *testing.T) {
	dsn := testDB(t)
	crmOf := func(name, identity string) account.CRMSettings {
		return account.CRMSettings{Name: name, Kind: "hubspot", Identity: identity,
			Breaker: account.BreakerSettings{Failures: 2, Timeout: time.Minute},
			Build:   func() (crm.Adapter, error) { t.Error("Build called with shared limits"); return nil, nil },
			BuildShared: func(bucket func(string, rate.Limit, int) account.Bucket) (crm.Adapter, error) {
				if err := bucket("search", 4, 1).Wait(t.Context()); err != nil {
					t.Error(err)
				}
				return nil, nil
			}}
	}
	replicaAccounts(t, dsn, nil, 0, crmOf("hs", "portal-1"))
	replicaAccounts(t, dsn, nil, 0, crmOf("hs", "portal-1"), crmOf("other", "portal-2"))
	var crmBuckets int
	for name := range bucketRates(t, dsn) {
		if strings.HasPrefix(name, "crm:") {
			crmBuckets++
		}
	}
	if crmBuckets != 2 {
		t.Errorf("%d CRM buckets, want one per identity: %v", crmBuckets, bucketRates(t, dsn))
	}
}
