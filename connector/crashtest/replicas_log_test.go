package crashtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leadsync/leadsync/state"
)

// hit is one request a replica incarnation sent to a fake, as the fake served it.
type hit struct {
	Fake   string
	Inc    int // the incarnation that sent it (through its own proxy)
	Method string
	Path   string
	Status int
	// Pipeline is the pipeline the request served, when its filter or its records
	// say (schema reads and token calls serve every pipeline of a CRM: "").
	Pipeline          string
	Arrived, Answered time.Time
}

// hitLog records every request the replicas send, through their proxies.
type hitLog struct {
	attribute func(crmName string, r *http.Request, reqBody, respBody []byte) string

	mu   sync.Mutex
	hits []hit
}

// proxy is incarnation inc's HTTP proxy: it serves each request by the fake its host
// names (fakes, by "<name>.fake") and logs it with the fake's answer.
func (l *hitLog) proxy(inc int, fakes map[string]http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived := time.Now()
		fake, _ := strings.CutSuffix(r.URL.Hostname(), ".fake")
		next := fakes[fake]
		if next == nil {
			http.Error(w, "no fake at "+r.URL.Host, http.StatusBadGateway)
			return
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		h := hit{Fake: fake, Inc: inc, Method: r.Method, Path: r.URL.Path, Status: rec.Code,
			Arrived: arrived, Answered: time.Now()}
		if fake != fakeLusha {
			h.Pipeline = l.attribute(fake, r, body, rec.Body.Bytes())
		}
		l.mu.Lock()
		l.hits = append(l.hits, h)
		l.mu.Unlock()
		maps.Copy(w.Header(), rec.Header())
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	})
}

func (l *hitLog) all() []hit {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.hits)
}

var (
	soqlSplit = regexp.MustCompile(`LeadSource\s*=\s*'([^']*)'`)
	leadID    = regexp.MustCompile(`00Q5e0[0-9A-Za-z]{9}`)
)

// pipelineOf tells which pipeline a CRM request served: by the split value in its
// query (a HubSpot search's filter, a SOQL WHERE) or by the records it names or
// returns. Several pipelines are joined with "+", which the overlap check reports.
func (f *clusterFixture) pipelineOf(crmName string, r *http.Request, reqBody, respBody []byte) string {
	seen := map[string]bool{}
	bySplit := func(value string) {
		for _, p := range clusterPipelines {
			if p.CRM == crmName && p.Value == value {
				seen[p.Name] = true
			}
		}
	}
	byID := func(id string) {
		if p, ok := f.pipelineByID(crmName, id); ok {
			seen[p] = true
		}
	}
	if crmName == crmSF {
		for _, m := range soqlSplit.FindAllStringSubmatch(r.URL.Query().Get("q")+string(reqBody), -1) {
			bySplit(m[1])
		}
		for _, id := range leadID.FindAllString(r.URL.Path+string(reqBody)+string(respBody), -1) {
			byID(id)
		}
	} else {
		var req struct {
			FilterGroups []struct {
				Filters []struct{ PropertyName, Value string }
			}
			Inputs []struct{ ID string }
		}
		var resp struct{ Results []struct{ ID string } }
		_ = json.Unmarshal(reqBody, &req) // not every call has a JSON body
		_ = json.Unmarshal(respBody, &resp)
		for _, g := range req.FilterGroups {
			for _, flt := range g.Filters {
				if flt.PropertyName == "lifecyclestage" {
					bySplit(flt.Value)
				}
			}
		}
		for _, in := range req.Inputs {
			byID(in.ID)
		}
		for _, res := range resp.Results {
			byID(res.ID)
		}
	}
	return strings.Join(slices.Sorted(maps.Keys(seen)), "+")
}

// runnerPID is the process id in a run's Runner, "<host>-<pid>/job-<id>.<attempt>"
// (connector.ReplicaOf names replicas host-pid).
func runnerPID(runner string) int {
	replica, _, _ := strings.Cut(runner, "/")
	pid, err := strconv.Atoi(replica[strings.LastIndexByte(replica, '-')+1:])
	if err != nil {
		return 0
	}
	return pid
}

// runSpan is what the fakes saw of one run: its requests from first arrival to last
// answer.
type runSpan struct {
	run      state.Run
	inc      *incarnation
	from, to time.Time
	requests int
}

// runOverlaps looks, in the fakes' request logs, for two runs of one pipeline at once.
// What it relies on: each incarnation reaches the fakes through a proxy of its own, so
// a request's sender is known; a request's pipeline is known by its split filter or
// its records (pipelineOf); and a run is known by the runs table: a request of
// incarnation X for pipeline P belongs to X's latest run of P that started before it
// (one process runs one pipeline once at a time: its lease). Each run then spans from
// its first request's arrival to its last request's answer (for a killed incarnation,
// to its kill at most: it acted on no later answer), and no two runs' spans of one
// pipeline may overlap. A run that the fakes never heard from (refused a lease, ended
// early) spans nothing. It returns what it found wrong and how many spans it checked.
func (f *clusterFixture) runOverlaps(hits []hit, runs []state.Run) (problems []string, spans int) {
	byPID := map[int]*incarnation{}
	for _, in := range f.incs {
		byPID[in.pid] = in
	}
	type key struct {
		pipeline string
		pid      int
	}
	runsOf := map[key][]*runSpan{}
	for _, r := range runs {
		pid := runnerPID(r.Runner)
		if byPID[pid] == nil {
			problems = append(problems, fmt.Sprintf("run %s of %s was run by %q, no replica of this test", r.RunID, r.Pipeline, r.Runner))
			continue
		}
		k := key{r.Pipeline, pid}
		runsOf[k] = append(runsOf[k], &runSpan{run: r, inc: byPID[pid]})
	}
	for _, rs := range runsOf {
		slices.SortFunc(rs, func(a, b *runSpan) int { return a.run.StartedAt.Compare(b.run.StartedAt) })
	}
	for _, h := range hits {
		if h.Pipeline == "" {
			continue
		}
		in := f.incs[h.Inc]
		if strings.Contains(h.Pipeline, "+") {
			problems = append(problems, fmt.Sprintf("%s %s by replica %d (pid %d) served several pipelines at once: %s",
				h.Method, h.Path, in.slot, in.pid, h.Pipeline))
			continue
		}
		rs := runsOf[key{h.Pipeline, in.pid}]
		i := -1
		for j, r := range rs {
			if !r.run.StartedAt.After(h.Arrived) {
				i = j
			}
		}
		if i < 0 {
			problems = append(problems, fmt.Sprintf("%s %s for %s by replica %d (pid %d) at %s: no run of it had started",
				h.Method, h.Path, h.Pipeline, in.slot, in.pid, h.Arrived.Format(time.StampMicro)))
			continue
		}
		rs[i].add(h, in)
	}
	byPipeline := map[string][]*runSpan{}
	for k, rs := range runsOf {
		for _, s := range rs {
			if s.requests > 0 {
				byPipeline[k.pipeline] = append(byPipeline[k.pipeline], s)
			}
		}
	}
	for p, ss := range byPipeline {
		slices.SortFunc(ss, func(a, b *runSpan) int { return a.from.Compare(b.from) })
		var last *runSpan // the span that reaches furthest so far
		for _, s := range ss {
			spans++
			if last != nil && s.from.Before(last.to) {
				problems = append(problems, fmt.Sprintf("%s: run %s (replica %d, pid %d) sent its first request at %s, "+
					"while run %s (replica %d, pid %d, %d requests) still had requests until %s",
					p, s.run.RunID, s.inc.slot, s.inc.pid, s.from.Format(time.StampMicro), last.run.RunID,
					last.inc.slot, last.inc.pid, last.requests, last.to.Format(time.StampMicro)))
			}
			if last == nil || s.to.After(last.to) {
				last = s
			}
		}
	}
	return problems, spans
}

// add counts h, of incarnation in, into the run's span.
func (s *runSpan) add(h hit, in *incarnation) {
	end := h.Answered
	if !in.killedAt.IsZero() && end.After(in.killedAt) {
		end = in.killedAt
	}
	if s.requests == 0 || h.Arrived.Before(s.from) {
		s.from = h.Arrived
	}
	if end.After(s.to) {
		s.to = end
	}
	s.requests++
}

// TestRunOverlaps holds runOverlaps to what it must catch and what it must let pass.
func TestRunOverlaps(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	run := func(id string, pid, startMS int) state.Run {
		return state.Run{RunID: id, Pipeline: "p", StartedAt: at(startMS), Runner: fmt.Sprintf("host-a-%d/job-1.1", pid)}
	}
	req := func(inc, fromMS, toMS int) hit {
		return hit{Inc: inc, Method: "POST", Path: "/search", Pipeline: "p", Arrived: at(fromMS), Answered: at(toMS)}
	}
	killed := &incarnation{n: 0, slot: 0, pid: 100, killedAt: at(2000)}
	other := &incarnation{n: 1, slot: 1, pid: 200}
	cases := []struct {
		name  string
		runs  []state.Run
		hits  []hit
		wrong int
	}{
		{"one after the other", []state.Run{run("a", 100, 0), run("b", 200, 1500)},
			[]hit{req(0, 10, 900), req(0, 950, 1000), req(1, 1600, 1700)}, 0},
		{"the second starts while the first still asks", []state.Run{run("a", 100, 0), run("b", 200, 500)},
			[]hit{req(0, 10, 100), req(1, 600, 700), req(0, 800, 900)}, 1},
		{"an answer after the kill", []state.Run{run("a", 100, 0), run("b", 200, 2050)},
			[]hit{req(0, 1900, 2600), req(1, 2100, 2200)}, 0},
		{"a request before any run", []state.Run{run("a", 100, 500)}, []hit{req(0, 100, 200)}, 1},
		{"a run of no replica", []state.Run{run("a", 300, 0)}, nil, 1},
		{"a request of two pipelines", []state.Run{run("a", 100, 0)},
			[]hit{{Inc: 0, Pipeline: "p+q", Arrived: at(10), Answered: at(20)}}, 1},
	}
	for _, c := range cases {
		f := &clusterFixture{incs: []*incarnation{killed, other}}
		if got, _ := f.runOverlaps(c.hits, c.runs); len(got) != c.wrong {
			t.Errorf("%s: %d problems, want %d: %q", c.name, len(got), c.wrong, got)
		}
	}
}
