package salesforcetest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/leadsync/leadsync/crm/salesforce/salesforcetest"
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

type org struct {
	fake  *salesforcetest.Server
	url   string
	token string
	clock *clock
}

// newOrg starts a fake on 127.0.0.1:0 and logs in with client credentials.
func newOrg(t *testing.T, opts salesforcetest.Options) *org {
	t.Helper()
	clk := &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	opts.Clock = clk.Now
	fake := salesforcetest.NewServer(opts)
	if err := fake.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = fake.Close() })
	o := &org{fake: fake, url: fake.URL(), clock: clk}
	o.login(t)
	return o
}

// login takes a token with the client credentials grant.
func (o *org) login(t *testing.T) {
	t.Helper()
	status, body := o.post(t, "/services/oauth2/token", url.Values{"grant_type": {"client_credentials"},
		"client_id": {o.fake.ClientID()}, "client_secret": {o.fake.ClientSecret()}})
	var raw map[string]string
	if status != 200 || json.Unmarshal(body, &raw) != nil {
		t.Fatalf("login: %d %s", status, body)
	}
	if raw["instance_url"] != o.fake.URL() || !strings.HasSuffix(raw["id"], "/"+o.fake.UserID()) || len(raw["issued_at"]) != 13 {
		t.Fatalf("token answer = %v", raw)
	}
	o.token = raw["access_token"]
}

func (o *org) post(t *testing.T, path string, form url.Values) (int, []byte) {
	t.Helper()
	resp, err := http.PostForm(o.url+path, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func (o *org) do(t *testing.T, method, path, body string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req := httptest.NewRequest(method, o.url+path, strings.NewReader(body))
	req.RequestURI = ""
	req.Header.Set("Authorization", "Bearer "+o.token)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func (o *org) query(t *testing.T, soql string, header ...string) (int, []byte) {
	t.Helper()
	resp, body := o.do(t, http.MethodGet, "/services/data/v62.0/query?q="+url.QueryEscape(soql), "", header...)
	return resp.StatusCode, body
}

type queryAnswer struct {
	TotalSize      int                      `json:"totalSize"`
	Done           bool                     `json:"done"`
	NextRecordsURL string                   `json:"nextRecordsUrl"`
	Records        []map[string]interface{} `json:"records"`
}

type sfError struct {
	Message   string `json:"message"`
	ErrorCode string `json:"errorCode"`
}

func decodeErrors(t *testing.T, body []byte) []sfError {
	t.Helper()
	var errs []sfError
	if err := json.Unmarshal(body, &errs); err != nil || len(errs) == 0 {
		t.Fatalf("not an error array: %s", body)
	}
	return errs
}
