package lushatest

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/leadsync/leadsync/lusha"
)

// filterSpec is one discoverable filter: whether it needs a query, and its values
// for a query ("" when none was sent).
type filterSpec struct {
	name          string
	requiresQuery bool
	noQuery       bool // a query is refused (intentCategories)
	values        func(w *World, query string) any
}

// The V3 value shapes are unspecified; these are the V2 shapes (§5.14).
var contactFilterSpecs = []filterSpec{
	{name: "locations", requiresQuery: true, values: locationValues},
	{name: "departments", values: func(*World, string) any { return allDepartments }},
	{name: "seniority", values: func(*World, string) any { return seniorityValues() }},
	{name: "countries", values: countryValues},
	{name: "existingDataPoints", values: func(*World, string) any { return existingDataPointValues }},
}

var companyFilterSpecs = []filterSpec{
	{name: "names", requiresQuery: true, values: companyNameValues},
	{name: "technologies", requiresQuery: true, values: technologyValues},
	{name: "industriesLabels", values: func(*World, string) any { return industryValues() }},
	{name: "sizes", values: func(*World, string) any { return rangeValues(employeeBuckets) }},
	{name: "revenues", values: func(*World, string) any { return revenueValues() }},
	{name: "locations", requiresQuery: true, values: locationValues},
	{name: "sics", values: func(*World, string) any { return codeValues(true) }},
	{name: "naics", values: func(*World, string) any { return codeValues(false) }},
	{name: "intentTopics", values: func(*World, string) any { return intentTopicNames }},
}

var signalFilterSpecs = []filterSpec{
	{name: "newsEventTypes", values: func(*World, string) any { return newsEventTypes }},
	{name: "hiringByDepartments", values: func(*World, string) any { return allDepartments }},
	{name: "hiringByLocations", requiresQuery: true, values: hiringLocationValues},
	{name: "intentCategories", noQuery: true, values: func(*World, string) any { return intentCategories }},
}

// allDepartments is Lusha's department list (§A.1).
var allDepartments = []string{"Business Development", "Consulting", "Customer Service", "Engineering & Technical",
	"Finance", "General Management", "Health Care & Medical", "Human Resources", "Information Technology", "Legal",
	"Marketing", "Operations", "Other", "Product", "Research & Analytics", "Sales"}

// seniorityIDs are the prospecting ids of seniority labels (§A.2).
var seniorityIDs = map[string]int{"Founder": 10, "C-Suite": 9, "Vice President": 8, "Partner": 7, "Director": 6,
	"Manager": 5, "Senior": 4, "Entry": 3, "Intern": 2, "Other": 1, "Non-Manager": 1}

var existingDataPointValues = []string{"phone", "work_email", "mobile_phone", "direct_phone"}

var newsEventTypes = []string{"Asset Investment", "Asset Sale", "Competitor Activity", "Event Participation",
	"Executive Departure", "Executive Hire", "Executive Promotion", "Facilities Expansion", "Facility Closure",
	"Funding Round", "Headcount Decrease", "Headcount Increase", "IPO", "Lawsuit Faced", "Lawsuit Filed", "M&A",
	"New Customer", "New Location", "New Vendor", "Partnership", "Product Development", "Product Integration",
	"Product Launch", "Recognition", "Security Issue", "Strategic Investment"}

func seniorityValues() any {
	type item struct {
		ID   int    `json:"id"`
		Name string `json:"name"`
	}
	var out []item
	for _, label := range []string{"Founder", "C-Suite", "Vice President", "Partner", "Director", "Manager",
		"Senior", "Entry", "Intern", "Other"} {
		out = append(out, item{ID: seniorityIDs[label], Name: strings.ToLower(label)})
	}
	return out
}

func countryValues(*World, string) any {
	type item struct {
		Name string `json:"name"`
		Code string `json:"code"`
	}
	var out []item
	for _, p := range places {
		if !slices.ContainsFunc(out, func(i item) bool { return i.Code == p.iso2 }) {
			out = append(out, item{Name: p.country, Code: p.iso2})
		}
	}
	return out
}

func matchesQuery(query string, fields ...string) bool {
	q := strings.ToLower(query)
	return slices.ContainsFunc(fields, func(f string) bool { return strings.Contains(strings.ToLower(f), q) })
}

func locationValues(_ *World, query string) any {
	type item struct {
		Continent       string `json:"continent"`
		Country         string `json:"country"`
		City            string `json:"city"`
		State           string `json:"state"`
		CountryGrouping string `json:"country_grouping"`
	}
	out := []item{}
	for _, p := range places {
		if matchesQuery(query, p.city, p.state, p.country) {
			grouping := ""
			if p.eu {
				grouping = "eu"
			}
			out = append(out, item{Continent: p.continent, Country: p.country, City: p.city, State: p.state,
				CountryGrouping: grouping})
		}
	}
	return out
}

func hiringLocationValues(_ *World, query string) any {
	type item struct {
		Country string `json:"country"`
		State   string `json:"state"`
	}
	out := []item{}
	for _, p := range places {
		if matchesQuery(query, p.state, p.country) {
			out = append(out, item{Country: p.country, State: p.state})
		}
	}
	return out
}

func companyNameValues(w *World, query string) any {
	type item struct {
		CompanyID int64  `json:"companyId"`
		Name      string `json:"name"`
		LogoURL   string `json:"logoUrl"`
		Fqdn      string `json:"fqdn"`
	}
	out := []item{}
	for i := range w.Companies {
		c := &w.Companies[i]
		if matchesQuery(query, c.Name) {
			id, _ := numericID(c.ID).(int64)
			out = append(out, item{CompanyID: id, Name: c.Name, LogoURL: "https://logo.lusha.co/" + c.ID + ".png", Fqdn: c.EmailDomain})
		}
	}
	return out
}

func technologyValues(_ *World, query string) any {
	type item struct {
		Name string `json:"name"`
	}
	out := []item{}
	for _, t := range technologies {
		if matchesQuery(query, t) {
			out = append(out, item{Name: t})
		}
	}
	return out
}

// industryIDs number the world's industries (main ids from 1, sub ids main*100+1).
func industryIDs(ind industryDef) (main, sub int) {
	i := slices.IndexFunc(industries, func(d industryDef) bool { return d.industry == ind.industry })
	return i + 1, (i+1)*100 + 1
}

func industryValues() any {
	type subItem struct {
		Value string `json:"value"`
		ID    int    `json:"id"`
	}
	type item struct {
		MainIndustry   string    `json:"main_industry"`
		MainIndustryID int       `json:"main_industry_id"`
		SubIndustries  []subItem `json:"sub_industries"`
	}
	var out []item
	for _, ind := range industries {
		mainID, subID := industryIDs(ind)
		out = append(out, item{MainIndustry: ind.industry, MainIndustryID: mainID,
			SubIndustries: []subItem{{Value: ind.subIndustry, ID: subID}}})
	}
	return out
}

type rangeValue struct {
	Min int64 `json:"min"`
	Max int64 `json:"max"`
}

func rangeValues(buckets [][2]int64) any {
	var out []rangeValue
	for _, b := range buckets {
		out = append(out, rangeValue{Min: b[0], Max: b[1]})
	}
	return out
}

func revenueValues() any {
	var out []rangeValue
	for _, b := range revenueBuckets {
		out = append(out, rangeValue{Min: int64(b[0]), Max: int64(b[1])})
	}
	return out
}

func codeValues(sic bool) any {
	type item struct {
		Code  string `json:"code"`
		Label string `json:"label"`
	}
	var out []item
	for _, ind := range industries {
		code, label := ind.naics, ind.naicsDescription
		if sic {
			code, label = ind.sic, ind.sicDescription
		}
		out = append(out, item{Code: strconv.FormatInt(code, 10), Label: label})
	}
	return out
}

func (s *Server) handleContactFilters(w http.ResponseWriter, _ *http.Request) {
	writeFilterTypes(w, contactFilterSpecs)
}

func (s *Server) handleCompanyFilters(w http.ResponseWriter, _ *http.Request) {
	writeFilterTypes(w, companyFilterSpecs)
}

func (s *Server) handleCompanySignalFilters(w http.ResponseWriter, _ *http.Request) {
	writeFilterTypes(w, signalFilterSpecs)
}

func (s *Server) handleContactFilterValues(w http.ResponseWriter, r *http.Request) {
	s.writeFilterValues(w, r, contactFilterSpecs)
}

func (s *Server) handleCompanyFilterValues(w http.ResponseWriter, r *http.Request) {
	s.writeFilterValues(w, r, companyFilterSpecs)
}

func (s *Server) handleCompanySignalFilterValues(w http.ResponseWriter, r *http.Request) {
	s.writeFilterValues(w, r, signalFilterSpecs)
}

func writeFilterTypes(w http.ResponseWriter, specs []filterSpec) {
	out := lusha.FilterTypes{AvailableFilters: []lusha.FilterType{}}
	for _, f := range specs {
		out.AvailableFilters = append(out.AvailableFilters, lusha.FilterType{FilterType: f.name, RequiresQuery: f.requiresQuery})
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) writeFilterValues(w http.ResponseWriter, r *http.Request, specs []filterSpec) {
	name, query := r.PathValue("filterType"), r.URL.Query().Get("query")
	_, sent := r.URL.Query()["query"]
	i := slices.IndexFunc(specs, func(f filterSpec) bool { return f.name == name })
	var p problems
	switch {
	case i < 0:
		names := make([]string, len(specs))
		for j, f := range specs {
			names[j] = f.name
		}
		p.add("filterType must be one of the following values: %s", strings.Join(names, ", "))
	case specs[i].noQuery && sent:
		p.add("query is not supported for filter type %s", name)
	case specs[i].requiresQuery && query == "":
		p.add("query is required for filter type %s", name)
	case sent:
		p.between("query length", len([]rune(query)), 2, 256)
	}
	if s.reject(w, p) {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"values": specs[i].values(s.world, query)})
}
