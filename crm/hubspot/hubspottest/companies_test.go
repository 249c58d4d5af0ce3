package hubspottest

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Reference §5.1: companies are created with properties (name or domain) and
// optional associations; §4.5: values are validated as on update, and a contact's
// duplicate email is a 409.
func TestCreateObjects(t *testing.T) {
	s, _ := newFake(Options{})
	contact := s.AddContact(map[string]string{"email": "ann@acme.com"})
	code, _, out := call(t, s, "POST", "/crm/v3/objects/companies",
		`{"properties":{"name":"Acme","domain":"acme.com","industry":"COMPUTER_SOFTWARE"},
		  "associations":[{"to":{"id":`+contact+`},"types":[{"associationCategory":"HUBSPOT_DEFINED","associationTypeId":280}]}]}`)
	if code != 201 {
		t.Fatalf("create: %d %v", code, out)
	}
	id := out["id"].(string)
	props := out["properties"].(map[string]any)
	if props["domain"] != "acme.com" || props["hs_object_id"] != id || props["createdate"] == nil || props["hs_lastmodifieddate"] == nil {
		t.Errorf("created = %v", out)
	}
	if got := s.ContactCompanies(contact); !slices.Equal(got, []CompanyLink{{ID: id}}) {
		t.Errorf("contact's companies = %v", got)
	}
	// A second company with the same domain is created: the API does not deduplicate.
	if code, _, _ := call(t, s, "POST", "/crm/v3/objects/companies", `{"properties":{"domain":"acme.com"},"associations":[]}`); code != 201 {
		t.Errorf("same domain again: %d", code)
	}
	if got := s.CompaniesWithDomain("ACME.com"); len(got) != 2 || got[0] != id || s.CountCompanies() != 2 {
		t.Errorf("companies with acme.com = %v (count %d)", got, s.CountCompanies())
	}

	refused := []struct{ name, path, body, code string }{
		{"no name or domain", "/crm/v3/objects/companies", `{"properties":{"city":"Rome"}}`, "VALIDATION_ERROR"},
		{"bad option", "/crm/v3/objects/companies", `{"properties":{"name":"X","industry":"Technology"}}`, "INVALID_OPTION"},
		{"unknown association type", "/crm/v3/objects/companies", `{"properties":{"name":"X"},"associations":[{"to":{"id":"` + contact + `"},"types":[{"associationCategory":"HUBSPOT_DEFINED","associationTypeId":9999}]}]}`, "VALIDATION_ERROR"},
		{"association to nobody", "/crm/v3/objects/companies", `{"properties":{"name":"X"},"associations":[{"to":{"id":"424242"},"types":[{"associationCategory":"HUBSPOT_DEFINED","associationTypeId":280}]}]}`, "VALIDATION_ERROR"},
	}
	for _, tt := range refused {
		code, _, out := call(t, s, "POST", tt.path, tt.body)
		if code != 400 || out["category"] != "VALIDATION_ERROR" || !strings.Contains(toJSON(out), tt.code) {
			t.Errorf("%s: %d %v", tt.name, code, out)
		}
	}
	if s.CountCompanies() != 2 {
		t.Errorf("refused creates stored companies: %d", s.CountCompanies())
	}
	code, _, out = call(t, s, "POST", "/crm/v3/objects/contacts", `{"properties":{"email":"ann@acme.com"}}`)
	if code != 409 || out["category"] != "CONFLICT" || out["message"] != "Contact already exists. Existing ID: "+contact {
		t.Errorf("duplicate email: %d %v", code, out)
	}
}

func TestBatchCreate(t *testing.T) {
	s, _ := newFake(Options{})
	taken := s.AddContact(map[string]string{"email": "taken@x.com"})
	code, _, out := call(t, s, "POST", "/crm/v3/objects/companies/batch/create",
		`{"inputs":[{"properties":{"name":"A","domain":"a.com"},"associations":[]},{"properties":{"domain":"b.com"},"associations":[]}]}`)
	if code != 201 || len(out["results"].([]any)) != 2 || s.CountCompanies() != 2 {
		t.Fatalf("batch create: %d %v", code, out)
	}
	// One bad value refuses the whole batch, as batch update does (reference §4.3).
	if code, _, _ := call(t, s, "POST", "/crm/v3/objects/companies/batch/create",
		`{"inputs":[{"properties":{"name":"C"}},{"properties":{"name":"D","industry":"NOPE"}}]}`); code != 400 || s.CountCompanies() != 2 {
		t.Errorf("batch with a bad value: %d, %d companies", code, s.CountCompanies())
	}
	// Reference §4.5: without trace ids the first duplicate fails the request;
	// with them, a 207 names it and the rest is created.
	if code, _, out := call(t, s, "POST", "/crm/v3/objects/contacts/batch/create",
		`{"inputs":[{"properties":{"email":"new@x.com"}},{"properties":{"email":"taken@x.com"}}]}`); code != 409 || s.Count("contacts") != 1 {
		t.Errorf("untraced duplicate: %d %v", code, out)
	}
	code, _, out = call(t, s, "POST", "/crm/v3/objects/contacts/batch/create",
		`{"inputs":[{"properties":{"email":"new@x.com"},"objectWriteTraceId":"0"},{"properties":{"email":"taken@x.com"},"objectWriteTraceId":"1"},{"properties":{"email":"new@x.com"},"objectWriteTraceId":"2"}]}`)
	if code != 207 || len(out["results"].([]any)) != 1 || out["numErrors"] != float64(2) || s.Count("contacts") != 2 {
		t.Fatalf("traced duplicates: %d %v", code, out)
	}
	first := out["errors"].([]any)[0].(map[string]any)
	if first["message"] != "Contact already exists. Existing ID: "+taken ||
		!cmp.Equal(first["context"], map[string]any{"objectWriteTraceId": []any{"1"}, "existingId": []any{taken}}) {
		t.Errorf("conflict item = %v", first)
	}
	if r := out["results"].([]any)[0].(map[string]any); r["objectWriteTraceId"] != "0" {
		t.Errorf("created item = %v", r)
	}
}

// typeIDs lists, by company, the association type ids a contact's batch read shows.
func typeIDs(t *testing.T, s *Server, contact string) map[string][]float64 {
	t.Helper()
	code, _, out := call(t, s, "POST", "/crm/v4/associations/contacts/companies/batch/read", `{"inputs":[{"id":"`+contact+`"}]}`)
	got := map[string][]float64{}
	if code == 207 {
		return got
	}
	for _, to := range out["results"].([]any)[0].(map[string]any)["to"].([]any) {
		m := to.(map[string]any)
		for _, at := range m["associationTypes"].([]any) {
			got[m["toObjectId"].(string)] = append(got[m["toObjectId"].(string)], at.(map[string]any)["typeId"].(float64))
		}
		slices.Sort(got[m["toObjectId"].(string)])
	}
	return got
}

// Reference §5.2 (type ids, one primary company) and §5.3 (v4 writes); the v4
// guide: labels come with the default association, and a labelled write replaces
// the pair's labels.
func TestAssociationWrites(t *testing.T) {
	s, _ := newFake(Options{})
	ann := s.AddContact(map[string]string{"email": "ann@x.com"})
	bob := s.AddContact(map[string]string{"email": "bob@x.com"})
	old := s.AddCompany(map[string]string{"name": "Old"})
	acme := s.AddCompany(map[string]string{"name": "Acme"})
	s.Associate(ann, old, true)

	code, _, out := call(t, s, "POST", "/crm/v4/associations/contacts/companies/batch/create",
		`{"inputs":[{"from":{"id":"`+ann+`"},"to":{"id":"`+acme+`"},"types":[{"associationCategory":"HUBSPOT_DEFINED","associationTypeId":1}]},
		            {"from":{"id":"424242"},"to":{"id":"`+acme+`"},"types":[{"associationCategory":"HUBSPOT_DEFINED","associationTypeId":279}]}]}`)
	if code != 207 || out["numErrors"] != float64(1) {
		t.Fatalf("batch create: %d %v", code, out)
	}
	want := map[string]any{"fromObjectTypeId": "0-1", "fromObjectId": ann, "toObjectTypeId": "0-2", "toObjectId": acme, "labels": []any{"Primary"}}
	if diff := cmp.Diff(want, out["results"].([]any)[0]); diff != "" {
		t.Errorf("result (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string][]float64{old: {279}, acme: {1, 279}}, typeIDs(t, s, ann)); diff != "" {
		t.Errorf("primary moved (-want +got):\n%s", diff)
	}
	if got := s.ContactCompanies(ann); !slices.Equal(got, []CompanyLink{{ID: old}, {ID: acme, Primary: true}}) {
		t.Errorf("ContactCompanies = %v", got)
	}
	// The company side sees the contact too, with its inverse types.
	if code, _, out := call(t, s, "GET", "/crm/v4/objects/companies/"+acme+"/associations/contacts", ""); code != 200 ||
		!strings.Contains(toJSON(out), `"typeId":280`) || !strings.Contains(toJSON(out), `"typeId":2}`) {
		t.Errorf("company's contacts: %d %v", code, out)
	}
	// A labelled PUT with only the default type drops the label.
	code, _, out = call(t, s, "PUT", "/crm/v4/objects/contact/"+ann+"/associations/company/"+acme,
		`[{"associationCategory":"HUBSPOT_DEFINED","associationTypeId":279}]`)
	if code != 201 || len(out["labels"].([]any)) != 0 || !slices.Equal(typeIDs(t, s, ann)[acme], []float64{279}) {
		t.Errorf("labelled PUT: %d %v, types %v", code, out, typeIDs(t, s, ann))
	}
	// Default associations, batch and single.
	code, _, out = call(t, s, "POST", "/crm/v4/associations/contacts/companies/batch/associate/default",
		`{"inputs":[{"from":{"id":"`+bob+`"},"to":{"id":"`+acme+`"}},{"from":{"id":"`+bob+`"},"to":{"id":"424242"}}]}`)
	if code != 200 || out["numErrors"] != float64(1) || !slices.Equal(typeIDs(t, s, bob)[acme], []float64{279}) {
		t.Errorf("batch default: %d %v", code, out)
	}
	if code, _, out := call(t, s, "PUT", "/crm/objects/2026-03/0-1/"+bob+"/associations/default/0-2/"+old, ""); code != 200 ||
		len(typeIDs(t, s, bob)) != 2 {
		t.Errorf("PUT default: %d %v", code, out)
	}
	refused := []struct {
		method, path, body string
		code               int
	}{
		{"POST", "/crm/v4/associations/contacts/companies/batch/create", `{"inputs":[{"from":{"id":"` + ann + `"},"to":{"id":"` + acme + `"},"types":[{"associationCategory":"HUBSPOT_DEFINED","associationTypeId":280}]}]}`, 400},
		{"POST", "/crm/v4/associations/contacts/companies/batch/create", `{"inputs":[` + strings.Repeat(`{"from":{"id":"1"},"to":{"id":"2"},"types":[]},`, 2000) + `{"from":{"id":"1"},"to":{"id":"2"},"types":[]}]}`, 400},
		{"PUT", "/crm/v4/objects/contacts/424242/associations/default/companies/" + acme, "", 404},
		{"PUT", "/crm/v4/objects/contacts/" + ann + "/associations/widgets/" + acme, "[]", 400},
	}
	for _, tt := range refused {
		if code, _, out := call(t, s, tt.method, tt.path, tt.body); code != tt.code {
			t.Errorf("%s %.80s: %d %v, want %d", tt.method, tt.path, code, out, tt.code)
		}
	}
}

// The spec's batch read pages per input ("The 'after' field in a returned paging
// object can be added alongside the 'id'"); a single record's read takes limit and
// after (reference §5.3).
func TestAssociationPaging(t *testing.T) {
	s, _ := newFake(Options{AssociationPageSize: 2})
	contact := s.AddContact(map[string]string{"email": "many@x.com"})
	var companies []string
	for range 5 {
		companies = append(companies, s.AddCompany(map[string]string{"name": "C"}))
	}
	for _, c := range slices.Backward(companies) {
		s.Associate(contact, c, c == companies[3])
	}
	var got []string
	after := ""
	for range 10 {
		code, _, out := call(t, s, "POST", "/crm/v4/associations/contacts/companies/batch/read",
			`{"inputs":[{"id":"`+contact+`","after":"`+after+`"}]}`)
		if code != 200 {
			t.Fatalf("page after %q: %d %v", after, code, out)
		}
		res := out["results"].([]any)[0].(map[string]any)
		for _, to := range res["to"].([]any) {
			got = append(got, to.(map[string]any)["toObjectId"].(string))
		}
		paging, ok := res["paging"].(map[string]any)
		if !ok {
			break
		}
		after = paging["next"].(map[string]any)["after"].(string)
		raw, _ := url.QueryUnescape(after)
		if dec, _ := base64.StdEncoding.DecodeString(raw); string(dec) != "0-2-"+got[len(got)-1] {
			t.Errorf("cursor %q decodes to %q", after, dec)
		}
	}
	if !slices.Equal(got, companies) {
		t.Errorf("paged companies %v, want %v in id order", got, companies)
	}
	code, _, out := call(t, s, "GET", "/crm/v4/objects/contacts/"+contact+"/associations/companies?limit=3", "")
	next := out["paging"].(map[string]any)["next"].(map[string]any)
	if code != 200 || len(out["results"].([]any)) != 3 || !strings.Contains(next["link"].(string), "after=") {
		t.Fatalf("list page: %d %v", code, out)
	}
	_, _, out = call(t, s, "GET", "/crm/v4/objects/contacts/"+contact+"/associations/companies?limit=3&after="+next["after"].(string), "")
	if rest := out["results"].([]any); len(rest) != 2 || out["paging"] != nil {
		t.Errorf("last list page = %v", out)
	}
	if code, _, _ := call(t, s, "POST", "/crm/v4/associations/contacts/companies/batch/read", `{"inputs":[{"id":"`+contact+`","after":"garbage"}]}`); code != 400 {
		t.Errorf("bad cursor: %d", code)
	}
}

// Reference §4.1: string IN values must be lowercase and match exactly; companies'
// free-text query covers name and domain (CRM search guide).
func TestSearchCompanies(t *testing.T) {
	s, _ := newFake(Options{})
	acme := s.AddCompany(map[string]string{"name": "Acme", "domain": "Acme.com"})
	s.AddCompany(map[string]string{"name": "Other", "domain": "other.com"})
	globex := s.AddCompany(map[string]string{"name": "Globex", "domain": "globex.com"})
	code, _, out := call(t, s, "POST", "/crm/v3/objects/companies/search",
		`{"filterGroups":[{"filters":[{"propertyName":"domain","operator":"IN","values":["acme.com","globex.com","ACME.COM"]}]}],"sorts":["-hs_object_id"]}`)
	if code != 200 || !slices.Equal(resultIDs(out), []string{globex, acme}) {
		t.Errorf("IN: %d %v", code, out)
	}
	if _, _, out := call(t, s, "POST", "/crm/v3/objects/companies/search", `{"query":"globex"}`); !slices.Equal(resultIDs(out), []string{globex}) {
		t.Errorf("query: %v", out)
	}
	props := out["results"].([]any)[0].(map[string]any)["properties"].(map[string]any)
	if diff := cmp.Diff([]string{"createdate", "domain", "hs_lastmodifieddate", "hs_object_id", "name"}, sortedKeys(props)); diff != "" {
		t.Errorf("default properties (-want +got):\n%s", diff)
	}
}

func toJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
