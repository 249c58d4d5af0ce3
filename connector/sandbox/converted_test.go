package sandbox_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// requestLog is a proxy in front of the fake Lusha that keeps every request body.
type requestLog struct {
	mu     sync.Mutex
	bodies []string
}

func (l *requestLog) serve(next http.Handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		l.mu.Lock()
		l.bodies = append(l.bodies, string(b))
		l.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(b))
		next.ServeHTTP(w, r)
	}
}

// naming returns the requests that name s.
func (l *requestLog) naming(s string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, b := range l.bodies {
		if strings.Contains(b, s) {
			out = append(out, b)
		}
	}
	return out
}

// TestSandboxNeverBuysConvertedLeads (issue 13, Salesforce 1): about a tenth of the
// sandbox org's leads are converted, Lusha knows their people, and no update can
// reach them. The Salesforce run reads only the open leads, spends credits only on
// them, and no request to Lusha names a converted lead's email.
func TestSandboxNeverBuysConvertedLeads(t *testing.T) {
	sb := startFakes(t, 500)
	var log requestLog
	proxy := httptest.NewServer(log.serve(sb.Lusha))
	t.Cleanup(proxy.Close)
	eng := build(t, sb, append(sb.Environ("127.0.0.1:0"), "LEADSYNC_LUSHA__BASE_URL="+proxy.URL))
	if n := len(sb.ConvertedLeads); n*10 < (500+n)*9/10 || n*10 > (500+n)*11/10 {
		t.Fatalf("%d converted leads beside 500 open ones, want about a tenth", n)
	}
	sum := runSalesforce(t, sb, eng)
	if sum.RecordsRead != 500 || sum.RecordsWritten < 300 {
		t.Errorf("salesforce run read %d records and wrote %d, want the 500 open leads read", sum.RecordsRead, sum.RecordsWritten)
	}
	if got := sb.Lusha.CreditsUsed(); got != sum.CreditsSpent || got == 0 {
		t.Errorf("fake Lusha charged %d credits, the run says %d", got, sum.CreditsSpent)
	}
	for id, person := range sb.ConvertedLeads {
		if !person.Known || person.Email == "" {
			continue
		}
		if reqs := log.naming(person.Email); len(reqs) > 0 {
			t.Errorf("converted lead %s (%s) was sent to Lusha: %s", id, person.Email, reqs[0])
		}
		if got := sb.Salesforce.Lead(id); got["Lusha_Enriched_At__c"] != "" || got["IsConverted"] != "true" {
			t.Errorf("converted lead %s changed: %v", id, got)
		}
	}
	if len(log.naming("@")) == 0 {
		t.Fatal("the proxy saw no request naming an email: the test proves nothing")
	}
}
