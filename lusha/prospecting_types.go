package lusha

// Page size rules of prospecting: the schema accepts 10–100, Lusha answers at most
// ProspectingMaxPageSize results and echoes the size it used.
const (
	ProspectingMinPageSize = 10
	ProspectingMaxRequest  = 100
	ProspectingMaxPageSize = 50
	ProspectingMaxPage     = 1000
)

// PageRequest selects one prospecting page (Page from 0).
type PageRequest struct {
	Page int `json:"page"`
	Size int `json:"size"`
}

// PageInfo is the pagination of a prospecting answer. Size is the size Lusha used,
// which may be smaller than the one asked for.
type PageInfo struct {
	Page             int    `json:"page"`
	Size             int    `json:"size"`
	Total            int64  `json:"total"`
	TotalGuaranteed  *bool  `json:"totalGuaranteed,omitzero"`   // newer docs only
	TotalDescription string `json:"totalDescription,omitempty"` // newer docs only
}

// Location is a place filter; set only the parts that matter.
type Location struct {
	City            string `json:"city,omitempty"`
	State           string `json:"state,omitempty"`
	Country         string `json:"country,omitempty"`
	Continent       string `json:"continent,omitempty"`
	CountryGrouping string `json:"countryGrouping,omitempty"`
	Region          string `json:"region,omitempty"`
	CountryIso2     string `json:"countryIso2,omitempty"`
}

// Range is a numeric range filter; nil bounds are open (0 is a real minimum).
type Range struct {
	Min *int64 `json:"min,omitzero"`
	Max *int64 `json:"max,omitzero"`
}

// YearRange bounds a founding year.
type YearRange struct {
	Min int `json:"min,omitempty"`
	Max int `json:"max,omitempty"`
}

// GeographicDetail is a radius around a zip code, in miles.
type GeographicDetail struct {
	Country  string `json:"country,omitempty"`
	Zipcode  string `json:"zipcode,omitempty"`
	Distance int    `json:"distance,omitempty"`
}

// Zipcode is a zip code in a country.
type Zipcode struct {
	CountryIso2 string `json:"countryIso2,omitempty"`
	Zipcode     string `json:"zipcode,omitempty"`
}

// ContactSignalsCriteria keeps contacts with recent signals of these types.
type ContactSignalsCriteria struct {
	Types     []string `json:"types,omitzero"`
	StartDate string   `json:"startDate,omitempty"` // YYYY-MM-DD
}

// Education narrows by schooling (a refinement: pair it with a base filter).
type Education struct {
	Degrees           []string `json:"degrees,omitzero"`
	FieldsOfStudy     []string `json:"fieldsOfStudy,omitzero"`
	Schools           []string `json:"schools,omitzero"`
	StartYearGte      int      `json:"startYearGte,omitempty"`
	GraduationYearLte int      `json:"graduationYearLte,omitempty"`
}

// ScoreRange bounds Lusha's contact score, 0–100.
type ScoreRange struct {
	MinScore *int `json:"minScore,omitzero"`
	MaxScore *int `json:"maxScore,omitzero"`
}

// ContactCriteria are the contact filters of contact prospecting (V3ContactFilterCriteria).
type ContactCriteria struct {
	Names                       []string                `json:"names,omitzero"`
	JobTitles                   []string                `json:"jobTitles,omitzero"`
	JobTitlesExactMatch         []string                `json:"jobTitlesExactMatch,omitzero"`
	NormalizedJobTitles         []string                `json:"normalizedJobTitles,omitzero"`
	SearchText                  string                  `json:"searchText,omitempty"`
	Countries                   []string                `json:"countries,omitzero"`
	Locations                   []Location              `json:"locations,omitzero"`
	SeniorityIDs                []int                   `json:"seniorityIds,omitzero"`
	Departments                 []string                `json:"departments,omitzero"`
	LinkedinURLs                []string                `json:"linkedinUrls,omitzero"`
	ExistingDataPoints          []string                `json:"existingDataPoints,omitzero"`
	ExistingDataPointsCondition string                  `json:"existingDataPointsCondition,omitempty"` // or | and
	Signals                     *ContactSignalsCriteria `json:"signals,omitzero"`
	Emails                      []string                `json:"emails,omitzero"`
	PreviousEmails              []string                `json:"previousEmails,omitzero"`
	PreviousJobTitle            []string                `json:"previousJobTitle,omitzero"`
	Skills                      []string                `json:"skills,omitzero"`
	Certifications              []string                `json:"certifications,omitzero"`
	Awards                      []string                `json:"awards,omitzero"`
	IDs                         []string                `json:"ids,omitzero"`
	JobChangedAfterDate         string                  `json:"jobChangedAfterDate,omitempty"`
	JobChangedLastViewDate      string                  `json:"jobChangedLastViewDate,omitempty"`
	Education                   *Education              `json:"education,omitzero"`
	Score                       *ScoreRange             `json:"score,omitzero"`
	GeographicDetails           []GeographicDetail      `json:"geographicDetails,omitzero"`
}

// FundingRangeFilter bounds an amount of funding; Coverage is last_funding,
// any_round, total_funds or last_round.
type FundingRangeFilter struct {
	Coverage string `json:"coverage,omitempty"`
	Min      *int64 `json:"min,omitzero"`
	Max      *int64 `json:"max,omitzero"`
}

// FundingDateFilter keeps funding after Date.
type FundingDateFilter struct {
	Coverage string `json:"coverage,omitempty"`
	Date     string `json:"date,omitempty"`
}

// FundingRoundFilter keeps a round kind (pre_seed, seed, series_a … series_h, other).
type FundingRoundFilter struct {
	Coverage string `json:"coverage,omitempty"`
	Round    string `json:"round,omitempty"`
}

// FundingNameFilter keeps a funding kind (angel, venture, private_equity, …).
type FundingNameFilter struct {
	Coverage string `json:"coverage,omitempty"`
	Name     string `json:"name,omitempty"`
}

// FundingFilter narrows companies by funding.
type FundingFilter struct {
	IsIpo     *bool                `json:"isIpo,omitzero"`
	Ranges    []FundingRangeFilter `json:"ranges,omitzero"`
	Date      *FundingDateFilter   `json:"date,omitzero"`
	Rounds    []FundingRoundFilter `json:"rounds,omitzero"`
	Names     []FundingNameFilter  `json:"names,omitzero"`
	Investors []string             `json:"investors,omitzero"`
	Types     []string             `json:"types,omitzero"`
}

// CompanyCriteria are the company filters that contact and company prospecting
// share. Embed it in CompanyFilterCriteria or CompanyProspectingCriteria.
type CompanyCriteria struct {
	Names                  []string           `json:"names,omitzero"`
	Domains                []string           `json:"domains,omitzero"`
	IDs                    []string           `json:"ids,omitzero"`
	Locations              []Location         `json:"locations,omitzero"`
	Sizes                  []Range            `json:"sizes,omitzero"`
	Revenues               []Range            `json:"revenues,omitzero"`
	Technologies           []string           `json:"technologies,omitzero"`
	TechnologiesCondition  string             `json:"technologiesCondition,omitempty"` // or | and
	MainIndustriesIDs      []int              `json:"mainIndustriesIds,omitzero"`
	SubIndustriesIDs       []int              `json:"subIndustriesIds,omitzero"`
	IntentTopics           []string           `json:"intentTopics,omitzero"`
	IntentTopicsCondition  string             `json:"intentTopicsCondition,omitempty"` // or | and
	IntentMinScore         int                `json:"intentMinScore,omitempty"`
	IntentMaxScore         int                `json:"intentMaxScore,omitempty"`
	IntentTopicsOperator   string             `json:"intentTopicsOperator,omitempty"` // or | and | any | all
	TopicCountThreshold    []Range            `json:"topicCountThreshold,omitzero"`
	SicCodes               []string           `json:"sicCodes,omitzero"`
	NaicsCodes             []string           `json:"naicsCodes,omitzero"`
	FoundedYear            []YearRange        `json:"foundedYear,omitzero"`
	BusinessModel          []string           `json:"businessModel,omitzero"` // B2B | B2C | B2G
	CompanyType            []string           `json:"companyType,omitzero"`
	LinkedinURLs           []string           `json:"linkedinUrls,omitzero"`
	Keywords               []string           `json:"keywords,omitzero"`
	Specialities           []string           `json:"specialities,omitzero"`
	ExactSpecialities      []string           `json:"exactSpecialities,omitzero"`
	ExactKeywords          []string           `json:"exactKeywords,omitzero"`
	KeywordsSearchFields   []string           `json:"keywordsSearchFields,omitzero"`
	PreviousCompanyDomains []string           `json:"previousCompanyDomains,omitzero"`
	PreviousCompanyNames   []string           `json:"previousCompanyNames,omitzero"`
	GeographicDetails      []GeographicDetail `json:"geographicDetails,omitzero"`
	LocationsZipcodes      []Zipcode          `json:"locationsZipcodes,omitzero"`
	HeadquarterZipcodes    []Zipcode          `json:"headquarterZipcodes,omitzero"`
}

// CompanyFilterCriteria are the company filters of contact prospecting.
type CompanyFilterCriteria struct {
	CompanyCriteria
	IndustriesLabels []string       `json:"industriesLabels,omitzero"`
	Funding          *FundingFilter `json:"funding,omitzero"`
}

// LocationSignalFilter narrows hiring-by-location signals.
type LocationSignalFilter struct {
	Country   string `json:"country,omitempty"`
	State     string `json:"state,omitempty"`
	StartDate string `json:"startDate,omitempty"`
}

// DepartmentSignalFilter narrows hiring-by-department signals.
type DepartmentSignalFilter struct {
	Department string `json:"department"`
	StartDate  string `json:"startDate,omitempty"`
}

// CompanySignalsCriteria keeps companies with recent signals of these types.
type CompanySignalsCriteria struct {
	Types                  []string                 `json:"types,omitzero"`
	StartDate              string                   `json:"startDate,omitempty"`
	FilterByLocation       []LocationSignalFilter   `json:"filterByLocation,omitzero"`
	FilterByDepartment     []DepartmentSignalFilter `json:"filterByDepartment,omitzero"`
	FilterByIntentCategory []string                 `json:"filterByIntentCategory,omitzero"`
}

// CompanyProspectingCriteria are the company filters of company prospecting.
type CompanyProspectingCriteria struct {
	CompanyCriteria
	SearchText string                  `json:"searchText,omitempty"`
	Signals    *CompanySignalsCriteria `json:"signals,omitzero"`
}

// IncludeExcludeContacts pairs contact filters to keep and to drop.
type IncludeExcludeContacts struct {
	Include *ContactCriteria `json:"include,omitzero"`
	Exclude *ContactCriteria `json:"exclude,omitzero"`
}

// IncludeExcludeCompanies pairs company filters to keep and to drop.
type IncludeExcludeCompanies struct {
	Include *CompanyFilterCriteria `json:"include,omitzero"`
	Exclude *CompanyFilterCriteria `json:"exclude,omitzero"`
}

// ProspectingContactFilters select the people of contact prospecting.
type ProspectingContactFilters struct {
	Contacts  *IncludeExcludeContacts  `json:"contacts,omitzero"`
	Companies *IncludeExcludeCompanies `json:"companies,omitzero"`
}

// ProspectingContactsOptions tune contact prospecting.
type ProspectingContactsOptions struct {
	IncludePartialProfiles *bool `json:"includePartialProfiles,omitzero"` // default true
	ExcludeDnc             *bool `json:"excludeDnc,omitzero"`             // plan-gated
}

// ProspectingContactsRequest is the body of POST /v3/contacts/prospecting.
type ProspectingContactsRequest struct {
	Pagination PageRequest                 `json:"pagination"`
	Filters    ProspectingContactFilters   `json:"filters"`
	TableID    string                      `json:"tableId,omitempty"`
	Options    *ProspectingContactsOptions `json:"options,omitzero"`
}

// TableWrite reports what a tableId request added to the table.
type TableWrite struct {
	TableID                string `json:"tableId,omitempty"`
	Added                  int    `json:"added"`
	AlreadyPresent         int    `json:"alreadyPresent"`
	ColumnsCreated         int    `json:"columnsCreated"`
	RowsProcessed          int    `json:"rowsProcessed"`
	RowsCharged            int    `json:"rowsCharged"`
	RowsAlreadyPaidInTable int    `json:"rowsAlreadyPaidInTable"`
	CreditsCharged         int    `json:"creditsCharged"`
}

// ProspectingContactsResponse is one page of contact prospecting: previews only.
type ProspectingContactsResponse struct {
	RequestID  string           `json:"requestId,omitempty"`
	Results    []ContactPreview `json:"results"`
	Pagination PageInfo         `json:"pagination"`
	TableWrite *TableWrite      `json:"tableWrite,omitzero"`
	Billing    Billing          `json:"billing"`
}

// ContactsOnCompanyFilters narrow company prospecting to companies employing such people.
type ContactsOnCompanyFilters struct {
	JobTitles          []string   `json:"jobTitles,omitzero"`
	Departments        []string   `json:"departments,omitzero"`
	SeniorityIDs       []int      `json:"seniorityIds,omitzero"`
	Skills             []string   `json:"skills,omitzero"`
	Locations          []Location `json:"locations,omitzero"`
	ExistingDataPoints []string   `json:"existingDataPoints,omitzero"`
}

// IncludeExcludeProspectingCompanies pairs company prospecting filters; Include is required.
type IncludeExcludeProspectingCompanies struct {
	Include CompanyProspectingCriteria  `json:"include"`
	Exclude *CompanyProspectingCriteria `json:"exclude,omitzero"`
}

// IncludeExcludeContactsOnCompany pairs the contact filters of company prospecting.
type IncludeExcludeContactsOnCompany struct {
	Include *ContactsOnCompanyFilters `json:"include,omitzero"`
	Exclude *ContactsOnCompanyFilters `json:"exclude,omitzero"`
}

// ProspectingCompanyFilters select the companies of company prospecting. Contacts
// cannot be combined with company searchText, signals, intent topics or technologies.
type ProspectingCompanyFilters struct {
	Companies IncludeExcludeProspectingCompanies `json:"companies"`
	Contacts  *IncludeExcludeContactsOnCompany   `json:"contacts,omitzero"`
}

// ProspectingCompaniesOptions tune company prospecting.
type ProspectingCompaniesOptions struct {
	IncludePartialProfiles *bool `json:"includePartialProfiles,omitzero"` // default false
}

// ProspectingCompaniesRequest is the body of POST /v3/companies/prospecting.
type ProspectingCompaniesRequest struct {
	Pagination PageRequest                  `json:"pagination"`
	Filters    ProspectingCompanyFilters    `json:"filters"`
	TableID    string                       `json:"tableId,omitempty"`
	Options    *ProspectingCompaniesOptions `json:"options,omitzero"`
}

// ProspectingCompaniesResponse is one page of company prospecting.
type ProspectingCompaniesResponse struct {
	RequestID  string           `json:"requestId,omitempty"`
	Results    []CompanyPreview `json:"results"`
	Pagination PageInfo         `json:"pagination"`
	TableWrite *TableWrite      `json:"tableWrite,omitzero"`
	Billing    Billing          `json:"billing"`
}
