package connector_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/leadsync/leadsync/connector"
	"github.com/leadsync/leadsync/connector/config"
	"github.com/leadsync/leadsync/connector/sandbox"
	"github.com/leadsync/leadsync/connector/signals"
	"github.com/leadsync/leadsync/lusha"
	"github.com/leadsync/leadsync/state"
)

// TestDaemonServesTheWebhookReceiver: with lusha.webhook set, the daemon serves the
// receiver on a listener of its own (not the status page's), applies an opt-out the
// fake Lusha delivers there, counts it on /metrics, and stops both with the rest.
func TestDaemonServesTheWebhookReceiver(t *testing.T) {
	verifyNoLeaksAtEnd(t) // this daemon runs on SQLite and starts no River ticker
	sb, err := sandbox.Start(sandbox.Options{Seed: 7, Leads: 20, Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	client := sb.Lusha.Client()
	secret, _, err := client.RegenerateAccountSecret(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	// The public URL names the listener's port: Lusha reaches the receiver directly.
	hookAddr := freeAddr(t)
	environ := append(sb.Environ("127.0.0.1:0"), "LEADSYNC_LUSHA__WEBHOOK__LISTEN="+hookAddr,
		"LEADSYNC_LUSHA__WEBHOOK__PUBLIC_URL=http://"+hookAddr+signals.Path,
		"LEADSYNC_LUSHA__WEBHOOK__SECRET=${env:TEST_WEBHOOK_SECRET}", "LEADSYNC_LUSHA__OPT_OUT_WEBHOOK=true",
		"TEST_WEBHOOK_SECRET="+secret.Reveal())
	getenv := getenvOf(environ)
	cfg, err := config.Load(sb.Config, environ)
	if err != nil {
		t.Fatal(err)
	}
	eng, err := connector.Build(t.Context(), cfg, getenv, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	ready := make(chan string, 1)
	d := &connector.Daemon{Engine: eng, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Ready: func(a string) { ready <- a }}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	statusAddr := <-ready
	if got := d.WebhookAddr(); got != hookAddr || got == statusAddr {
		t.Fatalf("webhook listener %q, status page %q: want %s, one of its own", got, statusAddr, hookAddr)
	}
	if body := get(t, "http://"+hookAddr+signals.Path+"?challenge=c-1"); !strings.Contains(body, `"challenge":"c-1"`) {
		t.Errorf("challenge answer %q", body)
	}
	if body := get(t, "http://"+statusAddr+signals.Path+"?challenge=c-1"); strings.Contains(body, "c-1") {
		t.Error("the status page's listener answers the webhook")
	}

	// opt_out_webhook: the daemon subscribes the receiver to the account's opt-outs.
	for !optOutSubscribed(t, client, "http://"+hookAddr+signals.Path) {
		select {
		case <-t.Context().Done():
			t.Fatal("the daemon never created the opt-out subscription")
		case <-time.After(20 * time.Millisecond):
		}
	}
	var person string
	for _, p := range sb.ContactPerson {
		if p.Known {
			person = p.ID
			sb.Lusha.EmitOptOut(lusha.OptOutPayload{ContactID: p.ID, FullName: p.FirstName + " " + p.LastName,
				ContactOptOutDate: "2026-11-20 10:00:00", ContactExposureDate: "2025-08-03 09:15:47",
				Datapoints: []lusha.OptOutDatapoint{{DatapointID: p.Email, DatapointType: "email"}}})
			break
		}
	}
	sb.Lusha.WaitDeliveries()
	applied := `leadsync_signals_applied_total{kind="opt_out"} 1`
	for !strings.Contains(get(t, "http://"+statusAddr+"/metrics"), applied) {
		select {
		case <-t.Context().Done():
			t.Fatal("the daemon never applied the opt-out")
		case <-time.After(20 * time.Millisecond):
		}
	}
	if !strings.Contains(get(t, "http://"+statusAddr+"/metrics"), `leadsync_signals_received_total{kind="opt_out"} 1`) {
		t.Error("/metrics does not count the opt-out as received")
	}
	if sup, err := eng.Store.Suppressed(t.Context(), state.LushaKey(person)); err != nil || !sup {
		t.Errorf("the opted-out person is not suppressed: %v, %v", sup, err)
	}

	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get("http://" + hookAddr + signals.Path); err == nil {
		t.Error("the webhook listener outlived the daemon")
	}
	http.DefaultClient.CloseIdleConnections()
}

// freeAddr is a loopback address no one listens on, for a listener whose address
// must be known before it starts.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func optOutSubscribed(t *testing.T, c *lusha.Client, url string) bool {
	t.Helper()
	n := 0
	for s, err := range c.Subscriptions(t.Context(), 0) {
		if err != nil {
			t.Fatal(err)
		}
		if slices.Contains(s.SignalTypes, "optOut") {
			if s.URL != url || !s.IsActive {
				t.Fatalf("opt-out subscription %+v; want active at %s", s, url)
			}
			n++
		}
	}
	if n > 1 {
		t.Fatalf("%d opt-out subscriptions", n)
	}
	return n == 1
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
