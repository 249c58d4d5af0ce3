package connector

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/leadsync/leadsync/connector/account"
	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/crm/hubspot"
	"github.com/leadsync/leadsync/crm/hubspot/hubspottest"
	"github.com/leadsync/leadsync/lusha/lushatest"
	"github.com/leadsync/leadsync/mapping"
)

// Helpers of seams_test.go: a second portal, a pipeline on any CRM account, a proxy
// that loses the answers of writes the fake CRM applied, and readers of what was sent
// to Lusha.

// portal is another fake HubSpot portal, a CRM account of the same process.
type portal struct {
	name   string
	hub    *hubspottest.Server
	url    string
	ids    []string
	person map[string]*lushatest.Person
}

// addPortal seeds a new fake HubSpot portal with the harness's people in the same
// order, so that its contact ids are the very ids of "hs", and makes it the CRM
// account name of the process's accounts.
func (h *harness) addPortal(name string) *portal { return h.addPortalBehind(name, nil) }

// addPortalBehind is addPortal with front, when not nil, in front of the portal.
func (h *harness) addPortalBehind(name string, front func(w http.ResponseWriter, r *http.Request, next http.Handler)) *portal {
	h.t.Helper()
	p := &portal{name: name, hub: hubspottest.NewServer(hubspottest.Options{}), person: map[string]*lushatest.Person{}}
	p.hub.DefineProperty(hubspottest.Property{Name: "lusha_enriched_at", Type: "datetime", FieldType: "date", GroupName: "contactinformation"})
	for i := range h.world.People {
		person := &h.world.People[i]
		id := p.hub.AddContact(map[string]string{"email": person.Email, "firstname": person.FirstName,
			"lastname": person.LastName, "company": person.Company.Name, "website": "https://" + person.Company.EmailDomain})
		p.ids = append(p.ids, id)
		p.person[id] = person
	}
	var handler http.Handler = p.hub
	if front != nil {
		handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { front(w, r, p.hub) })
	}
	srv := httptest.NewServer(handler)
	h.t.Cleanup(srv.Close)
	p.url = srv.URL
	adapter := hubspot.New(p.hub.Token(), hubspot.WithBaseURL(srv.URL), hubspot.WithSettleLag(0))
	h.settings.CRMs = append(h.settings.CRMs, account.CRMSettings{Name: name, Kind: "hubspot", Identity: srv.URL,
		Breaker: account.BreakerSettings{Failures: 1000, Timeout: time.Minute},
		Build:   func() (crm.Adapter, error) { return adapter, nil }})
	if err := h.accts.Apply(h.settings); err != nil {
		h.t.Fatal(err)
	}
	return p
}

// settle waits until every contact of the portal was modified in the past, so that a
// read that ends at "now" sees them all (as h.settle does for "hs").
func (p *portal) settle() { settlePortal(p.hub) }

// pipeline is another pipeline of the harness's runner, on the named CRM account.
func (h *harness) pipeline(name, crmAccount, mappingYAML string, filter crm.Filter) *Pipeline {
	h.t.Helper()
	m, err := mapping.Parse(name+".yaml", []byte(mappingYAML), mapping.Options{Schema: AnswerSchema()})
	if err != nil {
		h.t.Fatal(err)
	}
	return &Pipeline{Name: name, Object: "contacts", Account: crmAccount, Mapping: m, CacheTTL: 30 * 24 * time.Hour,
		Filter: filter}
}

// runPipe is h.run for any pipeline of the harness.
func (h *harness) runPipe(p *Pipeline, opts RunOptions) Summary {
	h.t.Helper()
	sum, err := h.runner.Run(context.Background(), p, opts)
	if err != nil {
		h.t.Fatal(err)
	}
	return sum
}

// lossMode is how a write's answer is lost after the fake CRM applied the write.
type lossMode int

const (
	lossClose  lossMode = iota // the connection is closed without an answer
	loss502                    // a gateway answers 502
	lossCancel                 // the write hangs until the run's context is cancelled
)

// lossyCRM sits in front of the harness's fake HubSpot. While drop is above zero, a
// batch update is applied by the fake and then its answer is lost as mode says.
type lossyCRM struct {
	h       *harness
	mode    lossMode
	drop    atomic.Int32
	applied chan struct{} // closed once a write whose answer is lost was applied
	once    sync.Once
}

// loseWrites puts a lossyCRM in front of the fake portal as CRM account "hs".
func (h *harness) loseWrites(mode lossMode) *lossyCRM {
	h.t.Helper()
	l := &lossyCRM{h: h, mode: mode, applied: make(chan struct{})}
	h.frontCRM(l)
	return l
}

// frontCRM makes CRM account "hs" reach the fake portal through front.
func (h *harness) frontCRM(front http.Handler) {
	h.t.Helper()
	srv := httptest.NewServer(front)
	h.t.Cleanup(srv.Close)
	adapter := hubspot.New(h.hub.Token(), hubspot.WithBaseURL(srv.URL), hubspot.WithSettleLag(0))
	h.settings.CRMs[0].Identity = srv.URL
	h.settings.CRMs[0].Build = func() (crm.Adapter, error) { return adapter, nil }
	if err := h.accts.Apply(h.settings); err != nil {
		h.t.Fatal(err)
	}
}

// readGate holds Lusha's contact searches until every named reader has read from its
// CRM, so that concurrent pipelines all plan before any of them buys: the race in
// which two pipelines both miss the cache happens on every run, not by chance.
type readGate struct {
	mu   sync.Mutex
	want map[string]bool
	open chan struct{}
	once sync.Once
}

// release opens the gate whoever read: a run that ended without reading must not
// leave the others' purchases held.
func (g *readGate) release() { g.once.Do(func() { close(g.open) }) }

func newReadGate(readers ...string) *readGate {
	g := &readGate{want: map[string]bool{}, open: make(chan struct{})}
	for _, r := range readers {
		g.want[r] = true
	}
	return g
}

// read notes that reader read from its CRM.
func (g *readGate) read(reader string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.want[reader] {
		delete(g.want, reader)
		if len(g.want) == 0 {
			g.release()
		}
	}
}

// front notes a CRM search by the reader that classify names ("": none).
func (g *readGate) front(classify func(r *http.Request, body []byte) string) func(w http.ResponseWriter, r *http.Request, next http.Handler) {
	return func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		if strings.HasSuffix(r.URL.Path, "/search") {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			if reader := classify(r, body); reader != "" {
				defer g.read(reader) // once the page is answered
			}
		}
		next.ServeHTTP(w, r)
	}
}

// holdLusha makes the harness's fake Lusha hold contact searches until the gate opens.
func (h *harness) holdLusha(g *readGate) {
	h.setFail(func(r *http.Request, _ []byte) int {
		if strings.HasPrefix(r.URL.Path, "/v3/contacts/search") {
			select {
			case <-g.open:
			case <-r.Context().Done():
			}
		}
		return 0
	})
}

func (l *lossyCRM) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.HasSuffix(r.URL.Path, "/batch/update") || l.drop.Add(-1) < 0 {
		l.h.hub.ServeHTTP(w, r)
		return
	}
	rec := httptest.NewRecorder()
	l.h.hub.ServeHTTP(rec, r)
	if rec.Code/100 != 2 {
		// Not applied: pass the refusal on, it is no lost answer.
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
		return
	}
	l.once.Do(func() { close(l.applied) })
	switch l.mode {
	case lossClose:
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			_ = conn.Close()
		}
	case loss502:
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = w.Write([]byte("<html><body>502 Bad Gateway</body></html>"))
	case lossCancel:
		<-r.Context().Done()
	}
}

// searchedPeople counts, per person, the search items that named them (by email, or
// by LinkedIn URL, or by name at their company), in calls of the given path.
func (h *harness) searchedPeople(reqs []lushaRequest, path string) map[*lushatest.Person]int {
	h.t.Helper()
	out := map[*lushatest.Person]int{}
	for _, r := range reqs {
		if r.Path != path {
			continue
		}
		var body struct {
			Contacts []struct {
				Email, LinkedinURL, FirstName, LastName, CompanyName, CompanyDomain string
			} `json:"contacts"`
		}
		if err := json.Unmarshal([]byte(r.Body), &body); err != nil {
			h.t.Fatalf("%s body: %v", path, err)
		}
		for _, c := range body.Contacts {
			if p := h.world.FindPerson("", c.LinkedinURL, c.Email, c.FirstName, c.LastName, c.CompanyName, c.CompanyDomain); p != nil {
				out[p]++
			}
		}
	}
	return out
}

// enrichedIDs counts, per Lusha person id, the contacts/enrich calls that named it.
func (h *harness) enrichedIDs(reqs []lushaRequest) map[string]int {
	h.t.Helper()
	out := map[string]int{}
	for _, r := range reqs {
		if r.Path != "/v3/contacts/enrich" {
			continue
		}
		var body struct {
			IDs []string `json:"ids"`
		}
		if err := json.Unmarshal([]byte(r.Body), &body); err != nil {
			h.t.Fatalf("enrich body: %v", err)
		}
		for _, id := range body.IDs {
			out[id]++
		}
	}
	return out
}

// chargedFor counts the contact items Lusha charged for the person id.
func (h *harness) chargedFor(id string) (items, credits int) {
	for _, c := range h.lusha.Charges() {
		for _, it := range c.Items {
			if it.ID == id {
				items++
				credits += it.Credits
			}
		}
	}
	return items, credits
}

// sameCRMValue compares a value leadsync wrote with what the CRM shows, allowing for
// the CRM's own formatting of date-times.
func sameCRMValue(crmValue, written string) bool {
	a, b := strings.TrimSpace(crmValue), strings.TrimSpace(written)
	if a == b {
		return true
	}
	ta, errA := crmInstant(a)
	tb, errB := crmInstant(b)
	return errA == nil && errB == nil && ta.Equal(tb)
}

func crmInstant(v string) (time.Time, error) {
	if ms, err := strconv.ParseInt(v, 10, 64); err == nil {
		return time.UnixMilli(ms), nil
	}
	return time.Parse(time.RFC3339Nano, v)
}

// revealable is a known, unrestricted person with a phone whom Lusha finds by name at
// their company's domain as well as by email (no namesake at the same company).
func (h *harness) revealable(t *testing.T) (string, *lushatest.Person) {
	t.Helper()
	for _, id := range h.ids {
		p := h.person[id]
		if p.Known && !p.Restricted && len(p.Phones) > 0 &&
			h.world.FindPerson("", "", "", p.FirstName, p.LastName, "", p.Company.EmailDomain) == p {
			return id, p
		}
	}
	t.Fatal("the world has no known person with a phone; pick another size")
	return "", nil
}
