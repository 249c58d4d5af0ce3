package hubspot

import (
	"strconv"
	"strings"
	"time"
)

// The JSON shapes of HubSpot's CRM v3 API that the adapter sends and reads.

type searchRequest struct {
	FilterGroups []filterGroup `json:"filterGroups"`
	// Sorts uses the string form ("prop" ascending, "-prop" descending), which is
	// what the spec declares and what the official Node client sends.
	Sorts      []string `json:"sorts"`
	Properties []string `json:"properties"`
	Limit      int      `json:"limit"`
	After      string   `json:"after"`
}

type filterGroup struct {
	Filters []filter `json:"filters"`
}

type filter struct {
	PropertyName string `json:"propertyName"`
	Operator     string `json:"operator"`
	Value        string `json:"value,omitempty"`
	// Values are an IN filter's; for text properties they must be lowercase
	// (reference §4.1).
	Values []string `json:"values,omitempty"`
}

type searchResponse struct {
	Total   *int           `json:"total"`
	Results []simpleObject `json:"results"`
	Paging  *paging        `json:"paging"`
}

func (r searchResponse) nextAfter() (string, bool) { return r.Paging.nextAfter() }

// paging is the paging object of collection answers: no next page when absent.
type paging struct {
	Next *struct {
		After string `json:"after"`
	} `json:"next"`
}

func (p *paging) nextAfter() (string, bool) {
	if p == nil || p.Next == nil {
		return "", false
	}
	return p.Next.After, true
}

// simpleObject is SimplePublicObject. Property values may be JSON null for requested
// properties without a value.
type simpleObject struct {
	ID         string             `json:"id"`
	Properties map[string]*string `json:"properties"`
	CreatedAt  string             `json:"createdAt"`
	UpdatedAt  string             `json:"updatedAt"`
	Archived   bool               `json:"archived"`
}

func (o simpleObject) prop(name string) string {
	if v := o.Properties[name]; v != nil {
		return *v
	}
	return ""
}

// modifiedAt reads the modification time the same way for search results and write
// results, so the connector can compare them to recognise its own writes.
func (o simpleObject) modifiedAt(modifiedProp string) time.Time {
	if t, ok := parseTime(o.prop(modifiedProp)); ok {
		return t
	}
	t, _ := parseTime(o.UpdatedAt)
	return t
}

type batchUpdateRequest struct {
	Inputs []batchInput `json:"inputs"`
}

type batchInput struct {
	ID         string            `json:"id"`
	Properties map[string]string `json:"properties"`
}

type batchResponse struct {
	Status  string          `json:"status"`
	Results []simpleObject  `json:"results"`
	Errors  []standardError `json:"errors"`
}

// standardError is one per-item error of a 207 answer.
type standardError struct {
	Category string              `json:"category"`
	Message  string              `json:"message"`
	Context  map[string][]string `json:"context"`
}

type propertiesResponse struct {
	Results []property `json:"results"`
}

type property struct {
	Name                 string   `json:"name"`
	Label                string   `json:"label"`
	Type                 string   `json:"type"`
	FieldType            string   `json:"fieldType"`
	Options              []option `json:"options"`
	Calculated           bool     `json:"calculated"`
	ExternalOptions      bool     `json:"externalOptions"`
	ReadOnlyValue        bool     `json:"readOnlyValue"`
	ModificationMetadata *struct {
		ReadOnlyValue bool `json:"readOnlyValue"`
	} `json:"modificationMetadata"`
}

type option struct {
	Value  string `json:"value"`
	Hidden bool   `json:"hidden"`
}

// parseTime reads HubSpot's two datetime encodings, ISO-8601 and epoch milliseconds,
// at millisecond precision in UTC.
func parseTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.UnixMilli(ms).UTC(), true
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, false
	}
	return t.UTC().Truncate(time.Millisecond), true
}
