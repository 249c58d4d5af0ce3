package hubspottest

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestListPages follows reference §4.0 and §10.2 (and the spec's getPage operation,
// crm/contacts/v3/contacts.json): ascending ids, limit default 10 and at most 100,
// paging.next.after is the next record's id with a link to the next page, no paging
// on the last page, properties repeated or comma-separated, the default property set
// when none is named, and archived=true listing only archived records with archivedAt
// (§4.6). Merged-away ids appear in neither list (§4.6: they read as the merged
// record).
func TestListPages(t *testing.T) {
	s, _ := newFake(Options{BurstLimit: -1})
	var ids []string
	for i := range 25 {
		ids = append(ids, s.AddContact(map[string]string{"email": strconv.Itoa(i) + "@example.com", "city": "Oslo"}))
	}
	s.ArchiveContact(ids[3])
	merged := s.MergeContacts(ids[4], ids[5])

	var got []string
	path := "/crm/v3/objects/contacts?properties=city&properties=email,jobtitle"
	for pages := 0; path != ""; pages++ {
		status, _, out := call(t, s, "GET", path, "")
		if status != 200 || pages > 5 {
			t.Fatalf("GET %s = %d %v", path, status, out)
		}
		page := resultIDs(out)
		if len(page) > 10 {
			t.Fatalf("page of %d with the default limit of 10", len(page))
		}
		got = append(got, page...)
		first := out["results"].([]any)[0].(map[string]any)["properties"].(map[string]any)
		for _, p := range []string{"city", "email", "jobtitle", "createdate", "hs_object_id", "lastmodifieddate"} {
			if _, ok := first[p]; !ok {
				t.Errorf("property %s missing from %v", p, first)
			}
		}
		path = ""
		if paging, ok := out["paging"].(map[string]any); ok {
			next := paging["next"].(map[string]any)
			link, err := url.Parse(next["link"].(string))
			if err != nil || link.Query().Get("after") != next["after"] {
				t.Fatalf("link %v does not carry after %v", next["link"], next["after"])
			}
			path = link.RequestURI()
		}
	}
	want := slices.Concat(ids[:3], ids[6:], []string{merged})
	if !slices.Equal(got, want) {
		t.Errorf("listed %v, want %v", got, want)
	}

	status, _, out := call(t, s, "GET", "/crm/v3/objects/0-1?archived=true", "")
	if status != 200 || !slices.Equal(resultIDs(out), []string{ids[3]}) || out["paging"] != nil {
		t.Fatalf("archived list = %d %v", status, out)
	}
	r := out["results"].([]any)[0].(map[string]any)
	if r["archived"] != true || r["archivedAt"] == nil {
		t.Errorf("archived record %v lacks archived or archivedAt", r)
	}
	if p := r["properties"].(map[string]any); p["email"] != "3@example.com" || p["firstname"] != nil {
		t.Errorf("default properties of a list: %v", p)
	}

	_, _, out = call(t, s, "GET", "/crm/v3/objects/contacts?limit=1000", "")
	if n := len(resultIDs(out)); n != 23 || out["paging"] != nil {
		t.Errorf("limit 1000 gave %d results (paging %v), want all 23 at most 100 a page", n, out["paging"])
	}
	for _, bad := range []string{"limit=0", "limit=x", "after=abc", "archived=maybe"} {
		if status, _, out := call(t, s, "GET", "/crm/v3/objects/contacts?"+bad, ""); status != 400 || out["category"] != "VALIDATION_ERROR" {
			t.Errorf("%s = %d %v, want 400 VALIDATION_ERROR", bad, status, out)
		}
	}
}

// TestArchive follows reference §4.6 and the delete and batch/archive rows of §4:
// DELETE and batch/archive answer 204 (an unknown id too) and move records to the
// recycle bin; ?archived=true lists them, paged like the live list, until they are
// purged 90 days after they were archived; a second delete keeps the first archivedAt.
func TestArchive(t *testing.T) {
	s, clk := newFake(Options{BurstLimit: -1})
	var ids []string
	for i := range 6 {
		ids = append(ids, s.AddContact(map[string]string{"email": strconv.Itoa(i) + "@example.com"}))
	}
	send := func(method, path, body string) int {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+s.Token())
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code == http.StatusNoContent && rec.Body.Len() != 0 {
			t.Errorf("%s %s: 204 with a body %q", method, path, rec.Body.String())
		}
		return rec.Code
	}
	for _, c := range []struct {
		method, path, body string
		want               int
	}{
		{"DELETE", "/crm/v3/objects/contacts/" + ids[1], "", 204},
		{"DELETE", "/crm/v3/objects/contacts/424242", "", 204},
		{"POST", "/crm/v3/objects/contacts/batch/archive", `{"inputs":[{"id":"` + ids[2] + `"},{"id":"` + ids[4] + `"},{"id":"999"}]}`, 204},
		{"POST", "/crm/v3/objects/contacts/batch/archive", `{"inputs":`, 400},
	} {
		if got := send(c.method, c.path, c.body); got != c.want {
			t.Errorf("%s %s = %d, want %d", c.method, c.path, got, c.want)
		}
	}
	if status, _, _ := call(t, s, "GET", "/crm/v3/objects/contacts/"+ids[1], ""); status != 404 {
		t.Errorf("GET of an archived record = %d, want 404", status)
	}
	_, _, out := call(t, s, "GET", "/crm/v3/objects/contacts?limit=100", "")
	if got := resultIDs(out); !slices.Equal(got, []string{ids[0], ids[3], ids[5]}) {
		t.Errorf("live list = %v", got)
	}
	first := out["results"].([]any)[0].(map[string]any)
	clk.Advance(time.Hour)
	send("DELETE", "/crm/v3/objects/contacts/"+ids[1], "") // again: archivedAt stays

	var got []string
	var at []string
	path := "/crm/v3/objects/contacts?archived=true&limit=2"
	for path != "" {
		_, _, out := call(t, s, "GET", path, "")
		for _, r := range out["results"].([]any) {
			r := r.(map[string]any)
			if r["archived"] != true {
				t.Errorf("archived list holds %v", r)
			}
			got = append(got, r["id"].(string))
			at = append(at, r["archivedAt"].(string))
		}
		path = ""
		if p, ok := out["paging"].(map[string]any); ok {
			link, _ := url.Parse(p["next"].(map[string]any)["link"].(string))
			path = link.RequestURI()
		}
	}
	if !slices.Equal(got, []string{ids[1], ids[2], ids[4]}) || at[0] != formatTime(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)) {
		t.Errorf("archived list = %v at %v", got, at)
	}
	if first["archived"] != false {
		t.Errorf("live record %v", first)
	}
	clk.Advance(recycleBinDays*24*time.Hour - 2*time.Hour)
	if _, _, out := call(t, s, "GET", "/crm/v3/objects/contacts?archived=true", ""); len(resultIDs(out)) != 3 {
		t.Errorf("archived list an hour before the purge = %v", resultIDs(out))
	}
	clk.Advance(time.Hour)
	if _, _, out := call(t, s, "GET", "/crm/v3/objects/contacts?archived=true", ""); len(resultIDs(out)) != 0 {
		t.Errorf("archived list after 90 days = %v, want purged", resultIDs(out))
	}
}
