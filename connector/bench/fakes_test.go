package bench

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestCounter: 429 answers are counted apart from the calls a limit admitted.
func TestCounter(t *testing.T) {
	tests := []struct {
		name      string
		method    string
		path      string
		status    int
		wantKind  string
		want429   int
		wantCalls int
	}{
		{"search", http.MethodPost, "/crm/v3/objects/contacts/search", http.StatusOK, kindHubSpotSearch, 0, 1},
		{"batch update", http.MethodPost, "/crm/v3/objects/contacts/batch/update", http.StatusOK, kindHubSpotWrite, 0, 1},
		{"property read", http.MethodGet, "/crm/v3/properties/contacts", http.StatusOK, kindHubSpotOther, 0, 1},
		{"refused search", http.MethodPost, "/crm/v3/objects/contacts/search", http.StatusTooManyRequests, kindHubSpotSearch, 1, 0},
		{"failed write still counts against the window", http.MethodPost, "/crm/v3/objects/contacts/batch/update", http.StatusBadRequest, kindHubSpotWrite, 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCounter(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(tt.status)
			}), hubspotKind)
			srv, err := serveLoopback(c)
			if err != nil {
				t.Fatal(err)
			}
			defer srv.close()
			req, _ := http.NewRequestWithContext(t.Context(), tt.method, srv.url+tt.path, strings.NewReader("{}"))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			http.DefaultClient.CloseIdleConnections()
			got := c.traffic()
			if got.HTTP429 != tt.want429 || got.Calls[tt.wantKind] != tt.wantCalls {
				t.Errorf("traffic %+v, want %d calls of %s and %d 429s", got, tt.wantCalls, tt.wantKind, tt.want429)
			}
		})
	}
}

// TestCreditsNeeded: searches are needed per call of 100 for matched people; a phone
// or company answer only once a field it feeds was written, never for hand-typed values.
func TestCreditsNeeded(t *testing.T) {
	f, err := startFakes(3, 250, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer f.close()
	wantSearch := 0
	for start := 0; start < len(f.ids); start += 100 {
		matched := 0
		for _, id := range f.ids[start:min(start+100, len(f.ids))] {
			if p := f.person[id]; p.Known && !p.Restricted {
				matched++
			}
		}
		wantSearch += (matched + 24) / 25
	}
	c := f.credits()
	if c.NeededSearch != wantSearch || c.NeededPhones != 0 || c.NeededCompanies != 0 || c.Spent != 0 {
		t.Fatalf("before any sync: %+v, want %d search credits only", c, wantSearch)
	}
	var handTyped string
	for id, hand := range f.hand {
		if hand["mobilephone"] != "" {
			handTyped = id
		}
	}
	if handTyped == "" {
		t.Fatal("no hand-typed mobile phone in the seed; pick another seed")
	}
	a, b := f.ids[0], f.ids[1]
	f.hubspot.UpdateContact(a, map[string]string{"phone": "+14155550100", "industry": "Software"})
	f.hubspot.UpdateContact(b, map[string]string{"mobilephone": "+14155550101"})
	f.hubspot.UpdateContact(handTyped, map[string]string{"city": "Springfield"}) // its phone stays the human's
	c = f.credits()
	if c.NeededPhones != 2*pricing.RevealPhone {
		t.Errorf("phones needed %d, want 2 reveals", c.NeededPhones)
	}
	if c.NeededCompanies != pricing.RevealCompany {
		t.Errorf("companies needed %d, want 1", c.NeededCompanies)
	}
}

// BenchmarkSync syncs 400 leads with the limits off, in this process, so that
// `go test -bench Sync -cpuprofile cpu.out -memprofile mem.out` profiles the engine
// (the fakes are in the profile too: focus on connector, crm, lusha, state).
func BenchmarkSync(b *testing.B) {
	const leads = 400
	n := 0
	for b.Loop() {
		b.StopTimer()
		n++
		f, err := startFakes(int64(n), leads, Limits{})
		if err != nil {
			b.Fatal(err)
		}
		config, env, err := writeConfig(b.TempDir(), f, clientLimitsOff)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		res, err := syncUntilDone(context.Background(), config, env, io.Discard, "")
		b.StopTimer()
		f.close()
		if err != nil || res.RecordsRead != leads {
			b.Fatalf("read %d of %d: %v %s", res.RecordsRead, leads, err, res.Error)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n*leads), "ns/lead")
}
