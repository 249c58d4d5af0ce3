package hubspot_test

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"golang.org/x/time/rate"

	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/crm/hubspot"
	"github.com/leadsync/leadsync/crm/hubspot/hubspottest"
)

// sharedBucket stands for a bucket that several processes share (pgshare.Bucket).
type sharedBucket struct {
	*rate.Limiter
	mu    sync.Mutex
	until time.Time
}

func (b *sharedBucket) Wait(ctx context.Context) error {
	b.mu.Lock()
	pause := time.Until(b.until)
	b.mu.Unlock()
	if pause > 0 {
		time.Sleep(pause)
	}
	return b.Limiter.Wait(ctx)
}

func (b *sharedBucket) Drain(_ context.Context, n int, pause time.Duration) {
	b.mu.Lock()
	if until := time.Now().Add(pause); until.After(b.until) {
		b.until = until
	}
	b.mu.Unlock()
	if extra := b.Tokens() - float64(n); extra >= 1 {
		b.ReserveN(time.Now(), int(extra))
	}
}

// buckets makes one bucket per name, whichever client asks first.
type buckets struct {
	mu sync.Mutex
	m  map[string]*sharedBucket
}

func (s *buckets) make(name string, r rate.Limit, burst int) hubspot.Limiter {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m[name] == nil {
		s.m[name] = &sharedBucket{Limiter: rate.NewLimiter(r, burst)}
	}
	return s.m[name]
}

// Two replicas writing to one account together keep to its limits when their pacers
// share buckets; each pacing alone, they overrun them.
func TestClientsSharingLimitersKeepToTheAccountsLimits(t *testing.T) {
	for _, tt := range []struct {
		name    string
		shared  bool
		want429 bool
	}{{"shared", true, false}, {"each its own", false, true}} {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				fake := hubspottest.NewServer(hubspottest.Options{})
				id := fake.AddContact(map[string]string{"email": "a@example.com"})
				tr := &inProcess{h: fake, statuses: map[int]int{}}
				shared := &buckets{m: map[string]*sharedBucket{}}
				var wg sync.WaitGroup
				for range 2 {
					opts := []hubspot.Option{hubspot.WithBaseURL("http://hubspot.test"), hubspot.WithHTTPClient(&http.Client{Transport: tr})}
					if tt.shared {
						opts = append(opts, hubspot.WithLimiters(shared.make))
					}
					c := hubspot.New(fake.Token(), opts...)
					wg.Go(func() {
						for i := range 150 {
							_, err := c.Write(t.Context(), "contacts", []crm.Patch{{RecordID: id,
								Fields: map[string]string{"jobtitle": strconv.Itoa(i)}}})
							if err != nil && crm.ClassOf(err) != crm.ClassRateLimited {
								t.Errorf("write %d: %v", i, err)
								return
							}
						}
					})
				}
				wg.Wait()
				if got := tr.statuses[http.StatusTooManyRequests] > 0; got != tt.want429 {
					t.Errorf("statuses %v: 429s %v, want %v", tr.statuses, got, tt.want429)
				}
				if tt.shared && (shared.m["search"] == nil || shared.m["burst"] == nil) {
					t.Errorf("buckets made: %v, want search and burst", shared.m)
				}
			})
		})
	}
}
