package lusha

import (
	"cmp"
	"slices"

	"github.com/leadsync/leadsync/crm/upstream"
)

// Statuses of an enrich answer that ran out of credits during the call (newer API
// versions; reference §5.2, §9 A.5): nothing, or only part, of what was asked for was
// billed, and the results say which data points were not (BILLING_FAILED).
const (
	StatusOutOfCredits        = "OUT_OF_CREDITS"
	StatusPartialOutOfCredits = "PARTIAL_OUT_OF_CREDITS"
)

// MissingDataPoint says why a requested data point is not in a result.
type MissingDataPoint struct {
	Type   string `json:"type"`   // DataPointEmail or DataPointPhone
	Status string `json:"status"` // MissingNotFound or MissingBillingFailed
}

// Values of MissingDataPoint.
const (
	DataPointEmail       = "email"
	DataPointPhone       = "phone"
	MissingNotFound      = "NOT_FOUND"
	MissingBillingFailed = "BILLING_FAILED"
)

// dataPointOf names the reveal field (RevealEmails, RevealPhones) of a missing data
// point's type.
var dataPointOf = map[string]string{DataPointEmail: RevealEmails, DataPointPhone: RevealPhones}

// outOfCredits reports whether an enrich status says the credits ran out mid-call.
func outOfCredits(status string) bool {
	return status == StatusOutOfCredits || status == StatusPartialOutOfCredits
}

// creditsError is the classified error of an answer that ran out of credits, by its
// status or by a result's BILLING_FAILED marker, or nil.
func creditsError(op, status, description string, results []EnrichedContact) error {
	if !outOfCredits(status) && !slices.ContainsFunc(results, billingFailed) {
		return nil
	}
	return &upstream.Error{Service: serviceName, Op: op, Class: upstream.ClassCredits, Status: 200, Code: status,
		Message: cmp.Or(description, "the account ran out of credits during the call")}
}

func billingFailed(c EnrichedContact) bool {
	return slices.ContainsFunc(c.MissingDataPoints, func(m MissingDataPoint) bool { return m.Status == MissingBillingFailed })
}

// CreditsError is a credits error when the account ran out of credits during the call
// (status OUT_OF_CREDITS or PARTIAL_OUT_OF_CREDITS, or a data point marked
// BILLING_FAILED), else nil. The answer is still good for what was billed; see
// EnrichedContact.Unbilled for what was not.
func (r *ContactsEnrichResponse) CreditsError() error {
	return creditsError("enrich contacts", r.Status, r.StatusDescription, r.Results)
}

// CreditsError is as ContactsEnrichResponse.CreditsError.
func (r *ContactsSearchAndEnrichResponse) CreditsError() error {
	return creditsError("search and enrich contacts", r.Status, r.StatusDescription, r.Results)
}

// Unbilled lists the data points of reveal (RevealEmails, RevealPhones) that this
// result lacks because they were not paid for: marked BILLING_FAILED, or, in an
// incomplete answer (it ran out of credits, or a waterfall job still works on it),
// absent altogether; nothing for an item error. INFERENCE: the docs list only the
// markers; an absent list in such an answer is read the same way, since a data point
// revealed and empty comes as an empty list.
func (c *EnrichedContact) Unbilled(reveal []string, incomplete bool) []string {
	if c.Error != nil {
		return nil // an item error is the verdict, and never billed
	}
	var out []string
	for _, m := range c.MissingDataPoints {
		if dp := dataPointOf[m.Type]; m.Status == MissingBillingFailed && slices.Contains(reveal, dp) {
			out = append(out, dp)
		}
	}
	if incomplete {
		if slices.Contains(reveal, RevealEmails) && c.Emails == nil {
			out = append(out, RevealEmails)
		}
		if slices.Contains(reveal, RevealPhones) && c.Phones == nil {
			out = append(out, RevealPhones)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
