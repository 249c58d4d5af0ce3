package connector_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/leadsync/leadsync/connector"
	"github.com/leadsync/leadsync/connector/config"
	"github.com/leadsync/leadsync/connector/sandbox"
	"github.com/leadsync/leadsync/connector/signals"
	"github.com/leadsync/leadsync/lusha"
	"github.com/leadsync/leadsync/lusha/lushatest"
	"github.com/leadsync/leadsync/state"
)

// TestDaemonActsOnSignals: the daemon acts on a promotion Lusha delivers, signed,
// for a person a pipeline with signals enriched: /metrics counts it applied, the
// inbox settles it applied, the person's record counts as refreshed by a signal,
// and the pipeline's latest run (the signal's) read the person's record. On both
// state backends.
func TestDaemonActsOnSignals(t *testing.T) {
	verifyNoLeaksAtEnd(t)
	onBothBackends(t, 7, 20, actsOnSignals)
}

func actsOnSignals(t *testing.T, sb *sandbox.Sandbox, environ []string) {
	secret, _, err := sb.Lusha.Client().RegenerateAccountSecret(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	hookAddr := freeAddr(t)
	environ = append(environ, "LEADSYNC_LUSHA__WEBHOOK__LISTEN="+hookAddr,
		"LEADSYNC_LUSHA__WEBHOOK__PUBLIC_URL=http://"+hookAddr+signals.Path,
		"LEADSYNC_LUSHA__WEBHOOK__SECRET=${env:TEST_WEBHOOK_SECRET}", "TEST_WEBHOOK_SECRET="+secret.Reveal(),
		"LEADSYNC_RUN_ON_START=false")
	getenv := getenvOf(environ)
	cfg, err := config.Load(sb.Config, environ)
	if err != nil {
		t.Fatal(err)
	}
	people := -1
	for i, p := range cfg.Pipelines {
		if p.Object == "contacts" && people < 0 {
			people = i
			cfg.Pipelines[i].Signals = &config.Signals{Contact: []string{lusha.SignalPromotion}}
		}
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	eng, err := connector.Build(t.Context(), cfg, getenv, log)
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	sb.Settle()
	p, _ := eng.Pipeline(cfg.Pipelines[people].Name)
	if sum, err := eng.Runner.Run(t.Context(), p, connector.RunOptions{}); err != nil || sum.Status != connector.RunOK {
		t.Fatalf("run: %v %+v", err, sum)
	}
	enriched, err := eng.Store.(signals.SubscriptionStore).EnrichedBy(t.Context(), p.Name)
	if err != nil || len(enriched) == 0 {
		t.Fatalf("enriched = %v, %v", enriched, err)
	}
	person := enriched[0].LushaID

	ready := make(chan string, 1)
	d := &connector.Daemon{Engine: eng, Logger: log, Ready: func(a string) { ready <- a }}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	statusAddr := <-ready
	// The manager subscribes the person; then Lusha has a promotion to deliver.
	for sb.Lusha.EmitSignal(lushatest.Signal{EntityType: lusha.EntityContact, EntityID: person,
		Type: lusha.SignalPromotion, Data: map[string]any{"personId": person, "signalDate": "2026-11-30"}}) == 0 {
		select {
		case <-t.Context().Done():
			t.Fatal("the person was never subscribed")
		case <-time.After(20 * time.Millisecond):
		}
	}
	sb.Lusha.WaitDeliveries()
	applied := `leadsync_signals_applied_total{kind="contact"} 1`
	for !strings.Contains(get(t, "http://"+statusAddr+"/metrics"), applied) {
		select {
		case <-t.Context().Done():
			t.Fatal("the daemon never acted on the signal")
		case <-time.After(20 * time.Millisecond):
		}
	}
	refreshed := `leadsync_refreshed_records_total{pipeline="` + p.Name + `",trigger="signal"} 1`
	if m := get(t, "http://"+statusAddr+"/metrics"); !strings.Contains(m, refreshed) {
		t.Errorf("/metrics lacks %s", refreshed)
	}
	if c, err := eng.Store.(state.Inbox).InboxCounts(t.Context()); err != nil || c[state.InboxApplied] != 1 {
		t.Errorf("inbox = %v, %v; want the signal applied", c, err)
	}
	runs, err := eng.Store.Runs(t.Context(), p.Name, 1)
	if err != nil || len(runs) != 1 || runs[0].Counts.RecordsRead == 0 || runs[0].Status != connector.RunOK {
		t.Errorf("the signal's run: %+v, %v; want one that read the person's record", runs, err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
