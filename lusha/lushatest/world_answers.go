package lushatest

import (
	"encoding/json"
	"slices"

	"github.com/leadsync/leadsync/lusha"
)

// Preview is the search answer for p at list price (nothing revealed yet). The
// server lowers CanReveal credits to 0 for data points the account already revealed.
func (p *Person) Preview() lusha.ContactPreview {
	has := []string{"firstName", "lastName", "jobTitle", "company", "location", "socialLinks", "emails"}
	canReveal := []lusha.CanReveal{{Field: lusha.RevealEmails, Credits: defaultPricing.RevealEmail}}
	if len(p.Phones) > 0 {
		has = append(has, "phones")
		canReveal = append(canReveal, lusha.CanReveal{Field: lusha.RevealPhones, Credits: defaultPricing.RevealPhone})
	}
	if p.Previous != nil {
		has = append(has, "previousEmployment")
	}
	return lusha.ContactPreview{
		ID:          p.ID,
		FirstName:   p.FirstName,
		LastName:    p.LastName,
		JobTitle:    p.jobTitle(),
		Company:     p.Company.contactRef(),
		Location:    &lusha.PreviewLocation{Country: p.Location.Country, State: p.Location.State, City: p.Location.City},
		SocialLinks: &lusha.SocialLinks{Linkedin: p.LinkedinURL},
		Has:         has,
		CanReveal:   canReveal,
	}
}

// Enriched is the enrich answer for p revealing the given data points
// (lusha.RevealEmails, lusha.RevealPhones; none given means both).
func (p *Person) Enriched(reveal ...string) lusha.EnrichedContact {
	return p.enriched(revealOrBoth(reveal))
}

// enriched is the answer revealing exactly the given data points, maybe none.
func (p *Person) enriched(reveal []string) lusha.EnrichedContact {
	e := lusha.EnrichedContact{
		ID:        p.ID,
		FirstName: p.FirstName,
		LastName:  p.LastName,
		FullName:  p.FirstName + " " + p.LastName,
		JobTitle:  p.jobTitle(),
		Location: &lusha.ContactLocation{
			Country: p.Location.Country, CountryIso2: p.Location.CountryIso2, State: p.Location.State,
			City: p.Location.City, Continent: p.Location.Continent,
			Coordinates: []float64{p.Location.Longitude, p.Location.Latitude}, IsEuContact: p.Location.EU,
		},
		Tags:               []lusha.Tag{},
		Company:            p.Company.contactRef(),
		SocialLinks:        &lusha.SocialLinks{Linkedin: p.LinkedinURL},
		PreviousEmployment: []lusha.PreviousEmployment{},
		UpdateDate:         p.UpdateDate,
	}
	if p.Previous != nil {
		e.PreviousEmployment = append(e.PreviousEmployment, lusha.PreviousEmployment{
			Company:  &lusha.CompanyBrief{Name: p.Previous.Name, Domain: p.Previous.EmailDomain},
			JobTitle: &lusha.JobTitle{Title: p.JobTitle, Departments: slices.Clone(p.Departments), Seniority: p.Seniority},
		})
	}
	if slices.Contains(reveal, lusha.RevealEmails) {
		e.Emails = []lusha.Email{{Email: p.Email, Type: "work", Confidence: "A+", UpdateDate: p.UpdateDate}}
	}
	if slices.Contains(reveal, lusha.RevealPhones) {
		e.Phones = slices.Clone(p.Phones)
		if e.Phones == nil {
			e.Phones = []lusha.Phone{}
		}
	}
	return e
}

// RevealableContactFields lists the data points of p that enrich can reveal.
func (p *Person) RevealableContactFields() []string {
	fields := []string{lusha.RevealEmails}
	if len(p.Phones) > 0 {
		fields = append(fields, lusha.RevealPhones)
	}
	return fields
}

func (p *Person) jobTitle() *lusha.JobTitle {
	return &lusha.JobTitle{Title: p.JobTitle, Departments: slices.Clone(p.Departments), Seniority: p.Seniority}
}

func (c *Company) contactRef() *lusha.ContactCompany {
	return &lusha.ContactCompany{ID: c.ID, Name: c.Name, Domain: c.Domain, Industry: c.Industry.industry}
}

// RevealableFields lists the company reveal fields that have data for c.
func (c *Company) RevealableFields() []string {
	fields := []string{lusha.RevealEmployeesByDepartment, lusha.RevealEmployeesByLocation,
		lusha.RevealEmployeesBySeniority}
	if len(c.Competitors) > 0 {
		fields = append(fields, lusha.RevealCompetitors)
	}
	if len(c.IntentTopics) > 0 {
		fields = append(fields, lusha.RevealIntent)
	}
	if c.ItSpendUSD > 0 {
		fields = append(fields, lusha.RevealEstimatedAnnualItSpend)
	}
	if c.Traffic != nil {
		fields = append(fields, lusha.RevealMonthlyWebsiteTraffic)
	}
	return fields
}

// Preview is the company search answer at list price.
func (c *Company) Preview() lusha.CompanyPreview {
	has := []string{"alternativeDomains", "description", "companyType", "yearFounded", "subIndustry",
		"sicCodes", "naicsCodes", "linkedinFollowers", "revenueRange", "technologies", "socialLinks"}
	var canReveal []lusha.CanReveal
	for _, f := range c.RevealableFields() {
		has = append(has, f)
		canReveal = append(canReveal, lusha.CanReveal{Field: f, Credits: defaultPricing.RevealCompanyField})
	}
	return lusha.CompanyPreview{
		ID:            c.ID,
		Name:          c.Name,
		Domain:        c.Domain,
		EmployeeCount: c.employeeCount(),
		Industry:      c.Industry.industry,
		Location:      c.location(),
		SocialLinks:   &lusha.CompanySocialLinks{Linkedin: c.LinkedinURL},
		Has:           has,
		CanReveal:     canReveal,
	}
}

// Enriched is the company enrich answer revealing the given extra fields; fields
// without data for c are left out (and not charged).
func (c *Company) Enriched(reveal ...string) lusha.EnrichedCompany {
	e := lusha.EnrichedCompany{
		ID:                 c.ID,
		Name:               c.Name,
		AlternativeName:    slug(c.Name),
		Domain:             c.Domain,
		AlternativeDomains: []string{c.EmailDomain},
		Description:        c.Name + " builds " + c.Industry.subIndustry + " products.",
		CompanyType:        c.CompanyType,
		YearFounded:        float64(c.YearFounded),
		EmployeeCount:      c.employeeCount(),
		Industry:           c.Industry.industry,
		SubIndustry:        c.Industry.subIndustry,
		SicCodes:           []lusha.IndustryCode{{Code: c.Industry.sic, Description: c.Industry.sicDescription}},
		NaicsCodes:         []lusha.IndustryCode{{Code: c.Industry.naics, Description: c.Industry.naicsDescription}},
		EmailDomain:        c.EmailDomain,
		Location:           c.location(),
		SocialLinks:        &lusha.CompanySocialLinks{Linkedin: c.LinkedinURL},
		LinkedinFollowers:  float64(c.Employees * 7),
		RevenueRange:       &lusha.RevenueRange{Min: c.Revenue[0], Max: c.Revenue[1]},
		Technologies:       slices.Clone(c.Technologies),
		LogoURL:            "https://logo.lusha.co/" + c.ID + ".png",
		BusinessModel:      []string{"B2B"},
		Emails:             []lusha.CompanyEmail{{Email: "info@" + c.EmailDomain}},
	}
	available := c.RevealableFields()
	for _, f := range reveal {
		if slices.Contains(available, f) {
			c.reveal(&e, f)
		}
	}
	return e
}

// reveal fills one extra field; shares are fixed so answers are deterministic.
func (c *Company) reveal(e *lusha.EnrichedCompany, field string) {
	n := c.Employees
	switch field {
	case lusha.RevealEmployeesByDepartment:
		e.EmployeesByDepartment = []lusha.DepartmentCount{{Department: "Sales", Count: n * 3 / 10},
			{Department: "Engineering & Technical", Count: n * 4 / 10}, {Department: "Other", Count: n - n*7/10}}
	case lusha.RevealEmployeesByLocation:
		state := c.Location.State
		e.EmployeesByLocation = []lusha.LocationCount{{Country: c.Location.Country, State: &state, Count: n * 8 / 10},
			{Country: c.Location.Country, State: nil, Count: n - n*8/10}}
	case lusha.RevealEmployeesBySeniority:
		e.EmployeesBySeniority = []lusha.SeniorityCount{{Seniority: "Manager", Count: n / 5},
			{Seniority: "Non-Manager", Count: n - n/5}}
	case lusha.RevealCompetitors:
		for _, o := range c.Competitors {
			e.Competitors = append(e.Competitors, lusha.CompanyRef{ID: o.ID, Name: o.Name, Domain: o.EmailDomain})
		}
	case lusha.RevealIntent:
		intent := lusha.Intent{TopicCount: int64(len(c.IntentTopics))}
		for _, t := range c.IntentTopics {
			intent.DetectedTopics = append(intent.DetectedTopics, lusha.IntentTopic{TopicName: t,
				Metadata: &lusha.IntentMetadata{TopicScore: intentScore, TopicTrend: "+12"}})
		}
		e.Intent = mustJSON(intent)
	case lusha.RevealEstimatedAnnualItSpend:
		e.EstimatedAnnualItSpend = &lusha.ItSpend{Value: c.ItSpendUSD, Currency: "USD", ValueUsd: c.ItSpendUSD}
	case lusha.RevealMonthlyWebsiteTraffic:
		t := *c.Traffic
		e.MonthlyWebsiteTraffic = &t
	}
}

func (c *Company) employeeCount() *lusha.EmployeeCount {
	return &lusha.EmployeeCount{Exact: c.Employees, Min: c.EmployeeRange[0], Max: c.EmployeeRange[1]}
}

func (c *Company) location() *lusha.CompanyLocation {
	l := c.Location
	return &lusha.CompanyLocation{City: l.City, State: l.State, StateCode: l.StateCode, Country: l.Country,
		CountryIso2: l.CountryIso2, Continent: l.Continent, ZipCode: l.ZipCode}
}

// intentScore is the topic score of every intent topic in the world.
const intentScore = 80

// mustJSON encodes a value the fake built itself; failing would be a bug in the fake.
func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
