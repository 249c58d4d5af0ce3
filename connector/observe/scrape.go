package observe

import (
	"context"
	"fmt"
	"io"
	"net/http"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Scraped is a /metrics page as a Prometheus server reads it: its families by name.
type Scraped map[string]*dto.MetricFamily

// Scrape reads and parses the text exposition at url.
func Scrape(ctx context.Context, client *http.Client, url string) (Scraped, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("read %s: %s", url, resp.Status)
	}
	return Parse(resp.Body)
}

// Parse parses a text exposition.
func Parse(r io.Reader) (Scraped, error) {
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(r)
	if err != nil {
		return nil, fmt.Errorf("parse /metrics: %w", err)
	}
	return families, nil
}

// Sum adds the counter values of the series of family name whose labels have the
// given values (other labels any); ok is false when the family is absent.
func (s Scraped) Sum(name string, labels map[string]string) (total float64, ok bool) {
	fam := s[name]
	if fam == nil {
		return 0, false
	}
	for _, m := range fam.GetMetric() {
		match := true
		for _, l := range m.GetLabel() {
			if want, ok := labels[l.GetName()]; ok && want != l.GetValue() {
				match = false
			}
		}
		if match {
			total += m.GetCounter().GetValue()
		}
	}
	return total, true
}
