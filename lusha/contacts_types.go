package lusha

// Contact data points that enrich can reveal (V3 "reveal").
const (
	RevealEmails = "emails"
	RevealPhones = "phones"
)

// ContactSearchItem identifies one person: by ID, LinkedinURL, Email, or
// FirstName+LastName+(CompanyName or CompanyDomain).
type ContactSearchItem struct {
	ClientReferenceID string `json:"clientReferenceId,omitempty"`
	ID                string `json:"id,omitempty"`
	LinkedinURL       string `json:"linkedinUrl,omitempty"`
	Email             string `json:"email,omitempty"`
	FirstName         string `json:"firstName,omitempty"`
	LastName          string `json:"lastName,omitempty"`
	CompanyName       string `json:"companyName,omitempty"`
	CompanyDomain     string `json:"companyDomain,omitempty"`
}

// SearchOptions are the options of search calls.
type SearchOptions struct {
	IncludePartialProfiles *bool `json:"includePartialProfiles,omitzero"`
}

// SignalsFilter narrows a search to entities with recent signals.
type SignalsFilter struct {
	Types               []string `json:"types"`
	StartDate           string   `json:"startDate,omitempty"` // YYYY-MM-DD
	MaxResultsPerSignal int      `json:"maxResultsPerSignal,omitempty"`
}

// ContactsSearchRequest is the body of POST /v3/contacts/search (1–100 contacts).
type ContactsSearchRequest struct {
	Contacts []ContactSearchItem `json:"contacts"`
	Options  *SearchOptions      `json:"options,omitzero"`
	Signals  *SignalsFilter      `json:"signals,omitzero"`
}

// ContactsSearchResponse is the answer of a contact search: free previews.
type ContactsSearchResponse struct {
	RequestID string           `json:"requestId,omitempty"`
	Results   []ContactPreview `json:"results"`
	Billing   Billing          `json:"billing"`
}

// ContactsEnrichRequest is the body of POST /v3/contacts/enrich. IDs come from a
// search; Reveal nil means both emails and phones.
type ContactsEnrichRequest struct {
	IDs              []string `json:"ids"`
	Reveal           []string `json:"reveal,omitzero"`
	WaterfallEnabled *bool    `json:"waterfallEnabled,omitzero"`
	TableID          string   `json:"tableId,omitempty"`
}

// ContactsEnrichResponse is the answer of a contact enrich.
type ContactsEnrichResponse struct {
	RequestID string            `json:"requestId,omitempty"`
	Results   []EnrichedContact `json:"results"`
	Billing   Billing           `json:"billing"`
	EnrichStatus
	// Job is set when Data Waterfall providers still work on some data points: poll
	// it with ContactsJob (newer API versions; reference §5.2, §5.2a).
	Job *EnrichJob `json:"job,omitzero"`
}

// EnrichStatus is what newer API versions say of a contact enrich as a whole:
// completed, partial, halted, OUT_OF_CREDITS, … (reference §5.2); see CreditsError.
type EnrichStatus struct {
	Status            string `json:"status,omitempty"`
	StatusDescription string `json:"statusDescription,omitempty"`
	StatusReason      string `json:"statusReason,omitempty"`
}

// ContactsSearchAndEnrichRequest is the body of POST /v3/contacts/search-and-enrich.
type ContactsSearchAndEnrichRequest struct {
	Contacts []ContactSearchItem `json:"contacts"`
	Reveal   []string            `json:"reveal,omitzero"`
	Options  *SearchOptions      `json:"options,omitzero"`
}

// ContactsSearchAndEnrichResponse is the answer of a search-and-enrich; each
// result carries the ClientReferenceID of its input item.
type ContactsSearchAndEnrichResponse struct {
	RequestID string            `json:"requestId,omitempty"`
	Results   []EnrichedContact `json:"results"`
	Billing   Billing           `json:"billing"`
	EnrichStatus
}

// Billing is the credit summary of a call. ResultsReturned excludes error items.
type Billing struct {
	CreditsCharged  int `json:"creditsCharged"`
	ResultsReturned int `json:"resultsReturned"`
}

// CanReveal is a data point that enrich can unlock and its price; Credits is 0
// when the account already revealed it (re-enriching is then free).
type CanReveal struct {
	Field   string `json:"field"`
	Credits int    `json:"credits"`
}

// JobTitle is a person's current (or previous) role.
type JobTitle struct {
	Title       string   `json:"title,omitempty"`
	Departments []string `json:"departments,omitzero"`
	Seniority   string   `json:"seniority,omitempty"`
}

// ContactCompany is the company reference inside a contact.
type ContactCompany struct {
	ID       string `json:"id,omitempty"`
	Name     string `json:"name,omitempty"`
	Domain   string `json:"domain,omitempty"`
	Industry string `json:"industry,omitempty"`
}

// PreviewLocation is the coarse location of a contact preview.
type PreviewLocation struct {
	Country string `json:"country,omitempty"`
	State   string `json:"state,omitempty"`
	City    string `json:"city,omitempty"`
}

// SocialLinks of a contact.
type SocialLinks struct {
	Linkedin string `json:"linkedin,omitempty"`
	XURL     string `json:"xUrl,omitempty"`
}

// ContactPreview is a search result: who the person is, what data Lusha has
// (Has) and what enrich would cost (CanReveal). Check Error first.
type ContactPreview struct {
	ClientReferenceID string           `json:"clientReferenceId,omitempty"`
	ID                string           `json:"id,omitempty"`
	FirstName         string           `json:"firstName,omitempty"`
	LastName          string           `json:"lastName,omitempty"`
	JobTitle          *JobTitle        `json:"jobTitle,omitzero"`
	Company           *ContactCompany  `json:"company,omitzero"`
	Location          *PreviewLocation `json:"location,omitzero"`
	SocialLinks       *SocialLinks     `json:"socialLinks,omitzero"`
	Has               []string         `json:"has,omitzero"`
	CanReveal         []CanReveal      `json:"canReveal,omitzero"`
	SignalTypes       []string         `json:"signalTypes,omitzero"`
	Error             *ItemError       `json:"error,omitzero"`
}

// ContactLocation is the full location of an enriched contact.
type ContactLocation struct {
	Country     string    `json:"country,omitempty"`
	CountryIso2 string    `json:"countryIso2,omitempty"`
	State       string    `json:"state,omitempty"`
	City        string    `json:"city,omitempty"`
	Continent   string    `json:"continent,omitempty"`
	Coordinates []float64 `json:"coordinates,omitzero"` // [longitude, latitude]
	IsEuContact bool      `json:"isEuContact"`
}

// Email is a revealed email address. Confidence is e.g. "A+" and may be empty.
type Email struct {
	Email      string `json:"email"`
	Type       string `json:"type,omitempty"` // work | private | unknown
	Confidence string `json:"confidence,omitempty"`
	UpdateDate string `json:"updateDate,omitempty"` // YYYY-MM-DD
	Waterfall
}

// Waterfall is where a revealed data point came from and what it cost, when a Data
// Waterfall provider found it (newer API versions; reference §5.2).
type Waterfall struct {
	DataSource string  `json:"dataSource,omitempty"`
	Credits    float64 `json:"credits,omitempty"`
}

// Phone is a revealed phone number; DoNotCall marks numbers on do-not-call lists.
type Phone struct {
	Number     string `json:"number"`
	Type       string `json:"type,omitempty"` // mobile | direct | work | unknown
	DoNotCall  bool   `json:"doNotCall"`
	UpdateDate string `json:"updateDate,omitempty"`
	Waterfall
}

// Tag is a label the account put on a contact.
type Tag struct {
	ID    string `json:"id,omitempty"`
	Name  string `json:"name,omitempty"`
	Color string `json:"color,omitempty"`
}

// CompanyBrief names a company in a contact's history.
type CompanyBrief struct {
	Name   string `json:"name,omitempty"`
	Domain string `json:"domain,omitempty"`
}

// PreviousEmployment is one earlier position of a contact.
type PreviousEmployment struct {
	Company  *CompanyBrief `json:"company,omitzero"`
	JobTitle *JobTitle     `json:"jobTitle,omitzero"`
}

// EnrichedContact is an enrich or search-and-enrich result. Emails and Phones are
// present only when revealed (an empty list means revealed and none known).
// Check Error first.
type EnrichedContact struct {
	ClientReferenceID  string               `json:"clientReferenceId,omitempty"`
	ID                 string               `json:"id,omitempty"`
	FirstName          string               `json:"firstName,omitempty"`
	LastName           string               `json:"lastName,omitempty"`
	FullName           string               `json:"fullName,omitempty"`
	JobTitle           *JobTitle            `json:"jobTitle,omitzero"`
	Location           *ContactLocation     `json:"location,omitzero"`
	Tags               []Tag                `json:"tags,omitzero"`
	Emails             []Email              `json:"emails,omitzero"`
	Phones             []Phone              `json:"phones,omitzero"`
	Company            *ContactCompany      `json:"company,omitzero"`
	SocialLinks        *SocialLinks         `json:"socialLinks,omitzero"`
	PreviousEmployment []PreviousEmployment `json:"previousEmployment,omitzero"`
	UpdateDate         string               `json:"updateDate,omitempty"`
	// MissingDataPoints says why requested data points are absent (newer API
	// versions): not found, or not billed; see Unbilled.
	MissingDataPoints []MissingDataPoint `json:"missingDataPoints,omitzero"`
	Error             *ItemError         `json:"error,omitzero"`
}
