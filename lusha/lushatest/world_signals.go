package lushatest

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/leadsync/leadsync/lusha"
)

// Signal is one dated event about a contact or a company: what the signals
// endpoints return and what webhooks deliver. Data is the event object as Lusha
// sends it (§5.12b shapes).
type Signal struct {
	EntityType string // lusha.EntityContact or lusha.EntityCompany
	EntityID   string
	Type       string // e.g. lusha.SignalPromotion, "headcountIncrease3m"
	Date       time.Time
	Data       map[string]any
}

// signalSpan is how far after baseDate world signals are dated.
const signalSpan = 300

var contactSignalKinds = []string{lusha.SignalPromotion, lusha.SignalCompanyChange}

// generatedCompanySignals are the company signal types the world produces; every
// other type is accepted and simply has no events.
var generatedCompanySignals = []string{"headcountIncrease3m", "surgeInHiring", "websiteTrafficIncrease",
	"itSpendIncrease", "commercialActivityNews", lusha.SignalLinkedinIntent}

// newSignals dates events for some people and companies. It draws from its own
// generator so that adding signals did not change the people of existing seeds.
func newSignals(seed int64, w *World) []Signal {
	r := rand.New(rand.NewPCG(uint64(seed), uint64(len(w.People))^0x5167))
	var out []Signal
	for i := range w.People {
		p := &w.People[i]
		if !p.Known || p.Restricted {
			continue
		}
		if r.IntN(10) < 3 {
			out = append(out, promotionSignal(p, signalDate(r)))
		}
		if p.Previous != nil && r.IntN(2) == 0 {
			out = append(out, companyChangeSignal(p, signalDate(r)))
		}
	}
	for i := range w.Companies {
		c := &w.Companies[i]
		for _, k := range r.Perm(len(generatedCompanySignals))[:1+r.IntN(3)] {
			kind := generatedCompanySignals[k]
			if kind == lusha.SignalLinkedinIntent && len(c.IntentTopics) == 0 {
				continue
			}
			out = append(out, companySignal(c, kind, signalDate(r), r.IntN(1_000_000)))
		}
	}
	slices.SortStableFunc(out, func(a, b Signal) int { return b.Date.Compare(a.Date) })
	return out
}

func signalDate(r *rand.Rand) time.Time { return baseDate.AddDate(0, 0, r.IntN(signalSpan)) }

func numericID(id string) any {
	if n, err := strconv.ParseInt(id, 10, 64); err == nil {
		return n
	}
	return id
}

// contactSignalData is the V2 ContactSignal shape, with the departments as the
// webhook example writes them.
func contactSignalData(p *Person, at time.Time) map[string]any {
	deps := make([]map[string]any, 0, len(p.Departments))
	for _, d := range p.Departments {
		deps = append(deps, map[string]any{"id": slices.Index(departments, d) + 1, "value": d})
	}
	return map[string]any{
		"personId": numericID(p.ID), "currentCompanyId": numericID(p.Company.ID),
		"currentCompanyName": p.Company.Name, "currentDomain": p.Company.EmailDomain,
		"currentTitle": p.JobTitle, "currentSeniorityLabel": p.Seniority, "currentDepartments": deps,
		"signalDate": at.Format(time.DateOnly),
	}
}

func promotionSignal(p *Person, at time.Time) Signal {
	return Signal{EntityType: lusha.EntityContact, EntityID: p.ID, Type: lusha.SignalPromotion, Date: at,
		Data: contactSignalData(p, at)}
}

func companyChangeSignal(p *Person, at time.Time) Signal {
	d := contactSignalData(p, at)
	d["previousCompanyName"], d["previousDomain"] = p.Previous.Name, p.Previous.EmailDomain
	return Signal{EntityType: lusha.EntityContact, EntityID: p.ID, Type: lusha.SignalCompanyChange, Date: at, Data: d}
}

func companySignal(c *Company, kind string, at time.Time, n int) Signal {
	day := at.Format(time.DateOnly)
	d := map[string]any{"companyId": c.ID, "signalId": strconv.Itoa(1_500_000 + n), "companyName": c.Name,
		"domain": c.EmailDomain, "signalDate": day}
	switch kind {
	case "headcountIncrease3m":
		d["baselineEmployeesCount"], d["newEmployeesCount"] = c.Employees, c.Employees+c.Employees/10+1
		d["changeRatePercent"] = 10
	case "surgeInHiring":
		d["newJobsPostedLastWeek"], d["historicalAvg"], d["changeRatePercent"] = 12+n%20, 4, 200
	case "websiteTrafficIncrease":
		d["lastMonthVisits"], d["historicalAvg"], d["changeRatePercent"] = 50_000+n%10_000, 40_000, 25
	case "itSpendIncrease":
		d["estimatedAnnualItSpend"], d["changeRatePercent"] = c.ItSpendUSD, 15
	case "commercialActivityNews":
		delete(d, "signalDate")
		d["eventType"], d["eventSummary"] = "partnership", c.Name+" announced a strategic partnership."
		d["articlePublishedDate"], d["eventEffectiveDate"] = day, day
		d["articleTitle"], d["articleHighlight"] = c.Name+" partners up", "The partnership enables new products."
		d["articleUrl"] = "https://news.example.com/" + c.ID
	case lusha.SignalLinkedinIntent:
		return Signal{EntityType: lusha.EntityCompany, EntityID: c.ID, Type: kind, Date: at,
			Data: linkedinIntentData(c, at, n)}
	}
	return Signal{EntityType: lusha.EntityCompany, EntityID: c.ID, Type: kind, Date: at, Data: d}
}

func linkedinIntentData(c *Company, at time.Time, n int) map[string]any {
	topics := make([]map[string]any, 0, len(c.IntentTopics))
	for _, t := range c.IntentTopics {
		topics = append(topics, map[string]any{"topic": t, "category": intentCategoryOf(t)})
	}
	return map[string]any{
		"companyId": numericID(c.ID), "activityPublicationDate": at.Format(time.DateOnly),
		"signalCategory": "buying_intent", "intentTopics": topics,
		"author":            map[string]any{"id": nil, "fullName": "Alex Author", "linkedinUrl": "https://www.linkedin.com/in/alex-author"},
		"contactsMentioned": []any{}, "companiesMentioned": []any{},
		"activityUrl":     "https://www.linkedin.com/feed/update/urn:li:activity:" + strconv.Itoa(7_000_000+n),
		"activitySummary": nil, "activityLikes": n % 200, "activityComments": n % 30, "activityShares": n % 10,
		"activityType": "post",
	}
}

// intentCategories are the categories of the world's intent topics.
var intentCategories = []string{"Technology", "Sales & Marketing", "Security"}

func intentCategoryOf(topic string) string {
	switch topic {
	case "Cybersecurity":
		return "Security"
	case "Sales Intelligence", "Data Enrichment", "CRM Software", "Marketing Automation":
		return "Sales & Marketing"
	default:
		return "Technology"
	}
}

// event is the signal as the signals endpoints return it.
func (sg Signal) event() lusha.SignalEvent { return lusha.SignalEvent{Raw: mustJSON(sg.Data)} }
