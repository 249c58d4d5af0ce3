package lusha

import (
	"context"
	"encoding/json"
	"net/url"
)

// EnrichJob is the asynchronous part of a contact enrich: Data Waterfall providers
// still working on some data points (reference §5.2, "newer docs").
type EnrichJob struct {
	ID         string  `json:"id"`
	Status     string  `json:"status,omitempty"`
	ExpiresAt  string  `json:"expiresAt,omitempty"`
	RetryAfter float64 `json:"retryAfter,omitempty"` // seconds before polling
}

// Job statuses (reference §5.2a).
const (
	JobProcessing = "processing"
	JobComplete   = "complete"
	JobExpired    = "expired"
	JobFailed     = "failed"
)

// ContactsJob is the answer of GET /v3/contacts/jobs/{jobId} (reference §5.2a, from
// the newer docs only: field types are INFERENCE, hence numbers as float64 and Covers
// kept raw).
type ContactsJob struct {
	JobID      string          `json:"jobId"`
	Status     string          `json:"status"`
	RetryAfter float64         `json:"retryAfter,omitempty"` // seconds, while processing
	Covers     json.RawMessage `json:"covers,omitempty"`     // what is still outstanding
	// Contacts are the contacts the job was still working on, to merge by id.
	Contacts []EnrichedContact `json:"contacts,omitzero"`
	// CreditsCharged is the job's own charge, at the providers' rates.
	CreditsCharged float64 `json:"creditsCharged,omitempty"`
}

// ContactsJob polls a waterfall job of a contact enrich. Polling is free. A 404 means
// the job is gone (expired, or never the account's): stop; a 503 is worth retrying.
func (c *Client) ContactsJob(ctx context.Context, jobID string) (*ContactsJob, *Response, error) {
	return getJSON[ContactsJob](ctx, c, "contacts enrich job", "/v3/contacts/jobs/"+url.PathEscape(jobID))
}
