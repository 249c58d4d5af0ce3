package lushatest

import (
	"bytes"
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/leadsync/leadsync/lusha"
)

func (s *Server) handleUsage(w http.ResponseWriter, r *http.Request) {
	acct := accountOf(r)
	now := s.opts.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	ws := acct.windows
	for _, win := range []*window{ws.day, ws.hour, ws.minute} {
		win.roll(now)
	}
	end := time.Date(now.Year()+1, 1, 1, 0, 0, 0, 0, time.UTC).Format("2006-01-02T15:04:05.000Z")
	u := lusha.AccountUsage{
		Credits: &lusha.CreditsUsage{Total: float64(acct.creditsTotal), Used: float64(acct.creditsUsed),
			Remaining: float64(acct.remaining())},
		RateLimits: &lusha.RateLimits{Daily: ws.day.tier(), Hourly: ws.hour.tier(), Minute: ws.minute.tier()},
		Plan: &lusha.Plan{Category: "professional", RenewalType: "annual",
			StartDate: time.Date(now.Year(), 1, 1, 0, 0, 0, 0, time.UTC).Format("2006-01-02T15:04:05.000Z"), EndDate: &end},
		Pricing: s.opts.Pricing.table(),
	}
	if !s.opts.DecimalUsage {
		writeJSON(w, http.StatusOK, u)
		return
	}
	body, err := decimalNumbers(u)
	if err != nil {
		s.writeError(w, nil, http.StatusInternalServerError, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, body)
}

// decimalNumbers encodes v with every integral number written as a JSON encoder that
// holds only doubles may write it: 12.0, or 1e+04 from a thousand up. The spec types
// every usage number as `number` (S1 CreditsUsage, RateLimitTier, PricingEntry; the
// reference's §5.15 and §10.2), so a client must read both forms. INFERENCE: the
// answers seen so far write integral values as integers; this is the spec's latitude.
func decimalNumbers(v any) (json.RawMessage, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var tree any
	if err := dec.Decode(&tree); err != nil {
		return nil, err
	}
	return json.Marshal(rewriteNumbers(tree))
}

func rewriteNumbers(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = rewriteNumbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = rewriteNumbers(e)
		}
	case json.Number:
		f, err := x.Float64()
		if err != nil || f != math.Trunc(f) {
			return x
		}
		if math.Abs(f) >= 1000 {
			return json.Number(strconv.FormatFloat(f, 'e', -1, 64))
		}
		return json.Number(strconv.FormatFloat(f, 'f', 1, 64))
	}
	return v
}
