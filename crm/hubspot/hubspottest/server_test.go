package hubspottest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newFake(opts Options) (*Server, *clock) {
	clk := &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	opts.Clock = clk.Now
	return NewServer(opts), clk
}

// call serves one request in-process and decodes the JSON answer.
func call(t *testing.T, s *Server, method, path, body string) (int, http.Header, map[string]any) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+s.Token())
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	var out map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatalf("%s %s: body %q is not JSON: %v", method, path, rec.Body.String(), err)
	}
	if got := rec.Header().Get("Content-Type"); got != contentType {
		t.Errorf("content type = %q", got)
	}
	if rec.Code >= 400 && out["correlationId"] != rec.Header().Get("X-HubSpot-Correlation-Id") {
		t.Errorf("correlationId %v does not match the header", out["correlationId"])
	}
	return rec.Code, rec.Header(), out
}

func resultIDs(out map[string]any) []string {
	var ids []string
	for _, r := range out["results"].([]any) {
		ids = append(ids, r.(map[string]any)["id"].(string))
	}
	return ids
}

func TestSearchOperators(t *testing.T) {
	s, clk := newFake(Options{SearchPerSecond: -1})
	s.DefineProperty(Property{Name: "score", Type: "number"})
	s.DefineProperty(Property{Name: "tags", Type: "enumeration", FieldType: "checkbox",
		Options: []Option{{Value: "a"}, {Value: "b"}, {Value: "C"}}})
	a := s.AddContact(map[string]string{"email": "Ann@Acme.com", "score": "10", "tags": "a;b", "lifecyclestage": "lead"})
	clk.Advance(time.Minute)
	b := s.AddContact(map[string]string{"email": "bob@other.org", "score": "9.5", "tags": "C"})
	clk.Advance(time.Minute)
	c := s.AddContact(map[string]string{"firstname": "Cy", "score": "100"})
	clk.Advance(time.Minute)
	t1 := "1772366460000" // 12:01:00Z, b's creation

	tests := []struct {
		name, filters string
		want          []string
	}{
		{"EQ text ignores case", `[{"propertyName":"email","operator":"EQ","value":"ann@acme.com"}]`, []string{a}},
		{"EQ enum is case-sensitive", `[{"propertyName":"tags","operator":"EQ","value":"c"}]`, nil},
		{"EQ multi-select member", `[{"propertyName":"tags","operator":"EQ","value":"b"}]`, []string{a}},
		{"NEQ includes empty", `[{"propertyName":"lifecyclestage","operator":"NEQ","value":"lead"}]`, []string{b, c}},
		{"GT number not text", `[{"propertyName":"score","operator":"GT","value":"9.6"}]`, []string{a, c}},
		{"LT", `[{"propertyName":"score","operator":"LT","value":"10"}]`, []string{b}},
		{"LTE", `[{"propertyName":"score","operator":"LTE","value":"10"}]`, []string{a, b}},
		{"GTE ms string", `[{"propertyName":"createdate","operator":"GTE","value":"` + t1 + `"}]`, []string{b, c}},
		{"GTE ms number", `[{"propertyName":"createdate","operator":"GTE","value":` + t1 + `}]`, []string{b, c}},
		{"GT ISO with offset", `[{"propertyName":"lastmodifieddate","operator":"GT","value":"2026-03-01T13:01:00+01:00"}]`, []string{c}},
		{"BETWEEN inclusive", `[{"propertyName":"score","operator":"BETWEEN","value":"9.5","highValue":"10"}]`, []string{a, b}},
		{"IN text lowercase", `[{"propertyName":"email","operator":"IN","values":["bob@other.org","ann@acme.com"]}]`, []string{a, b}},
		{"IN text uppercase never matches", `[{"propertyName":"email","operator":"IN","values":["Ann@Acme.com"]}]`, nil},
		{"NOT_IN", `[{"propertyName":"score","operator":"NOT_IN","values":["10","100"]}]`, []string{b}},
		{"HAS_PROPERTY", `[{"propertyName":"email","operator":"HAS_PROPERTY"}]`, []string{a, b}},
		{"NOT_HAS_PROPERTY", `[{"propertyName":"email","operator":"NOT_HAS_PROPERTY"}]`, []string{c}},
		{"CONTAINS_TOKEN wildcard", `[{"propertyName":"email","operator":"CONTAINS_TOKEN","value":"*@acme.com"}]`, []string{a}},
		{"AND within a group", `[{"propertyName":"score","operator":"GT","value":"9"},{"propertyName":"email","operator":"HAS_PROPERTY"}]`, []string{a, b}},
		{"hs_object_id compares as a number", `[{"propertyName":"hs_object_id","operator":"GT","value":"` + b + `"}]`, []string{c}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, _, out := call(t, s, "POST", "/crm/v3/objects/contacts/search", `{"filterGroups":[{"filters":`+tt.filters+`}]}`)
			if status != 200 {
				t.Fatalf("status %d: %v", status, out)
			}
			if diff := cmp.Diff(tt.want, resultIDs(out)); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("OR across groups", func(t *testing.T) {
		_, _, out := call(t, s, "POST", "/crm/v3/objects/contacts/search",
			`{"filterGroups":[{"filters":[{"propertyName":"firstname","operator":"EQ","value":"cy"}]},{"filters":[{"propertyName":"score","operator":"EQ","value":"9.5"}]}]}`)
		if diff := cmp.Diff([]string{b, c}, resultIDs(out)); diff != "" {
			t.Errorf("ids (-want +got):\n%s", diff)
		}
	})
}

func TestSearchSortPagingAndLimits(t *testing.T) {
	s, _ := newFake(Options{SearchPerSecond: -1})
	var ids []string
	for _, score := range []string{"3", "1", "2"} {
		s.DefineProperty(Property{Name: "score", Type: "number"})
		ids = append(ids, s.AddContact(map[string]string{"score": score}))
	}
	for _, sort := range []string{`["-score"]`, `[{"propertyName":"score","direction":"DESCENDING"}]`} {
		_, _, out := call(t, s, "POST", "/crm/v3/objects/contacts/search", `{"sorts":`+sort+`,"limit":2}`)
		if diff := cmp.Diff([]string{ids[0], ids[2]}, resultIDs(out)); diff != "" {
			t.Errorf("sort %s (-want +got):\n%s", sort, diff)
		}
		if out["total"] != 3.0 || out["paging"].(map[string]any)["next"].(map[string]any)["after"] != "2" {
			t.Errorf("sort %s: total/paging = %v %v", sort, out["total"], out["paging"])
		}
	}
	_, _, last := call(t, s, "POST", "/crm/v3/objects/contacts/search", `{"sorts":["score"],"limit":2,"after":"2"}`)
	if diff := cmp.Diff([]string{ids[0]}, resultIDs(last)); diff != "" || last["paging"] != nil {
		t.Errorf("last page: %v, paging %v", diff, last["paging"])
	}
	_, _, def := call(t, s, "POST", "/crm/v3/objects/contacts/search", `{}`)
	if props := def["results"].([]any)[0].(map[string]any)["properties"].(map[string]any); !slices.Equal(sortedKeys(props), s.types["contacts"].defaultSearch) {
		t.Errorf("default properties = %v", sortedKeys(props))
	}

	filters := func(n int) string {
		f := strings.Repeat(`{"propertyName":"score","operator":"HAS_PROPERTY"},`, n)
		return "[" + strings.TrimSuffix(f, ",") + "]"
	}
	group := `{"filters":` + filters(4) + `}`
	for name, body := range map[string]string{
		"after at the cap":      `{"after":"10000"}`,
		"after not a number":    `{"after":"abc"}`,
		"limit over 200":        `{"limit":201}`,
		"7 filters in a group":  `{"filterGroups":[{"filters":` + filters(7) + `}]}`,
		"6 groups":              `{"filterGroups":[` + strings.Repeat(`{"filters":[]},`, 5) + `{"filters":[]}]}`,
		"19 filters in total":   `{"filterGroups":[` + strings.Repeat(group+",", 4) + `{"filters":` + filters(3) + `}]}`,
		"unknown operator":      `{"filterGroups":[{"filters":[{"propertyName":"score","operator":"LIKE","value":"1"}]}]}`,
		"query over 3000 chars": `{"query":"` + strings.Repeat("x", 3001) + `"}`,
	} {
		status, _, out := call(t, s, "POST", "/crm/v3/objects/contacts/search", body)
		if status != 400 || out["category"] != "VALIDATION_ERROR" {
			t.Errorf("%s: %d %v, want 400 VALIDATION_ERROR", name, status, out)
		}
	}
}

func sortedKeys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func TestSearchLagAndArchive(t *testing.T) {
	s, clk := newFake(Options{SearchLag: 5 * time.Second, SearchPerSecond: -1})
	id := s.AddContact(map[string]string{"firstname": "Old"})
	search := func() []string {
		_, _, out := call(t, s, "POST", "/crm/v3/objects/contacts/search", `{"properties":["firstname"]}`)
		var got []string
		for _, r := range out["results"].([]any) {
			got = append(got, r.(map[string]any)["properties"].(map[string]any)["firstname"].(string))
		}
		return got
	}
	if got := search(); len(got) != 0 {
		t.Errorf("new contact visible before the lag: %v", got)
	}
	clk.Advance(5 * time.Second)
	s.UpdateContact(id, map[string]string{"firstname": "New"})
	if got := search(); !slices.Equal(got, []string{"Old"}) {
		t.Errorf("during the lag search shows %v, want the old version", got)
	}
	if c, _ := s.Contact(id); c["firstname"] != "New" {
		t.Errorf("direct read = %v", c)
	}
	clk.Advance(5 * time.Second)
	if got := search(); !slices.Equal(got, []string{"New"}) {
		t.Errorf("after the lag search shows %v", got)
	}
	s.ArchiveContact(id)
	clk.Advance(5 * time.Second)
	if got := search(); len(got) != 0 {
		t.Errorf("archived contact still searchable: %v", got)
	}
	if status, _, _ := call(t, s, "GET", "/crm/v3/objects/contacts/"+id, ""); status != 404 {
		t.Errorf("GET archived = %d, want 404", status)
	}
}

func TestBatchUpdateValidation(t *testing.T) {
	s, _ := newFake(Options{})
	s.DefineProperty(Property{Name: "birthday", Type: "date"})
	s.DefineProperty(Property{Name: "enriched_at", Type: "datetime"})
	s.DefineProperty(Property{Name: "score", Type: "number"})
	s.DefineProperty(Property{Name: "vip", Type: "bool"})
	s.DefineProperty(Property{Name: "tags", Type: "enumeration", FieldType: "checkbox", Options: []Option{{Value: "a"}, {Value: "b"}}})
	id := s.AddContact(map[string]string{"tags": "a"})
	tests := []struct {
		name, prop, value string
		code              string // "" = accepted
		stored            string
	}{
		{"unknown property", "nope", "x", "PROPERTY_DOESNT_EXIST", ""},
		{"read-only", "lastmodifieddate", "2026-01-01T00:00:00Z", "READ_ONLY_VALUE", ""},
		{"calculated", "hs_email_domain", "x.com", "READ_ONLY_VALUE", ""},
		{"bad option", "hs_lead_status", "HOT", "INVALID_OPTION", ""},
		{"bad number", "score", "1,000", "INVALID_INTEGER", ""},
		{"bad bool", "vip", "yes", "INVALID_BOOLEAN", ""},
		{"date not midnight", "birthday", "1635535865000", "INVALID_DATE", ""},
		{"date at midnight ms", "birthday", "1430438400000", "", "2015-05-01"},
		{"datetime from ms", "enriched_at", "1430438400123", "", "2015-05-01T00:00:00.123Z"},
		{"too long", "jobtitle", strings.Repeat("x", maxStringLength+1), "INVALID_LENGTH", ""},
		{"append option", "tags", ";b", "", "a;b"},
		{"owner id is external", "hubspot_owner_id", "12345", "", "12345"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, _ := json.Marshal(map[string]any{"inputs": []any{map[string]any{"id": id, "properties": map[string]string{tt.prop: tt.value}}}})
			status, _, out := call(t, s, "POST", "/crm/v3/objects/contacts/batch/update", string(body))
			if tt.code == "" {
				c, _ := s.Contact(id)
				if status != 200 || c[tt.prop] != tt.stored {
					t.Errorf("%d %v; stored %q, want %q", status, out, c[tt.prop], tt.stored)
				}
				return
			}
			errs, _ := out["errors"].([]any)
			if status != 400 || len(errs) != 1 || errs[0].(map[string]any)["code"] != tt.code ||
				!strings.Contains(out["message"].(string), "Property values were not valid: [") {
				t.Errorf("%d %v, want 400 with %s", status, out, tt.code)
			}
		})
	}
}

func TestBatchUpdateShape(t *testing.T) {
	s, clk := newFake(Options{})
	a := s.AddContact(map[string]string{"email": "a@x.com"})
	b := s.AddContact(map[string]string{"email": "b@x.com"})
	clk.Advance(time.Hour)
	status, _, out := call(t, s, "POST", "/crm/v3/objects/contacts/batch/update",
		`{"inputs":[{"id":"`+a+`","properties":{"city":"Oslo"}},{"id":"`+b+`","properties":{"email":"b@x.com"}},{"id":"77","properties":{"city":"x"}}]}`)
	if status != 207 || out["numErrors"] != 1.0 {
		t.Fatalf("%d %v, want 207 with one error", status, out)
	}
	ctx := out["errors"].([]any)[0].(map[string]any)["context"].(map[string]any)["ids"].([]any)
	if ctx[0] != "77" {
		t.Errorf("not-found ids = %v", ctx)
	}
	results := out["results"].([]any)
	upd := func(i int) string { return results[i].(map[string]any)["updatedAt"].(string) }
	if upd(0) != "2026-03-01T13:00:00.000Z" || upd(1) == upd(0) {
		t.Errorf("updatedAt: changed %s, unchanged %s", upd(0), upd(1))
	}

	big := `{"inputs":[` + strings.TrimSuffix(strings.Repeat(`{"id":"1","properties":{}},`, 101), ",") + `]}`
	for name, body := range map[string]string{
		"duplicates": `{"inputs":[{"id":"` + a + `","properties":{"city":"a"}},{"id":"` + a + `","properties":{"city":"b"}}]}`,
		"over 100":   big,
		"by email":   `{"inputs":[{"id":"a@x.com","idProperty":"email","properties":{"city":"a"}}]}`,
	} {
		if status, _, out := call(t, s, "POST", "/crm/v3/objects/contacts/batch/update", body); status != 400 {
			t.Errorf("%s: %d %v, want 400", name, status, out)
		}
	}
}

func TestLimitsAndHeaders(t *testing.T) {
	s, clk := newFake(Options{BurstLimit: 2, DailyLimit: 4, SearchPerSecond: 1})
	_, h, _ := call(t, s, "GET", "/crm/v3/properties/contacts", "")
	if h.Get("X-HubSpot-RateLimit-Max") != "2" || h.Get("X-HubSpot-RateLimit-Remaining") != "1" || h.Get("X-HubSpot-RateLimit-Daily-Remaining") != "3" {
		t.Errorf("headers = %v", h)
	}
	call(t, s, "GET", "/crm/v3/properties/contacts", "")
	if status, _, out := call(t, s, "GET", "/crm/v3/properties/contacts", ""); status != 429 || out["policyName"] != "TEN_SECONDLY_ROLLING" {
		t.Errorf("third call in 10 s: %d %v", status, out)
	}
	status, h, _ := call(t, s, "POST", "/crm/v3/objects/contacts/search", `{}`)
	if status != 200 || h.Get("X-HubSpot-RateLimit-Max") != "" {
		t.Errorf("search is exempt from the burst window and has no headers: %d %v", status, h)
	}
	if status, _, out := call(t, s, "POST", "/crm/v3/objects/contacts/search", `{}`); status != 429 || out["message"] != "You have reached your secondly limit." {
		t.Errorf("second search in a second: %d %v", status, out)
	}
	clk.Advance(10 * time.Second)
	call(t, s, "GET", "/crm/v3/properties/contacts", "")
	if status, _, out := call(t, s, "GET", "/crm/v3/properties/contacts", ""); status != 429 || out["policyName"] != "DAILY" {
		t.Errorf("fifth call of the day: %d %v", status, out)
	}
	clk.Advance(24 * time.Hour)
	if status, _, _ := call(t, s, "GET", "/crm/v3/properties/contacts", ""); status != 200 {
		t.Errorf("next day: %d", status)
	}
}

func TestAuthAndRoutes(t *testing.T) {
	s, _ := newFake(Options{Token: "pat-na1-test"})
	if err := s.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	client := &http.Client{}
	defer client.CloseIdleConnections()
	get := func(path, token string) (*http.Response, map[string]any) {
		req, _ := http.NewRequest("GET", s.URL()+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp, out
	}
	resp, out := get("/crm/v3/properties/contacts", "nope")
	if resp.StatusCode != 401 || resp.Header.Get("x-hubspot-auth-failure") != "401 Unauthorized" ||
		!strings.HasPrefix(out["message"].(string), "Authentication credentials not found.") {
		t.Errorf("bad token: %d %v", resp.StatusCode, out)
	}
	for path, want := range map[string]int{
		"/crm/v3/properties/contacts":       200,
		"/crm/v3/properties/0-1":            200,
		"/crm/properties/2026-03/contacts":  200,
		"/crm/v3/properties/butterflies":    400,
		"/crm/v3/objects/contacts/12345678": 404,
		"/nowhere":                          404,
	} {
		if resp, out := get(path, "pat-na1-test"); resp.StatusCode != want {
			t.Errorf("GET %s = %d %v, want %d", path, resp.StatusCode, out, want)
		}
	}
}

func TestSeedingAndMerge(t *testing.T) {
	s, _ := newFake(Options{})
	a := s.AddContact(map[string]string{"email": "a@x.com", "createdate": "2020-01-01T00:00:00Z", "lastmodifieddate": "1577836800000"})
	b := s.AddContact(map[string]string{"email": "b@x.com"})
	if c, _ := s.Contact(a); c["createdate"] != "2020-01-01T00:00:00.000Z" || c["lastmodifieddate"] != "2020-01-01T00:00:00.000Z" || c["hs_object_id"] != a {
		t.Errorf("seeded = %v", c)
	}
	merged := s.MergeContacts(a, b)
	if c, _ := s.Contact(merged); merged == a || merged == b || c["hs_merged_object_ids"] != a+";"+b ||
		c["email"] != "a@x.com" || c["lastmodifieddate"] == "2020-01-01T00:00:00.000Z" {
		t.Errorf("after merge %s = %v", merged, c)
	}
	if len(s.Contacts()) != 3 {
		t.Errorf("Contacts() = %v", s.Contacts())
	}
	// Old ids read as the merged record; batch calls do not follow them.
	if code, _, out := call(t, s, "GET", "/crm/v3/objects/contacts/"+b, ""); code != 200 || out["id"] != merged {
		t.Errorf("GET old id = %d %v", code, out)
	}
	if code, _, _ := call(t, s, "POST", "/crm/v3/objects/contacts/batch/update", `{"inputs":[{"id":"`+a+`","properties":{"city":"x"}}]}`); code != 207 {
		t.Errorf("batch update of an old id = %d, want 207", code)
	}
	defer func() {
		if recover() == nil {
			t.Error("seeding an undefined property should panic")
		}
	}()
	s.AddContact(map[string]string{"undefined_prop": "x"})
}
