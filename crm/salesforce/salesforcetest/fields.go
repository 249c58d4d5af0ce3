package salesforcetest

import "strings"

// Field is one field of an object in the fake org, as describe reports it. Custom
// fields (Name ending in __c) are defined with Server.DefineField.
type Field struct {
	Name  string
	Label string // "" takes Name
	// Type is the Salesforce field type: id, reference, string, textarea, email, phone,
	// url, picklist, multipicklist, boolean, int, double, currency, percent, date,
	// datetime.
	Type string
	// Length is the maximum length of text types in characters (0: 255 for text).
	Length int
	// Picklist lists the active values of a picklist.
	Picklist []string
	// Restricted refuses picklist values outside Picklist.
	Restricted bool
	// ReadOnly makes the field neither createable nor updateable.
	ReadOnly bool
	// Required makes the field not nillable.
	Required bool
	// Calculated marks a formula field (always read-only).
	Calculated bool
	// Digits (int) and Precision/Scale (double, currency, percent) bound numbers.
	Digits, Precision, Scale int
	// ReferenceTo names the objects a reference (lookup) field points to. A value
	// naming a record of an object the fake stores must name an existing one.
	ReferenceTo []string
	// Defaulted is describe's defaultedOnCreate: a create may leave a required field
	// out and the org fills it (a Lead's Status, every record's OwnerId).
	Defaulted bool
}

func (f Field) normalized() Field {
	if f.Label == "" {
		f.Label = f.Name
	}
	if f.Type == "" {
		f.Type = "string"
	}
	if f.Calculated {
		f.ReadOnly = true
	}
	if f.Length == 0 && isText(f.Type) {
		f.Length = 255
	}
	switch f.Type {
	case "id", "reference":
		f.Length = 18
	case "boolean":
		f.Required = true // booleans are never null
	case "int":
		f.Digits = cmpOrInt(f.Digits, 9)
	case "double", "currency", "percent":
		f.Precision = cmpOrInt(f.Precision, 18)
	}
	return f
}

func (f Field) custom() bool { return strings.HasSuffix(strings.ToLower(f.Name), "__c") }

// isText reports whether values of type t are strings bounded by a length.
func isText(t string) bool {
	switch t {
	case "string", "textarea", "email", "phone", "url", "picklist", "multipicklist", "combobox", "encryptedstring":
		return true
	}
	return false
}

func isNumber(t string) bool {
	switch t {
	case "int", "double", "currency", "percent", "long":
		return true
	}
	return false
}

func cmpOrInt(v, fallback int) int {
	if v != 0 {
		return v
	}
	return fallback
}

// systemFields are present on every object, maintained by the org and never writable.
func systemFields() []Field {
	return []Field{
		{Name: "Id", Label: "Record ID", Type: "id", ReadOnly: true, Required: true},
		{Name: "IsDeleted", Label: "Deleted", Type: "boolean", ReadOnly: true},
		{Name: "OwnerId", Label: "Owner ID", Type: "reference", Required: true, Defaulted: true, ReferenceTo: []string{"Group", "User"}},
		{Name: "CreatedDate", Label: "Created Date", Type: "datetime", ReadOnly: true, Required: true},
		{Name: "CreatedById", Label: "Created By ID", Type: "reference", ReadOnly: true, Required: true, ReferenceTo: []string{"User"}},
		{Name: "LastModifiedDate", Label: "Last Modified Date", Type: "datetime", ReadOnly: true, Required: true},
		{Name: "LastModifiedById", Label: "Last Modified By ID", Type: "reference", ReadOnly: true, Required: true, ReferenceTo: []string{"User"}},
		{Name: "SystemModstamp", Label: "System Modstamp", Type: "datetime", ReadOnly: true, Required: true},
		// A merge deletes the losers and points them here (reference §3.6, §7.3).
		{Name: "MasterRecordId", Label: "Master Record ID", Type: "reference", ReadOnly: true},
	}
}

var industries = []string{"Agriculture", "Apparel", "Banking", "Biotechnology", "Chemicals", "Communications",
	"Construction", "Consulting", "Education", "Electronics", "Energy", "Engineering", "Entertainment",
	"Environmental", "Finance", "Food & Beverage", "Government", "Healthcare", "Hospitality", "Insurance",
	"Machinery", "Manufacturing", "Media", "Not For Profit", "Recreation", "Retail", "Shipping", "Technology",
	"Telecommunications", "Transportation", "Utilities", "Other"}

var leadSources = []string{"Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other"}

// leadFields are the standard Lead fields with the lengths of the field reference.
func leadFields() []Field {
	return append(systemFields(),
		Field{Name: "Name", Label: "Full Name", Type: "string", Length: 121, ReadOnly: true, Required: true},
		Field{Name: "Salutation", Type: "picklist", Length: 40, Picklist: []string{"Mr.", "Ms.", "Mrs.", "Dr.", "Prof."}},
		Field{Name: "FirstName", Label: "First Name", Length: 40},
		Field{Name: "LastName", Label: "Last Name", Length: 80, Required: true},
		Field{Name: "Title", Length: 128},
		Field{Name: "Company", Length: 255, Required: true},
		Field{Name: "Email", Type: "email", Length: 80},
		Field{Name: "Phone", Type: "phone", Length: 40},
		Field{Name: "MobilePhone", Label: "Mobile Phone", Type: "phone", Length: 40},
		Field{Name: "Website", Type: "url", Length: 255},
		Field{Name: "Industry", Type: "picklist", Length: 255, Picklist: industries},
		Field{Name: "NumberOfEmployees", Label: "Employees", Type: "int", Digits: 8},
		Field{Name: "AnnualRevenue", Label: "Annual Revenue", Type: "currency", Precision: 18},
		Field{Name: "LeadSource", Label: "Lead Source", Type: "picklist", Length: 255, Picklist: leadSources},
		Field{Name: "Status", Type: "picklist", Length: 255, Required: true, Restricted: true, Defaulted: true,
			Picklist: []string{"Open - Not Contacted", "Working - Contacted", "Closed - Converted", "Closed - Not Converted"}},
		Field{Name: "Rating", Type: "picklist", Length: 255, Picklist: []string{"Hot", "Warm", "Cold"}},
		Field{Name: "Street", Type: "textarea", Length: 255},
		Field{Name: "City", Length: 40},
		Field{Name: "State", Label: "State/Province", Length: 80},
		Field{Name: "PostalCode", Label: "Zip/Postal Code", Length: 20},
		Field{Name: "Country", Length: 80},
		Field{Name: "Description", Type: "textarea", Length: 32000},
		Field{Name: "DoNotCall", Label: "Do Not Call", Type: "boolean"},
		Field{Name: "HasOptedOutOfEmail", Label: "Email Opt Out", Type: "boolean"},
		Field{Name: "IsConverted", Label: "Converted", Type: "boolean", ReadOnly: true},
		// Set by a conversion, which keeps the lead (reference §7.3; Change Data Capture
		// guide, "Change Events for Lead Conversion").
		Field{Name: "ConvertedDate", Label: "Converted Date", Type: "date", ReadOnly: true},
		Field{Name: "ConvertedAccountId", Label: "Converted Account ID", Type: "reference", ReadOnly: true, ReferenceTo: []string{"Account"}},
		Field{Name: "ConvertedContactId", Label: "Converted Contact ID", Type: "reference", ReadOnly: true, ReferenceTo: []string{"Contact"}},
	)
}

func contactFields() []Field {
	return append(systemFields(),
		// A Contact's company: the lookup CompaniesOf follows (reference §5.5).
		Field{Name: "AccountId", Label: "Account ID", Type: "reference", ReferenceTo: []string{"Account"}},
		Field{Name: "Name", Label: "Full Name", Type: "string", Length: 121, ReadOnly: true, Required: true},
		Field{Name: "Salutation", Type: "picklist", Length: 40, Picklist: []string{"Mr.", "Ms.", "Mrs.", "Dr.", "Prof."}},
		Field{Name: "FirstName", Label: "First Name", Length: 40},
		Field{Name: "LastName", Label: "Last Name", Length: 80, Required: true},
		Field{Name: "Title", Length: 128},
		Field{Name: "Department", Length: 80},
		Field{Name: "Email", Type: "email", Length: 80},
		Field{Name: "Phone", Label: "Business Phone", Type: "phone", Length: 40},
		Field{Name: "MobilePhone", Label: "Mobile Phone", Type: "phone", Length: 40},
		Field{Name: "MailingCity", Label: "Mailing City", Length: 40},
		Field{Name: "MailingState", Label: "Mailing State/Province", Length: 80},
		Field{Name: "MailingCountry", Label: "Mailing Country", Length: 80},
		Field{Name: "LeadSource", Label: "Lead Source", Type: "picklist", Length: 255, Picklist: leadSources},
		Field{Name: "Description", Type: "textarea", Length: 32000},
		Field{Name: "DoNotCall", Label: "Do Not Call", Type: "boolean"},
		Field{Name: "HasOptedOutOfEmail", Label: "Email Opt Out", Type: "boolean"},
	)
}

// accountFields are the standard Account fields a firmographic mapping writes, with the
// types and lengths of the Salesforce Field Reference's Account table
// (developer.salesforce.com/docs/platform/field-reference, "Account"; reference §5.5
// lists Name 255, Website url 255, Industry picklist, Phone 40, NumberOfEmployees int,
// AnnualRevenue currency, BillingCity 40). Salesforce has no domain field: Website
// is where a company's domain lives. The picklist values of Type, Ownership and
// Rating are the defaults of a new org (INFERENCE: recollection, not in the reference).
func accountFields() []Field {
	return append(systemFields(),
		Field{Name: "Name", Label: "Account Name", Length: 255, Required: true},
		Field{Name: "AccountNumber", Label: "Account Number", Length: 40},
		Field{Name: "Site", Label: "Account Site", Length: 80},
		Field{Name: "Type", Label: "Account Type", Type: "picklist", Length: 255, Picklist: accountTypes},
		Field{Name: "ParentId", Label: "Parent Account ID", Type: "reference", ReferenceTo: []string{"Account"}},
		Field{Name: "Website", Type: "url", Length: 255},
		Field{Name: "Industry", Type: "picklist", Length: 255, Picklist: industries},
		Field{Name: "NumberOfEmployees", Label: "Employees", Type: "int", Digits: 8},
		Field{Name: "AnnualRevenue", Label: "Annual Revenue", Type: "currency", Precision: 18},
		Field{Name: "Ownership", Type: "picklist", Length: 255, Picklist: []string{"Public", "Private", "Subsidiary", "Other"}},
		Field{Name: "Rating", Label: "Account Rating", Type: "picklist", Length: 255, Picklist: []string{"Hot", "Warm", "Cold"}},
		Field{Name: "AccountSource", Label: "Account Source", Type: "picklist", Length: 255, Picklist: leadSources},
		Field{Name: "TickerSymbol", Label: "Ticker Symbol", Length: 20},
		Field{Name: "Sic", Label: "SIC Code", Length: 20},
		Field{Name: "YearStarted", Label: "Year Started", Length: 4},
		Field{Name: "Phone", Label: "Account Phone", Type: "phone", Length: 40},
		Field{Name: "Fax", Label: "Account Fax", Type: "phone", Length: 40},
		Field{Name: "BillingStreet", Label: "Billing Street", Type: "textarea", Length: 255},
		Field{Name: "BillingCity", Label: "Billing City", Length: 40},
		Field{Name: "BillingState", Label: "Billing State/Province", Length: 80},
		Field{Name: "BillingPostalCode", Label: "Billing Zip/Postal Code", Length: 20},
		Field{Name: "BillingCountry", Label: "Billing Country", Length: 80},
		Field{Name: "Description", Label: "Account Description", Type: "textarea", Length: 32000},
	)
}

var accountTypes = []string{"Prospect", "Customer - Direct", "Customer - Channel", "Channel Partner / Reseller",
	"Installation Partner", "Technology Partner", "Other"}
