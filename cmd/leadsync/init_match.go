package main

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"unicode"

	"github.com/leadsync/leadsync/connector"
	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/lusha"
	"github.com/leadsync/leadsync/mapping"
)

// An answer candidate is one path of Lusha's answer that `leadsync init` may map onto
// a CRM field: a scalar leaf, a list of strings, or a phone number of one type.
type candidate struct {
	path      string
	kind      string   // string, number, bool, list, phone
	names     []string // normalized names the path answers to ("jobtitle", "title", …)
	transform string   // e164 for phones, join:; for lists
	skipIf    string
	order     int // declaration order, for stable ties
}

// initSynonyms is the small table of names a CRM gives a field that the answer's own
// names do not say: normalized CRM name → normalized candidate name. Everything else
// is derived from the answer types (connector.AnswerSchema's sources).
var initSynonyms = map[string]string{
	"phonenumber":         "phone",
	"businessphone":       "phone",
	"directphone":         "phone",
	"mobilephonenumber":   "mobilephone",
	"mobile":              "mobilephone",
	"linkedinurl":         "linkedin",
	"linkedinprofile":     "linkedin",
	"linkedincompanypage": "companylinkedin",
	"linkedinpage":        "companylinkedin",
	"employees":           "employeecountexact",
	"numberofemployees":   "employeecountexact",
	"numemployees":        "employeecountexact",
	"employeecount":       "employeecountexact",
	"annualrevenue":       "revenuerangemin",
	"revenue":             "revenuerangemin",
	"stateregion":         "state",
	"stateprovince":       "state",
	"countryregion":       "country",
	"totalfunding":        "fundingtotalroundsamount",
	"seniority":           "jobtitleseniority",
	"senioritylevel":      "jobtitleseniority",
	"yearstarted":         "yearfounded",
	"founded":             "yearfounded",
	"department":          "jobtitledepartments",
	"departments":         "jobtitledepartments",
	"companyphone":        "phone",
}

// phoneTypes are the types of Lusha's phone numbers and the CRM names each fills.
var phoneTypes = []struct{ typ, name string }{
	{"mobile", "mobilephone"}, {"direct", "phone"}, {"work", "workphone"},
}

// openExtras are paths below the open parts of the answer (json.RawMessage, decoded
// by the client on demand) that a mapping may read.
var openExtras = []candidate{
	{path: "company.funding.totalRoundsAmount", kind: "number"},
}

// lushaSeniorities are the values of contact.jobTitle.seniority.
var lushaSeniorities = []string{"C-Suite", "Founder", "Partner", "Vice President", "Director", "Manager", "Senior",
	"Non-Manager", "Intern"}

// skippedAnswerKeys are answer keys no CRM field should receive: ids, bookkeeping,
// and the identity the record already holds.
var skippedAnswerKeys = map[string]bool{
	"clientReferenceId": true, "id": true, "error": true, "has": true, "canReveal": true, "signalTypes": true,
	"missingDataPoints": true, "updateDate": true, "dataSource": true, "credits": true, "tags": true,
	"previousEmployment": true, "coordinates": true, "logoUrl": true, "popularityTier": true,
	"countryIso2": true, "isEuContact": true, "doNotCall": true, "type": true, "confidence": true,
	"continent": true,
}

// answerCandidates lists the candidates of Lusha's answer: contact paths (the enriched
// contact merged with the search preview) and company paths, each checked against
// connector.AnswerSchema so that a generated mapping always loads.
func answerCandidates() []candidate {
	var out []candidate
	seen := map[string]bool{}
	add := func(c candidate) {
		if seen[c.path] {
			return
		}
		seen[c.path] = true
		c.order = len(out)
		out = append(out, c)
	}
	for _, root := range []struct {
		name string
		t    reflect.Type
	}{
		{"contact", reflect.TypeFor[lusha.EnrichedContact]()},
		{"contact", reflect.TypeFor[lusha.ContactPreview]()},
		{"company", reflect.TypeFor[lusha.EnrichedCompany]()},
	} {
		walkAnswer(root.t, root.name, nil, add, 0)
	}
	for _, c := range openExtras {
		add(c)
	}
	schema := connector.AnswerSchema()
	var ok []candidate
	for _, c := range out {
		if c.names == nil {
			c.names = candidateNames(c.path)
		}
		if pathLoads(schema, c) {
			ok = append(ok, c)
		}
	}
	return ok
}

var rawMessage = reflect.TypeFor[json.RawMessage]()

func walkAnswer(t reflect.Type, prefix string, segs []string, add func(candidate), depth int) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if depth > 3 || t.Kind() != reflect.Struct {
		return
	}
	for f := range t.Fields() {
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Anonymous && name == "" && ft.Kind() == reflect.Struct {
			walkAnswer(ft, prefix, segs, add, depth)
			continue
		}
		if !f.IsExported() || name == "-" || skippedAnswerKeys[name] {
			continue
		}
		if name == "" {
			name = f.Name
		}
		path := prefix + "." + name
		sub := append(slices.Clone(segs), name)
		switch {
		case ft == rawMessage:
		case ft.Kind() == reflect.Struct:
			walkAnswer(ft, path, sub, add, depth+1)
		case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.String:
			add(candidate{path: path, kind: "list", transform: "join:;"})
		case ft.Kind() == reflect.Slice && name == "phones" && prefix == "contact":
			for _, p := range phoneTypes {
				sel := fmt.Sprintf("contact.phones[type=%s]", p.typ)
				add(candidate{path: sel + ".number", kind: "phone", transform: "e164", skipIf: sel + ".doNotCall",
					names: []string{p.name, p.typ + "phone"}})
			}
		case ft.Kind() == reflect.String:
			add(candidate{path: path, kind: "string"})
		case ft.Kind() == reflect.Bool:
			add(candidate{path: path, kind: "bool"})
		case ft.Kind() >= reflect.Int && ft.Kind() <= reflect.Float64:
			add(candidate{path: path, kind: "number"})
		}
	}
}

// genericLeaves are last segments that say little alone: the parent names the value.
var genericLeaves = map[string]bool{"title": true, "name": true, "exact": true, "number": true, "value": true,
	"min": true}

// candidateNames derives the normalized names of a path: its segments joined, the
// last one, the parent with a generic last one, and the company variants.
func candidateNames(path string) []string {
	root, rest, _ := strings.Cut(path, ".")
	segs := strings.Split(rest, ".")
	for i, s := range segs {
		s, _, _ = strings.Cut(s, "[")
		segs[i] = normName(s)
	}
	last := segs[len(segs)-1]
	names := []string{strings.Join(segs, "")}
	if len(segs) == 1 || !genericLeaves[last] || last == "title" {
		names = append(names, last)
	}
	if len(segs) > 1 {
		names = append(names, strings.Join(segs[:len(segs)-1], ""))
	}
	if root == "company" {
		names = append(names, "company"+strings.Join(segs, ""))
		if last == "linkedin" {
			names = append(names, "companylinkedin")
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// pathLoads reports whether a mapping reading the candidate loads against the schema.
func pathLoads(schema *mapping.Schema, c candidate) bool {
	doc := fmt.Sprintf("object: x\nmatch: { email: e }\nfields:\n  f: { from: %q }\n", c.path)
	if c.transform != "" {
		doc = fmt.Sprintf("object: x\nmatch: { email: e }\nfields:\n  f: { from: %q, transform: %q }\n", c.path, c.transform)
	}
	_, err := mapping.Parse("candidate", []byte(doc), mapping.Options{Schema: schema})
	return err == nil
}

// normName lowercases a name and keeps its letters and digits, dropping the affixes
// CRMs add to custom and system fields (hs_, lusha_, __c, Mailing, Billing).
func normName(s string) string {
	s = strings.TrimSuffix(s, "__c")
	var words []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			words = append(words, strings.ToLower(string(cur)))
			cur = nil
		}
	}
	rs := []rune(s)
	for i, r := range rs {
		switch {
		case !unicode.IsLetter(r) && !unicode.IsDigit(r):
			flush()
		case unicode.IsUpper(r) && i > 0 && (unicode.IsLower(rs[i-1]) || i+1 < len(rs) && unicode.IsLower(rs[i+1]) && unicode.IsUpper(rs[i-1])):
			flush()
			cur = append(cur, r)
		default:
			cur = append(cur, r)
		}
	}
	flush()
	var b strings.Builder
	for i, w := range words {
		if i == 0 && len(words) > 1 && (w == "hs" || w == "lusha" || w == "mailing" || w == "billing") {
			continue
		}
		b.WriteString(w)
	}
	return b.String()
}

// fieldKeys are the normalized names a CRM field is known by: its name, its label,
// and their synonyms.
func fieldKeys(f crm.FieldSchema) []string {
	var keys []string
	for _, k := range []string{normName(f.Name), normName(f.Label)} {
		if k == "" {
			continue
		}
		keys = append(keys, k)
		if s, ok := initSynonyms[k]; ok {
			keys = append(keys, s)
		}
	}
	return slices.Compact(keys)
}

// isPhoneField reports whether a CRM field holds phone numbers.
func isPhoneField(f crm.FieldSchema) bool {
	return f.Type == "phone_number" || f.FieldType == "phonenumber" || f.FieldType == "phone"
}

// kindFits says whether a candidate of kind k may fill field f, by type.
func kindFits(k string, f crm.FieldSchema) bool {
	switch {
	case isPhoneField(f):
		return k == "phone" || k == "string"
	case f.Type == "number":
		return k == "number"
	case f.Type == "enumeration":
		return k == "string" || k == "list" || k == "number"
	case f.Type == "string" || f.Type == "":
		return k == "string" || k == "number" || k == "list" || k == "phone"
	}
	return false
}

// match is one CRM field matched to a candidate, and why.
type match struct {
	field crm.FieldSchema
	cand  candidate
	why   string
}

// matchField finds the best candidate for a CRM field, or false. On people objects
// contact paths come first, but for what the company answer knows in full (a
// contact's company.* reference is a subset); company objects read company paths only.
func matchField(f crm.FieldSchema, cands []candidate, company bool) (match, bool) {
	keys := fieldKeys(f)
	best, bestRank := candidate{}, -1
	var bestKey string
	for _, c := range cands {
		if company && !strings.HasPrefix(c.path, "company.") {
			continue
		}
		if !kindFits(c.kind, f) {
			continue
		}
		var key string
		for _, k := range keys {
			if slices.Contains(c.names, k) {
				key = k
				break
			}
		}
		if key == "" {
			continue
		}
		rank := 0
		switch {
		case strings.HasPrefix(c.path, "contact.company."):
			rank = 1 // the company answer has it in full
		case strings.HasPrefix(c.path, "company.") && !company:
			rank = 2
		case strings.HasPrefix(c.path, "contact."):
			rank = 3
		default:
			rank = 3
		}
		if c.kind == "phone" && strings.Contains(c.path, "=work") {
			rank-- // mobile and direct dials before the switchboard
		}
		if rank > bestRank || rank == bestRank && c.order < best.order {
			best, bestRank, bestKey = c, rank, key
		}
	}
	if bestRank < 0 {
		return match{}, false
	}
	by, word := "name", f.Name
	if bestKey != normName(f.Name) {
		by, word = "label", f.Label
		if bestKey != normName(f.Label) {
			by, word = "synonym", bestKey
		}
	}
	typ := f.Type
	if f.FieldType != "" && f.FieldType != f.Type {
		typ += "/" + f.FieldType
	}
	return match{field: f, cand: best, why: fmt.Sprintf("%s %q ~ %s; %s field ← %s", by, word, best.path, typ, best.kind)}, true
}
