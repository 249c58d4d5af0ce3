package lushatest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/leadsync/leadsync/crm/upstream"
	"github.com/leadsync/leadsync/lusha"
)

func TestContactBilling(t *testing.T) {
	w := NewWorld(5, 400)
	srv := NewTestServer(t, w, Options{})
	c := srv.Client()
	ctx := t.Context()
	withPhones := pick(t, w, "known person with phones", knownWithPhones)
	noPhones := pick(t, w, "known person without phones", knownWithoutPhones)
	nobody := pick(t, w, "unknown person", unknown)

	// Search: 2 results of 3 items → 1 credit (1 per started block of 25).
	sr, _, err := c.SearchContacts(ctx, lusha.ContactsSearchRequest{Contacts: []lusha.ContactSearchItem{
		{ClientReferenceID: "a", Email: withPhones.Email}, {ClientReferenceID: "b", ID: noPhones.ID},
		{ClientReferenceID: "c", Email: nobody.Email}}})
	if err != nil {
		t.Fatal(err)
	}
	if sr.Billing != (lusha.Billing{CreditsCharged: 1, ResultsReturned: 2}) {
		t.Errorf("search billing = %+v", sr.Billing)
	}
	want := withPhones.Preview()
	want.ClientReferenceID = "a"
	if diff := cmp.Diff(want, sr.Results[0]); diff != "" {
		t.Errorf("preview (-want +got):\n%s", diff)
	}
	if e := sr.Results[2].Error; e == nil || e.Code != lusha.ItemNotFound || sr.Results[2].ClientReferenceID != "c" {
		t.Errorf("unknown person = %+v", sr.Results[2])
	}

	// Enrich both: emails 1 each, phones 5 only for the person who has phones.
	er, _, err := c.EnrichContacts(ctx, lusha.ContactsEnrichRequest{IDs: []string{withPhones.ID, noPhones.ID}})
	if err != nil {
		t.Fatal(err)
	}
	if er.Billing != (lusha.Billing{CreditsCharged: 1 + 5 + 1, ResultsReturned: 2}) {
		t.Errorf("enrich billing = %+v", er.Billing)
	}
	if diff := cmp.Diff(withPhones.Enriched(), er.Results[0]); diff != "" {
		t.Errorf("enriched (-want +got):\n%s", diff)
	}

	// Re-reveal is free, and search now shows canReveal credits 0.
	er2, _, err := c.EnrichContacts(ctx, lusha.ContactsEnrichRequest{IDs: []string{withPhones.ID}, Reveal: []string{lusha.RevealPhones}})
	if err != nil || er2.Billing.CreditsCharged != 0 {
		t.Errorf("re-reveal billing = %+v, %v; want 0 credits", er2.Billing, err)
	}
	sr2, _, _ := c.SearchContacts(ctx, lusha.ContactsSearchRequest{Contacts: []lusha.ContactSearchItem{{ID: withPhones.ID}}})
	for _, cr := range sr2.Results[0].CanReveal {
		if cr.Credits != 0 {
			t.Errorf("canReveal after reveal = %+v, want 0 credits", cr)
		}
	}

	wantUsed := 1 + 7 + 0 + 1
	if got := srv.CreditsUsed(); got != wantUsed {
		t.Errorf("credits used = %d, want %d", got, wantUsed)
	}
	wantCharges := []Charge{
		{Account: "default", Endpoint: "/v3/contacts/search", Credits: 1},
		{Account: "default", Endpoint: "/v3/contacts/enrich", Credits: 7, Items: []ChargedItem{
			{ID: withPhones.ID, DataPoints: []string{"emails", "phones"}, Credits: 6},
			{ID: noPhones.ID, DataPoints: []string{"emails"}, Credits: 1}}},
		{Account: "default", Endpoint: "/v3/contacts/enrich", Credits: 0},
		{Account: "default", Endpoint: "/v3/contacts/search", Credits: 1},
	}
	if diff := cmp.Diff(wantCharges, srv.Charges()); diff != "" {
		t.Errorf("charges (-want +got):\n%s", diff)
	}
}

func TestSearchPricingPerBlockOf25(t *testing.T) {
	w := NewWorld(9, 600)
	var known []lusha.ContactSearchItem
	for i := range w.People {
		if p := &w.People[i]; p.Known && !p.Restricted {
			known = append(known, lusha.ContactSearchItem{ID: p.ID})
		}
	}
	tests := []struct{ results, credits int }{{1, 1}, {25, 1}, {26, 2}, {50, 2}, {51, 3}, {100, 4}}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.results), func(t *testing.T) {
			srv := NewTestServer(t, w, Options{})
			items := append([]lusha.ContactSearchItem{{Email: "nobody@nowhere.example"}}, known[:tt.results]...)
			if len(items) > lusha.MaxBatch {
				items = items[1:]
			}
			sr, _, err := srv.Client().SearchContacts(t.Context(), lusha.ContactsSearchRequest{Contacts: items})
			if err != nil {
				t.Fatal(err)
			}
			if sr.Billing != (lusha.Billing{CreditsCharged: tt.credits, ResultsReturned: tt.results}) {
				t.Errorf("billing = %+v, want %d credits for %d results", sr.Billing, tt.credits, tt.results)
			}
		})
	}
}

// In the all-or-nothing mode (§10.1 item 4), a call the credits cannot pay in full is
// refused with 402 and charges nothing.
func TestInsufficientCreditsChargesNothing(t *testing.T) {
	w := NewWorld(5, 400)
	srv := NewTestServer(t, w, Options{AllOrNothing: true})
	c := srv.Client()
	p := pick(t, w, "known person with phones", knownWithPhones)
	srv.SetCredits(5) // emails (1) + phones (5) = 6 > 5
	_, resp, err := c.EnrichContacts(t.Context(), lusha.ContactsEnrichRequest{IDs: []string{p.ID}})
	if upstream.ClassOf(err) != upstream.ClassCredits || resp.StatusCode != http.StatusPaymentRequired {
		t.Fatalf("err = %v, want 402 credits", err)
	}
	if srv.CreditsUsed() != 0 || len(srv.Charges()) != 0 {
		t.Errorf("a failed call charged: used %d, ledger %+v", srv.CreditsUsed(), srv.Charges())
	}
	// Nothing was marked revealed: emails alone still cost 1.
	er, _, err := c.EnrichContacts(t.Context(), lusha.ContactsEnrichRequest{IDs: []string{p.ID}, Reveal: []string{lusha.RevealEmails}})
	if err != nil || er.Billing.CreditsCharged != 1 {
		t.Errorf("emails after 402 = %+v, %v; want 1 credit", er, err)
	}
}

func TestSearchAndEnrichAndRestricted(t *testing.T) {
	w := NewWorld(11, 800)
	srv := NewTestServer(t, w, Options{})
	p := pick(t, w, "known person without phones", knownWithoutPhones)
	gdpr := pick(t, w, "restricted person", restricted)
	out, _, err := srv.Client().SearchAndEnrichContacts(t.Context(), lusha.ContactsSearchAndEnrichRequest{
		Contacts: []lusha.ContactSearchItem{
			{ClientReferenceID: "r1", FirstName: p.FirstName, LastName: p.LastName, CompanyDomain: "www." + p.Company.EmailDomain},
			{ClientReferenceID: "r2", Email: gdpr.Email}},
		Reveal: []string{lusha.RevealEmails, lusha.RevealPhones}})
	if err != nil {
		t.Fatal(err)
	}
	if out.Billing != (lusha.Billing{CreditsCharged: 1 + 1, ResultsReturned: 1}) {
		t.Errorf("billing = %+v, want search 1 + email 1", out.Billing)
	}
	want := p.Enriched()
	want.ClientReferenceID = "r1"
	want.MissingDataPoints = []lusha.MissingDataPoint{{Type: lusha.DataPointPhone, Status: lusha.MissingNotFound}}
	if diff := cmp.Diff(want, out.Results[0]); diff != "" {
		t.Errorf("result (-want +got):\n%s", diff)
	}
	if e := out.Results[1].Error; e == nil || e.Class() != upstream.ClassRestricted || out.Results[1].Emails != nil {
		t.Errorf("restricted result = %+v", out.Results[1])
	}

	strict := NewTestServer(t, w, Options{RestrictedAs451: true})
	_, _, err = strict.Client().SearchContacts(t.Context(), lusha.ContactsSearchRequest{
		Contacts: []lusha.ContactSearchItem{{ID: gdpr.ID}}})
	if upstream.ClassOf(err) != upstream.ClassRestricted {
		t.Errorf("451 mode: err = %v, want restricted", err)
	}
}

func TestCompanyBilling(t *testing.T) {
	w := NewWorld(13, 200)
	srv := NewTestServer(t, w, Options{})
	c := srv.Client()
	co := &w.Companies[0]
	sr, _, err := c.SearchCompanies(t.Context(), lusha.CompaniesSearchRequest{Companies: []lusha.CompanySearchItem{
		{ClientReferenceID: "x", Domain: "https://" + co.EmailDomain}, {Name: "No Such Company Ltd"}}})
	if err != nil {
		t.Fatal(err)
	}
	if sr.Billing != (lusha.Billing{CreditsCharged: 1, ResultsReturned: 1}) || sr.Results[0].ID != co.ID ||
		sr.Results[1].Error.Code != lusha.ItemNotFound {
		t.Errorf("search = %+v", sr)
	}
	reveal := []string{lusha.RevealCompetitors, lusha.RevealEmployeesBySeniority}
	er, _, err := c.EnrichCompanies(t.Context(), lusha.CompaniesEnrichRequest{IDs: []string{co.ID, "0"}, Reveal: reveal})
	if err != nil {
		t.Fatal(err)
	}
	if er.Billing != (lusha.Billing{CreditsCharged: 1 + 2, ResultsReturned: 1}) {
		t.Errorf("enrich billing = %+v, want company 1 + 2 fields", er.Billing)
	}
	if diff := cmp.Diff(co.Enriched(reveal...), er.Results[0]); diff != "" {
		t.Errorf("enriched (-want +got):\n%s", diff)
	}
	er2, _, _ := c.EnrichCompanies(t.Context(), lusha.CompaniesEnrichRequest{IDs: []string{co.ID}, Reveal: reveal})
	if er2.Billing.CreditsCharged != 0 {
		t.Errorf("company re-reveal charged %d", er2.Billing.CreditsCharged)
	}
}

// post sends a raw body with the default key and returns status and error body.
func post(t *testing.T, srv *Server, path, key, body string) (int, lusha.ErrorResponse) {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL()+path, strings.NewReader(body))
	if key != "" {
		req.Header.Set("api_key", key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var er lusha.ErrorResponse
	raw, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(raw, &er)
	for _, h := range []string{lusha.HeaderLimitDaily, lusha.HeaderLeftHourly, lusha.HeaderUsageMinute} {
		if resp.Header.Get(h) == "" {
			t.Errorf("%s: header %s missing", path, h)
		}
	}
	return resp.StatusCode, er
}

func TestValidationAndAuth(t *testing.T) {
	w := NewWorld(1, 50)
	srv := NewTestServer(t, w, Options{})
	key := srv.APIKey()
	hundredAndOne := `{"ids":[` + strings.TrimSuffix(strings.Repeat(`"1",`, 101), ",") + `]}`
	tests := []struct {
		name, path, key, body string
		status                int
		detail                string
	}{
		{"no key", "/v3/contacts/search", "", `{"contacts":[{"id":"1"}]}`, 401, ""},
		{"unknown key", "/v3/contacts/search", "nope", `{"contacts":[{"id":"1"}]}`, 401, ""},
		{"unknown property", "/v3/contacts/search", key, `{"contacts":[{"id":"1","domain":"x.com"}]}`, 400, "property domain should not exist"},
		{"unknown top-level property", "/v3/companies/enrich", key, `{"ids":["1"],"extra":true}`, 400, "property extra should not exist"},
		{"empty array", "/v3/contacts/search", key, `{"contacts":[]}`, 400, "contacts must contain at least 1 elements"},
		{"missing array", "/v3/contacts/search-and-enrich", key, `{}`, 400, "contacts must contain at least 1 elements"},
		{"101 ids", "/v3/contacts/enrich", key, hundredAndOne, 400, "ids must contain no more than 100 elements"},
		{"no identifier", "/v3/contacts/search", key, `{"contacts":[{"firstName":"A","lastName":"B"}]}`, 400,
			"contacts.0 must include id, linkedinUrl, email, or firstName and lastName with companyName or companyDomain"},
		{"bad email", "/v3/contacts/search", key, `{"contacts":[{"email":"not-an-email"}]}`, 400, "contacts.0.email must be an email"},
		{"company without identifier", "/v3/companies/search", key, `{"companies":[{"clientReferenceId":"x"}]}`, 400, "companies.0 must include id, name or domain"},
		{"bad reveal", "/v3/contacts/enrich", key, `{"ids":["1"],"reveal":["emails","fax"]}`, 400,
			"each value in reveal must be one of the following values: emails, phones"},
		{"wrong type", "/v3/contacts/enrich", key, `{"ids":"1"}`, 400, "ids must be a array"},
		{"not JSON", "/v3/companies/search", key, `{"companies":`, 400, "request body is not valid JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, er := post(t, srv, tt.path, tt.key, tt.body)
			if status != tt.status || er.StatusCode != tt.status || er.Message == "" {
				t.Errorf("status %d body %+v, want %d", status, er, tt.status)
			}
			if tt.detail != "" && !cmp.Equal(er.Errors, []string{tt.detail}) {
				t.Errorf("errors = %q, want [%q]", er.Errors, tt.detail)
			}
		})
	}
	if len(srv.Charges()) != 0 {
		t.Errorf("rejected requests were charged: %+v", srv.Charges())
	}
}

// clock is a manual clock for the rate windows.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Advance(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.now = c.now.Add(d) }

func TestRateWindows(t *testing.T) {
	w := NewWorld(1, 50)
	search := lusha.ContactsSearchRequest{Contacts: []lusha.ContactSearchItem{{Email: "x@y.example"}}}
	tests := []struct {
		name      string
		limits    Limits
		calls     int
		wantClass upstream.Class
		wantMsg   string
		wantWait  time.Duration
		reopen    time.Duration
	}{
		{"per second", Limits{PerSecond: 2}, 2, upstream.ClassRateLimited,
			"Too many requests. Please wait before making another request.", 0, time.Second},
		{"per minute", Limits{PerMinute: 3}, 3, upstream.ClassRateLimited,
			"Minute API rate limit exceeded. Limit: 3 calls per minute. Reset in 30 seconds.", 30 * time.Second, 30 * time.Second},
		{"per hour", Limits{PerHour: 1}, 1, upstream.ClassRateLimited,
			"Hourly API rate limit exceeded. Limit: 1 calls per hour. Reset in 1830 seconds.", 1830 * time.Second, 1830 * time.Second},
		{"daily quota", Limits{PerDay: 2}, 2, upstream.ClassQuotaExhausted,
			"Daily API rate limit exceeded. Limit: 2 calls per day. Reset in 45030 seconds.", 45030 * time.Second, 45030 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := &clock{now: time.Date(2026, 5, 4, 11, 29, 30, 0, time.UTC)}
			srv := NewTestServer(t, w, Options{Limits: tt.limits, Now: clk.Now})
			c := srv.Client()
			for i := range tt.calls {
				if _, _, err := c.SearchContacts(t.Context(), search); err != nil {
					t.Fatalf("call %d: %v", i, err)
				}
			}
			_, resp, err := c.SearchContacts(t.Context(), search)
			er, _ := errors.AsType[*lusha.ErrorResponse](err)
			if upstream.ClassOf(err) != tt.wantClass || er == nil || er.Message != tt.wantMsg || upstream.RetryAfter(err) != tt.wantWait {
				t.Errorf("err = %v (wait %v), want %s %q", err, upstream.RetryAfter(err), tt.wantClass, tt.wantMsg)
			}
			if resp == nil || !resp.Rate.Daily.Known() || !resp.Rate.Minute.Known() {
				t.Errorf("429 without rate headers: %+v", resp)
			}
			if len(srv.Charges()) != tt.calls {
				t.Errorf("refused call was billed")
			}
			clk.Advance(tt.reopen)
			if _, _, err := c.SearchContacts(t.Context(), search); err != nil {
				t.Errorf("after the window reset: %v", err)
			}
		})
	}
}

func TestRateHeadersAndUsage(t *testing.T) {
	clk := &clock{now: time.Date(2026, 5, 4, 23, 59, 0, 0, time.UTC)}
	srv := NewTestServer(t, NewWorld(1, 10), Options{Limits: Limits{PerDay: 100, PerHour: 50, PerMinute: 20}, Credits: 300, Now: clk.Now})
	c := srv.Client()
	for i := range 5 {
		u, resp, err := c.AccountUsage(t.Context())
		if err != nil {
			t.Fatalf("usage call %d: %v", i, err)
		}
		wantRate := lusha.Rate{Daily: lusha.Window{Limit: 100, Remaining: int64(99 - i), Used: int64(i + 1)},
			Hourly: lusha.Window{Limit: 50, Remaining: int64(49 - i), Used: int64(i + 1)},
			Minute: lusha.Window{Limit: 20, Remaining: int64(19 - i), Used: int64(i + 1)}}
		if diff := cmp.Diff(wantRate, resp.Rate); diff != "" {
			t.Errorf("call %d rate (-want +got):\n%s", i, diff)
		}
		if *u.Credits != (lusha.CreditsUsage{Total: 300, Used: 0, Remaining: 300}) || u.RateLimits.Daily.ResetsAt != "2026-05-05T00:00:00.000Z" {
			t.Errorf("usage = %+v %+v", u.Credits, u.RateLimits.Daily)
		}
	}
	_, _, err := c.AccountUsage(t.Context())
	if upstream.ClassOf(err) != upstream.ClassRateLimited {
		t.Errorf("6th usage call in a minute: %v, want rate_limited", err)
	}
	if _, _, err := c.SearchCompanies(t.Context(), lusha.CompaniesSearchRequest{Companies: []lusha.CompanySearchItem{{Name: "x"}}}); err != nil {
		t.Errorf("usage limit spilled onto search: %v", err)
	}
}

func TestScriptedFailuresAndChaos(t *testing.T) {
	w := NewWorld(1, 50)
	srv := NewTestServer(t, w, Options{})
	c := srv.Client()
	srv.FailNext(2, http.StatusServiceUnavailable)
	srv.FailNextWith(1, http.StatusTooManyRequests, "Daily API rate limit exceeded. Limit: 9 calls per day. Reset in 5 seconds.")
	for _, want := range []upstream.Class{upstream.ClassUnavailable, upstream.ClassUnavailable, upstream.ClassQuotaExhausted, upstream.ClassNone} {
		_, _, err := c.AccountUsage(t.Context())
		if upstream.ClassOf(err) != want {
			t.Errorf("got %v, want %s", err, want)
		}
	}

	outcomes := func(seed int64) []upstream.Class {
		s := NewTestServer(t, w, Options{Chaos: 0.5, Seed: seed, SlowDelay: time.Millisecond, Limits: Limits{PerSecond: 1000}})
		var got []upstream.Class
		for range 60 {
			_, _, err := s.Client().SearchCompanies(t.Context(), lusha.CompaniesSearchRequest{Companies: []lusha.CompanySearchItem{{Name: "x"}}})
			got = append(got, upstream.ClassOf(err))
		}
		return got
	}
	a, b := outcomes(7), outcomes(7)
	if !cmp.Equal(a, b) {
		t.Errorf("chaos is not reproducible with one seed:\n%v\n%v", a, b)
	}
	count := map[upstream.Class]int{}
	for _, cl := range a {
		count[cl]++
	}
	if count[upstream.ClassNone] == 0 || count[upstream.ClassUnavailable] == 0 || count[upstream.ClassRateLimited] == 0 ||
		len(count) != 3 {
		t.Errorf("chaos outcomes = %v, want successes, unavailable and rate_limited only", count)
	}
	srv.SetChaos(0)
}

func TestStartAndClose(t *testing.T) {
	srv := NewServer(NewWorld(1, 10), Options{Chaos: 1, Seed: 3, SlowDelay: time.Hour})
	if err := srv.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(srv.URL(), "http://127.0.0.1:") {
		t.Errorf("URL = %q", srv.URL())
	}
	// With chaos at 1 some request is delayed by an hour; Close must release it.
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() { _, _, _ = srv.Client().AccountUsage(t.Context()) })
	}
	srv.SetChaos(0)
	srv.Close()
	wg.Wait()
	srv.Close() // idempotent
}
