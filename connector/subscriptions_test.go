package connector_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/leadsync/leadsync/connector"
	"github.com/leadsync/leadsync/connector/config"
	"github.com/leadsync/leadsync/connector/sandbox"
	"github.com/leadsync/leadsync/connector/signals"
	"github.com/leadsync/leadsync/lusha"
)

// TestDaemonSubscribesEnrichedPeople: a people pipeline with signals has the
// daemon subscribe the people it enriched to the receiver's public URL; the status
// page and /metrics count them.
func TestDaemonSubscribesEnrichedPeople(t *testing.T) {
	verifyNoLeaksAtEnd(t)
	onBothBackends(t, 7, 20, func(t *testing.T, sb *sandbox.Sandbox, environ []string) {
		// On PostgreSQL the calls count against the store's shared window of the webhooks API.
		subscribesEnrichedPeople(t, sb, environ, func(eng *connector.Engine) {
			pg, ok := eng.Store.(interface{ Pool() *pgxpool.Pool })
			if !ok {
				return
			}
			var n int
			err := pg.Pool().QueryRow(t.Context(),
				`SELECT cardinality(times) FROM leadsync_share_window WHERE name LIKE 'lusha:%:webhooks'`).Scan(&n)
			if err != nil || n == 0 {
				t.Errorf("calls in the shared webhooks window = %d, %v", n, err)
			}
		})
	})
}

func subscribesEnrichedPeople(t *testing.T, sb *sandbox.Sandbox, environ []string, check func(*connector.Engine)) {
	hookAddr := freeAddr(t)
	public := "http://" + hookAddr + signals.Path
	environ = append(environ, "LEADSYNC_LUSHA__WEBHOOK__LISTEN="+hookAddr,
		"LEADSYNC_LUSHA__WEBHOOK__PUBLIC_URL="+public, "LEADSYNC_LUSHA__WEBHOOK__SECRET=${env:TEST_WEBHOOK_SECRET}",
		"TEST_WEBHOOK_SECRET=whsec_test", "LEADSYNC_RUN_ON_START=false")
	getenv := getenvOf(environ)
	cfg, err := config.Load(sb.Config, environ)
	if err != nil {
		t.Fatal(err)
	}
	people := -1
	for i, p := range cfg.Pipelines {
		if p.Object == "contacts" && people < 0 {
			people = i
			cfg.Pipelines[i].Signals = &config.Signals{Contact: []string{lusha.SignalCompanyChange, lusha.SignalPromotion}}
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

	ready := make(chan string, 1)
	d := &connector.Daemon{Engine: eng, Logger: log, Ready: func(a string) { ready <- a }}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	statusAddr := <-ready
	gauge := fmt.Sprintf(`leadsync_signal_subscriptions{state="active"} %d`, len(enriched))
	for !strings.Contains(get(t, "http://"+statusAddr+"/metrics"), gauge) {
		select {
		case <-t.Context().Done():
			t.Fatalf("/metrics never showed %s", gauge)
		case <-time.After(20 * time.Millisecond):
		}
	}
	n := 0
	for s, err := range sb.Lusha.Client().Subscriptions(t.Context(), 0) {
		if err != nil {
			t.Fatal(err)
		}
		if s.Name != signals.SubscriptionName || s.URL != public || s.EntityType != lusha.EntityContact || !s.IsActive {
			t.Errorf("subscription %+v", s)
		}
		n++
	}
	if n != len(enriched) {
		t.Errorf("%d subscriptions for %d people enriched", n, len(enriched))
	}
	if page := get(t, "http://"+statusAddr+"/"); !strings.Contains(page, `id="subscriptions"`) ||
		!strings.Contains(page, fmt.Sprintf(`data-field="subscriptions">%d</strong> active`, len(enriched))) {
		t.Errorf("the status page does not count the subscriptions:\n%s", page)
	}
	if check != nil {
		check(eng)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
