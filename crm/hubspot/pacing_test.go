package hubspot_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/crm/hubspot"
	"github.com/leadsync/leadsync/crm/hubspot/hubspottest"
)

// inProcess serves requests straight from a handler, without sockets, so that a
// whole sync can run inside a synctest bubble on its fake clock.
type inProcess struct {
	h        http.Handler
	mu       sync.Mutex
	statuses map[int]int
}

func (p *inProcess) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body == nil {
		r.Body = http.NoBody
	}
	rec := httptest.NewRecorder()
	p.h.ServeHTTP(rec, r)
	p.mu.Lock()
	p.statuses[rec.Code]++
	p.mu.Unlock()
	resp := rec.Result()
	resp.Request = r
	return resp, nil
}

// syncOnce reads every contact and writes each one back, one patch a call (the
// most calls a sync can make), and reports the answers' statuses and the time taken.
func syncOnce(t *testing.T, fake *hubspottest.Server, contacts, writes int, opts ...hubspot.Option) (map[int]int, time.Duration) {
	t.Helper()
	for i := range contacts {
		fake.AddContact(map[string]string{"email": strconv.Itoa(i) + "@example.com"})
	}
	time.Sleep(time.Minute) // past the settle lag
	tr := &inProcess{h: fake, statuses: map[int]int{}}
	c := hubspot.New(fake.Token(), append([]hubspot.Option{hubspot.WithBaseURL("http://hubspot.test"),
		hubspot.WithHTTPClient(&http.Client{Transport: tr})}, opts...)...)
	start := time.Now()
	var ids []string
	for p, err := range c.Changes(context.Background(), crm.ChangesRequest{Object: "contacts"}) {
		if err != nil {
			t.Fatalf("after %d records: %v", len(ids), err)
		}
		for _, r := range p.Records {
			ids = append(ids, r.ID)
		}
	}
	if len(ids) != contacts {
		t.Fatalf("read %d, want %d", len(ids), contacts)
	}
	for i := range writes {
		res, err := c.Write(context.Background(), "contacts", []crm.Patch{{RecordID: ids[i%len(ids)],
			Fields: map[string]string{"jobtitle": "t" + strconv.Itoa(i)}}})
		if err != nil || res[0].Err != nil {
			t.Fatalf("write %d: %v %+v", i, err, res)
		}
	}
	return tr.statuses, time.Since(start)
}

// With the default limits on both sides, a sync of 5,000 contacts is never refused
// with a 429, and spends no more time than the limits require.
func TestPacingAvoidsRateLimits(t *testing.T) {
	tests := []struct {
		name     string
		fake     hubspottest.Tier
		client   []hubspot.Option
		maxTaken time.Duration // the sync's time at the pacer's rates, plus a margin
	}{
		// 25 searches at 4/s; 300 writes at 95 per 10 s after a bucket of 5.
		{"defaults", hubspottest.TierFree, nil, 7*time.Second + 32*time.Second},
		// Configured for more than the account allows: the headers correct it.
		{"client assumes a higher tier", hubspottest.TierFree, []hubspot.Option{hubspot.WithTier(hubspot.TierEnterprise)}, 7*time.Second + 32*time.Second},
		// Configured for less: the headers let it go faster (190 per 10 s).
		{"client assumes a lower tier", hubspottest.TierProfessional, nil, 7*time.Second + 17*time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				fake := hubspottest.NewServer(hubspottest.Options{Tier: tt.fake})
				statuses, taken := syncOnce(t, fake, 5000, 300, tt.client...)
				if statuses[http.StatusTooManyRequests] != 0 {
					t.Errorf("statuses %v: the client provoked 429s", statuses)
				}
				if taken > tt.maxTaken {
					t.Errorf("sync took %v, want at most %v", taken, tt.maxTaken)
				}
			})
		})
	}
}

// Without pacing the same sync is refused: the test above can fail.
func TestUnpacedSyncHitsLimits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fake := hubspottest.NewServer(hubspottest.Options{})
		for i := range 2000 {
			fake.AddContact(map[string]string{"email": strconv.Itoa(i) + "@example.com"})
		}
		time.Sleep(time.Minute)
		tr := &inProcess{h: fake, statuses: map[int]int{}}
		c := hubspot.New(fake.Token(), hubspot.WithBaseURL("http://hubspot.test"),
			hubspot.WithHTTPClient(&http.Client{Transport: tr}), hubspot.WithLimits(unpaced))
		var err error
		for _, err = range c.Changes(context.Background(), crm.ChangesRequest{Object: "contacts"}) {
			if err != nil {
				break
			}
		}
		if crm.ClassOf(err) != crm.ClassRateLimited {
			t.Errorf("unpaced read: %v, want rate_limited", err)
		}
	})
}
