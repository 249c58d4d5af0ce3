package hubspot_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/crm/hubspot"
	"github.com/leadsync/leadsync/crm/hubspot/hubspottest"
)

func seed(e *env, n int) []string {
	var out []string
	for i := range n {
		out = append(out, e.fake.AddContact(map[string]string{"email": "p" + strconv.Itoa(i) + "@example.com"}))
		e.clock.Advance(time.Second)
	}
	return out
}

func TestChangesPagesAndResume(t *testing.T) {
	// No overlap, so that resuming after the last page reads nothing again.
	e := setup(t, hubspottest.Options{}, hubspot.WithOverlap(0))
	want := seed(e, 450)
	req := crm.ChangesRequest{Object: "contacts", Fields: []string{"email", "jobtitle"}}

	pages, err := readAll(t, e.client, req)
	if err != nil {
		t.Fatal(err)
	}
	if got := []int{len(pages[0].Records), len(pages[1].Records), len(pages[2].Records)}; len(pages) != 3 || !slices.Equal(got, []int{200, 200, 50}) {
		t.Fatalf("page sizes = %v over %d pages, want 200,200,50", got, len(pages))
	}
	if diff := cmp.Diff(want, ids(pages)); diff != "" {
		t.Fatalf("ids (-want +got):\n%s", diff)
	}
	for i, p := range pages {
		if p.Total != 450 {
			t.Errorf("page %d total = %d, want 450", i, p.Total)
		}
	}
	r := pages[0].Records[0]
	if r.Fields["email"] != "p0@example.com" || r.Fields["jobtitle"] != "" || r.ModifiedAt.IsZero() {
		t.Errorf("first record = %+v", r)
	}

	// Every page's cursor resumes exactly after it.
	for i := range pages {
		req.Since = pages[i].Next
		rest, err := readAll(t, e.client, req)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(ids(pages[i+1:]), ids(rest)); diff != "" {
			t.Errorf("resume after page %d (-want +got):\n%s", i, diff)
		}
	}
}

func TestChangesNextWindow(t *testing.T) {
	e := setup(t, hubspottest.Options{}, hubspot.WithOverlap(time.Minute))
	old := seed(e, 3)
	e.clock.Advance(time.Hour)
	pages, err := readAll(t, e.client, crm.ChangesRequest{Object: "contacts"})
	if err != nil {
		t.Fatal(err)
	}
	done := pages[len(pages)-1].Next

	e.clock.Advance(time.Hour)
	e.fake.UpdateContact(old[1], map[string]string{"jobtitle": "CTO"})
	fresh := e.fake.AddContact(map[string]string{"email": "new@example.com"})
	e.fake.UpdateContact(old[2], map[string]string{"email": "p2@example.com"}) // no change: no bump
	e.clock.Advance(time.Minute)

	next, err := readAll(t, e.client, crm.ChangesRequest{Object: "contacts", Since: done, Fields: []string{"jobtitle"}})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{old[1], fresh}, ids(next)); diff != "" {
		t.Errorf("second window (-want +got):\n%s", diff)
	}
	if got := next[0].Records[0].Fields["jobtitle"]; got != "CTO" {
		t.Errorf("jobtitle = %q", got)
	}

	// Nothing changed since: the next window only re-reads, through the overlap,
	// versions it already handed out.
	e.clock.Advance(time.Second)
	again, err := readAll(t, e.client, crm.ChangesRequest{Object: "contacts", Since: next[len(next)-1].Next})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]time.Time{}
	for _, p := range next {
		for _, r := range p.Records {
			seen[r.ID] = r.ModifiedAt
		}
	}
	if len(again) == 0 || again[len(again)-1].Next == "" {
		t.Fatal("third window did not complete")
	}
	for _, p := range again {
		for _, r := range p.Records {
			if m, ok := seen[r.ID]; !ok || !m.Equal(r.ModifiedAt) {
				t.Errorf("third window read %s at %v, which is no re-read", r.ID, r.ModifiedAt)
			}
		}
	}
}

// HubSpot's search serves at most 10,000 results per query; more records than that
// sharing one modification time must neither loop nor hit the 400.
func TestChangesBeyondSearchCapWithOneTimestamp(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds 10,050 contacts")
	}
	e := setup(t, hubspottest.Options{})
	stamp := e.clock.Now().Add(-time.Hour).Format(time.RFC3339)
	const n = 10050
	for i := range n {
		e.fake.AddContact(map[string]string{"email": strconv.Itoa(i) + "@example.com", "lastmodifieddate": stamp})
	}
	pages, err := readAll(t, e.client, crm.ChangesRequest{Object: "contacts"})
	if err != nil {
		t.Fatal(err)
	}
	got := ids(pages)
	if len(got) != n || len(slices.Compact(slices.Clone(got))) != n {
		t.Fatalf("read %d ids (%d distinct), want %d", len(got), len(slices.Compact(slices.Clone(got))), n)
	}
	if !strings.Contains(string(pages[len(pages)-1].Next), `"w"`) {
		t.Errorf("last cursor %s does not complete the window", pages[len(pages)-1].Next)
	}
}

// recorder keeps the search request bodies the adapter sends.
type recorder struct {
	next   http.Handler
	mu     sync.Mutex
	bodies []map[string]any
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if strings.HasSuffix(req.URL.Path, "/search") {
		b, _ := io.ReadAll(req.Body)
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		r.mu.Lock()
		r.bodies = append(r.bodies, m)
		r.mu.Unlock()
		req.Body = io.NopCloser(bytes.NewReader(b))
	}
	r.next.ServeHTTP(w, req)
}

func TestChangesFilterPushdown(t *testing.T) {
	fake := hubspottest.NewServer(hubspottest.Options{SearchPerSecond: -1, BurstLimit: -1, Clock: newClock().Now})
	fake.DefineProperty(hubspottest.Property{Name: "lusha_enriched_at", Type: "datetime"})
	rec := &recorder{next: fake}
	clk := newClock()
	e := setupHandler(t, fake, rec, clk)
	// The fake runs on its own clock here; only filter semantics matter.
	match := fake.AddContact(map[string]string{"email": "a@x.com", "hs_lead_status": "NEW", "city": "Paris", "country": "FR"})
	fake.AddContact(map[string]string{"email": "b@x.com", "hs_lead_status": "NEW", "city": "Paris", "country": "FR",
		"lusha_enriched_at": "2026-01-01T00:00:00Z"})
	fake.AddContact(map[string]string{"email": "c@x.com", "hs_lead_status": "OPEN", "city": "Paris", "country": "FR"})
	fake.AddContact(map[string]string{"email": "d@x.com", "hs_lead_status": "NEW", "city": "Paris", "country": "DE"})
	clk.Advance(24 * time.Hour * 365)

	tests := []struct {
		name   string
		filter crm.Filter
		want   []string
		pushed []string // operators beyond the three window filters
	}{
		{"missing and equals", crm.Filter{Missing: []string{"lusha_enriched_at"}, Equals: map[string]string{"hs_lead_status": "NEW", "city": "paris"}},
			[]string{match, "4"}, []string{"NOT_HAS_PROPERTY lusha_enriched_at", "EQ city", "EQ hs_lead_status"}},
		{"more than fits in the group", crm.Filter{Missing: []string{"lusha_enriched_at"},
			Equals: map[string]string{"hs_lead_status": "NEW", "city": "Paris", "country": "fr"}},
			[]string{match}, []string{"NOT_HAS_PROPERTY lusha_enriched_at", "EQ city", "EQ country"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec.mu.Lock()
			rec.bodies = nil
			rec.mu.Unlock()
			pages, err := readAll(t, e.client, crm.ChangesRequest{Object: "contacts", Filter: tt.filter, Fields: []string{"email"}})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, ids(pages)); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
			rec.mu.Lock()
			defer rec.mu.Unlock()
			groups := rec.bodies[0]["filterGroups"].([]any)
			filters := groups[0].(map[string]any)["filters"].([]any)
			var pushed []string
			for _, f := range filters[3:] {
				m := f.(map[string]any)
				pushed = append(pushed, m["operator"].(string)+" "+m["propertyName"].(string))
			}
			if diff := cmp.Diff(tt.pushed, pushed); diff != "" {
				t.Errorf("pushed filters (-want +got):\n%s", diff)
			}
			if len(groups) != 1 || len(filters) > 6 {
				t.Errorf("sent %d groups, %d filters; want 1 group of at most 6", len(groups), len(filters))
			}
		})
	}
}

// The search index lags writes. A record written just before a window's end but
// indexed after that window was read is only caught because the next window starts
// before the previous one ended (the overlap); it may then be read twice.
func TestChangesLagNeedsOverlap(t *testing.T) {
	tests := []struct {
		name    string
		overlap time.Duration
		want    int // times the late record is read over both windows
	}{
		{"no overlap misses the late record", 0, 0},
		{"overlap catches it", time.Minute, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := setup(t, hubspottest.Options{SearchLag: 30 * time.Second}, hubspot.WithOverlap(tt.overlap))
			late := e.fake.AddContact(map[string]string{"email": "late@example.com"})
			e.clock.Advance(time.Second)
			first, err := readAll(t, e.client, crm.ChangesRequest{Object: "contacts"})
			if err != nil {
				t.Fatal(err)
			}
			e.clock.Advance(time.Minute)
			second, err := readAll(t, e.client, crm.ChangesRequest{Object: "contacts", Since: first[len(first)-1].Next})
			if err != nil {
				t.Fatal(err)
			}
			got := 0
			for _, id := range append(ids(first), ids(second)...) {
				if id == late {
					got++
				}
			}
			if got != tt.want {
				t.Errorf("late record read %d times, want %d", got, tt.want)
			}
		})
	}
}

func TestChangesOverlapRereadsSameVersion(t *testing.T) {
	e := setup(t, hubspottest.Options{}, hubspot.WithOverlap(time.Minute))
	id := e.fake.AddContact(map[string]string{"email": "a@example.com"})
	e.clock.Advance(10 * time.Second)
	first, _ := readAll(t, e.client, crm.ChangesRequest{Object: "contacts"})
	e.clock.Advance(10 * time.Second)
	second, err := readAll(t, e.client, crm.ChangesRequest{Object: "contacts", Since: first[len(first)-1].Next})
	if err != nil {
		t.Fatal(err)
	}
	a, b := first[0].Records[0], second[0].Records[0]
	if a.ID != id || b.ID != id || !a.ModifiedAt.Equal(b.ModifiedAt) {
		t.Errorf("overlap should yield the same (id, modified) twice: %v %v / %v %v", a.ID, a.ModifiedAt, b.ID, b.ModifiedAt)
	}
}

func TestChangesMergedAndArchived(t *testing.T) {
	e := setup(t, hubspottest.Options{})
	keep := e.fake.AddContact(map[string]string{"email": "a@example.com"})
	gone := e.fake.AddContact(map[string]string{"email": "a2@example.com"})
	deleted := e.fake.AddContact(map[string]string{"email": "b@example.com"})
	merged := e.fake.MergeContacts(keep, gone)
	e.fake.ArchiveContact(deleted)
	e.clock.Advance(time.Second)
	pages, err := readAll(t, e.client, crm.ChangesRequest{Object: "contacts"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{merged}, ids(pages)); diff != "" {
		t.Fatalf("ids (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{keep, gone}, pages[0].Records[0].MergedIDs); diff != "" {
		t.Errorf("merged ids (-want +got):\n%s", diff)
	}
}

func TestChangesBadCursor(t *testing.T) {
	e := setup(t, hubspottest.Options{})
	for _, c := range []crm.Cursor{"garbage", `{"v":9}`, `{"v":1,"lo":5,"hi":2}`, `{"v":1,"hi":2,"id":"x"}`} {
		_, err := readAll(t, e.client, crm.ChangesRequest{Object: "contacts", Since: c})
		if crm.ClassOf(err) != crm.ClassInvalid {
			t.Errorf("cursor %s: err = %v, want invalid", c, err)
		}
	}
}
