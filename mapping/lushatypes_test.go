package mapping

import (
	"encoding/json"
	"reflect"
)

// These mirror the Lusha V3 answer types (lusha-api.md §5.1, §5.2, §5.5) closely enough
// for path validation; mapping must not import the lusha package.

type testJobTitle struct {
	Title       string   `json:"title"`
	Departments []string `json:"departments"`
	Seniority   string   `json:"seniority"`
}

type testContactCompany struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Domain   string `json:"domain"`
	Industry string `json:"industry,omitempty"`
}

type testLocation struct {
	Country     string    `json:"country"`
	CountryIso2 string    `json:"countryIso2"`
	State       string    `json:"state"`
	City        string    `json:"city"`
	Continent   string    `json:"continent"`
	Coordinates []float64 `json:"coordinates"`
	IsEuContact bool      `json:"isEuContact"`
}

type testEmail struct {
	Email      string  `json:"email"`
	Type       string  `json:"type"`
	Confidence *string `json:"confidence"`
	UpdateDate string  `json:"updateDate"`
}

type testPhone struct {
	Number     string `json:"number"`
	Type       string `json:"type"`
	DoNotCall  bool   `json:"doNotCall"`
	UpdateDate string `json:"updateDate"`
}

type testContactPreview struct {
	ClientReferenceID string              `json:"clientReferenceId"`
	ID                string              `json:"id"`
	FirstName         string              `json:"firstName"`
	LastName          string              `json:"lastName"`
	JobTitle          *testJobTitle       `json:"jobTitle"`
	Company           *testContactCompany `json:"company"`
	Location          *testLocation       `json:"location"`
	SocialLinks       struct {
		Linkedin string `json:"linkedin"`
	} `json:"socialLinks"`
	Has       []string `json:"has"`
	CanReveal []struct {
		Field   string `json:"field"`
		Credits int    `json:"credits"`
	} `json:"canReveal"`
}

type testEnrichedContact struct {
	ID          string              `json:"id"`
	FirstName   string              `json:"firstName"`
	LastName    string              `json:"lastName"`
	FullName    string              `json:"fullName"`
	JobTitle    *testJobTitle       `json:"jobTitle"`
	Location    *testLocation       `json:"location"`
	Emails      []testEmail         `json:"emails"`
	Phones      []testPhone         `json:"phones"`
	Company     *testContactCompany `json:"company"`
	SocialLinks struct {
		Linkedin string `json:"linkedin"`
		XURL     string `json:"xUrl"`
	} `json:"socialLinks"`
	PreviousEmployment []struct {
		Company  testContactCompany `json:"company"`
		JobTitle testJobTitle       `json:"jobTitle"`
	} `json:"previousEmployment"`
	UpdateDate string `json:"updateDate"`
}

type testRange struct {
	Exact int64 `json:"exact,omitempty"`
	Min   int64 `json:"min"`
	Max   int64 `json:"max"`
}

type testEnrichedCompany struct {
	ID                 string        `json:"id"`
	Name               string        `json:"name"`
	Domain             string        `json:"domain"`
	AlternativeDomains []string      `json:"alternativeDomains"`
	Description        string        `json:"description"`
	CompanyType        string        `json:"companyType"`
	YearFounded        float64       `json:"yearFounded"`
	EmployeeCount      *testRange    `json:"employeeCount"`
	Industry           string        `json:"industry"`
	SubIndustry        string        `json:"subIndustry"`
	Location           *testLocation `json:"location"`
	SocialLinks        struct {
		Linkedin string `json:"linkedin"`
	} `json:"socialLinks"`
	LinkedinFollowers float64         `json:"linkedinFollowers"`
	RevenueRange      *testRange      `json:"revenueRange"`
	Funding           json.RawMessage `json:"funding"`
	Technologies      []string        `json:"technologies"`
	SicCodes          []struct {
		Code        int    `json:"code"`
		Description string `json:"description"`
	} `json:"sicCodes"`
	Emails []struct {
		Email string `json:"email"`
	} `json:"emails"`
}

// testSchema is the schema the connector builds: enriched contact merged with the
// search preview, and the enriched company.
func testSchema() *Schema {
	s := SchemaOf(reflect.TypeFor[testEnrichedContact](), reflect.TypeFor[testEnrichedCompany]()).
		Merge(SchemaOf(reflect.TypeFor[testContactPreview](), nil))
	return &s
}
