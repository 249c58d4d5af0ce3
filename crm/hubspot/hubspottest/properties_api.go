package hubspottest

import (
	"net/http"
	"time"
)

// propertyOut is the Property schema of the properties API.
type propertyOut struct {
	Name                 string          `json:"name"`
	Label                string          `json:"label"`
	Type                 string          `json:"type"`
	FieldType            string          `json:"fieldType"`
	Description          string          `json:"description"`
	GroupName            string          `json:"groupName"`
	Options              []optionOut     `json:"options"`
	DisplayOrder         int             `json:"displayOrder"`
	Calculated           bool            `json:"calculated"`
	ExternalOptions      bool            `json:"externalOptions"`
	HasUniqueValue       bool            `json:"hasUniqueValue"`
	Hidden               bool            `json:"hidden"`
	HubSpotDefined       bool            `json:"hubspotDefined"`
	FormField            bool            `json:"formField"`
	ModificationMetadata modificationOut `json:"modificationMetadata"`
	CreatedAt            string          `json:"createdAt"`
	UpdatedAt            string          `json:"updatedAt"`
	Archived             bool            `json:"archived"`
	ReferencedObjectType string          `json:"referencedObjectType,omitempty"`
}

type optionOut struct {
	Label        string `json:"label"`
	Value        string `json:"value"`
	Description  string `json:"description"`
	DisplayOrder int    `json:"displayOrder"`
	Hidden       bool   `json:"hidden"`
}

type modificationOut struct {
	Archivable         bool `json:"archivable"`
	ReadOnlyDefinition bool `json:"readOnlyDefinition"`
	ReadOnlyOptions    bool `json:"readOnlyOptions"`
	ReadOnlyValue      bool `json:"readOnlyValue"`
}

// definedAt is the creation time shown for every definition; HubSpot's built-ins
// predate any account.
var definedAt = time.Date(2020, 6, 30, 15, 57, 36, 706e6, time.UTC)

func (s *Server) listProperties(w http.ResponseWriter, r *http.Request, o *objectType) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]propertyOut, 0, len(o.propOrder))
	for _, name := range o.propOrder {
		out = append(out, o.props[name].out())
	}
	writeJSON(w, http.StatusOK, map[string]any{"results": out})
}

func (p Property) out() propertyOut {
	o := propertyOut{
		Name: p.Name, Label: p.Label, Type: p.Type, FieldType: p.FieldType, GroupName: p.GroupName,
		Options: make([]optionOut, len(p.Options)), DisplayOrder: -1, Calculated: p.Calculated,
		ExternalOptions: p.ExternalOptions, Hidden: p.Hidden, HubSpotDefined: p.HubSpotDefined,
		FormField: p.writable() && !p.Hidden,
		ModificationMetadata: modificationOut{Archivable: !p.HubSpotDefined, ReadOnlyDefinition: p.HubSpotDefined,
			ReadOnlyValue: !p.writable()},
		CreatedAt: formatTime(definedAt), UpdatedAt: formatTime(definedAt),
	}
	for i, opt := range p.Options {
		o.Options[i] = optionOut{Label: opt.Label, Value: opt.Value, DisplayOrder: i}
	}
	if p.ExternalOptions {
		o.ReferencedObjectType = "OWNER"
	}
	return o
}
