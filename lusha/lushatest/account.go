package lushatest

import "github.com/leadsync/leadsync/lusha"

// account is the state Lusha keeps per API key.
type account struct {
	id           string // numeric, as Lusha's account ids (the opt-out entityId)
	name         string
	creditsTotal int
	creditsUsed  int
	revealed     map[revealKey]bool
	windows      *windows
	waterfall    Waterfall

	secret    string                   // webhook signing secret; "" until generated
	subs      map[string]*subscription // by id
	subSeq    int                      // creation order, the list's tie-breaker
	auditLogs []lusha.AuditLogEntry    // oldest first
}

// revealKey is one data point of one contact or company that the account paid for.
type revealKey struct {
	entity string // "contact" or "company"
	id     string
	field  string // "emails", "phones", "company", or a company reveal field
}

func newAccount(id, name string, credits int, l Limits) *account {
	return &account{id: id, name: name, creditsTotal: credits, revealed: map[revealKey]bool{},
		windows: newWindows(l), subs: map[string]*subscription{}}
}

func (a *account) remaining() int { return max(0, a.creditsTotal-a.creditsUsed) }

// Charge is one billed call in the server's ledger.
type Charge struct {
	Account  string // account name ("default" for Options.APIKey)
	Endpoint string // e.g. "/v3/contacts/enrich"
	Credits  int
	Items    []ChargedItem // what was revealed and paid for; search calls have none
	// Unbilled is what a partial bill asked for and could not pay: the credits ran out
	// (their Credits are 0).
	Unbilled []ChargedItem
}

// ChargedItem is what one contact or company cost in a call.
type ChargedItem struct {
	ID         string
	DataPoints []string // "emails", "phones"; for companies "company" and reveal fields
	Credits    int
}
