package lusha

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

const whSecret = "whsec_abc123def456"

var whBody = []byte(`{"id":"f3b87e05","type":"promotion","entityType":"contact","entityId":"4158887495","subscriptionId":"507f","data":{"personId":4158887495},"timestamp":"2026-01-14T16:16:35.841Z","billing":{"creditsCharged":1}}`)

func signedHeader(secret string, at time.Time, body []byte, millis bool) http.Header {
	ts := strconv.FormatInt(at.Unix(), 10)
	if millis {
		ts = strconv.FormatInt(at.UnixMilli(), 10)
	}
	return http.Header{HeaderSignature: {Sign(secret, ts, body)}, HeaderTimestamp: {ts}}
}

func TestWebhookVerify(t *testing.T) {
	now := time.Date(2026, 1, 14, 16, 16, 36, 0, time.UTC)
	changed := []byte(strings.Replace(string(whBody), `"creditsCharged":1`, `"creditsCharged":0`, 1))
	tests := []struct {
		name   string
		header http.Header
		body   []byte
		want   error
	}{
		{"valid seconds", signedHeader(whSecret, now, whBody, false), whBody, nil},
		{"valid milliseconds", signedHeader(whSecret, now.Add(-time.Second), whBody, true), whBody, nil},
		{"wrong secret", signedHeader("whsec_other", now, whBody, false), whBody, ErrWebhookSignature},
		{"changed body", signedHeader(whSecret, now, whBody, false), changed, ErrWebhookSignature},
		{"stale", signedHeader(whSecret, now.Add(-6*time.Minute), whBody, false), whBody, ErrWebhookStale},
		{"future", signedHeader(whSecret, now.Add(6*time.Minute), whBody, false), whBody, ErrWebhookStale},
		{"unsigned", http.Header{}, whBody, ErrWebhookUnsigned},
		{"not hex", http.Header{HeaderSignature: {"zz"}, HeaderTimestamp: {"1"}}, whBody, ErrWebhookSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := NewWebhookVerifier(whSecret)
			v.Now = func() time.Time { return now }
			if err := v.Verify(tt.header, tt.body); !errors.Is(err, tt.want) {
				t.Errorf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestWebhookReplayAndHandler(t *testing.T) {
	now := time.Date(2026, 1, 14, 16, 16, 36, 0, time.UTC)
	v := NewWebhookVerifier(whSecret)
	v.Now = func() time.Time { return now }
	var got []WebhookPayload
	h := v.Handler(func(_ *http.Request, p WebhookPayload) error { got = append(got, p); return nil })
	send := func(header http.Header) int {
		req := httptest.NewRequest(http.MethodPost, "/hooks/lusha", strings.NewReader(string(whBody)))
		for k, vals := range header {
			req.Header[k] = vals
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	hdr := signedHeader(whSecret, now, whBody, false)
	if code := send(hdr); code != http.StatusCreated {
		t.Fatalf("first delivery: %d", code)
	}
	if code := send(hdr); code != http.StatusUnauthorized {
		t.Errorf("replay: %d, want 401", code)
	}
	if code := send(signedHeader("whsec_bad", now, whBody, false)); code != http.StatusUnauthorized {
		t.Errorf("bad signature: %d, want 401", code)
	}
	if len(got) != 1 || got[0].ID != "f3b87e05" || got[0].Billing.CreditsCharged != 1 || string(got[0].Data) != `{"personId":4158887495}` {
		t.Errorf("delivered = %+v", got)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/hooks/lusha?challenge=abc123", nil))
	if strings.TrimSpace(rec.Body.String()) != `{"challenge":"abc123"}` {
		t.Errorf("challenge answer = %s", rec.Body)
	}
	if strings.Contains(v.String(), whSecret) {
		t.Error("verifier prints its secret")
	}
}
