package mapping_test

import (
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/leadsync/leadsync/mapping"
)

func Example() {
	// The connector derives the schema from the lusha package's answer types; a small
	// stand-in here.
	type phone struct {
		Number    string `json:"number"`
		Type      string `json:"type"`
		DoNotCall bool   `json:"doNotCall"`
	}
	type contact struct {
		JobTitle struct {
			Title     string `json:"title"`
			Seniority string `json:"seniority"`
		} `json:"jobTitle"`
		Phones []phone `json:"phones"`
	}
	schema := mapping.SchemaOf(reflect.TypeFor[contact](), reflect.TypeFor[map[string]any]())

	m, err := mapping.Parse("contacts.yaml", []byte(`
object: contacts
match: { email: email }
fields:
  jobtitle:    { from: contact.jobTitle.title }
  mobilephone: { from: "contact.phones[type=mobile].number", transform: e164, skip_if: "contact.phones[type=mobile].doNotCall" }
  seniority:   { from: contact.jobTitle.seniority, map: { Director: director }, default: other }
  enriched_at: { value: $now, policy: overwrite }
`), mapping.Options{Schema: &schema})
	if err != nil {
		fmt.Println(err)
		return
	}
	res := m.Apply(mapping.Input{
		Current: map[string]string{"email": "ann@example.com", "jobtitle": "Typed by sales"},
		Contact: map[string]any{
			"jobTitle": map[string]any{"title": "CTO", "seniority": "C-Suite"},
			"phones":   []any{map[string]any{"number": "(415) 555-0100", "type": "mobile", "doNotCall": true}},
		},
		Now: time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC),
	})
	for _, d := range res.Decisions {
		fmt.Println(strings.TrimSpace(fmt.Sprintf("%-12s %-12s %q %s", d.Field, d.Action, d.New, d.Reason)))
	}
	// Output:
	// enriched_at  write        "2026-11-25T10:00:00.000Z"
	// jobtitle     keep_filled  "CTO" policy fill: the field already holds a value
	// mobilephone  skipped      "" skip_if contact.phones[type=mobile].doNotCall is true
	// seniority    write        "other"
}

func ExampleParse_errors() {
	_, err := mapping.Parse("contacts.yaml", []byte(`
object: contacts
match: { email: email }
fields:
  jobtitle: { from: contact.jobtitle, polcy: overwrite }
`), mapping.Options{Schema: new(mapping.SchemaOf(reflect.TypeFor[struct {
		JobTitle struct {
			Title string `json:"title"`
		} `json:"jobTitle"`
	}](), nil))})
	fmt.Println(err)
	// Output:
	// contacts.yaml:5:21: unknown path contact.jobtitle, did you mean contact.jobTitle.title?
	// contacts.yaml:5:39: unknown key "polcy" in field jobtitle, did you mean policy? (known: from, value, transform, map, default, when, skip_if, policy)
}
