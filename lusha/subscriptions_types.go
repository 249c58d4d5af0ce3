package lusha

import (
	"encoding/json"
	"log/slog"
	"time"
)

// Webhook management limits.
const (
	MaxSubscriptionBatch = 25  // items per create or delete call
	MaxListLimit         = 100 // items per list page
)

// Entity types of subscriptions.
const (
	EntityContact = "contact"
	EntityCompany = "company"
)

// Audit log statuses.
const (
	DeliverySuccess          = "success"
	DeliveryFailed           = "failed"
	DeliveryPermanentFailure = "permanent_failure"
)

// BlockReasonMaxRetries is the blockReason of a subscription Lusha disabled after
// its deliveries kept failing.
const BlockReasonMaxRetries = "Max retries exceeded"

// Secret is the account's webhook signing secret. It prints as <redacted> so that
// logging a subscription or an answer cannot leak it; Reveal returns the value.
type Secret string

func (s Secret) String() string   { return "<redacted>" }
func (s Secret) GoString() string { return `"<redacted>"` }

// LogValue keeps slog from writing the secret.
func (s Secret) LogValue() slog.Value { return slog.StringValue("<redacted>") }

// Reveal returns the secret itself, e.g. for NewWebhookVerifier.
func (s Secret) Reveal() string { return string(s) }

// SubscriptionDefaults apply to every item of a create call.
type SubscriptionDefaults struct {
	URL         string   `json:"url"`
	EntityType  string   `json:"entityType,omitempty"`
	SignalTypes []string `json:"signalTypes,omitzero"`
}

// SubscriptionItem is one entity to watch; empty fields take the defaults.
type SubscriptionItem struct {
	EntityID    string   `json:"entityId"`
	EntityType  string   `json:"entityType,omitempty"`
	SignalTypes []string `json:"signalTypes,omitzero"`
	Name        string   `json:"name,omitempty"`
}

// CreateSubscriptionsRequest is the body of POST /api/subscriptions (1–25 items).
type CreateSubscriptionsRequest struct {
	Defaults      SubscriptionDefaults `json:"defaults"`
	Name          string               `json:"name,omitempty"`
	Subscriptions []SubscriptionItem   `json:"subscriptions"`
}

// Subscription is a webhook subscription. Secret is set only in the answer of an
// update that regenerated the account secret.
type Subscription struct {
	ID          string     `json:"id"`
	EntityType  string     `json:"entityType"`
	EntityID    string     `json:"entityId"`
	SignalTypes []string   `json:"signalTypes"`
	URL         string     `json:"url"`
	Name        string     `json:"name,omitempty"`
	IsActive    bool       `json:"isActive"`
	BlockReason *string    `json:"blockReason,omitzero"`
	BlockedAt   *time.Time `json:"blockedAt,omitzero"`
	Secret      Secret     `json:"secret,omitempty"`
	CreatedAt   time.Time  `json:"createdAt"`
	UpdatedAt   time.Time  `json:"updatedAt"`
}

// Per-item error codes of subscription batch answers.
const (
	SubscriptionValidationError     = "VALIDATION_ERROR"
	SubscriptionDuplicate           = "DUPLICATE_SUBSCRIPTION"
	SubscriptionURLValidationFailed = "URL_VALIDATION_FAILED"
	SubscriptionVerificationFailed  = "WEBHOOK_VERIFICATION_FAILED"
	SubscriptionForbidden           = "FORBIDDEN"
	SubscriptionNotFound            = "NOT_FOUND"
	SubscriptionUnknownError        = "UNKNOWN_ERROR"
)

// SubscriptionError is the failure of one item of a create or delete call.
type SubscriptionError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *SubscriptionError) Error() string { return "lusha: subscription " + e.Code + ": " + e.Message }

// SubscriptionRef names a deleted subscription.
type SubscriptionRef struct {
	ID         string `json:"id,omitempty"`
	EntityType string `json:"entityType,omitempty"`
	EntityID   string `json:"entityId,omitempty"`
	Name       string `json:"name,omitempty"`
}

// CreateSubscriptionResult is the outcome of one item: Subscription on success, Error otherwise.
type CreateSubscriptionResult struct {
	Index        int                `json:"index"`
	Success      bool               `json:"success"`
	Subscription *Subscription      `json:"subscription,omitzero"`
	Error        *SubscriptionError `json:"error,omitzero"`
}

// CreateSubscriptionsResponse is the 201 answer of a create call, full or partial success.
type CreateSubscriptionsResponse struct {
	Total      int                        `json:"total"`
	Successful int                        `json:"successful"`
	Failed     int                        `json:"failed"`
	Results    []CreateSubscriptionResult `json:"results"`
}

// DeleteSubscriptionResult is the outcome of deleting one id.
type DeleteSubscriptionResult struct {
	Index        int                `json:"index"`
	Success      bool               `json:"success"`
	Subscription *SubscriptionRef   `json:"subscription,omitzero"`
	Error        *SubscriptionError `json:"error,omitzero"`
}

// DeleteSubscriptionsResponse is the answer of a delete call.
type DeleteSubscriptionsResponse struct {
	Total      int                        `json:"total"`
	Successful int                        `json:"successful"`
	Failed     int                        `json:"failed"`
	Results    []DeleteSubscriptionResult `json:"results"`
}

// UpdateSubscriptionRequest is the body of PATCH /api/subscriptions/{id}; nil and
// empty fields are left unchanged. IsActive true re-enables a blocked subscription;
// RegenerateSecret rotates the account-wide secret.
type UpdateSubscriptionRequest struct {
	SignalTypes      []string `json:"signalTypes,omitzero"`
	URL              string   `json:"url,omitempty"`
	Name             string   `json:"name,omitempty"`
	IsActive         *bool    `json:"isActive,omitzero"`
	RegenerateSecret bool     `json:"regenerateSecret,omitempty"`
}

// ListPage is the pagination of the /api list answers.
type ListPage struct {
	Total   int  `json:"total"`
	Limit   int  `json:"limit"`
	Offset  int  `json:"offset"`
	HasMore bool `json:"hasMore"`
}

// SubscriptionList is one page of GET /api/subscriptions, newest first.
type SubscriptionList struct {
	Data       []Subscription `json:"data"`
	Pagination ListPage       `json:"pagination"`
}

// Test modes of TestSubscription.
const (
	TestModeDirect = "direct" // HTTP check of the URL only
	TestModeKafka  = "kafka"  // Lusha's fan-out only, no HTTP
	TestModeFull   = "full"   // end to end (default)
)

// FlowCheck is the outcome of a test delivery.
type FlowCheck struct {
	Success    bool  `json:"success"`
	StatusCode int   `json:"statusCode,omitempty"`
	DurationMs int64 `json:"durationMs"`
}

// TestPayload describes the mock event a test sent.
type TestPayload struct {
	EntityType string          `json:"entityType,omitempty"`
	SignalType string          `json:"signalType,omitempty"`
	Data       json.RawMessage `json:"data,omitzero"`
}

// SubscriptionTest is the answer of POST /api/subscriptions/{id}/test. Tests are free.
type SubscriptionTest struct {
	SubscriptionID   string       `json:"subscriptionId"`
	SubscriptionName string       `json:"subscriptionName,omitempty"`
	URL              string       `json:"url"`
	Mode             string       `json:"mode"`
	FlowCheck        *FlowCheck   `json:"flowCheck,omitzero"`
	TestPayload      *TestPayload `json:"testPayload,omitzero"`
	IsSuccess        bool         `json:"isSuccess"`
	Timestamp        time.Time    `json:"timestamp"`
}

// AuditLogEntry is one delivery attempt.
type AuditLogEntry struct {
	ID             string    `json:"id"`
	SubscriptionID string    `json:"subscriptionId"`
	PayloadID      string    `json:"payloadId"`
	Status         string    `json:"status"`
	StatusCode     int       `json:"statusCode,omitempty"`
	URL            string    `json:"url"`
	DeliveredAt    time.Time `json:"deliveredAt"`
	DurationMs     int64     `json:"durationMs"`
	Error          *string   `json:"error"`
}

// AuditLogQuery filters audit logs; zero fields do not filter. PageSize is the
// number of entries fetched per request (1–100, default 50).
type AuditLogQuery struct {
	SubscriptionID string
	Status         string
	PageSize       int
}

// AuditLogs is one page of GET /api/audit-logs.
type AuditLogs struct {
	Data       []AuditLogEntry `json:"data"`
	Pagination ListPage        `json:"pagination"`
}

// AuditLogStats summarises deliveries; SuccessRate is text such as "95.00%".
type AuditLogStats struct {
	Total       int    `json:"total"`
	Success     int    `json:"success"`
	Failed      int    `json:"failed"`
	SuccessRate string `json:"successRate"`
}

// CreateOptOutSubscriptionRequest is the body of POST /api/subscriptions/opt-out.
type CreateOptOutSubscriptionRequest struct {
	EntityType string `json:"entityType"` // always "contact"
	URL        string `json:"url"`
	Name       string `json:"name,omitempty"`
}

type secretAnswer struct {
	Secret Secret `json:"secret"`
}
