package lusha

import "encoding/json"

// Company data points that company enrich reveals on request, each charged per result.
const (
	RevealEmployeesByDepartment  = "employeesByDepartment"
	RevealEmployeesByLocation    = "employeesByLocation"
	RevealEmployeesBySeniority   = "employeesBySeniority"
	RevealCompetitors            = "competitors"
	RevealIntent                 = "intent"
	RevealEstimatedAnnualItSpend = "estimatedAnnualItSpend"
	RevealMonthlyWebsiteTraffic  = "monthlyWebsiteTraffic"
)

// CompanyRevealFields lists every company reveal field, in the spec's order.
var CompanyRevealFields = []string{RevealEmployeesByDepartment, RevealEmployeesByLocation,
	RevealEmployeesBySeniority, RevealCompetitors, RevealIntent, RevealEstimatedAnnualItSpend,
	RevealMonthlyWebsiteTraffic}

// CompanySearchItem identifies one company by ID, Name or Domain.
type CompanySearchItem struct {
	ClientReferenceID string `json:"clientReferenceId,omitempty"`
	ID                string `json:"id,omitempty"`
	Name              string `json:"name,omitempty"`
	Domain            string `json:"domain,omitempty"`
}

// CompaniesSearchRequest is the body of POST /v3/companies/search (1–100 companies).
type CompaniesSearchRequest struct {
	Companies []CompanySearchItem `json:"companies"`
	Options   *SearchOptions      `json:"options,omitzero"`
	Signals   *SignalsFilter      `json:"signals,omitzero"`
}

// CompaniesSearchResponse is the answer of a company search.
type CompaniesSearchResponse struct {
	RequestID string           `json:"requestId,omitempty"`
	Results   []CompanyPreview `json:"results"`
	Billing   Billing          `json:"billing"`
}

// CompaniesEnrichRequest is the body of POST /v3/companies/enrich. Reveal names
// extra, separately charged fields (the Reveal* company constants).
type CompaniesEnrichRequest struct {
	IDs     []string `json:"ids"`
	Reveal  []string `json:"reveal,omitzero"`
	TableID string   `json:"tableId,omitempty"`
}

// CompaniesEnrichResponse is the answer of a company enrich.
type CompaniesEnrichResponse struct {
	RequestID string            `json:"requestId,omitempty"`
	Results   []EnrichedCompany `json:"results"`
	Billing   Billing           `json:"billing"`
}

// CompaniesSearchAndEnrichRequest is the body of POST /v3/companies/search-and-enrich.
type CompaniesSearchAndEnrichRequest struct {
	Companies []CompanySearchItem `json:"companies"`
	Options   *SearchOptions      `json:"options,omitzero"`
}

// CompaniesSearchAndEnrichResponse is the answer of a company search-and-enrich; each
// result carries the ClientReferenceID of its input item.
type CompaniesSearchAndEnrichResponse struct {
	RequestID string            `json:"requestId,omitempty"`
	Results   []EnrichedCompany `json:"results"`
	Billing   Billing           `json:"billing"`
}

// EmployeeCount is the head count and the size bucket it falls in.
type EmployeeCount struct {
	Exact int64 `json:"exact,omitempty"`
	Min   int64 `json:"min,omitempty"`
	Max   int64 `json:"max,omitempty"`
}

// CompanyLocation is a company site.
type CompanyLocation struct {
	City        string `json:"city,omitempty"`
	State       string `json:"state,omitempty"`
	StateCode   string `json:"stateCode,omitempty"`
	Country     string `json:"country,omitempty"`
	CountryIso2 string `json:"countryIso2,omitempty"`
	Continent   string `json:"continent,omitempty"`
	ZipCode     string `json:"zipCode,omitempty"`
}

// CompanySocialLinks of a company; Facebook and X are omitted when unknown.
type CompanySocialLinks struct {
	Linkedin string `json:"linkedin,omitempty"`
	Facebook string `json:"facebook,omitempty"`
	X        string `json:"x,omitempty"`
}

// CompanyPreview is a company search result. Check Error first.
type CompanyPreview struct {
	ClientReferenceID string              `json:"clientReferenceId,omitempty"`
	ID                string              `json:"id,omitempty"`
	Name              string              `json:"name,omitempty"`
	Domain            string              `json:"domain,omitempty"`
	EmployeeCount     *EmployeeCount      `json:"employeeCount,omitzero"`
	Industry          string              `json:"industry,omitempty"`
	Location          *CompanyLocation    `json:"location,omitzero"`
	SocialLinks       *CompanySocialLinks `json:"socialLinks,omitzero"`
	Has               []string            `json:"has,omitzero"`
	CanReveal         []CanReveal         `json:"canReveal,omitzero"`
	SignalTypes       []string            `json:"signalTypes,omitzero"`
	Error             *ItemError          `json:"error,omitzero"`
}

// IndustryCode is a SIC or NAICS code.
type IndustryCode struct {
	Code        int64  `json:"code,omitempty"`
	Description string `json:"description,omitempty"`
}

// AdditionalIndustry is a secondary classification.
type AdditionalIndustry struct {
	Industry    string `json:"industry,omitempty"`
	SubIndustry string `json:"subIndustry,omitempty"`
}

// ItSpend is the estimated annual IT spend.
type ItSpend struct {
	Value    float64 `json:"value"`
	Currency string  `json:"currency,omitempty"`
	ValueUsd float64 `json:"valueUsd"`
}

// WebsiteTraffic is last month's website traffic.
type WebsiteTraffic struct {
	Visits           float64 `json:"visits"`
	MomChangePercent float64 `json:"momChangePercent"`
	Month            string  `json:"month,omitempty"` // YYYY-MM
}

// RevenueRange in USD; values reach 1e11, hence float64.
type RevenueRange struct {
	Min float64 `json:"min,omitempty"`
	Max float64 `json:"max,omitempty"`
}

// FundingRound is one funding event. RoundDate is as Lusha writes it ("Nov 10, 2021").
type FundingRound struct {
	Currency    string  `json:"currency,omitempty"`
	RoundAmount float64 `json:"roundAmount,omitempty"`
	RoundType   string  `json:"roundType,omitempty"`
	RoundDate   string  `json:"roundDate,omitempty"`
}

// Funding is the typed view of EnrichedCompany.Funding, shaped after Lusha's examples
// (the spec leaves it untyped); see EnrichedCompany.DecodeFunding.
type Funding struct {
	Rounds            []FundingRound `json:"rounds,omitzero"`
	TotalRounds       int64          `json:"totalRounds,omitempty"`
	TotalRoundsAmount float64        `json:"totalRoundsAmount,omitempty"`
	Currency          string         `json:"currency,omitempty"`
	IsIpo             bool           `json:"isIpo"`
	LastRoundType     string         `json:"lastRoundType,omitempty"`
	LastRoundAmount   float64        `json:"lastRoundAmount,omitempty"`
	LastRoundDate     string         `json:"lastRoundDate,omitempty"`
}

// IntentTopic is one buyer-intent topic; TopicTrend is signed text such as "+24".
type IntentTopic struct {
	TopicName string          `json:"topicName,omitempty"`
	Metadata  *IntentMetadata `json:"metadata,omitzero"`
}

// IntentMetadata scores an intent topic.
type IntentMetadata struct {
	TopicScore float64 `json:"topicScore"`
	TopicTrend string  `json:"topicTrend,omitempty"`
}

// Intent is the typed view of EnrichedCompany.Intent (shape taken from Lusha's
// examples); see EnrichedCompany.DecodeIntent.
type Intent struct {
	DetectedTopics []IntentTopic `json:"detectedTopics,omitzero"`
	TopicCount     int64         `json:"topicCount"`
}

// DepartmentCount is one row of employeesByDepartment.
type DepartmentCount struct {
	Department string `json:"department,omitempty"`
	Count      int64  `json:"count"`
}

// LocationCount is one row of employeesByLocation; State is null when unknown.
type LocationCount struct {
	Country string  `json:"country,omitempty"`
	State   *string `json:"state"`
	Count   int64   `json:"count"`
}

// SeniorityCount is one row of employeesBySeniority.
type SeniorityCount struct {
	Seniority string `json:"seniority,omitempty"`
	Count     int64  `json:"count"`
}

// CompanyRef names another company (a competitor).
type CompanyRef struct {
	ID     string `json:"id,omitempty"`
	Name   string `json:"name,omitempty"`
	Domain string `json:"domain,omitempty"`
}

// CompanyPhone is a company switchboard number as the examples show it.
type CompanyPhone struct {
	Number string `json:"number"`
}

// CompanyEmail is a company contact address as the examples show it.
type CompanyEmail struct {
	Email string `json:"email"`
}

// EnrichedCompany is a company enrich result. Reveal-only fields (employeesBy*,
// competitors, intent, IT spend, traffic) are present only when revealed.
// The spec documents both phone/email strings and phones/emails lists; both are kept.
// Check Error first.
type EnrichedCompany struct {
	ClientReferenceID      string               `json:"clientReferenceId,omitempty"`
	ID                     string               `json:"id,omitempty"`
	Name                   string               `json:"name,omitempty"`
	AlternativeName        string               `json:"alternativeName,omitempty"`
	Domain                 string               `json:"domain,omitempty"`
	AlternativeDomains     []string             `json:"alternativeDomains,omitzero"`
	Description            string               `json:"description,omitempty"`
	CompanyType            string               `json:"companyType,omitempty"`
	YearFounded            float64              `json:"yearFounded,omitempty"`
	EmployeeCount          *EmployeeCount       `json:"employeeCount,omitzero"`
	Industry               string               `json:"industry,omitempty"`
	SubIndustry            string               `json:"subIndustry,omitempty"`
	Specialities           []string             `json:"specialities,omitzero"`
	IndustryTags           []string             `json:"industryTags,omitzero"`
	SicCodes               []IndustryCode       `json:"sicCodes,omitzero"`
	NaicsCodes             []IndustryCode       `json:"naicsCodes,omitzero"`
	CompanyOffering        string               `json:"companyOffering,omitempty"`
	EmailDomain            string               `json:"emailDomain,omitempty"`
	AdditionalIndustries   []AdditionalIndustry `json:"additionalIndustries,omitzero"`
	EstimatedAnnualItSpend *ItSpend             `json:"estimatedAnnualItSpend,omitzero"`
	MonthlyWebsiteTraffic  *WebsiteTraffic      `json:"monthlyWebsiteTraffic,omitzero"`
	Location               *CompanyLocation     `json:"location,omitzero"`
	AdditionalLocations    []CompanyLocation    `json:"additionalLocations,omitzero"`
	SocialLinks            *CompanySocialLinks  `json:"socialLinks,omitzero"`
	LinkedinFollowers      float64              `json:"linkedinFollowers,omitempty"`
	RevenueRange           *RevenueRange        `json:"revenueRange,omitzero"`
	Funding                json.RawMessage      `json:"funding,omitzero"` // open: see DecodeFunding
	Intent                 json.RawMessage      `json:"intent,omitzero"`  // open: see DecodeIntent
	Technologies           []string             `json:"technologies,omitzero"`
	PopularityTier         float64              `json:"popularityTier,omitempty"`
	LogoURL                string               `json:"logoUrl,omitempty"`
	EmployeesByDepartment  []DepartmentCount    `json:"employeesByDepartment,omitzero"`
	EmployeesByLocation    []LocationCount      `json:"employeesByLocation,omitzero"`
	EmployeesBySeniority   []SeniorityCount     `json:"employeesBySeniority,omitzero"`
	Competitors            []CompanyRef         `json:"competitors,omitzero"`
	BusinessModel          []string             `json:"businessModel,omitzero"`
	Phone                  string               `json:"phone,omitempty"`
	Email                  string               `json:"email,omitempty"`
	Phones                 []CompanyPhone       `json:"phones,omitzero"`
	Emails                 []CompanyEmail       `json:"emails,omitzero"`
	Keywords               []string             `json:"keywords,omitzero"`
	SpecialitiesRefactored []string             `json:"specialitiesRefactored,omitzero"`
	Error                  *ItemError           `json:"error,omitzero"`
}

// DecodeFunding reads the funding object into its typed view; nil when absent or null.
// Funding stays raw on the company because the spec leaves it untyped and its shape
// has drifted between answers: a surprise must not fail the whole enrich.
func (c *EnrichedCompany) DecodeFunding() (*Funding, error) { return decodeOpen[Funding](c.Funding) }

// DecodeIntent reads the intent object into its typed view; nil when absent or null.
func (c *EnrichedCompany) DecodeIntent() (*Intent, error) { return decodeOpen[Intent](c.Intent) }

func decodeOpen[T any](raw json.RawMessage) (*T, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	out := new(T)
	if err := json.Unmarshal(raw, out); err != nil {
		return nil, err
	}
	return out, nil
}
