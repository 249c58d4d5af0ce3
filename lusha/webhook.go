package lusha

import (
	"bytes"
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

	"github.com/leadsync/leadsync/crm/upstream"
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

// WebhookPayload is one signal delivery. Data's shape depends on Type (for
// promotion and companyChange it is a ContactSignalData).
type WebhookPayload struct {
	ID             string          `json:"id"`
	Type           string          `json:"type"`
	EntityType     string          `json:"entityType"`
	EntityID       string          `json:"entityId"`
	SubscriptionID string          `json:"subscriptionId"`
	Data           json.RawMessage `json:"data"`
	Timestamp      string          `json:"timestamp"`
	Billing        WebhookBilling  `json:"billing"`
}

// WebhookBilling is what a delivery cost; retries and tests cost nothing.
type WebhookBilling struct {
	CreditsCharged int `json:"creditsCharged"`
}

// OptOutPayload is an opt-out delivery: a person asked Lusha to remove their data,
// and the data points listed must be dropped. Dates are UTC "YYYY-MM-DD HH:MM:SS[.mmm]".
type OptOutPayload struct {
	ContactID           string            `json:"contactId"`
	FullName            string            `json:"fullName"`
	CompanyName         string            `json:"companyName,omitempty"`
	JobTitle            string            `json:"jobTitle,omitempty"`
	LinkedinURL         string            `json:"linkedinUrl,omitempty"`
	ContactOptOutDate   string            `json:"contactOptOutDate"`
	ContactExposureDate string            `json:"contactExposureDate"`
	Datapoints          []OptOutDatapoint `json:"datapoints"`
	PartnerClientID     *string           `json:"partnerClientId,omitzero"`
}

// OptOutDatapoint is one phone number or email address to forget.
type OptOutDatapoint struct {
	DatapointID   string `json:"datapointId"`
	DatapointType string `json:"datapointType"` // phone | email
}

// ParseWebhookPayload decodes a signal delivery and checks its required fields; a
// bad payload is a upstream.ClassInvalid error.
func ParseWebhookPayload(body []byte) (*WebhookPayload, error) {
	p := new(WebhookPayload)
	if err := json.Unmarshal(body, p); err != nil {
		return nil, payloadError("malformed signal payload", err)
	}
	if p.ID == "" || p.Type == "" || p.EntityType == "" || p.EntityID == "" || len(p.Data) == 0 {
		return nil, payloadError("signal payload lacks id, type, entityType, entityId or data", nil)
	}
	return p, nil
}

// ParseOptOutPayload decodes an opt-out delivery and checks its required fields.
func ParseOptOutPayload(body []byte) (*OptOutPayload, error) {
	p := new(OptOutPayload)
	if err := json.Unmarshal(body, p); err != nil {
		return nil, payloadError("malformed opt-out payload", err)
	}
	if p.ContactID == "" || p.Datapoints == nil {
		return nil, payloadError("opt-out payload lacks contactId or datapoints", nil)
	}
	return p, nil
}

func payloadError(message string, err error) error {
	return &upstream.Error{Service: serviceName, Op: "decode webhook", Class: upstream.ClassInvalid, Message: message, Err: err}
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
	if !v.signedOver(got, ts, body) {
		return ErrWebhookSignature
	}
	sent, ok := parseUnix(ts)
	now := v.Now()
	if !ok || now.Sub(sent).Abs() > v.Tolerance {
		return ErrWebhookStale
	}
	return v.remember(strings.ToLower(sig), now)
}

// signedOver checks the signature over the raw body and, failing that, over its
// compact form: Lusha signs JSON.stringify(payload), so a proxy that re-indented the
// body must not make a genuine delivery fail. Key order is kept either way.
func (v *WebhookVerifier) signedOver(got []byte, ts string, body []byte) bool {
	want, _ := hex.DecodeString(Sign(string(v.secret), ts, body))
	if hmac.Equal(got, want) {
		return true
	}
	var compact bytes.Buffer
	if json.Compact(&compact, body) != nil || bytes.Equal(compact.Bytes(), body) {
		return false
	}
	want, _ = hex.DecodeString(Sign(string(v.secret), ts, compact.Bytes()))
	return hmac.Equal(got, want)
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
// verifies, decodes and acknowledges signal deliveries. deliver's error makes Lusha
// retry (500); bad signatures get 401 and are never passed on.
func (v *WebhookVerifier) Handler(deliver func(*http.Request, WebhookPayload) error) http.Handler {
	return v.handler(func(r *http.Request, body []byte) (string, error) {
		p, err := ParseWebhookPayload(body)
		if err != nil {
			return "", errMalformed
		}
		return p.ID, deliver(r, *p)
	})
}

// OptOutHandler is Handler for the opt-out subscription's deliveries. Opt-out
// payloads carry no id, so the acknowledgement names the contact instead.
func (v *WebhookVerifier) OptOutHandler(deliver func(*http.Request, OptOutPayload) error) http.Handler {
	return v.handler(func(r *http.Request, body []byte) (string, error) {
		p, err := ParseOptOutPayload(body)
		if err != nil {
			return "", errMalformed
		}
		return p.ContactID, deliver(r, *p)
	})
}

var errMalformed = errors.New("malformed payload")

func (v *WebhookVerifier) handler(process func(*http.Request, []byte) (string, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			writeJSONAnswer(w, http.StatusOK, map[string]string{"challenge": r.URL.Query().Get("challenge")})
			return
		}
		if r.Method != http.MethodPost {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
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
		id, err := process(r, body)
		switch {
		case errors.Is(err, errMalformed):
			http.Error(w, "malformed payload", http.StatusBadRequest)
		case err != nil:
			http.Error(w, "not processed", http.StatusInternalServerError)
		default:
			writeJSONAnswer(w, http.StatusCreated, map[string]any{"received": true,
				"timestamp": v.Now().UTC().Format(time.RFC3339Nano), "webhookId": id})
		}
	})
}

func writeJSONAnswer(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
