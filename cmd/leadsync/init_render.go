package main

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/leadsync/leadsync/crm"
)

// initPlan is what `leadsync init` writes for one CRM object: the mapping's text, and
// what the user must still do.
type initPlan struct {
	kind, object string
	company      bool
	marker       string // the enrichment marker field
	markerOK     bool   // it exists and takes $now
	mapping      string
	steps        []string // how to create the marker, when it is missing
	matched      int
	suggested    int // matched but left commented
	unmatched    int
}

// markerName is the custom field leadsync stamps on each enriched record, which the
// pipeline filter reads to pick the records not yet enriched.
func markerName(kind string) string {
	if kind == "salesforce" {
		return "Lusha_Enriched_At__c"
	}
	return "lusha_enriched_at"
}

// markerSteps are the exact steps to create the marker field.
func markerSteps(kind, object string) []string {
	if kind == "salesforce" {
		return []string{
			fmt.Sprintf("Salesforce Setup > Object Manager > %s > Fields & Relationships > New", object),
			"Data Type: Date/Time > Next",
			"Field Label: Lusha Enriched At; Field Name: Lusha_Enriched_At (API name Lusha_Enriched_At__c) > Next",
			"Field-Level Security: Visible (not Read-Only) for the integration user's profile > Next",
			"Page layouts: as you like > Save",
		}
	}
	group := map[string]string{"contacts": "contactinformation", "companies": "companyinformation",
		"leads": "leadinformation"}[object]
	if group == "" {
		group = object + "information"
	}
	return []string{
		fmt.Sprintf("HubSpot Settings > Data Management > Properties > %s properties > Create property", object),
		"Label: Lusha enriched at; internal name: lusha_enriched_at; field type: Date and time picker > Create",
		fmt.Sprintf(`Or by API, with a token holding crm.schemas.%s.write: curl -X POST `, object) +
			fmt.Sprintf(`https://api.hubapi.com/crm/v3/properties/%s -H "Authorization: Bearer $HUBSPOT_TOKEN" `+
				`-H "Content-Type: application/json" -d '{"name":"lusha_enriched_at","label":"Lusha enriched at",`+
				`"type":"datetime","fieldType":"date","groupName":"%s"}'`, object, group),
	}
}

// matchKey is one key of a mapping's match block and the CRM names that hold it.
type matchKey struct {
	key    string
	names  []string // normalized field names or labels, best first
	domain bool     // transform domain
}

var personMatch = []matchKey{
	{key: "email", names: []string{"email", "emailaddress"}},
	{key: "linkedinUrl", names: []string{"linkedinurl", "linkedin", "linkedinprofile"}},
	{key: "firstName", names: []string{"firstname"}},
	{key: "lastName", names: []string{"lastname"}},
	{key: "companyName", names: []string{"company", "companyname"}},
	{key: "companyDomain", names: []string{"companydomain", "domain", "website", "websiteurl"}, domain: true},
}

var companyMatch = []matchKey{
	{key: "companyDomain", names: []string{"domain", "companydomain", "website", "websiteurl"}, domain: true},
	{key: "companyName", names: []string{"name", "companyname", "accountname"}},
}

// findMatchField picks the field for a match key: by name first, then by label.
func findMatchField(mk matchKey, fields []crm.FieldSchema) (crm.FieldSchema, bool) {
	for _, n := range mk.names {
		for _, f := range fields {
			if normName(f.Name) == n {
				return f, true
			}
		}
	}
	for _, n := range mk.names {
		for _, f := range fields {
			if normName(f.Label) == n {
				return f, true
			}
		}
	}
	return crm.FieldSchema{}, false
}

// peopleOnlyFromContact are CRM fields of people objects that describe the record
// itself, which no company path should fill.
var peopleOnlyFromContact = map[string]bool{"description": true}

// planMapping writes the starter mapping for object from its live schema.
func planMapping(kind, object string, company bool, schema crm.Schema) initPlan {
	p := initPlan{kind: kind, object: object, company: company, marker: markerName(kind)}
	fields := make([]crm.FieldSchema, 0, len(schema.Fields))
	for _, name := range slices.SortedFunc(maps.Keys(schema.Fields), func(a, b string) int {
		return strings.Compare(strings.ToLower(a), strings.ToLower(b))
	}) {
		f := schema.Fields[name]
		f.Name = name
		fields = append(fields, f)
	}

	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	what := "person"
	if company {
		what = "company"
	}
	w("# Starter %s mapping for %s %s, written by `leadsync init` from the live fields.\n", what, kind, object)
	w("# Each line says why its field was matched; review them, then `leadsync validate`.\n")
	w("# The language is in README \"Mappings\"; paths start with contact. or company.\n")
	w("object: %s\n", object)
	if !company {
		w("default_region: US   # e164 numbers without a country code are read as this region's\n")
	}

	used := map[string]bool{} // fields the match block names
	w("\n")
	if company {
		w("# What identifies the company to Lusha's company search: its domain, else its name.\n")
	} else {
		w("# What identifies the person to Lusha: an email, a LinkedIn URL, or a name and company.\n")
	}
	w("match:\n")
	keys := personMatch
	if company {
		keys = companyMatch
	}
	for _, mk := range keys {
		f, ok := findMatchField(mk, fields)
		if !ok {
			w("  # %s: no field of %s holds it\n", mk.key, object)
			continue
		}
		if mk.key != "linkedinUrl" {
			used[f.Name] = true
		}
		if mk.domain {
			w("  %s: { from: %s, transform: domain }   # %s (%s)\n", mk.key, f.Name, f.Label, f.Type)
		} else {
			w("  %s: %s   # %s (%s)\n", mk.key, f.Name, f.Label, f.Type)
		}
	}

	cands := answerCandidates()
	var unmatched, system []string
	w("\nfields:\n")
	w("  # policy fill (the default): write only into an empty field, never over a hand-typed value.\n")
	for _, f := range fields {
		switch {
		case f.Name == p.marker || used[f.Name]:
			continue
		case f.ReadOnly || f.Calculated:
			system = append(system, f.Name)
			continue
		case !company && peopleOnlyFromContact[normName(f.Name)]:
			unmatched = append(unmatched, describeField(f))
			continue
		}
		m, ok := matchField(f, cands, company)
		if !ok {
			unmatched = append(unmatched, describeField(f))
			continue
		}
		line, note := fieldLine(m)
		if note != "" {
			p.suggested++
			w("  # %s: %s\n  # %s\n", f.Name, note, line)
			continue
		}
		p.matched++
		if f.Type == "enumeration" && len(f.Options) == 0 {
			m.why += "; the CRM lists no options to check"
		}
		w("  %s   # %s\n", line, m.why)
	}

	w("  # The enrichment marker: the pipeline's filter reads it to pick the records not yet enriched.\n")
	mf, ok := schema.Fields[p.marker]
	switch {
	case ok && !mf.ReadOnly && !mf.Calculated && (mf.Type == "datetime" || mf.Type == "date"):
		p.markerOK = true
		if mf.Type == "date" {
			w("  %s: { value: $now, transform: date, policy: overwrite }\n", p.marker)
		} else {
			w("  %s: { value: $now, policy: overwrite }\n", p.marker)
		}
	default:
		why := fmt.Sprintf("%s has no field %s yet", object, p.marker)
		if ok {
			why = fmt.Sprintf("%s is a %s field, read-only or not a date-time: make it a writable date-time", p.marker, mf.Type)
		}
		p.steps = markerSteps(kind, object)
		w("  # %s. Create it, then uncomment the next line and the filter in the config:\n", why)
		for i, s := range p.steps {
			w("  #   %s\n", numberStep(i, s))
		}
		w("  # %s: { value: $now, policy: overwrite }\n", p.marker)
	}

	p.unmatched = len(unmatched)
	if len(unmatched) > 0 {
		w("\n# Not matched: no path of Lusha's answer fills these by name, label and type.\n")
		for _, u := range unmatched {
			w("#   %s\n", u)
		}
	}
	if len(system) > 0 {
		w("\n# Read-only or computed, never written: %s\n", strings.Join(system, ", "))
	}
	p.mapping = b.String()
	return p
}

func describeField(f crm.FieldSchema) string {
	typ := f.Type
	if f.FieldType != "" && f.FieldType != f.Type {
		typ += "/" + f.FieldType
	}
	if f.Label != "" && f.Label != f.Name {
		return fmt.Sprintf("%s (%s, %s)", f.Name, f.Label, typ)
	}
	return fmt.Sprintf("%s (%s)", f.Name, typ)
}

// fieldLine renders a matched field's mapping line. A non-empty note says why the line
// is left commented: an enumeration whose options do not obviously align.
func fieldLine(m match) (line, note string) {
	f, c := m.field, m.cand
	var parts []string
	parts = append(parts, "from: "+quoteYAML(c.path))
	var transforms []string
	switch {
	case c.transform != "":
		transforms = append(transforms, c.transform)
	case isPhoneField(f):
		transforms = append(transforms, "e164")
	}
	if f.Type == "string" && f.MaxLength > 0 && f.MaxLength <= 32000 && !isPhoneField(f) {
		transforms = append(transforms, "truncate:"+strconv.Itoa(f.MaxLength))
	}
	if f.Type == "enumeration" {
		transforms = slices.DeleteFunc(transforms, func(t string) bool { return strings.HasPrefix(t, "truncate:") })
	}
	switch len(transforms) {
	case 0:
	case 1:
		parts = append(parts, "transform: "+quoteYAML(transforms[0]))
	default:
		q := make([]string, len(transforms))
		for i, t := range transforms {
			q[i] = quoteYAML(t)
		}
		parts = append(parts, "transform: ["+strings.Join(q, ", ")+"]")
	}
	if c.skipIf != "" {
		parts = append(parts, "skip_if: "+quoteYAML(c.skipIf))
	}
	if f.Type == "enumeration" && len(f.Options) > 0 {
		if c.kind == "list" {
			return fmt.Sprintf("%s: { %s }", f.Name, strings.Join(parts, ", ")),
				fmt.Sprintf("%s; each of %s must be one of its %d options (%s): uncomment once they are, else parked",
					m.why, c.path, len(f.Options), clipList(f.Options, 6))
		}
		if c.kind != "string" {
			return fmt.Sprintf("%s: { %s }", f.Name, strings.Join(parts, ", ")),
				fmt.Sprintf("%s; its %d options (%s) are not %s's values: map them by hand",
					m.why, len(f.Options), clipList(f.Options, 6), c.path)
		}
		aligned, ok := alignOptions(c.path, f)
		if !ok {
			return fmt.Sprintf("%s: { %s }", f.Name, strings.Join(parts, ", ")),
				fmt.Sprintf("%s; its %d options (%s) do not obviously align with Lusha's values: add a map: by hand",
					m.why, len(f.Options), clipList(f.Options, 6))
		}
		var mp []string
		for _, k := range slices.Sorted(maps.Keys(aligned)) {
			mp = append(mp, quoteYAML(k)+": "+quoteYAML(aligned[k]))
		}
		parts = append(parts, "map: { "+strings.Join(mp, ", ")+" }")
	}
	return fmt.Sprintf("%s: { %s }", f.Name, strings.Join(parts, ", ")), ""
}

// knownValues are the values Lusha gives some paths; only these can align with a
// field's options.
var knownValues = map[string][]string{"contact.jobTitle.seniority": lushaSeniorities}

// alignOptions maps each of a path's known values onto the option that names it the
// same (ignoring case and punctuation), and fails when one has none.
func alignOptions(path string, f crm.FieldSchema) (map[string]string, bool) {
	values, ok := knownValues[path]
	if !ok {
		return nil, false
	}
	out := map[string]string{}
	for _, v := range values {
		found := false
		for _, o := range f.Options {
			if normName(o) == normName(v) {
				out[v], found = o, true
				break
			}
		}
		if !found {
			return nil, false
		}
	}
	return out, true
}

func clipList(xs []string, n int) string {
	if len(xs) <= n {
		return strings.Join(xs, ", ")
	}
	return strings.Join(xs[:n], ", ") + ", …"
}

// quoteYAML quotes a scalar when plain YAML would read it otherwise.
func quoteYAML(s string) string {
	if s == "" || strings.ContainsAny(s, ":{}[],&*#?|-<>=!%@`\"' ;") || strings.ContainsAny(s[:1], "0123456789.+~") {
		return strconv.Quote(s)
	}
	return s
}

// numberStep numbers a step; an alternative ("Or …") stands unnumbered.
func numberStep(i int, s string) string {
	if strings.HasPrefix(s, "Or ") {
		return s
	}
	return fmt.Sprintf("%d. %s", i+1, s)
}
