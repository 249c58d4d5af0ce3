package state

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Inbox kinds: what a webhook delivery carries.
const (
	InboxSignal = "signal"  // a contact or company signal
	InboxOptOut = "opt_out" // a person opted out of Lusha
)

// Inbox statuses. Only received deliveries are waiting to be processed.
const (
	InboxReceived = "received" // stored and acknowledged, not processed yet
	InboxApplied  = "applied"  // its effect is in the store (an opt-out erased)
	// InboxRecorded: a signal counted as received; acting on it (re-enrichment)
	// is not done yet.
	InboxRecorded = "recorded"
	InboxRejected = "rejected" // unusable (malformed once decoded); nothing applied
)

// ErrSettled is returned when a delivery is settled that was settled already
// (by another processor, or before a crash): its effect must not be applied twice.
var ErrSettled = errors.New("state: inbox delivery already processed")

// Delivery is one webhook delivery in the inbox.
type Delivery struct {
	Seq         int64 // the inbox's order; set by the store
	PayloadID   string
	Kind        string // InboxSignal or InboxOptOut
	Body        []byte // the raw delivery; empty once processed
	Status      string
	ReceivedAt  time.Time
	ProcessedAt time.Time // zero while received
}

// Inbox is the durable inbox of webhook deliveries. Both backends implement it.
type Inbox interface {
	// Receive stores d unless a delivery with its payload id is stored already, and
	// reports whether it stored it.
	Receive(ctx context.Context, d Delivery) (stored bool, err error)
	// Unprocessed lists up to limit received deliveries, oldest first.
	Unprocessed(ctx context.Context, limit int) ([]Delivery, error)
	// Settle gives a received delivery its final status and erases its body, or
	// returns ErrSettled.
	Settle(ctx context.Context, seq int64, status string, at time.Time) error
	// InboxCounts counts the deliveries by status.
	InboxCounts(ctx context.Context) (map[string]int, error)
}

var _ Inbox = (*store)(nil)

func (s *store) Receive(ctx context.Context, d Delivery) (bool, error) {
	if d.PayloadID == "" || d.Kind == "" {
		return false, errors.New("state: inbox: a delivery needs a payload id and a kind")
	}
	var stored bool
	err := s.write(ctx, func(tx *txn) error {
		n, err := tx.exec(ctx, `INSERT INTO inbox (payload_id, kind, body, status, received_at)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT (payload_id) DO NOTHING`,
			d.PayloadID, d.Kind, string(d.Body), InboxReceived, toMS(orNow(d.ReceivedAt, s.now)))
		stored = n == 1
		return err
	})
	if err != nil {
		return false, fmt.Errorf("state: inbox: store delivery: %w", err)
	}
	return stored, nil
}

func (s *store) Unprocessed(ctx context.Context, limit int) ([]Delivery, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT seq, payload_id, kind, body, status, received_at
		FROM inbox WHERE status = ? ORDER BY seq LIMIT ?`, InboxReceived, s.limit(limit))
	if err != nil {
		return nil, fmt.Errorf("state: inbox: unprocessed: %w", err)
	}
	defer rows.Close()
	var out []Delivery
	for rows.Next() {
		var d Delivery
		var body string
		var at int64
		if err := rows.Scan(&d.Seq, &d.PayloadID, &d.Kind, &body, &d.Status, &at); err != nil {
			return nil, fmt.Errorf("state: inbox: unprocessed: %w", err)
		}
		d.Body, d.ReceivedAt = []byte(body), fromMS(at)
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("state: inbox: unprocessed: %w", err)
	}
	return out, nil
}

func (s *store) Settle(ctx context.Context, seq int64, status string, at time.Time) error {
	err := s.write(ctx, func(tx *txn) error { return settle(ctx, tx, seq, status, orNow(at, s.now)) })
	if err != nil {
		return fmt.Errorf("state: inbox: settle %d: %w", seq, err)
	}
	return nil
}

// settle moves a received delivery to status inside tx, so that its effect and
// its settling commit together, and refuses one settled before (ErrSettled).
func settle(ctx context.Context, tx *txn, seq int64, status string, at time.Time) error {
	if status == InboxReceived || status == "" {
		return fmt.Errorf("state: inbox: %q is no final status", status)
	}
	n, err := tx.exec(ctx, `UPDATE inbox SET status = ?, body = '', processed_at = ?
		WHERE seq = ? AND status = ?`, status, toMS(at), seq, InboxReceived)
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrSettled
	}
	return nil
}

func (s *store) InboxCounts(ctx context.Context) (map[string]int, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT status, COUNT(*) FROM inbox GROUP BY status`)
	if err != nil {
		return nil, fmt.Errorf("state: inbox: counts: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var status string
		var n int
		if err := rows.Scan(&status, &n); err != nil {
			return nil, fmt.Errorf("state: inbox: counts: %w", err)
		}
		out[status] = n
	}
	return out, rows.Err()
}
