package connector

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/leadsync/leadsync/connector/config"
	"github.com/leadsync/leadsync/connector/run"
	"github.com/leadsync/leadsync/connector/signals"
	"github.com/leadsync/leadsync/connector/web"
	"github.com/leadsync/leadsync/lusha"
)

// webhookSecret resolves lusha.webhook.secret when the receiver is on.
func webhookSecret(cfg *config.Config, getenv func(string) string) (config.Secret, error) {
	if !cfg.Lusha.Webhook.Enabled() {
		return config.Secret{}, nil
	}
	s, err := cfg.Lusha.Webhook.Secret.Resolve(getenv)
	if err != nil {
		return config.Secret{}, fmt.Errorf("lusha.webhook.secret: %w", err)
	}
	return s, nil
}

// receiver is the webhook receiver's own listener and the inbox processor, both
// owned by the daemon: they start with it and end before Run returns. The config
// they run on is the start's: a reload leaves them as they are.
type receiver struct {
	srv    *http.Server
	addr   string
	served chan error       // the listener's failure, if it fails
	subs   *signals.Manager // nil when no pipeline subscribes to signals
	stop   context.CancelFunc
	done   sync.WaitGroup
}

// startReceiver listens on lusha.webhook.listen and starts the processor, when the
// config turns the receiver on; nil otherwise.
func (d *Daemon) startReceiver(eng *Engine) (*receiver, error) {
	w := eng.Config.Lusha.Webhook
	if !w.Enabled() {
		return nil, nil
	}
	store, ok := eng.Store.(signals.Store)
	if !ok {
		return nil, errors.New("lusha webhook: this state store keeps no inbox")
	}
	subStore, ok := eng.Store.(signals.SubscriptionStore)
	if !ok {
		return nil, errors.New("lusha signals: this state store cannot list what pipelines enriched")
	}
	ln, err := net.Listen("tcp", w.Listen)
	if err != nil {
		return nil, fmt.Errorf("lusha webhook: %w", err)
	}
	proc := signals.NewProcessor(signals.ProcessorOptions{Store: store, Logger: d.Logger, Metrics: d.metrics,
		CRM: optOutAction(eng), Acting: signalActing(eng)})
	mux := http.NewServeMux()
	mux.Handle(signals.Path, signals.NewReceiver(signals.ReceiverOptions{Inbox: store, Secret: eng.webhookSecret.Reveal(),
		Tolerance: w.Tolerance, Logger: d.Logger, Metrics: d.metrics, Wake: proc.Wake}))
	// Lusha gives up on an answer after 10 s; a slower client is no delivery.
	r := &receiver{srv: &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
		WriteTimeout: 10 * time.Second}, addr: ln.Addr().String(), served: make(chan error, 1)}
	ctx, stop := context.WithCancel(context.Background())
	r.stop = stop
	r.done.Go(func() { proc.Run(ctx) })
	r.done.Go(func() {
		if err := r.srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			r.served <- err
		}
	})
	if eng.Config.Lusha.OptOutWebhook {
		r.done.Go(func() { d.ensureOptOut(ctx, eng) })
	}
	if watches := signalWatches(eng.Config); len(watches) > 0 {
		client, closeClient := webhooksClient(eng)
		r.subs = signals.NewManager(signals.ManagerOptions{Store: subStore, Client: client, Watches: watches,
			URL: w.PublicURL, Max: eng.Config.Lusha.Subscriptions.Max, Owner: eng.Runner.Owner, Alive: ownerAlive,
			Limiter: webhooksLimiter(eng, d.Logger), Metrics: d.metrics, Logger: d.Logger})
		r.done.Go(func() {
			defer closeClient()
			r.subs.Run(ctx)
		})
	}
	d.Logger.Info("lusha webhook receiver listening", "addr", r.addr, "path", signals.Path)
	return r, nil
}

// ensureOptOut has the account's opt-out subscription deliver to public_url, once
// the receiver listens (Lusha may check the URL as it subscribes). A failure is
// logged, not fatal: the next start tries again.
func (d *Daemon) ensureOptOut(ctx context.Context, eng *Engine) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	client, closeClient := webhooksClient(eng)
	defer closeClient()
	did, err := signals.EnsureOptOut(ctx, client, eng.Config.Lusha.Webhook.PublicURL)
	if err != nil {
		d.Logger.Error("lusha opt-out subscription not ensured; retried at the next start", "err", err)
		return
	}
	d.Logger.Info("lusha opt-out subscription", "did", did, "url", eng.Config.Lusha.Webhook.PublicURL)
}

// webhooksClient is a Lusha client for the webhooks API of its own; close it
// when done, so that no keep-alive goroutine outlives its user.
func webhooksClient(eng *Engine) (*lusha.Client, func()) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	opts := []lusha.Option{lusha.WithHTTPClient(&http.Client{Transport: tr})}
	if base := eng.settings.Lusha.BaseURL; base != "" {
		opts = append(opts, lusha.WithBaseURL(base))
	}
	return lusha.NewClient(eng.settings.Lusha.APIKey, opts...), tr.CloseIdleConnections
}

// webhooksLimiter paces the webhooks API on the PostgreSQL store's shared window,
// which every replica's calls count against (the lease leaves one manager, but a
// replica that loses it mid-pass may still be calling); nil on a SQLite file,
// where the manager keeps its own. The window is named per Lusha account, as
// the account's other limits.
func webhooksLimiter(eng *Engine, log *slog.Logger) signals.Limiter {
	sh := sharedLimits(eng.Store, log)
	if sh == nil {
		return nil
	}
	return sh.Window(eng.settings.Lusha.LimitName("webhooks"), signals.WebhooksPerMinute, time.Minute)
}

// signalWatches are the signals config of the enabled pipelines.
func signalWatches(cfg *config.Config) []signals.Watch {
	var watches []signals.Watch
	for _, p := range cfg.Pipelines {
		if p.Signals.On() && !p.Disabled {
			watches = append(watches, signals.Watch{Pipeline: p.Name, Object: p.Object,
				CompanyObject: config.CompanyObject(cfg.CRMs[p.CRM].Kind),
				Contact:       p.Signals.Contact, Company: p.Signals.Company})
		}
	}
	return watches
}

// signalActing has the processor act on signals in the enabled pipelines that
// subscribed to them: person signals in people pipelines, company signals in
// company pipelines (a people pipeline's company_record acts on none); nil when
// none did.
func signalActing(eng *Engine) *signals.Acting {
	var subs []signals.Subscriber
	for _, p := range eng.Config.Pipelines {
		pipe := slices.IndexFunc(eng.Pipelines, func(q *Pipeline) bool { return q.Name == p.Name })
		if p.Disabled || !p.Signals.On() || pipe < 0 {
			continue
		}
		sub := signals.Subscriber{Pipeline: p.Name, Contact: p.Signals.Contact}
		if eng.Pipelines[pipe].Mapping.ForCompanies() {
			sub.Company = p.Signals.Company
		}
		subs = append(subs, sub)
	}
	if len(subs) == 0 {
		return nil
	}
	return &signals.Acting{Pipelines: subs, Act: actInPipelines(eng.Runner, eng.Pipelines)}
}

// actInPipelines acts on a signal in a pipeline by a run of it that acts on the
// signal (run.Options.Signal). The records that run enriched again and mapped
// count as refreshed by the signal (leadsync_refreshed_records_total), whether
// or not the action then finishes: a deferred action's records were bought again.
func actInPipelines(r *Runner, pipes []*Pipeline) signals.ActFunc {
	return func(ctx context.Context, a signals.Action) (signals.Outcome, error) {
		i := slices.IndexFunc(pipes, func(p *Pipeline) bool { return p.Name == a.Pipeline })
		if i < 0 {
			return signals.Outcome{}, fmt.Errorf("pipeline %s is not configured", a.Pipeline)
		}
		sum, err := r.Run(ctx, pipes[i], RunOptions{Signal: &run.Signal{ID: a.SignalID, Type: a.Type, Data: a.Data,
			At: a.At, CRMIDs: a.CRMIDs}})
		r.Metrics.RecordsRefreshed(a.Pipeline, "signal", sum.RecordsEnriched)
		return signals.Outcome{RunID: sum.RunID, Written: sum.RecordsWritten, Credits: sum.CreditsSpent,
			Stopped: sum.Error}, err
	}
}

// Subscriptions is what the signal subscriptions' manager last found; nil when
// no pipeline subscribes to signals.
func (d *Daemon) Subscriptions() *web.SubscriptionsView {
	d.mu.Lock()
	r := d.receiver
	d.mu.Unlock()
	if r == nil || r.subs == nil {
		return nil
	}
	st := r.subs.Status()
	v := &web.SubscriptionsView{Managed: st.Managed, Checked: st.Checked, Error: st.Err, Account: st.Account,
		Max: st.Max, Full: st.Full, Wanted: st.Wanted, Active: st.Active, Disabled: st.Disabled, Missing: st.Missing}
	for _, b := range st.Blocked {
		v.Blocked = append(v.Blocked, web.BlockedView{ID: b.ID, EntityType: b.EntityType, EntityID: b.EntityID,
			Reason: b.Reason, Since: b.Since})
	}
	return v
}

// close stops taking deliveries, then stops the processor: what it did not
// process stays in the inbox for the next start.
func (r *receiver) close() error {
	if r == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := r.srv.Shutdown(ctx)
	r.stop()
	r.done.Wait()
	if err != nil {
		return fmt.Errorf("lusha webhook: %w", err)
	}
	return nil
}

// failed delivers the listener's failure; never, for a receiver that is off.
func (r *receiver) failed() <-chan error {
	if r == nil {
		return nil
	}
	return r.served
}

// WebhookAddr is the address the webhook receiver listens on, "" when it is off
// or not started yet.
func (d *Daemon) WebhookAddr() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.receiver == nil {
		return ""
	}
	return d.receiver.addr
}
