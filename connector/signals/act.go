package signals

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/leadsync/leadsync/lusha"
	"github.com/leadsync/leadsync/mapping"
	"github.com/leadsync/leadsync/state"
)

// Action is one pipeline's action on a signal about a person (or a company):
// re-enrich their records there and write them under the mapping's policies and
// its writes for the signal's type, each ledger row carrying SignalID.
type Action struct {
	Pipeline string
	SignalID string // the delivery's payload id
	Type     string // companyChange, promotion, a company signal type
	Data     any    // the signal's data, decoded JSON
	// At is when the signal was received: an answer cached before is stale.
	At     time.Time
	CRMIDs []string // the pipeline's records of the person or company
}

// Outcome is what an action did. Stopped, when set, says why it stopped before
// its end (no credit left, the pipeline's lease held, an outage): the signal
// waits for a later pass.
type Outcome struct {
	RunID            string
	Written, Credits int
	Stopped          string
}

// ActFunc does one action (the daemon: a run of the pipeline with
// run.Options.Signal, through the shared Lusha account and the leased CRM).
type ActFunc func(ctx context.Context, a Action) (Outcome, error)

// Acting is how the processor acts on signals: the pipelines that subscribed to
// them, and how to act in one.
type Acting struct {
	Pipelines []Subscriber
	Act       ActFunc
}

// Subscriber is a pipeline and the signal types it acts on: Contact for a people
// pipeline, Company for a company pipeline (its records are companies).
type Subscriber struct {
	Pipeline string
	Contact  []string
	Company  []string
}

// wants says whether s acts on a signal of type t about an entity of entityType.
func (s Subscriber) wants(entityType, t string) bool {
	types := s.Contact
	if entityType == lusha.EntityCompany {
		types = s.Company
	}
	return slices.Contains(types, t) || slices.Contains(types, lusha.SignalAll)
}

// errDeferred leaves a delivery received, to be acted on at a later pass: a run
// could not finish its action now (credits, the pipeline's lease, an outage).
var errDeferred = errors.New("signal action deferred")

// actable tells whether the processor acts on a signal: a person's job change or
// promotion, or any company signal, with pipelines to act.
func (p *Processor) actable(s *lusha.WebhookPayload) bool {
	switch {
	case p.acting == nil:
		return false
	case s.EntityType == lusha.EntityContact:
		return slices.Contains(mapping.ContactSignalTypes(), s.Type)
	}
	return s.EntityType == lusha.EntityCompany
}

// records finds the signal's entity's records: a person's as an opt-out's, a
// company's by the Lusha id their identity was cached under.
func (p *Processor) records(ctx context.Context, s *lusha.WebhookPayload) ([]state.PersonRecord, error) {
	if s.EntityType == lusha.EntityCompany {
		return p.store.EntityRecords(ctx, s.EntityID)
	}
	return p.store.PersonRecords(ctx, state.Forget{LushaIDs: []string{s.EntityID}})
}

// act re-enriches the signal's person (or company) in every pipeline that
// subscribed to its type and holds a record of theirs, and writes what the mapping says (mapping.ForSignal)
// under its policies, each ledger row carrying the signal's id. The delivery is
// settled after the runs, not with them (a person's records may be in several
// pipelines, each its own lease and commit): a crash in between acts again, and
// that is harmless, for the records whose ledger rows carry the signal's id are
// left alone, and the answer bought after the signal came is used, not bought.
func (p *Processor) act(ctx context.Context, d state.Delivery, s *lusha.WebhookPayload) error {
	recs, err := p.records(ctx, s)
	if err != nil {
		return err
	}
	var data any
	if err := json.Unmarshal(s.Data, &data); err != nil {
		return p.reject(ctx, d, "undecodable signal data")
	}
	acted := 0
	for _, sub := range p.acting.Pipelines {
		if !sub.wants(s.EntityType, s.Type) {
			continue
		}
		held := recordsOf(recs, sub.Pipeline)
		if len(held) == 0 {
			continue
		}
		acted++
		ids, err := p.unwritten(ctx, sub.Pipeline, s.ID, held)
		if err != nil {
			return err
		}
		if len(ids) == 0 {
			continue // acted on before a crash
		}
		out, err := p.acting.Act(ctx, Action{Pipeline: sub.Pipeline, SignalID: s.ID, Type: s.Type, Data: data,
			At: d.ReceivedAt, CRMIDs: ids})
		if err == nil && out.Stopped != "" {
			err = errors.New(out.Stopped)
		}
		if err != nil {
			p.log.Warn("lusha signal: action deferred to a later pass", "seq", d.Seq, "type", s.Type,
				"pipeline", sub.Pipeline, "err", err)
			return fmt.Errorf("%w: %w", errDeferred, err)
		}
		p.log.Info("lusha signal applied", "type", s.Type, "pipeline", sub.Pipeline, "run_id", out.RunID,
			"records", len(ids), "written", out.Written, "credits", out.Credits)
	}
	status := state.InboxApplied
	if acted == 0 {
		status = state.InboxRecorded // no subscribed pipeline holds the person
	}
	if err := p.store.Settle(ctx, d.Seq, status, p.now()); err != nil {
		return err
	}
	if acted > 0 && p.metrics != nil {
		p.metrics.SignalApplied(s.EntityType)
	}
	return nil
}

// unwritten drops from ids the records the pipeline's action on the signal wrote.
func (p *Processor) unwritten(ctx context.Context, pipeline, signalID string, ids []string) ([]string, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	done, err := p.store.SignalWritten(ctx, pipeline, signalID, ids)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(ids, func(id string) bool { return slices.Contains(done, id) }), nil
}

// recordsOf lists the CRM ids a pipeline keeps a record state of, sorted.
func recordsOf(recs []state.PersonRecord, pipeline string) []string {
	var ids []string
	for _, r := range recs {
		if r.Pipeline == pipeline && !slices.Contains(ids, r.CRMID) {
			ids = append(ids, r.CRMID)
		}
	}
	slices.Sort(ids)
	return ids
}
