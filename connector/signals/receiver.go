package signals

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/leadsync/leadsync/lusha"
	"github.com/leadsync/leadsync/state"
)

// Path is where the receiver listens.
const Path = "/webhooks/lusha"

// MaxBody bounds a delivery's size: Lusha's payloads are a few kilobytes.
const MaxBody = 1 << 20

// storeTimeout bounds storing one delivery: Lusha wants the ack within 10 s, and
// a late answer is a failed delivery it retries anyway.
const storeTimeout = 8 * time.Second

// OptOut is the metrics kind of an opt-out (a signal's is its entity type).
const OptOut = "opt_out"

// Metrics counts deliveries; kind is "contact", "company" or OptOut.
type Metrics interface {
	SignalReceived(kind string)
	SignalApplied(kind string)
}

// Receiver is the http.Handler of Path. Create it with NewReceiver.
type Receiver struct {
	inbox    state.Inbox
	verifier *lusha.WebhookVerifier
	log      *slog.Logger
	metrics  Metrics
	wake     func()
	now      func() time.Time
}

// ReceiverOptions configure a Receiver. Secret and Inbox are required.
type ReceiverOptions struct {
	Inbox     state.Inbox
	Secret    string        // the account's webhook secret
	Tolerance time.Duration // of the delivery's timestamp; default 5 minutes
	Logger    *slog.Logger  // default: discard
	Metrics   Metrics       // optional
	// Wake is called after a delivery was stored, to have it processed soon.
	Wake func()
	Now  func() time.Time // default time.Now
}

var _ http.Handler = (*Receiver)(nil)

// NewReceiver builds the receiver.
func NewReceiver(o ReceiverOptions) *Receiver {
	v := lusha.NewWebhookVerifier(o.Secret)
	if o.Tolerance > 0 {
		v.Tolerance = o.Tolerance
	}
	if o.Now != nil {
		v.Now = o.Now
	}
	r := &Receiver{inbox: o.Inbox, verifier: v, log: o.Logger, metrics: o.Metrics, wake: o.Wake, now: v.Now}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	return r
}

// ServeHTTP answers Lusha's URL challenge (GET ?challenge=x → {"challenge":"x"}) and
// stores a verified POSTed delivery before acknowledging it with Lusha's documented
// body. A forged, stale or replayed delivery is refused and nothing is stored; a
// delivery stored before (Lusha retrying) is acknowledged again, not stored twice.
func (rc *Receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		writeJSON(w, http.StatusOK, map[string]string{"challenge": r.URL.Query().Get("challenge")})
		return
	case http.MethodPost:
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		rc.log.Warn("lusha delivery refused: body unreadable or too large")
		http.Error(w, "body too large or unreadable", http.StatusRequestEntityTooLarge)
		return
	}
	if err := rc.verifier.Verify(r.Header, body); err != nil {
		// The reason names no secret and no content.
		rc.log.Warn("lusha delivery refused", "reason", err.Error())
		status := http.StatusUnauthorized
		if errors.Is(err, lusha.ErrWebhookReplay) {
			status = http.StatusConflict
		}
		http.Error(w, "invalid delivery", status)
		return
	}
	d, ack, kind, err := decode(body)
	if err != nil {
		rc.log.Warn("lusha delivery refused: not a signal or opt-out payload")
		http.Error(w, "malformed payload", http.StatusBadRequest)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), storeTimeout)
	defer cancel()
	d.ReceivedAt = rc.now()
	stored, err := rc.inbox.Receive(ctx, d)
	if err != nil {
		rc.log.Error("lusha delivery not stored; Lusha will retry it", "kind", kind, "err", err)
		http.Error(w, "not stored", http.StatusServiceUnavailable)
		return
	}
	if stored {
		rc.log.Info("lusha delivery stored", "kind", kind)
		if rc.metrics != nil {
			rc.metrics.SignalReceived(kind)
		}
		if rc.wake != nil {
			rc.wake()
		}
	} else {
		rc.log.Debug("lusha delivery stored before; acknowledged again", "kind", kind)
	}
	writeJSON(w, http.StatusCreated, map[string]any{"received": true,
		"timestamp": rc.now().UTC().Format(time.RFC3339Nano), "webhookId": ack})
}

// decode tells a signal from an opt-out and names the delivery: a signal by its
// payload id; an opt-out, which carries none, by the contact and the time they
// opted out (a later opt-out of the same person is a delivery of its own). ack is
// the acknowledgement's webhookId; kind the metrics' label.
func decode(body []byte) (d state.Delivery, ack, kind string, err error) {
	if p, err := lusha.ParseWebhookPayload(body); err == nil {
		return state.Delivery{PayloadID: p.ID, Kind: state.InboxSignal, Body: body}, p.ID, entityKind(p.EntityType), nil
	}
	p, err := lusha.ParseOptOutPayload(body)
	if err != nil {
		return state.Delivery{}, "", "", err
	}
	id := "opt-out:" + p.ContactID + "@" + p.ContactOptOutDate
	return state.Delivery{PayloadID: id, Kind: state.InboxOptOut, Body: body}, p.ContactID, OptOut, nil
}

// entityKind keeps the metrics' label to a known few values.
func entityKind(entityType string) string {
	switch entityType {
	case lusha.EntityContact, lusha.EntityCompany:
		return entityType
	}
	return "other"
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
