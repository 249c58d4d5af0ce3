package lusha

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Webhook verification errors.
var (
	ErrWebhookUnsigned  = errors.New("lusha webhook: missing signature or timestamp")
	ErrWebhookSignature = errors.New("lusha webhook: signature does not match")
	ErrWebhookStale     = errors.New("lusha webhook: timestamp outside the tolerance")
	ErrWebhookReplay    = errors.New("lusha webhook: delivery already seen")
)

// Webhook delivery headers.
const (
	HeaderSignature = "X-Lusha-Signature"
	HeaderTimestamp = "X-Lusha-Timestamp"
)

// WebhookPayload is one signal delivery. Data's shape depends on Type.
type WebhookPayload struct {
	ID             string          `json:"id"`
	Type           string          `json:"type"`
	EntityType     string          `json:"entityType"`
	EntityID       string          `json:"entityId"`
	SubscriptionID string          `json:"subscriptionId"`
	Data           json.RawMessage `json:"data"`
	Timestamp      string          `json:"timestamp"`
	Billing        struct {
		CreditsCharged int `json:"creditsCharged"`
	} `json:"billing"`
}

// WebhookVerifier checks X-Lusha-Signature, hex(HMAC-SHA256(secret, timestamp + "." + body)),
// rejects timestamps outside Tolerance and signatures seen before. Lusha documents no
// tolerance; 5 minutes is our policy. Safe for concurrent use.
type WebhookVerifier struct {
	secret    []byte
	Tolerance time.Duration    // default 5 minutes
	Now       func() time.Time // default time.Now

	mu   sync.Mutex
	seen map[string]time.Time // signature → delivery time, kept while within tolerance
}

// NewWebhookVerifier verifies deliveries signed with the account secret.
func NewWebhookVerifier(secret string) *WebhookVerifier {
	return &WebhookVerifier{secret: []byte(secret), Tolerance: 5 * time.Minute, Now: time.Now,
		seen: map[string]time.Time{}}
}

// String keeps the secret out of logs.
func (v *WebhookVerifier) String() string { return "lusha.WebhookVerifier{secret:<redacted>}" }

// Sign returns the signature Lusha sends for body at timestamp (used by fakes and tests).
func Sign(secret, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(timestamp + "."))
	mac.Write(body)
	return hex.EncodeToString(mac.Sum(nil))
}

// Verify checks one delivery over its raw body bytes.
func (v *WebhookVerifier) Verify(h http.Header, body []byte) error {
	sig, ts := strings.TrimSpace(h.Get(HeaderSignature)), strings.TrimSpace(h.Get(HeaderTimestamp))
	if sig == "" || ts == "" {
		return ErrWebhookUnsigned
	}
	got, err := hex.DecodeString(sig)
	if err != nil {
		return ErrWebhookSignature
	}
	want, _ := hex.DecodeString(Sign(string(v.secret), ts, body))
	if !hmac.Equal(got, want) {
		return ErrWebhookSignature
	}
	sent, ok := parseUnix(ts)
	now := v.Now()
	if !ok || now.Sub(sent).Abs() > v.Tolerance {
		return ErrWebhookStale
	}
	return v.remember(strings.ToLower(sig), now)
}

func (v *WebhookVerifier) remember(sig string, now time.Time) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	for s, at := range v.seen {
		if now.Sub(at) > 2*v.Tolerance { // older deliveries fail the timestamp check anyway
			delete(v.seen, s)
		}
	}
	if _, dup := v.seen[sig]; dup {
		return ErrWebhookReplay
	}
	v.seen[sig] = now
	return nil
}

// parseUnix reads a Unix timestamp in seconds or, when larger than 1e12, milliseconds
// (Lusha does not document the unit).
func parseUnix(s string) (time.Time, bool) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return time.Time{}, false
	}
	if n > 1e12 {
		return time.UnixMilli(n), true
	}
	return time.Unix(n, 0), true
}

// Handler answers Lusha's URL challenge (GET ?challenge=x → {"challenge":"x"}) and
// verifies, decodes and acknowledges deliveries. deliver's error makes Lusha retry (500);
// bad signatures get 401 and are never passed on.
func (v *WebhookVerifier) Handler(deliver func(*http.Request, WebhookPayload) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			writeJSONAnswer(w, http.StatusOK, map[string]string{"challenge": r.URL.Query().Get("challenge")})
			return
		}
		body, err := readCapped(http.MaxBytesReader(w, r.Body, maxBodyBytes))
		if err != nil {
			http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
			return
		}
		if err := v.Verify(r.Header, body); err != nil {
			http.Error(w, "invalid delivery", http.StatusUnauthorized)
			return
		}
		var p WebhookPayload
		if err := json.Unmarshal(body, &p); err != nil {
			http.Error(w, "malformed payload", http.StatusBadRequest)
			return
		}
		if err := deliver(r, p); err != nil {
			http.Error(w, "not processed", http.StatusInternalServerError)
			return
		}
		writeJSONAnswer(w, http.StatusCreated, map[string]any{"received": true,
			"timestamp": v.Now().UTC().Format(time.RFC3339Nano), "webhookId": p.ID})
	})
}

func writeJSONAnswer(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
