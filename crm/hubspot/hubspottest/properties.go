package hubspottest

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Property defines one contact property, as GET /crm/v3/properties/contacts shows it.
type Property struct {
	Name      string
	Label     string
	Type      string // string, number, enumeration, datetime, date, bool
	FieldType string // text, textarea, number, select, radio, checkbox, booleancheckbox, date, phonenumber, …
	GroupName string
	Options   []Option
	// ExternalOptions marks values drawn from elsewhere (owners): options are not
	// listed and not checked.
	ExternalOptions bool
	ReadOnly        bool // value cannot be written through the API
	Calculated      bool
	Hidden          bool
	// HubSpotDefined is true for the built-in properties.
	HubSpotDefined bool
}

// Option is one allowed value of an enumeration.
type Option struct {
	Label string
	Value string
}

// maxStringLength is HubSpot's documented cap on string values.
const maxStringLength = 65536

func text(name, label string) Property {
	return Property{Name: name, Label: label, Type: "string", FieldType: "text", GroupName: "contactinformation", HubSpotDefined: true}
}

func phone(name, label string) Property {
	p := text(name, label)
	p.FieldType = "phonenumber"
	return p
}

func system(name, label, typ, fieldType string) Property {
	return Property{Name: name, Label: label, Type: typ, FieldType: fieldType, GroupName: "contactinformation",
		ReadOnly: true, HubSpotDefined: true}
}

func enum(name, label, fieldType string, values ...string) Property {
	p := Property{Name: name, Label: label, Type: "enumeration", FieldType: fieldType, GroupName: "contactinformation", HubSpotDefined: true}
	for _, v := range values {
		p.Options = append(p.Options, Option{Label: v, Value: v})
	}
	return p
}

// defaultProperties are the built-in contact properties a lead sync touches, with the
// definitions of reference §3.4.
func defaultProperties() []Property {
	hidden := system("hs_lastmodifieddate", "Object last modified date/time", "datetime", "date")
	hidden.Hidden = true
	domain := system("hs_email_domain", "Email Domain", "string", "text")
	domain.Calculated = true
	owner := enum("hubspot_owner_id", "Contact owner", "select")
	owner.ExternalOptions = true
	return []Property{
		text("email", "Email"), text("firstname", "First Name"), text("lastname", "Last Name"),
		text("company", "Company Name"), text("website", "Website URL"), text("jobtitle", "Job Title"),
		phone("phone", "Phone Number"), phone("mobilephone", "Mobile Phone Number"),
		text("city", "City"), text("state", "State/Region"), text("zip", "Postal Code"), text("country", "Country/Region"),
		text("industry", "Industry"), text("annualrevenue", "Annual Revenue"),
		text("hs_linkedin_url", "LinkedIn URL"),
		enum("numemployees", "Number of Employees", "select", "1-5", "5-25", "25-50", "50-100", "100-500", "500-1000", "1000+"),
		enum("lifecyclestage", "Lifecycle Stage", "radio", "subscriber", "lead", "marketingqualifiedlead",
			"salesqualifiedlead", "opportunity", "customer", "evangelist", "other"),
		enum("hs_lead_status", "Lead Status", "radio", "NEW", "OPEN", "IN_PROGRESS", "OPEN_DEAL", "UNQUALIFIED",
			"ATTEMPTED_TO_CONTACT", "CONNECTED", "BAD_TIMING"),
		owner,
		system("createdate", "Create Date", "datetime", "date"),
		system("lastmodifieddate", "Last Modified Date", "datetime", "date"),
		hidden,
		system("hs_object_id", "Record ID", "number", "number"),
		system("hs_merged_object_ids", "Merged Contact IDs", "enumeration", "checkbox"),
		domain,
	}
}

func (p Property) writable() bool { return !p.ReadOnly && !p.Calculated }

func (p Property) hasOption(v string) bool {
	return slices.ContainsFunc(p.Options, func(o Option) bool { return o.Value == v })
}

// valueError is one refused value, in the shape of reference §4.3.
type valueError struct {
	Name    string
	Code    string
	Message string
}

// normalize checks a written value against the definition and returns it in the form
// reads show (datetimes as ISO-8601, dates as YYYY-MM-DD, enumerations merged when
// the value starts with ";"). "" clears the value.
func (p Property) normalize(v, current string) (string, *valueError) {
	if v == "" {
		return "", nil
	}
	bad := func(code, format string, args ...any) (string, *valueError) {
		return "", &valueError{Name: p.Name, Code: code, Message: fmt.Sprintf(format, args...)}
	}
	switch p.Type {
	case "number":
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return bad("INVALID_INTEGER", "%s was not a valid number", v)
		}
		return strings.TrimSpace(v), nil
	case "bool":
		switch strings.ToLower(v) {
		case "true", "false":
			return strings.ToLower(v), nil
		}
		return bad("INVALID_BOOLEAN", "%s was not a valid boolean", v)
	case "datetime":
		t, ok := parseInstant(v)
		if !ok {
			return bad("INVALID_DATE", "%s was not a valid date", v)
		}
		return formatTime(t), nil
	case "date":
		return p.normalizeDate(v)
	case "enumeration":
		return p.normalizeEnum(v, current)
	}
	if len(v) > maxStringLength {
		// Code name not captured from the real API (reference §13.7).
		return bad("INVALID_LENGTH", "%s is longer than %d characters", p.Name, maxStringLength)
	}
	return v, nil
}

func (p Property) normalizeDate(v string) (string, *valueError) {
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t.Format(time.DateOnly), nil
	}
	ms, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return "", &valueError{Name: p.Name, Code: "INVALID_DATE", Message: v + " was not a valid date"}
	}
	t := time.UnixMilli(ms).UTC()
	if t != t.Truncate(24*time.Hour) {
		return "", &valueError{Name: p.Name, Code: "INVALID_DATE",
			Message: fmt.Sprintf("%s is at %s UTC, not midnight!", v, t.Format("15:04:05.000"))}
	}
	return t.Format(time.DateOnly), nil
}

func (p Property) normalizeEnum(v, current string) (string, *valueError) {
	appendTo := strings.HasPrefix(v, ";")
	var out []string
	if appendTo && current != "" {
		out = strings.Split(current, ";")
	}
	for tok := range strings.SplitSeq(strings.TrimPrefix(v, ";"), ";") {
		if tok == "" {
			continue
		}
		if !p.ExternalOptions && !p.hasOption(tok) {
			values := make([]string, len(p.Options))
			for i, o := range p.Options {
				values[i] = o.Value
			}
			return "", &valueError{Name: p.Name, Code: "INVALID_OPTION",
				Message: fmt.Sprintf("%s was not one of the allowed options: [%s]", tok, strings.Join(values, ", "))}
		}
		if !slices.Contains(out, tok) {
			out = append(out, tok)
		}
	}
	return strings.Join(out, ";"), nil
}

// parseInstant reads epoch milliseconds, ISO-8601 or a plain date as an instant.
func parseInstant(v string) (time.Time, bool) {
	v = strings.TrimSpace(v)
	if ms, err := strconv.ParseInt(v, 10, 64); err == nil {
		return time.UnixMilli(ms).UTC(), true
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) {
		return time.UnixMilli(int64(f)).UTC(), true
	}
	for _, layout := range []string{time.RFC3339Nano, time.DateOnly} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

func formatTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// companyProperties are the firmographic company properties (reference §5.1);
// industry is an enumeration of internal values, as on real accounts.
func companyProperties() []Property {
	group := func(p Property) Property { p.GroupName = "companyinformation"; return p }
	number := func(name, label string) Property {
		return group(Property{Name: name, Label: label, Type: "number", FieldType: "number", HubSpotDefined: true})
	}
	out := []Property{
		group(text("name", "Company name")), group(text("domain", "Company Domain Name")),
		group(text("website", "Website URL")), group(phone("phone", "Phone Number")),
		group(text("city", "City")), group(text("state", "State/Region")), group(text("country", "Country/Region")),
		group(enum("industry", "Industry", "select", "ACCOUNTING", "COMPUTER_SOFTWARE", "FINANCIAL_SERVICES",
			"HOSPITAL_HEALTH_CARE", "INFORMATION_TECHNOLOGY_AND_SERVICES", "INTERNET", "MARKETING_AND_ADVERTISING", "RETAIL")),
		number("numberofemployees", "Number of Employees"), number("annualrevenue", "Annual Revenue"),
		group(text("description", "Description")), group(text("linkedin_company_page", "LinkedIn Company Page")),
		// Further domains of one company, "a.com; b.com" (reference §5.1).
		group(text("hs_additional_domains", "Additional Domains")),
	}
	return append(out, systemProperties("companyinformation", "Merged Company IDs")...)
}

// leadProperties are the lead properties of reference §6; the hs_associated_*
// values are derived from the lead's primary contact and company.
func leadProperties() []Property {
	group := func(p Property) Property { p.GroupName = "leadinformation"; return p }
	derived := func(name, label string) Property {
		p := group(text(name, label))
		p.ReadOnly, p.Calculated = true, true
		return p
	}
	out := []Property{
		group(text("hs_lead_name", "Lead name")),
		group(enum("hs_lead_type", "Lead type", "select", "NEW_BUSINESS", "EXISTING_BUSINESS", "RE_ATTEMPTING")),
		group(enum("hs_lead_label", "Lead label", "select", "COLD", "WARM", "HOT")),
		derived("hs_associated_contact_email", "Primary contact email"),
		derived("hs_associated_contact_firstname", "Primary contact first name"),
		derived("hs_associated_contact_lastname", "Primary contact last name"),
		derived("hs_associated_company_domain", "Primary company domain"),
		derived("hs_associated_company_name", "Primary company name"),
	}
	owner := group(enum("hubspot_owner_id", "Lead owner", "select"))
	owner.ExternalOptions = true
	return append(append(out, owner), systemProperties("leadinformation", "Merged Lead IDs")...)
}

func systemProperties(group, mergedLabel string) []Property {
	out := []Property{
		system("createdate", "Create Date", "datetime", "date"),
		system("hs_lastmodifieddate", "Last Modified Date", "datetime", "date"),
		system("hs_object_id", "Record ID", "number", "number"),
		system("hs_merged_object_ids", mergedLabel, "enumeration", "checkbox"),
	}
	for i := range out {
		out[i].GroupName = group
	}
	return out
}
