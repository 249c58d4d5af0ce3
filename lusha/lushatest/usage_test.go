package lushatest

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/leadsync/leadsync/lusha"
)

// The usage answer's numbers are `number` in the spec (S1 CreditsUsage, RateLimitTier,
// PricingEntry; reference §5.15, §10.2): written as 12.0 or 1e+04 they still conform,
// and the client reads them.
func TestUsageNumbersAreSpecNumbers(t *testing.T) {
	fake := NewServer(NewWorld(1, 10), Options{DecimalUsage: true, Credits: 10_000})
	conf, srv := newConformance(t, fake)
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+"/v3/account/usage", nil)
	req.Header.Set("api_key", fake.APIKey())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`"total":1e+04`, `"used":0.0`, `"perQuantity":25.0`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("usage answer lacks %s: %s", want, body)
		}
	}
	u, _, err := lusha.NewClient(fake.APIKey(), lusha.WithBaseURL(srv.URL)).AccountUsage(t.Context())
	if err != nil {
		t.Fatalf("decimal usage numbers: %v", err)
	}
	if u.Credits.Total != 10_000 || u.Pricing[lusha.ActionSearch].PerQuantity != 25 {
		t.Errorf("decoded %+v, pricing %+v", u.Credits, u.Pricing)
	}
	for _, p := range conf.problems {
		t.Error(p)
	}
}
