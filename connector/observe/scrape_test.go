package observe

import (
	"net/http/httptest"
	"testing"
)

// TestScrapeSums reads a live /metrics and sums a family over the series that
// match the labels given, the others ignored; an absent family is not ok.
func TestScrapeSums(t *testing.T) {
	m := NewMetrics()
	m.RecordsRefreshed("a", "signal", 2)
	m.RecordsRefreshed("b", "signal", 3)
	m.RecordsRefreshed("a", "schedule", 5)
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	page, err := Scrape(t.Context(), srv.Client(), srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		labels map[string]string
		want   float64
	}{{nil, 10}, {map[string]string{"trigger": "signal"}, 5}, {map[string]string{"trigger": "signal", "pipeline": "a"}, 2}} {
		if got, ok := page.Sum("leadsync_refreshed_records_total", c.labels); !ok || got != c.want {
			t.Errorf("Sum(%v) = %v, %v; want %v", c.labels, got, ok, c.want)
		}
	}
	if _, ok := page.Sum("no_such_metric", nil); ok {
		t.Error("an absent family was found")
	}
	if _, err := Scrape(t.Context(), srv.Client(), srv.URL+"/../nothing\x7f"); err == nil {
		t.Error("a bad URL scraped")
	}
}
