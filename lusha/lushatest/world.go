package lushatest

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/leadsync/leadsync/lusha"
)

// World is a deterministic synthetic population: the same seed and size always
// give the same people and companies, so the CRM fakes and the Lusha fake can be
// seeded from one World and tests can compute expected answers.
type World struct {
	People    []Person
	Companies []Company
	Signals   []Signal // newest first; a Server starts from a copy

	byPersonID  map[string]*Person
	byEmail     map[string]*Person
	byLinkedin  map[string]*Person
	byName      map[string][]*Person
	byCompanyID map[string]*Company
	byDomain    map[string]*Company
	byCoName    map[string]*Company
}

// Place is where a person or company is.
type Place struct {
	City, State, StateCode, Country, CountryIso2, Continent, ZipCode string
	Longitude, Latitude                                              float64
	EU                                                               bool
}

// Person is one human of the world. Known people are in Lusha's data; Restricted
// people are known but GDPR-blocked (COMPLIANCE_RESTRICTED).
type Person struct {
	ID          string
	FirstName   string
	LastName    string
	Email       string // work email on the company's email domain
	LinkedinURL string
	JobTitle    string
	Seniority   string
	Departments []string
	Phones      []lusha.Phone // 0–2, some DoNotCall
	Company     *Company
	Location    Place
	Previous    *Company // former employer, nil for some
	UpdateDate  string   // YYYY-MM-DD
	Known       bool
	Restricted  bool
}

// Company is one company of the world; every company is known to Lusha.
type Company struct {
	ID            string
	Name          string
	Domain        string // as Lusha lists it: about half carry "www."
	EmailDomain   string // bare domain of the staff's email addresses
	Industry      industryDef
	Employees     int64
	EmployeeRange [2]int64
	Revenue       [2]float64
	YearFounded   int
	CompanyType   string
	Location      Place
	LinkedinURL   string
	Technologies  []string
	Competitors   []*Company
	IntentTopics  []string              // empty: no intent data
	ItSpendUSD    float64               // 0: unknown (not revealable)
	Traffic       *lusha.WebsiteTraffic // nil: unknown (not revealable)
}

// NewWorld builds n people working at max(3, n/8) companies.
func NewWorld(seed int64, n int) *World {
	if n < 0 {
		n = 0
	}
	r := rand.New(rand.NewPCG(uint64(seed), uint64(n)))
	w := &World{}
	w.Companies = make([]Company, max(3, n/8))
	usedDomains := map[string]int{}
	for i := range w.Companies {
		w.Companies[i] = newCompany(r, i, usedDomains)
	}
	for i := range w.Companies {
		c := &w.Companies[i]
		for k := 1; k <= 2 && k < len(w.Companies); k++ {
			c.Competitors = append(c.Competitors, &w.Companies[(i+k)%len(w.Companies)])
		}
	}
	w.People = make([]Person, n)
	usedEmails := map[string]int{}
	for i := range w.People {
		w.People[i] = newPerson(r, i, w.Companies, usedEmails)
	}
	w.index()
	w.Signals = newSignals(seed, w)
	return w
}

var baseDate = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func newCompany(r *rand.Rand, i int, usedDomains map[string]int) Company {
	stem := companyStems[r.IntN(len(companyStems))]
	suffix := companySuffixes[r.IntN(len(companySuffixes))]
	name := stem + " " + suffix
	base := slug(stem) + slug(suffix)
	usedDomains[base]++
	if k := usedDomains[base]; k > 1 {
		base += strconv.Itoa(k)
		name += " " + strconv.Itoa(k)
	}
	emailDomain := base + []string{".com", ".io", ".co"}[r.IntN(3)]
	listed := emailDomain
	if r.IntN(2) == 0 {
		listed = "www." + emailDomain
	}
	bucket := employeeBuckets[r.IntN(len(employeeBuckets))]
	c := Company{
		ID:            strconv.FormatInt(16_000_000+int64(i)*1000+r.Int64N(1000), 10),
		Name:          name,
		Domain:        listed,
		EmailDomain:   emailDomain,
		Industry:      industries[r.IntN(len(industries))],
		EmployeeRange: bucket,
		Employees:     bucket[0] + r.Int64N(bucket[1]-bucket[0]+1),
		Revenue:       revenueBuckets[r.IntN(len(revenueBuckets))],
		YearFounded:   1950 + r.IntN(75),
		CompanyType:   []string{"Private Company", "Public Company", "Private Company"}[r.IntN(3)],
		Location:      placeAt(r.IntN(len(places))),
		LinkedinURL:   "https://www.linkedin.com/company/" + base,
	}
	for _, t := range r.Perm(len(technologies))[:2+r.IntN(3)] {
		c.Technologies = append(c.Technologies, technologies[t])
	}
	if r.IntN(2) == 0 {
		c.IntentTopics = []string{intentTopicNames[r.IntN(len(intentTopicNames))]}
	}
	if r.IntN(10) < 6 {
		c.ItSpendUSD = float64(c.Employees) * float64(2000+r.IntN(8000))
	}
	if r.IntN(10) < 7 {
		c.Traffic = &lusha.WebsiteTraffic{Visits: float64(1000 + r.IntN(500000)),
			MomChangePercent: float64(r.IntN(401)-200) / 10, Month: "2026-06"}
	}
	return c
}

func newPerson(r *rand.Rand, i int, companies []Company, usedEmails map[string]int) Person {
	first := firstNames[r.IntN(len(firstNames))]
	last := lastNames[r.IntN(len(lastNames))]
	company := &companies[r.IntN(len(companies))]
	dept := departments[r.IntN(len(departments))]
	seniority := seniorities[r.IntN(len(seniorities))]
	local := slug(first) + "." + slug(last)
	usedEmails[local+"@"+company.EmailDomain]++
	if k := usedEmails[local+"@"+company.EmailDomain]; k > 1 {
		local += strconv.Itoa(k)
	}
	p := Person{
		ID:          strconv.FormatInt(4_300_000_000+int64(i)*1000+r.Int64N(1000), 10),
		FirstName:   first,
		LastName:    last,
		Email:       local + "@" + company.EmailDomain,
		LinkedinURL: fmt.Sprintf("https://www.linkedin.com/in/%s-%s-%06x", slug(first), slug(last), r.IntN(1<<24)),
		JobTitle:    titleFor(seniority, dept),
		Seniority:   seniority,
		Departments: []string{dept},
		Company:     company,
		Location:    company.Location,
		UpdateDate:  baseDate.AddDate(0, 0, r.IntN(300)).Format(time.DateOnly),
		Known:       r.IntN(100) < 80,
	}
	if r.IntN(3) == 0 { // a third work away from headquarters
		p.Location = placeAt(r.IntN(len(places)))
	}
	p.Restricted = p.Known && r.IntN(100) < 5 // ≈ 4 % of everyone
	p.Phones = newPhones(r, p.Location, p.UpdateDate)
	if r.IntN(2) == 0 && len(companies) > 1 {
		prev := &companies[r.IntN(len(companies))]
		if prev != company {
			p.Previous = prev
		}
	}
	return p
}

// newPhones gives 0–2 numbers: 30 % none, 40 % one, 30 % two; 15 % do-not-call.
func newPhones(r *rand.Rand, at Place, updated string) []lusha.Phone {
	n := 0
	switch roll := r.IntN(10); {
	case roll >= 7:
		n = 2
	case roll >= 3:
		n = 1
	}
	phones := make([]lusha.Phone, 0, n)
	for k := range n {
		kind := "mobile"
		if k == 1 || r.IntN(3) == 0 {
			kind = "direct"
		}
		phones = append(phones, lusha.Phone{
			Number:     localNumber(r, at.dialPrefix()),
			Type:       kind,
			DoNotCall:  r.IntN(100) < 15,
			UpdateDate: updated,
		})
	}
	return phones
}

func titleFor(seniority, dept string) string {
	area := titleByDepartment[dept]
	switch seniority {
	case "Founder":
		return "Co-Founder"
	case "C-Suite":
		return "Chief " + area + " Officer"
	case "Vice President":
		return "Vice President of " + area
	case "Director":
		return "Director of " + area
	case "Manager":
		return area + " Manager"
	case "Senior":
		return "Senior " + area + " Specialist"
	default:
		return area + " Associate"
	}
}

func placeAt(i int) Place {
	p := places[i]
	return Place{City: p.city, State: p.state, StateCode: p.stateCode, Country: p.country,
		CountryIso2: p.iso2, Continent: p.continent, ZipCode: p.zip, Longitude: p.lon, Latitude: p.lat, EU: p.eu}
}

// numberingPlan gives, where they differ from 7 digits led by 2–9, the length and the
// allowed first digits of subscriber numbers after a dial prefix, so that every number
// is valid by the country's plan (as libphonenumber checks it).
var numberingPlan = map[string]struct {
	digits int
	lead   string
}{"+4420": {8, "378"}, "+331": {8, "23456789"}}

func localNumber(r *rand.Rand, prefix string) string {
	n, lead := 7, "23456789"
	if p, ok := numberingPlan[prefix]; ok {
		n, lead = p.digits, p.lead
	}
	return fmt.Sprintf("%s%c%0*d", prefix, lead[r.IntN(len(lead))], n-1, r.Int64N(int64(math.Pow10(n-1))))
}

// dialPrefix is the country and area code of the place's phone numbers.
func (p Place) dialPrefix() string {
	for _, known := range places {
		if known.city == p.City {
			return known.dial
		}
	}
	return "+1415"
}

// slug lowercases a name into ASCII letters for emails, domains and URLs.
func slug(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == 'ü':
			b.WriteRune('u')
		case r == 'é' || r == 'è':
			b.WriteRune('e')
		case r == 'î':
			b.WriteRune('i')
		}
	}
	return b.String()
}
