package sandbox_test

import (
	"context"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/leadsync/leadsync/connector"
	"github.com/leadsync/leadsync/connector/observe"
	"github.com/leadsync/leadsync/connector/sandbox"
	"github.com/leadsync/leadsync/lusha"
	"github.com/leadsync/leadsync/state"
)

// tick is the sandbox pipelines' schedule: the CRM shows a job change within one.
const tick = 30 * time.Second

// TestSignalsSandboxRefreshesJobChanges is `leadsync sandbox --signals`: after the
// first run, people the daemon subscribed change jobs or are promoted in the fake
// Lusha, which delivers the signals, signed, to the daemon's receiver. Within one
// tick the fake HubSpot's records of those people show the new title (a title a
// sales rep typed stays), the new company and the job change's date, and no other
// record changed; the ledger rows of those writes carry the signal's id; /metrics
// and the sandbox's summary count what was received, applied and refreshed.
func TestSignalsSandboxRefreshesJobChanges(t *testing.T) {
	sb, err := sandbox.Start(sandbox.Options{Seed: 5, Leads: 60, Dir: t.TempDir(), Signals: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	eng := build(t, sb, sb.Environ("127.0.0.1:0"))
	log := slog.New(slog.NewTextHandler(io.Discard, nil))

	// The first run, before the daemon starts: its subscriptions manager passes at
	// start, and then only every 10 minutes.
	sb.Settle()
	for _, p := range eng.Pipelines {
		if sum, err := eng.Runner.Run(t.Context(), p, connector.RunOptions{}); err != nil || sum.RecordsWritten == 0 {
			t.Fatalf("first run of %s: %+v, %v", p.Name, sum, err)
		}
	}

	ready := make(chan string, 1)
	d := &connector.Daemon{Engine: eng, Logger: log, Ready: func(a string) { ready <- a }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
		http.DefaultClient.CloseIdleConnections()
	})
	base := "http://" + <-ready
	store := eng.Store.(sandbox.MoverStore)
	mover, err := sb.NewMover(sandbox.MoverOptions{Store: store, MetricsURL: base + "/metrics", Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	waitCtx, stop := context.WithTimeout(t.Context(), 90*time.Second)
	defer stop()
	watched, err := mover.WaitSubscribed(waitCtx)
	if err != nil || watched < 20 {
		t.Fatalf("%d people subscribed (%v); want the first run's", watched, err)
	}

	before := contacts(sb)
	emitted := time.Now()
	moves, err := mover.Emit(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, mv := range moves {
		kinds[mv.Type]++
	}
	if kinds[lusha.SignalCompanyChange] == 0 || kinds[lusha.SignalPromotion] == 0 {
		t.Fatalf("moves %+v; want job changes and promotions", moves)
	}

	// Within one tick of the deliveries, the movers' records show their new jobs.
	want := map[string]map[string]string{} // contact id → the fields that must read so
	moved := map[string]sandbox.Move{}     // contact id → its person's move
	for id, p := range sb.ContactPerson {
		i := slices.IndexFunc(moves, func(mv sandbox.Move) bool { return mv.PersonID == p.ID })
		if i < 0 {
			continue
		}
		mv := moves[i]
		moved[id] = mv
		w := map[string]string{"jobtitle": mv.Title, "job_changed_on": mv.Date}
		if hand := sb.HandFilled[id]["jobtitle"]; hand != "" {
			w["jobtitle"] = hand // typed by a sales rep: never leadsync's to change
		}
		if mv.Type == lusha.SignalCompanyChange {
			w["company"], w["previous_company"] = mv.Company, mv.Previous
		}
		want[id] = w
	}
	if len(want) < len(moves) {
		t.Fatalf("%d moves, %d of their HubSpot contacts", len(moves), len(want))
	}
	deadline := time.Now().Add(tick)
	for {
		wrong := ""
		for id, w := range want {
			got, _ := sb.HubSpot.Contact(id)
			for f, v := range w {
				if got[f] != v {
					wrong = id + " " + f + " = " + got[f] + ", want " + v
				}
			}
		}
		if wrong == "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("one tick after the signals were delivered (%v after the first), contact %s",
				time.Since(emitted).Round(time.Millisecond), wrong)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := mover.WaitApplied(waitCtx); err != nil {
		t.Fatal(err)
	}

	// No one else's record changed.
	after := contacts(sb)
	for id, fields := range before {
		if _, ok := moved[id]; ok {
			continue
		}
		for _, f := range []string{"jobtitle", "company", "job_changed_on", "previous_company"} {
			if after[id][f] != fields[f] {
				t.Errorf("contact %s, who did not move: %s %q → %q", id, f, fields[f], after[id][f])
			}
		}
	}

	// The movers' writes carry their signal's id, one id per person; the records
	// written with a signal id are those refreshed.
	signalOf := map[string]string{}   // contact id → the signal id of its jobtitle/job_changed_on rows
	refreshed := map[[2]string]bool{} // (pipeline, record) written by a signal
	runs, err := eng.Store.Runs(t.Context(), "", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range runs {
		rows, err := eng.Store.Ledger(t.Context(), r.RunID, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, row := range rows {
			if row.SignalID == "" {
				continue
			}
			refreshed[[2]string{row.Pipeline, row.CRMID}] = true
			if row.Pipeline != "hubspot-contacts" || row.Field != "job_changed_on" {
				continue
			}
			if _, ok := moved[row.CRMID]; !ok {
				t.Errorf("a signal (%s) wrote contact %s, who did not move", row.SignalID, row.CRMID)
			}
			signalOf[row.CRMID] = row.SignalID
		}
	}
	ids := map[string]bool{}
	for id := range moved {
		if signalOf[id] == "" {
			t.Errorf("contact %s: no ledger row with a signal id for job_changed_on", id)
		}
		ids[signalOf[id]] = true
	}
	if len(ids) != len(moved) {
		t.Errorf("signal ids %v for %d moved contacts; want one each", slices.Collect(maps.Keys(ids)), len(moved))
	}

	// /metrics and the summary agree with the inbox and the ledger.
	sum, err := mover.Summary(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if sum.Sent != len(moves) || sum.Received != len(moves) || sum.Applied != len(moves) ||
		sum.Refreshed != len(refreshed) || sum.Refreshed < len(moves) || sum.Credits <= 0 {
		t.Errorf("summary %+v; want %d signals sent, received and applied, %d records refreshed, credits spent",
			sum, len(moves), len(refreshed))
	}
	if c, err := store.InboxCounts(t.Context()); err != nil || c[state.InboxApplied] != len(moves) {
		t.Errorf("inbox %v, %v; want %d applied", c, err, len(moves))
	}
	page, err := observe.Scrape(t.Context(), http.DefaultClient, base+"/metrics")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   int
	}{
		{"leadsync_signals_received_total", map[string]string{"kind": "contact"}, len(moves)},
		{"leadsync_signals_applied_total", map[string]string{"kind": "contact"}, len(moves)},
		{"leadsync_refreshed_records_total", map[string]string{"trigger": "signal"}, len(refreshed)},
	} {
		if got, ok := page.Sum(c.name, c.labels); !ok || int(got) != c.want {
			t.Errorf("%s%v = %v (present %v), want %v", c.name, c.labels, got, ok, c.want)
		}
	}
	t.Logf("%d watched, %d moves; %v", watched, len(moves), sum)
}

// contacts reads every seeded contact from the fake HubSpot.
func contacts(sb *sandbox.Sandbox) map[string]map[string]string {
	out := map[string]map[string]string{}
	for id := range sb.ContactPerson {
		c, _ := sb.HubSpot.Contact(id)
		out[id] = c
	}
	return out
}
