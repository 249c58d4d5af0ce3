package sandbox

import (
	"maps"
	"math/rand/v2"
	"slices"

	"github.com/leadsync/leadsync/crm/hubspot/hubspottest"
	"github.com/leadsync/leadsync/crm/salesforce/salesforcetest"
	"github.com/leadsync/leadsync/lusha/lushatest"
)

// Companies of the sandbox: the companies of the seeded people, in both CRMs, each
// with its people (HubSpot contacts associated to it, Salesforce Contacts with its
// AccountId), some with an industry a sales rep typed, which leadsync must keep.
type Companies struct {
	// HubSpot maps each HubSpot company id to the world's company, and Salesforce
	// each Account id.
	HubSpot, Salesforce map[string]*lushatest.Company
	// HandIndustry holds, per company or Account id, the industry typed by hand.
	HandIndustry map[string]string
	// Unassociated are the HubSpot contacts left without a company, and the
	// Salesforce Contacts without an Account.
	Unassociated []string
}

// Size buckets and revenue buckets, as the company mappings name them.
var (
	employeeRanges = []string{"1-10", "11-50", "51-200", "201-500", "501-1000", "1001-5000", "5001-10000", "10001+", "unknown"}
	revenueRanges  = []string{"1M-10M", "10M-50M", "50M-100M", "100M-1B", "1B-10B", "10B+", "unknown"}
)

// HubSpotCompanyProperties are the company properties the sandbox mapping writes that
// a portal lacks until they are created; industry takes the options HubSpot has for
// every industry of the world (the fake starts with a few).
func HubSpotCompanyProperties(w *lushatest.World) []hubspottest.Property {
	group := "companyinformation"
	return []hubspottest.Property{
		{Name: "lusha_enriched_at", Label: "Lusha enriched at", Type: "datetime", FieldType: "date", GroupName: group},
		{Name: "lusha_employee_range", Label: "Employee range", Type: "enumeration", FieldType: "select", GroupName: group,
			Options: options(employeeRanges...)},
		{Name: "lusha_revenue_range", Label: "Revenue range", Type: "enumeration", FieldType: "select", GroupName: group,
			Options: options(revenueRanges...)},
		{Name: "lusha_technologies", Label: "Technologies", Type: "enumeration", FieldType: "checkbox", GroupName: group,
			Options: options(worldTechnologies(w)...)},
		{Name: "lusha_total_funding", Label: "Total funding", Type: "number", FieldType: "number", GroupName: group},
		{Name: "industry", Label: "Industry", Type: "enumeration", FieldType: "select", GroupName: group, HubSpotDefined: true,
			Options: options("ACCOUNTING", "COMPUTER_SOFTWARE", "FINANCIAL_SERVICES", "HOSPITAL_HEALTH_CARE",
				"INFORMATION_TECHNOLOGY_AND_SERVICES", "INTERNET", "LOGISTICS_AND_SUPPLY_CHAIN", "MACHINERY",
				"MARKETING_AND_ADVERTISING", "RETAIL")},
	}
}

// SalesforceAccountFields are the custom Account fields the sandbox mapping writes.
func SalesforceAccountFields(w *lushatest.World) []salesforcetest.Field {
	return []salesforcetest.Field{
		{Name: "Lusha_Enriched_At__c", Label: "Lusha Enriched At", Type: "datetime"},
		{Name: "Employee_Range__c", Label: "Employee Range", Type: "picklist", Length: 255, Restricted: true, Picklist: employeeRanges},
		{Name: "Revenue_Range__c", Label: "Revenue Range", Type: "picklist", Length: 255, Restricted: true, Picklist: revenueRanges},
		{Name: "Technologies__c", Label: "Technologies", Type: "multipicklist", Length: 4099, Restricted: true,
			Picklist: worldTechnologies(w)},
		{Name: "Total_Funding__c", Label: "Total Funding", Type: "currency"},
		{Name: "LinkedIn_Company_Page__c", Label: "LinkedIn Company Page", Type: "url", Length: 255},
	}
}

// worldTechnologies are the technologies of the world's companies, sorted.
func worldTechnologies(w *lushatest.World) []string {
	seen := map[string]bool{}
	for _, c := range w.Companies {
		for _, t := range c.Technologies {
			seen[t] = true
		}
	}
	return slices.Sorted(maps.Keys(seen))
}

// seedCompanies puts the companies of the seeded HubSpot contacts and Salesforce Leads
// into both CRMs: a HubSpot company per company, its contacts associated to it (as
// their primary company) but for a tenth left alone, and a Salesforce Account with a
// Contact for each of its people, a tenth without an AccountId. A fifth of the
// companies hold an industry a sales rep typed.
func (sb *Sandbox) seedCompanies(seed int64) {
	r := rand.New(rand.NewPCG(uint64(seed), 0xc0))
	sb.Companies = Companies{HubSpot: map[string]*lushatest.Company{}, Salesforce: map[string]*lushatest.Company{},
		HandIndustry: map[string]string{}}
	hubIDs, accountIDs := map[*lushatest.Company]string{}, map[*lushatest.Company]string{}
	for _, contactID := range slices.Sorted(maps.Keys(sb.ContactPerson)) {
		p := sb.ContactPerson[contactID]
		c := p.Company
		if hubIDs[c] == "" {
			hubIDs[c], accountIDs[c] = sb.addCompany(r, c)
		}
		if r.IntN(10) == 0 {
			sb.Companies.Unassociated = append(sb.Companies.Unassociated, contactID)
		} else {
			sb.HubSpot.Associate(contactID, hubIDs[c], true)
		}
		fields := map[string]string{"FirstName": p.FirstName, "LastName": p.LastName, "Email": p.Email}
		if r.IntN(10) == 0 {
			sb.Companies.Unassociated = append(sb.Companies.Unassociated, sb.Salesforce.AddContact(fields))
		} else {
			sb.Salesforce.AddContactTo(accountIDs[c], fields)
		}
	}
}

// addCompany adds one company to both CRMs, by name and domain, a fifth with a
// hand-typed industry, and returns its ids.
func (sb *Sandbox) addCompany(r *rand.Rand, c *lushatest.Company) (hubID, accountID string) {
	props := map[string]string{"name": c.Name, "domain": c.EmailDomain}
	fields := map[string]string{"Name": c.Name, "Website": "https://www." + c.EmailDomain}
	hand := r.IntN(5) == 0
	if hand {
		props["industry"], fields["Industry"] = "MARKETING_AND_ADVERTISING", "Consulting"
	}
	hubID = sb.HubSpot.Add("companies", props)
	accountID = sb.Salesforce.AddAccount(fields)
	sb.Companies.HubSpot[hubID], sb.Companies.Salesforce[accountID] = c, c
	if hand {
		sb.Companies.HandIndustry[hubID], sb.Companies.HandIndustry[accountID] = props["industry"], fields["Industry"]
	}
	return hubID, accountID
}
