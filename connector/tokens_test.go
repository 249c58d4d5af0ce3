package connector

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leadsync/leadsync/connector/config"
	"github.com/leadsync/leadsync/connector/run"
	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/crm/salesforce/salesforcetest"
	"github.com/leadsync/leadsync/state"
)

// rotatingOrg is a fake Salesforce org whose connected app rotates refresh tokens,
// behind a tap that keeps every refresh token it hands out, and the config of an
// account signing in with the refresh token grant.
type rotatingOrg struct {
	fake   *salesforcetest.Server
	url    string
	cfg    config.CRM
	env    map[string]string
	mu     sync.Mutex
	issued []string
}

func newRotatingOrg(t *testing.T, opts salesforcetest.Options) *rotatingOrg {
	t.Helper()
	opts.RotateRefreshTokens = true
	o := &rotatingOrg{fake: salesforcetest.NewServer(opts)}
	srv := httptest.NewServer(http.HandlerFunc(o.serve))
	t.Cleanup(srv.Close)
	o.url = srv.URL
	o.env = map[string]string{"SF_ID": o.fake.ClientID(), "SF_SECRET": o.fake.ClientSecret(),
		"SF_REFRESH": o.fake.IssueRefreshToken()}
	o.issued = []string{o.env["SF_REFRESH"]}
	o.cfg = config.CRM{Kind: "salesforce", LoginURL: srv.URL, ClientID: "${env:SF_ID}",
		ClientSecret: "${env:SF_SECRET}", RefreshToken: "${env:SF_REFRESH}"}
	return o
}

func (o *rotatingOrg) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/services/oauth2/token" {
		o.fake.ServeHTTP(w, r)
		return
	}
	rec := httptest.NewRecorder()
	o.fake.ServeHTTP(rec, r)
	var answer struct {
		RefreshToken string `json:"refresh_token"`
	}
	if json.Unmarshal(rec.Body.Bytes(), &answer) == nil && answer.RefreshToken != "" {
		o.mu.Lock()
		o.issued = append(o.issued, answer.RefreshToken)
		o.mu.Unlock()
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

func (o *rotatingOrg) getenv(k string) string { return o.env[k] }

func (o *rotatingOrg) tokens() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.issued...)
}

// TestRotatedRefreshTokenOutlivesTheProcess is issue 13's Salesforce 2 as the engine
// wires it: the clients it builds keep the refresh tokens that rotation hands out in
// the state store (KeepTokens), so that renewal follows renewal and a restarted
// process, on the same state file, signs in with the current token while the
// configured one is long dead (salesforce-api.md §2.4). A client built without the
// store, as validate builds them, renews in memory only.
func TestRotatedRefreshTokenOutlivesTheProcess(t *testing.T) {
	org := newRotatingOrg(t, salesforcetest.Options{})
	path := filepath.Join(t.TempDir(), "state.db")
	process := func() (crm.Adapter, *state.SQLite) {
		store, err := state.Open(t.Context(), path)
		if err != nil {
			t.Fatal(err)
		}
		adapter, err := NewCRM(org.cfg, org.getenv, KeepTokens(store, "sf-prod"))
		if err != nil {
			t.Fatal(err)
		}
		return adapter, store
	}

	adapter, store := process()
	for renewal := range 3 {
		if _, err := adapter.Schema(t.Context(), "Lead"); err != nil {
			t.Fatalf("renewal %d: %v", renewal, err)
		}
		org.fake.ExpireSessions()
	}
	if n := len(org.tokens()); n != 4 {
		t.Fatalf("%d refresh tokens issued, want the configured one and three rotations", n)
	}
	store.Close()

	restarted, store := process()
	defer store.Close()
	if _, err := restarted.Schema(t.Context(), "Lead"); err != nil {
		t.Fatalf("a restarted process: %v", err)
	}
	unkept, err := NewCRM(org.cfg, org.getenv)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := unkept.Schema(t.Context(), "Lead"); crm.ClassOf(err) != crm.ClassAuth {
		t.Errorf("the configured token after rotations: %v, want it refused", err)
	}
}

// TestRotatedRefreshTokensNeverLogged extends I5 to rotated refresh tokens: a run
// whose session expires mid-way renews and rotates, and no refresh token the org
// handed out shows in a debug log line or the run's summary.
func TestRotatedRefreshTokensNeverLogged(t *testing.T) {
	h := newHarness(t, 30, previewMapping, harnessOptions{})
	// The org's clock stands an hour back: every lead is settled for the read.
	t0 := time.Now().Add(-time.Hour).Truncate(time.Second)
	org := newRotatingOrg(t, salesforcetest.Options{Clock: func() time.Time { return t0 }})
	org.fake.DefineField("Lead", salesforcetest.Field{Name: "Lusha_Enriched_At__c", Type: "datetime"})
	for i := range h.world.People {
		p := &h.world.People[i]
		org.fake.AddLead(map[string]string{"FirstName": p.FirstName, "LastName": p.LastName, "Email": p.Email,
			"Company": p.Company.Name, "Website": p.Company.EmailDomain})
	}
	adapter, err := NewCRM(org.cfg, org.getenv, KeepTokens(h.store, "sf"))
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	h.runner.Logger = slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	h.remap(`object: Lead
match: { email: Email, firstName: FirstName, lastName: LastName, companyDomain: { from: Website, transform: domain } }
fields:
  Title: { from: contact.jobTitle.title }
  Lusha_Enriched_At__c: { value: $now, policy: overwrite }
`)
	h.pipe.CRM, h.pipe.Object = adapter.(run.CRM), "Lead"
	h.pipe.Filter = crm.Filter{Missing: []string{"Lusha_Enriched_At__c"}}
	// Each Lusha call ends the org's sessions: the writes that follow renew, and rotate.
	h.setFail(func(*http.Request, []byte) int { org.fake.ExpireSessions(); return 0 })
	sum := h.run(RunOptions{})
	if sum.RecordsWritten == 0 || len(org.tokens()) < 3 || !strings.Contains(logs.String(), `"level":"DEBUG"`) {
		t.Fatalf("the run wrote %d records with %d refresh tokens: it proves nothing (%s)", sum.RecordsWritten, len(org.tokens()), sum.Error)
	}
	out, _ := json.Marshal(sum)
	for _, tok := range org.tokens() {
		for where, text := range map[string]string{"logs": logs.String(), "summary": string(out)} {
			if strings.Contains(text, tok) {
				t.Errorf("%s contain a refresh token", where)
			}
		}
	}
}
