package lushatest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/leadsync/leadsync/lusha"
)

// subscription is one webhook subscription of an account.
type subscription struct {
	lusha.Subscription
	seq    int
	optOut bool // the account's opt-out subscription
}

// delivery is one payload on its way to one subscription, retried as Lusha does.
type delivery struct {
	acct      *account
	subID     string
	payloadID string
	body      []byte // signed and sent byte for byte
}

// EmitSignal records a new signal, so the signals endpoints return it, and delivers
// it to every active subscription watching its entity and type, in every account
// that can pay WebhookSignal credits for it. It returns the number of deliveries
// started; WaitDeliveries waits for them (retries included).
func (s *Server) EmitSignal(sg Signal) int {
	now := s.opts.Now()
	if sg.Date.IsZero() {
		sg.Date = now.UTC().Truncate(24 * time.Hour)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.signals = append([]Signal{sg}, s.signals...)
	slices.SortStableFunc(s.signals, func(a, b Signal) int { return b.Date.Compare(a.Date) })
	started := 0
	for _, acct := range s.sortedAccounts() {
		for _, sub := range acct.sortedSubs() {
			if !sub.IsActive || sub.optOut || sub.EntityType != sg.EntityType || sub.EntityID != sg.EntityID ||
				!watches(sub.SignalTypes, sg.Type) {
				continue
			}
			price := s.opts.Pricing.WebhookSignal
			if price > acct.remaining() {
				continue // Lusha charges each delivered signal; an empty account gets none
			}
			acct.creditsUsed += price
			s.charges = append(s.charges, Charge{Account: acct.name, Endpoint: "webhook", Credits: price,
				Items: []ChargedItem{{ID: sg.EntityID, DataPoints: []string{sg.Type}, Credits: price}}})
			p := lusha.WebhookPayload{ID: newRequestID(), Type: sg.Type, EntityType: sg.EntityType,
				EntityID: sg.EntityID, SubscriptionID: sub.ID, Data: mustJSON(sg.Data),
				Timestamp: now.UTC().Format(isoMillis), Billing: lusha.WebhookBilling{CreditsCharged: price}}
			if s.startDelivery(delivery{acct: acct, subID: sub.ID, payloadID: p.ID, body: mustJSON(p)}) {
				started++
			}
		}
	}
	return started
}

// EmitOptOut delivers an opt-out event to the opt-out subscription of every account
// that has one. Opt-outs are free. It returns the number of deliveries started.
func (s *Server) EmitOptOut(p lusha.OptOutPayload) int {
	body := mustJSON(p)
	s.mu.Lock()
	defer s.mu.Unlock()
	started := 0
	for _, acct := range s.sortedAccounts() {
		for _, sub := range acct.sortedSubs() {
			if sub.optOut && sub.IsActive && s.startDelivery(delivery{acct: acct, subID: sub.ID,
				payloadID: p.ContactID, body: body}) {
				started++
			}
		}
	}
	return started
}

// WaitDeliveries waits until every delivery started so far has succeeded or given
// up. Call it after the Emit calls it should wait for have returned.
func (s *Server) WaitDeliveries() { s.deliveries.Wait() }

func watches(types []string, kind string) bool {
	return slices.Contains(types, kind) || slices.Contains(types, lusha.SignalAll)
}

// startDelivery runs d on a server-owned goroutine; false once the server closed.
// Callers hold mu, which orders every Add before the Wait in stopDeliveries.
func (s *Server) startDelivery(d delivery) bool {
	if s.closed {
		return false
	}
	s.deliveries.Go(func() { s.deliver(d) })
	return true
}

func (s *Server) stopDeliveries() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	s.deliveries.Wait()
	s.opts.Webhooks.Client.CloseIdleConnections()
}

// deliver sends d once and retries Retries times with doubling waits; after the last
// failure the subscription is disabled with blockReason "Max retries exceeded".
// Each attempt is signed anew with the account's current secret and send time.
func (s *Server) deliver(d delivery) {
	wh := s.opts.Webhooks
	for attempt := 0; attempt <= wh.Retries; attempt++ {
		if attempt > 0 && !s.pause(wh.Backoff<<(attempt-1)) {
			return
		}
		s.mu.Lock()
		sub, secret := d.acct.subs[d.subID], d.acct.secret
		active, url := sub != nil && sub.IsActive, ""
		if sub != nil {
			url = sub.URL
		}
		s.mu.Unlock()
		if !active {
			return // deleted or disabled meanwhile
		}
		status, took, err := s.post(url, secret, d.body)
		if s.ctx.Err() != nil {
			return // the server is closing; this attempt does not count
		}
		last := attempt == wh.Retries
		ok := err == nil && status/100 == 2
		s.recordAttempt(d, url, status, took, err, ok, last)
		if ok {
			return
		}
	}
}

func (s *Server) pause(wait time.Duration) bool {
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.ctx.Done():
		return false
	}
}

// post sends one signed delivery as §6.9 describes and reports the answer's status.
func (s *Server) post(url, secret string, body []byte) (int, time.Duration, error) {
	ctx, cancel := context.WithTimeout(s.ctx, s.opts.Webhooks.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, 0, err
	}
	now := s.opts.Now()
	ts := strconv.FormatInt(now.Unix(), 10)
	if s.opts.Webhooks.TimestampMillis {
		ts = strconv.FormatInt(now.UnixMilli(), 10)
	}
	req.Header.Set(lusha.HeaderSignature, lusha.Sign(secret, ts, body))
	req.Header.Set(lusha.HeaderTimestamp, ts)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Lusha-Webhooks/1.0")
	start := time.Now()
	resp, err := s.opts.Webhooks.Client.Do(req)
	took := time.Since(start)
	if err != nil {
		return 0, took, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	resp.Body.Close()
	return resp.StatusCode, took, nil
}

// recordAttempt writes the audit log entry of one attempt and disables the
// subscription after the last failed one.
func (s *Server) recordAttempt(d delivery, url string, status int, took time.Duration, err error, ok, last bool) {
	now := s.opts.Now().UTC()
	entry := lusha.AuditLogEntry{ID: "log-" + randomHex(8), SubscriptionID: d.subID, PayloadID: d.payloadID,
		Status: lusha.DeliverySuccess, StatusCode: status, URL: url, DeliveredAt: now, DurationMs: took.Milliseconds()}
	if !ok {
		entry.Status = lusha.DeliveryFailed
		if last {
			entry.Status = lusha.DeliveryPermanentFailure
		}
		msg := fmt.Sprintf("HTTP %d", status)
		if err != nil {
			msg = "delivery failed: " + transportProblem(err)
		}
		entry.Error = &msg
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d.acct.auditLogs = append(d.acct.auditLogs, entry)
	if sub := d.acct.subs[d.subID]; sub != nil && !ok && last {
		reason := lusha.BlockReasonMaxRetries
		sub.IsActive, sub.BlockReason, sub.BlockedAt, sub.UpdatedAt = false, &reason, &now, now
	}
}

// transportProblem names a transport failure without echoing URLs or bodies.
func transportProblem(err error) string {
	if ne, ok := errors.AsType[net.Error](err); errors.Is(err, context.DeadlineExceeded) || ok && ne.Timeout() {
		return "timeout"
	}
	return "connection error"
}

// sortedAccounts lists accounts in creation order, for deterministic fan-out.
func (s *Server) sortedAccounts() []*account {
	out := make([]*account, 0, len(s.accounts))
	for _, a := range s.accounts {
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b *account) int { return compareNumeric(a.id, b.id) })
	return out
}

// sortedSubs lists the account's subscriptions in creation order.
func (a *account) sortedSubs() []*subscription {
	out := make([]*subscription, 0, len(a.subs))
	for _, sub := range a.subs {
		out = append(out, sub)
	}
	slices.SortFunc(out, func(x, y *subscription) int { return x.seq - y.seq })
	return out
}

func compareNumeric(a, b string) int {
	if len(a) != len(b) {
		return len(a) - len(b)
	}
	return bytes.Compare([]byte(a), []byte(b))
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// isoMillis is Lusha's timestamp layout, e.g. 2026-01-14T16:16:35.841Z.
const isoMillis = "2006-01-02T15:04:05.000Z"
