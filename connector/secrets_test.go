package connector

import (
	"bytes"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/leadsync/leadsync/connector/account"
	"github.com/leadsync/leadsync/connector/config"
	"github.com/leadsync/leadsync/connector/observe"
	"github.com/leadsync/leadsync/connector/web"
	"github.com/leadsync/leadsync/crm/hubspot"
)

// TestSecretsNeverLeak proves I5: the Lusha key and the CRM token appear in no log
// line (at debug), no run summary or error, not in the state file, not on the status
// pages and not in the metrics — also when they are wrong and the APIs refuse them.
func TestSecretsNeverLeak(t *testing.T) {
	h := newHarness(t, 60, phonesMapping, harnessOptions{})
	var logs bytes.Buffer
	h.runner.Logger = slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	metrics := observe.NewMetrics()
	h.runner.Metrics = metrics
	h.accts = account.New(account.Options{Ledger: h.store, Claims: h.store, Owner: "test", Metrics: metrics})
	if err := h.accts.Apply(h.settings); err != nil {
		t.Fatal(err)
	}
	defer h.accts.Close()
	h.runner.engine.Accounts = h.accts
	secrets := []string{h.lusha.APIKey(), h.hub.Token()}

	var summaries []string
	ok := h.run(RunOptions{})
	summaries = append(summaries, ok.Error)

	// Wrong credentials: the refusals must not echo what was sent.
	const wrongToken, wrongKey = "pat-na1-WRONG-TOKEN-5ec4e7", "WRONG-LUSHA-KEY-5ec4e7"
	secrets = append(secrets, wrongToken, wrongKey)
	good := h.pipe.CRM
	h.pipe.CRM = hubspot.New(wrongToken, hubspot.WithBaseURL(h.hub.URL()))
	h.hub.UpdateContact(h.ids[0], map[string]string{"jobtitle": ""})
	summaries = append(summaries, h.run(RunOptions{}).Error)
	h.pipe.CRM = good
	wrong := h.settings
	wrong.Lusha.APIKey = wrongKey
	if err := h.accts.Apply(wrong); err != nil {
		t.Fatal(err)
	}
	h.hub.AddContact(map[string]string{"email": "someone.new@example.com", "firstname": "Some", "lastname": "One"})
	h.settle()
	refused := h.run(RunOptions{})
	if refused.Status != RunFailed {
		t.Errorf("a wrong Lusha key gave status %s, want failed", refused.Status)
	}
	summaries = append(summaries, refused.Error)

	srv := httptest.NewServer(web.New(&Status{Config: &config.Config{Pipelines: []config.Pipeline{{Name: "p", CRM: "hs",
		Object: "contacts", Schedule: "@every 5m"}}}, Store: h.store}, web.Options{ShowValues: true}))
	defer srv.Close()
	places := map[string]string{"logs": logs.String(), "summaries": strings.Join(summaries, "\n"),
		"metrics": scrape(t, metrics)}
	for _, page := range []string{"/", "/parked", "/runs/" + ok.RunID} {
		places["page "+page] = get(t, srv.URL+page)
	}
	for _, f := range []string{"state.db", "state.db-wal"} {
		b, _ := os.ReadFile(filepath.Join(filepath.Dir(h.storePath), f))
		places["state file "+f] = string(b)
	}
	if !strings.Contains(places["logs"], `"level":"DEBUG"`) || len(places["state file state.db"]) == 0 {
		t.Fatal("the test saw no debug logs or no state file: it would prove nothing")
	}
	for where, text := range places {
		for _, s := range secrets {
			if strings.Contains(text, s) {
				t.Errorf("%s contains the secret %q", where, s)
			}
		}
	}
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := httpGet(url)
	if err != nil {
		t.Fatal(err)
	}
	if resp.code != 200 {
		t.Fatalf("GET %s: %d", url, resp.code)
	}
	return resp.body
}

func scrape(t *testing.T, m *observe.Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	b, _ := io.ReadAll(rec.Body)
	if !strings.Contains(string(b), "leadsync_") {
		t.Fatal("no leadsync metrics")
	}
	return string(b)
}
