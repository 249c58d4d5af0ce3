package account

import (
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// Lusha allows GET /v3/account/usage 5 times a minute (reference §3, §5.15): however
// probes, pre-flights and price look-ups crowd it, no 60-second span of Lusha's clock
// ever holds a sixth call.
func TestUsageCallsStayWithinFiveAMinute(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		var times []time.Time // when each usage request reached Lusha, in the bubble's time
		fl := &fakeLusha{onUsage: func() {
			mu.Lock()
			times = append(times, time.Now())
			mu.Unlock()
		}}
		_, lu := lushaOver(t, fl, settings(&fakeCRM{}))
		end := time.Now().Add(10 * time.Minute)
		var wg sync.WaitGroup
		for range 3 {
			wg.Go(func() {
				for time.Now().Before(end) {
					_ = lu.probe(t.Context())
				}
			})
		}
		wg.Go(func() {
			for time.Now().Before(end) {
				lu.CreditsLeft(t.Context())
				time.Sleep(3 * time.Second)
			}
		})
		wg.Wait()
		mu.Lock()
		defer mu.Unlock()
		if len(times) < 45 {
			t.Fatalf("%d usage calls in 10 minutes; the allowance is 50", len(times))
		}
		for i := 5; i < len(times); i++ {
			if span := times[i].Sub(times[i-5]); span < time.Minute {
				t.Fatalf("6 usage calls within %v (calls %d–%d, at %v)", span, i-5, i, times[i-5:i+1])
			}
		}
	})
}
