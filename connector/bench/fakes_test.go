package bench

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestCounter: limit answers are counted apart from the calls a limit admitted; a
// Salesforce answer refused for the daily limit is a limit answer and no call, a
// collection update with a locked row is both.
func TestCounter(t *testing.T) {
	const (
		lockedRow = `[{"success":false,"errors":[{"statusCode":"UNABLE_TO_LOCK_ROW","message":"unable to obtain exclusive access","fields":[]}]}]`
		saved     = `[{"id":"00Q5e0000000001AAA","success":true,"errors":[]}]`
		dailyOut  = `[{"message":"TotalRequests Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}]`
		readBack  = "/services/data/v62.0/query?q=SELECT+Id%2C+SystemModstamp+FROM+Lead+WHERE+Id+IN+%28%2700Q5e0000000001AAA%27%29"
	)
	tests := []struct {
		name      string
		spec      *crmSpec
		method    string
		path      string
		status    int
		body      string
		wantKind  string
		want429   int
		wantCalls int
	}{
		{"search", &hubspotSpec, http.MethodPost, "/crm/v3/objects/contacts/search", http.StatusOK, "{}", kindHubSpotSearch, 0, 1},
		{"batch update", &hubspotSpec, http.MethodPost, "/crm/v3/objects/contacts/batch/update", http.StatusOK, "{}", kindHubSpotWrite, 0, 1},
		{"property read", &hubspotSpec, http.MethodGet, "/crm/v3/properties/contacts", http.StatusOK, "{}", kindHubSpotOther, 0, 1},
		{"refused search", &hubspotSpec, http.MethodPost, "/crm/v3/objects/contacts/search", http.StatusTooManyRequests, "{}", kindHubSpotSearch, 1, 0},
		{"failed write still counts against the window", &hubspotSpec, http.MethodPost, "/crm/v3/objects/contacts/batch/update", http.StatusBadRequest, "{}", kindHubSpotWrite, 0, 1},
		{"changes query", &salesforceSpec, http.MethodGet, "/services/data/v62.0/query?q=SELECT+Id+FROM+Lead", http.StatusOK, `{"records":[]}`, kindSalesforceQuery, 0, 1},
		{"next batch", &salesforceSpec, http.MethodGet, "/services/data/v62.0/query/01g5e0000000001-2000", http.StatusOK, `{"records":[]}`, kindSalesforceMore, 0, 1},
		{"read back", &salesforceSpec, http.MethodGet, readBack, http.StatusOK, `{"records":[]}`, kindSalesforceReadBack, 0, 1},
		{"collection saved", &salesforceSpec, http.MethodPatch, "/services/data/v62.0/composite/sobjects", http.StatusOK, saved, kindSalesforceUpdate, 0, 1},
		{"collection with a locked row", &salesforceSpec, http.MethodPatch, "/services/data/v62.0/composite/sobjects", http.StatusOK, lockedRow, kindSalesforceUpdate, 1, 1},
		{"daily allocation spent", &salesforceSpec, http.MethodGet, "/services/data/v62.0/query?q=SELECT+Id+FROM+Lead", http.StatusForbidden, dailyOut, kindSalesforceQuery, 1, 0},
		{"bad query is no limit", &salesforceSpec, http.MethodGet, "/services/data/v62.0/query?q=SELEC", http.StatusBadRequest, `[{"errorCode":"MALFORMED_QUERY"}]`, kindSalesforceQuery, 0, 1},
		{"token", &salesforceSpec, http.MethodPost, "/services/oauth2/token", http.StatusOK, "{}", kindSalesforceToken, 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCounter(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, tt.body)
			}), tt.spec.kind, tt.spec.rule)
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
			if got.HTTP429 != tt.want429 || got.Calls[tt.wantKind] != tt.wantCalls || sumCalls(got.Calls) != tt.wantCalls {
				t.Errorf("traffic %+v, want %d calls of %s and %d limit answers", got, tt.wantCalls, tt.wantKind, tt.want429)
			}
		})
	}
}

// TestCreditsNeeded: searches are needed per call of 100 for matched people; a phone
// or company answer only once a field it feeds was written, never for hand-typed values.
func TestCreditsNeeded(t *testing.T) {
	for _, spec := range crmSpecs {
		t.Run(spec.name, func(t *testing.T) { testCreditsNeeded(t, spec) })
	}
}

func testCreditsNeeded(t *testing.T, spec *crmSpec) {
	f, err := startFakes(spec, 3, 250, Limits{})
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
		if hand[spec.fields.Mobile] != "" {
			handTyped = id
		}
	}
	if handTyped == "" {
		t.Fatal("no hand-typed mobile phone in the seed; pick another seed")
	}
	a, b := f.ids[0], f.ids[1]
	names := spec.fields
	f.crm.update(a, map[string]string{names.Phone: "+14155550100", names.Industry: "Software"})
	f.crm.update(b, map[string]string{names.Mobile: "+14155550101"})
	f.crm.update(handTyped, map[string]string{names.City: "Springfield"}) // its phone stays the human's
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
		f, err := startFakes(&hubspotSpec, int64(n), leads, Limits{})
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
