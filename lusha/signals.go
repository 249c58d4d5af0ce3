package lusha

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
)

// Signal types of contacts; company types are listed by CompanySignalTypes.
const (
	SignalAll            = "allSignals"
	SignalPromotion      = "promotion"
	SignalCompanyChange  = "companyChange"
	SignalLinkedinIntent = "linkedinActivityIntent"
)

// ContactSignalsRequest is the body of POST /v3/contacts/signals. StartDate is
// YYYY-MM-DD and defaults to about six months ago.
type ContactSignalsRequest struct {
	IDs                 []string `json:"ids"`
	SignalTypes         []string `json:"signalTypes"`
	StartDate           string   `json:"startDate,omitempty"`
	MaxResultsPerSignal int      `json:"maxResultsPerSignal,omitempty"` // 1–100
	TableID             string   `json:"tableId,omitempty"`
}

// CompanySignalsInclude narrows linkedinActivityIntent signals by intent category.
type CompanySignalsInclude struct {
	IntentCategories []string `json:"intentCategories,omitzero"`
}

// CompanySignalsFilters are the extra filters of company signals.
type CompanySignalsFilters struct {
	Include *CompanySignalsInclude `json:"include,omitzero"`
}

// CompanySignalsRequest is the body of POST /v3/companies/signals.
type CompanySignalsRequest struct {
	IDs                 []string               `json:"ids"`
	SignalTypes         []string               `json:"signalTypes"`
	StartDate           string                 `json:"startDate,omitempty"`
	MaxResultsPerSignal int                    `json:"maxResultsPerSignal,omitempty"`
	TableID             string                 `json:"tableId,omitempty"`
	Filters             *CompanySignalsFilters `json:"filters,omitzero"`
}

// SignalEvent is one signal occurrence. Lusha leaves its shape open and adds fields
// often, so the whole object is kept; Date and Decode read it.
type SignalEvent struct {
	Raw json.RawMessage
}

// MarshalJSON writes the object as received.
func (e SignalEvent) MarshalJSON() ([]byte, error) {
	if len(e.Raw) == 0 {
		return []byte("{}"), nil
	}
	return e.Raw, nil
}

// UnmarshalJSON keeps a copy of the object; anything but an object is refused.
func (e *SignalEvent) UnmarshalJSON(b []byte) error {
	if t := bytes.TrimSpace(b); len(t) == 0 || t[0] != '{' {
		return errors.New("lusha: signal event is not an object")
	}
	e.Raw = slices.Clone(b)
	return nil
}

// Decode unmarshals the event into v, e.g. a *ContactSignalData.
func (e SignalEvent) Decode(v any) error { return json.Unmarshal(e.Raw, v) }

// Date is the event's date (YYYY-MM-DD) under whichever name its type uses, or "".
func (e SignalEvent) Date() string {
	var d struct {
		SignalDate              string `json:"signalDate"`
		ActivityPublicationDate string `json:"activityPublicationDate"`
		ArticlePublishedDate    string `json:"articlePublishedDate"`
	}
	if json.Unmarshal(e.Raw, &d) != nil {
		return ""
	}
	return cmpOr(d.SignalDate, d.ActivityPublicationDate, d.ArticlePublishedDate)
}

func cmpOr(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// ContactSignalData is the shape of promotion and companyChange events (and of their
// webhook data) as Lusha's V2 schema types it; ids arrive as numbers or strings.
type ContactSignalData struct {
	PersonID              FlexID          `json:"personId,omitzero"`
	CurrentCompanyID      FlexID          `json:"currentCompanyId,omitzero"`
	CurrentCompanyName    string          `json:"currentCompanyName,omitempty"`
	CurrentDomain         string          `json:"currentDomain,omitempty"`
	CurrentTitle          string          `json:"currentTitle,omitempty"`
	CurrentSeniorityLabel string          `json:"currentSeniorityLabel,omitempty"`
	CurrentDepartments    json.RawMessage `json:"currentDepartments,omitzero"` // a string or [{id,value}]
	PreviousCompanyName   string          `json:"previousCompanyName,omitempty"`
	PreviousDomain        string          `json:"previousDomain,omitempty"`
	SignalDate            string          `json:"signalDate,omitempty"`
}

// FlexID is an id Lusha sends as a JSON number in some payloads and a string in others.
type FlexID string

// UnmarshalJSON accepts a string or an integer.
func (id *FlexID) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		*id = FlexID(s)
		return nil
	}
	var n json.Number
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&n); err != nil {
		return errors.New("lusha: id is neither a string nor a number")
	}
	*id = FlexID(n.String())
	return nil
}

// ContactSignals are the signals of one contact.
type ContactSignals struct {
	ID            string        `json:"id"`
	CompanyChange []SignalEvent `json:"companyChange"`
	Promotion     []SignalEvent `json:"promotion"`
}

// ContactSignalsResponse is the answer of POST /v3/contacts/signals.
type ContactSignalsResponse struct {
	Results    []ContactSignals `json:"results"`
	StartDate  string           `json:"startDate,omitempty"`
	EndDate    string           `json:"endDate,omitempty"`
	TableWrite *TableWrite      `json:"tableWrite,omitzero"`
	Billing    Billing          `json:"billing"`
}

// LinkedinIntentTopic is one topic of a LinkedIn activity.
type LinkedinIntentTopic struct {
	Topic    string `json:"topic,omitempty"`
	Category string `json:"category,omitempty"`
}

// LinkedinPerson is an author or a person mentioned; ID is nil when unknown.
type LinkedinPerson struct {
	ID          *string `json:"id"`
	FullName    string  `json:"fullName,omitempty"`
	LinkedinURL string  `json:"linkedinUrl,omitempty"`
}

// LinkedinCompanyMention is a company mentioned in an activity.
type LinkedinCompanyMention struct {
	ID          *string `json:"id"`
	Name        string  `json:"name,omitempty"`
	LinkedinURL string  `json:"linkedinUrl,omitempty"`
}

// LinkedinActivityIntent is one linkedinActivityIntent signal (the one typed by the spec).
type LinkedinActivityIntent struct {
	CompanyID               json.Number              `json:"companyId,omitempty"`
	ActivityPublicationDate string                   `json:"activityPublicationDate,omitempty"`
	SignalCategory          string                   `json:"signalCategory,omitempty"`
	IntentTopics            []LinkedinIntentTopic    `json:"intentTopics,omitzero"`
	Author                  *LinkedinPerson          `json:"author,omitzero"`
	ContactsMentioned       []LinkedinPerson         `json:"contactsMentioned,omitzero"`
	CompaniesMentioned      []LinkedinCompanyMention `json:"companiesMentioned,omitzero"`
	ActivityURL             string                   `json:"activityUrl,omitempty"`
	ActivitySummary         *string                  `json:"activitySummary"`
	ActivityLikes           int                      `json:"activityLikes"`
	ActivityComments        int                      `json:"activityComments"`
	ActivityShares          int                      `json:"activityShares"`
	ActivityType            string                   `json:"activityType,omitempty"`
}

// CompanySignals are the signals of one company, keyed by signal type. Lusha sends
// each type as a property of the result object; Signals collects them.
type CompanySignals struct {
	ID          string
	CompanyName string
	Domain      string
	Signals     map[string][]SignalEvent
}

// LinkedinActivityIntent decodes the linkedinActivityIntent events.
func (cs *CompanySignals) LinkedinActivityIntent() ([]LinkedinActivityIntent, error) {
	var out []LinkedinActivityIntent
	for _, e := range cs.Signals[SignalLinkedinIntent] {
		var item LinkedinActivityIntent
		if err := e.Decode(&item); err != nil {
			return nil, err
		}
		out = append(out, item)
	}
	return out, nil
}

// MarshalJSON writes the flat object Lusha sends.
func (cs CompanySignals) MarshalJSON() ([]byte, error) {
	m := make(map[string]any, len(cs.Signals)+3)
	for k, v := range cs.Signals {
		m[k] = v
	}
	m["id"], m["companyName"], m["domain"] = cs.ID, cs.CompanyName, cs.Domain
	return json.Marshal(m)
}

// UnmarshalJSON reads the flat object: id, companyName, domain and one array per type.
func (cs *CompanySignals) UnmarshalJSON(b []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	*cs = CompanySignals{Signals: map[string][]SignalEvent{}}
	for k, v := range m {
		var err error
		switch k {
		case "id":
			err = json.Unmarshal(v, &cs.ID)
		case "companyName":
			err = json.Unmarshal(v, &cs.CompanyName)
		case "domain":
			err = json.Unmarshal(v, &cs.Domain)
		default:
			var events []SignalEvent
			err = json.Unmarshal(v, &events)
			cs.Signals[k] = events
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// CompanySignalsResponse is the answer of POST /v3/companies/signals.
type CompanySignalsResponse struct {
	Results    []CompanySignals `json:"results"`
	StartDate  string           `json:"startDate,omitempty"`
	EndDate    string           `json:"endDate,omitempty"`
	TableWrite *TableWrite      `json:"tableWrite,omitzero"`
	Billing    Billing          `json:"billing"`
}

// ContactSignals returns the recent signals of 1–100 contacts, charged per matched signal.
func (c *Client) ContactSignals(ctx context.Context, req ContactSignalsRequest) (*ContactSignalsResponse, *Response, error) {
	const op = "contact signals"
	if err := checkSignals(op, len(req.IDs), len(req.SignalTypes), req.MaxResultsPerSignal); err != nil {
		return nil, nil, err
	}
	out := new(ContactSignalsResponse)
	resp, err := c.do(ctx, op, http.MethodPost, "/v3/contacts/signals", req, out)
	return answer(out, resp, err)
}

// CompanySignals returns the recent signals of 1–100 companies, charged per matched
// signal; free plans get a 402.
func (c *Client) CompanySignals(ctx context.Context, req CompanySignalsRequest) (*CompanySignalsResponse, *Response, error) {
	const op = "company signals"
	if err := checkSignals(op, len(req.IDs), len(req.SignalTypes), req.MaxResultsPerSignal); err != nil {
		return nil, nil, err
	}
	out := new(CompanySignalsResponse)
	resp, err := c.do(ctx, op, http.MethodPost, "/v3/companies/signals", req, out)
	return answer(out, resp, err)
}

func checkSignals(op string, ids, types, maxPerSignal int) error {
	if err := checkBatch(op, ids); err != nil {
		return err
	}
	if types == 0 {
		// Lusha answers 400 without signalTypes; no need to pay for the round trip.
		return invalidRequest(op, "signalTypes is required")
	}
	if maxPerSignal != 0 {
		return checkCount(op, "as maxResultsPerSignal", maxPerSignal, 1, MaxBatch)
	}
	return nil
}
