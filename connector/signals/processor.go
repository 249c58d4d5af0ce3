package signals

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/leadsync/leadsync/lusha"
	"github.com/leadsync/leadsync/mapping"
	"github.com/leadsync/leadsync/state"
)

// Store is what the processor needs of the state store.
type Store interface {
	state.Inbox
	ForgetPerson(ctx context.Context, f state.Forget) (state.ForgetReport, error)
	PersonRecords(ctx context.Context, f state.Forget) ([]state.PersonRecord, error)
	// SignalWritten lists the records among crmIDs a pipeline's action on the
	// signal already wrote (act.go).
	SignalWritten(ctx context.Context, pipeline, signalID string, crmIDs []string) ([]string, error)
	// EntityRecords lists the records whose identity a Lusha id was cached
	// under: a company signal's company records.
	EntityRecords(ctx context.Context, lushaID string) ([]state.PersonRecord, error)
}

// CRMAction acts in the CRM on an opt-out's person, whose records the store lists,
// before the store erases them (the ledger says which values are leadsync's).
// It must be safe to repeat: a crash before the erasure runs it again.
type CRMAction func(ctx context.Context, records []state.PersonRecord) error

// batch is how many deliveries one pass of the processor reads at a time.
const batch = 100

// Processor applies the inbox's received deliveries in order. Run it on a
// goroutine of its owner; it ends with its context.
type Processor struct {
	store   Store
	log     *slog.Logger
	metrics Metrics
	crm     CRMAction
	acting  *Acting
	wake    chan struct{}
	poll    time.Duration
	now     func() time.Time
}

// ProcessorOptions configure a Processor. Store is required.
type ProcessorOptions struct {
	Store   Store
	Logger  *slog.Logger // default: discard
	Metrics Metrics      // optional
	// Poll is how often the inbox is read without a Wake (deliveries another
	// replica stored, or one whose processing failed); default 1 minute.
	Poll time.Duration
	Now  func() time.Time // default time.Now
	// CRM, when set, runs for each opt-out before the erasure. Its failure is
	// logged and the erasure goes on: the state must not keep a person who opted
	// out because a CRM is down.
	CRM CRMAction
	// Acting, when set, acts on person signals (act.go); without it they are
	// settled recorded.
	Acting *Acting
}

// NewProcessor builds a processor.
func NewProcessor(o ProcessorOptions) *Processor {
	p := &Processor{store: o.Store, log: o.Logger, metrics: o.Metrics, crm: o.CRM, acting: o.Acting, wake: make(chan struct{}, 1),
		poll: o.Poll, now: o.Now}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	if p.poll <= 0 {
		p.poll = time.Minute
	}
	if p.now == nil {
		p.now = time.Now
	}
	return p
}

// Wake has the processor read the inbox soon; it never blocks (the Receiver's Wake).
func (p *Processor) Wake() {
	select {
	case p.wake <- struct{}{}:
	default: // a pass is due already
	}
}

// Run processes what the inbox holds at start (deliveries a crash left after
// their ack), then every time it is woken or polls, until ctx ends.
func (p *Processor) Run(ctx context.Context) {
	t := time.NewTicker(p.poll)
	defer t.Stop()
	for {
		if _, err := p.Drain(ctx); err != nil && ctx.Err() == nil {
			p.log.Error("lusha inbox: processing stopped; retried at the next wake or poll", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-p.wake:
		case <-t.C:
		}
	}
}

// Drain applies every received delivery, oldest first, and reports how many it
// settled. A delivery another processor settled meanwhile is skipped; one whose
// action is deferred stays received for a later pass, and the later ones go on.
func (p *Processor) Drain(ctx context.Context) (int, error) {
	done := 0
	deferred := map[int64]bool{}
	for {
		ds, err := p.store.Unprocessed(ctx, batch+len(deferred))
		if err != nil {
			return done, err
		}
		ds = slices.DeleteFunc(ds, func(d state.Delivery) bool { return deferred[d.Seq] })
		if len(ds) == 0 {
			return done, nil
		}
		for _, d := range ds {
			err := p.apply(ctx, d)
			switch {
			case errors.Is(err, errDeferred):
				deferred[d.Seq] = true
			case errors.Is(err, state.ErrSettled):
			case err != nil:
				return done, fmt.Errorf("delivery %d: %w", d.Seq, err)
			default:
				done++
			}
		}
	}
}

// apply settles one delivery with its effect, in one transaction where it has one.
func (p *Processor) apply(ctx context.Context, d state.Delivery) error {
	switch d.Kind {
	case state.InboxOptOut:
		return p.optOut(ctx, d)
	case state.InboxSignal:
		s, err := lusha.ParseWebhookPayload(d.Body)
		if err != nil {
			return p.reject(ctx, d, "undecodable signal")
		}
		if p.actable(s) {
			return p.act(ctx, d, s)
		}
		return p.store.Settle(ctx, d.Seq, state.InboxRecorded, p.now())
	default:
		return p.reject(ctx, d, "unknown kind")
	}
}

// optOut does for the person what `leadsync forget` does: cached answers, record
// states and ledger values erased, identity keys and the Lusha person id
// suppressed. The person is found by their Lusha id and by the identity keys of
// the email addresses and LinkedIn URL the opt-out lists, so that a person
// leadsync never bought is not asked about either.
func (p *Processor) optOut(ctx context.Context, d state.Delivery) error {
	o, err := lusha.ParseOptOutPayload(d.Body)
	if err != nil {
		return p.reject(ctx, d, "undecodable opt-out")
	}
	f := state.Forget{LushaIDs: []string{o.ContactID}, Keys: identityKeys(o), Settles: d.Seq, At: p.now()}
	if p.crm != nil {
		recs, err := p.store.PersonRecords(ctx, f)
		if err != nil {
			return err
		}
		if err := p.crm(ctx, recs); err != nil {
			// The CRM's answer may quote the person's values: at debug only.
			p.log.Warn("lusha opt-out: the CRM action failed; the person is erased from the state all the same",
				"records", len(recs))
			p.log.Debug("lusha opt-out: CRM action", "err", err)
		}
	}
	// An erasure once begun finishes, WAL truncation included, even on shutdown.
	rep, err := p.store.ForgetPerson(context.WithoutCancel(ctx), f)
	if err != nil {
		return err
	}
	p.log.Info("lusha opt-out applied: person erased and suppressed", "suppressed", rep.Suppressed,
		"answers", rep.Answers, "records", rep.Records, "ledger_values", rep.LedgerRows)
	if p.metrics != nil {
		p.metrics.SignalApplied(OptOut)
	}
	return nil
}

func identityKeys(o *lusha.OptOutPayload) []string {
	var keys []string
	add := func(id mapping.Identity) {
		if k := id.Key(); k != "" {
			keys = append(keys, k)
		}
	}
	for _, dp := range o.Datapoints {
		if dp.DatapointType == "email" {
			add(mapping.Identity{Email: dp.DatapointID})
		}
	}
	if o.LinkedinURL != "" {
		add(mapping.Identity{LinkedinURL: o.LinkedinURL})
	}
	return keys
}

func (p *Processor) reject(ctx context.Context, d state.Delivery, why string) error {
	p.log.Warn("lusha inbox: delivery rejected", "seq", d.Seq, "kind", d.Kind, "why", why)
	return p.store.Settle(ctx, d.Seq, state.InboxRejected, p.now())
}
