package hubspot_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/crm/hubspot/hubspottest"
)

func TestWriteModifiedAtMatchesRead(t *testing.T) {
	e := setup(t, hubspottest.Options{})
	id := e.fake.AddContact(map[string]string{"email": "a@example.com"})
	e.clock.Advance(time.Minute)
	res, err := e.client.Write(context.Background(), "contacts", []crm.Patch{{RecordID: id, Fields: map[string]string{"jobtitle": "CEO"}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || res[0].Err != nil || res[0].ModifiedAt.IsZero() {
		t.Fatalf("results = %+v", res)
	}
	e.clock.Advance(time.Second)
	pages, err := readAll(t, e.client, crm.ChangesRequest{Object: "contacts", Fields: []string{"jobtitle"}})
	if err != nil {
		t.Fatal(err)
	}
	got := pages[0].Records[0]
	if got.Fields["jobtitle"] != "CEO" || !got.ModifiedAt.Equal(res[0].ModifiedAt) {
		t.Errorf("read %v at %v after a write at %v", got.Fields, got.ModifiedAt, res[0].ModifiedAt)
	}

	// Writing the same value again changes nothing, so the time stays.
	e.clock.Advance(time.Minute)
	again, err := e.client.Write(context.Background(), "contacts", []crm.Patch{{RecordID: id, Fields: map[string]string{"jobtitle": "CEO"}}})
	if err != nil || !again[0].ModifiedAt.Equal(res[0].ModifiedAt) {
		t.Errorf("identical write: %+v, %v; want modified time %v", again, err, res[0].ModifiedAt)
	}
}

func TestWriteUnknownRecord(t *testing.T) {
	e := setup(t, hubspottest.Options{})
	id := e.fake.AddContact(map[string]string{"email": "a@example.com"})
	res, err := e.client.Write(context.Background(), "contacts", []crm.Patch{
		{RecordID: id, Fields: map[string]string{"city": "Oslo"}},
		{RecordID: "999999", Fields: map[string]string{"city": "Oslo"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Err != nil || res[0].RecordID != id {
		t.Errorf("known record: %+v", res[0])
	}
	if crm.ClassOf(res[1].Err) != crm.ClassInvalid || res[1].RecordID != "999999" {
		t.Errorf("unknown record: %+v, want class invalid", res[1])
	}
}

// A whole-batch 400 is split: refused fields are reported per record, the rest of
// the batch is written.
func TestWriteIsolatesRefusedFields(t *testing.T) {
	e := setup(t, hubspottest.Options{})
	var id []string
	for i := range 5 {
		id = append(id, e.fake.AddContact(map[string]string{"email": strconv.Itoa(i) + "@example.com"}))
	}
	patches := []crm.Patch{
		{RecordID: id[0], Fields: map[string]string{"jobtitle": "CTO", "hs_lead_status": "HOT"}},
		{RecordID: id[1], Fields: map[string]string{"jobtitle": "CFO", "no_such_field": "x"}},
		{RecordID: id[2], Fields: map[string]string{"hs_lead_status": "NEW"}},
		{RecordID: id[3], Fields: map[string]string{"createdate": "2020-01-01"}},
		{RecordID: id[4], Fields: map[string]string{"numemployees": "1000+", "lifecyclestage": "lead"}},
	}
	res, err := e.client.Write(context.Background(), "contacts", patches)
	if err != nil {
		t.Fatal(err)
	}
	type outcome struct {
		ID     string
		Class  crm.Class
		Fields []string
		Codes  []string
	}
	var got []outcome
	for _, r := range res {
		o := outcome{ID: r.RecordID, Class: crm.ClassOf(r.Err)}
		for _, fe := range r.FieldErrors {
			o.Fields, o.Codes = append(o.Fields, fe.Field), append(o.Codes, fe.Code)
		}
		got = append(got, o)
	}
	want := []outcome{
		{id[0], crm.ClassInvalid, []string{"hs_lead_status"}, []string{"INVALID_OPTION"}},
		{id[1], crm.ClassInvalid, []string{"no_such_field"}, []string{"PROPERTY_DOESNT_EXIST"}},
		{id[2], crm.ClassNone, nil, nil},
		{id[3], crm.ClassInvalid, []string{"createdate"}, []string{"READ_ONLY_VALUE"}},
		{id[4], crm.ClassNone, nil, nil},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("outcomes (-want +got):\n%s", diff)
	}
	stored := func(i int, f string) string { c, _ := e.fake.Contact(id[i]); return c[f] }
	if stored(0, "jobtitle") != "CTO" || stored(1, "jobtitle") != "CFO" || stored(2, "hs_lead_status") != "NEW" || stored(4, "numemployees") != "1000+" {
		t.Errorf("good values were not written: %v", e.fake.Contacts())
	}
	if res[0].ModifiedAt.IsZero() || !res[3].ModifiedAt.IsZero() {
		t.Errorf("modified times: partly written %v, not written %v", res[0].ModifiedAt, res[3].ModifiedAt)
	}
}

func TestWriteRefusesBadBatches(t *testing.T) {
	e := setup(t, hubspottest.Options{})
	big := make([]crm.Patch, 101)
	for i := range big {
		big[i] = crm.Patch{RecordID: strconv.Itoa(i + 1), Fields: map[string]string{"city": "x"}}
	}
	tests := map[string][]crm.Patch{
		"duplicate ids": {{RecordID: "1", Fields: map[string]string{"city": "a"}}, {RecordID: "1", Fields: map[string]string{"city": "b"}}},
		"too many":      big,
		"no id":         {{Fields: map[string]string{"city": "a"}}},
	}
	for name, patches := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := e.client.Write(context.Background(), "contacts", patches); crm.ClassOf(err) != crm.ClassInvalid {
				t.Errorf("err = %v, want invalid", err)
			}
		})
	}
	if e.client.BatchSize() != 100 {
		t.Errorf("BatchSize = %d", e.client.BatchSize())
	}
}

func TestSchema(t *testing.T) {
	e := setup(t, hubspottest.Options{})
	e.fake.DefineProperty(hubspottest.Property{Name: "seniority_level", Type: "enumeration",
		Options: []hubspottest.Option{{Label: "Executive", Value: "executive"}, {Label: "Other", Value: "other"}}})
	e.fake.DefineProperty(hubspottest.Property{Name: "lead_score", Type: "number", Calculated: true})
	s, err := e.client.Schema(context.Background(), "contacts")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]crm.FieldSchema{
		"email":            {Name: "email", Label: "Email", Type: "string", FieldType: "text", MaxLength: 65536},
		"createdate":       {Name: "createdate", Label: "Create Date", Type: "datetime", FieldType: "date", ReadOnly: true},
		"hs_lead_status":   {Name: "hs_lead_status", Label: "Lead Status", Type: "enumeration", FieldType: "radio", Options: []string{"NEW", "OPEN", "IN_PROGRESS", "OPEN_DEAL", "UNQUALIFIED", "ATTEMPTED_TO_CONTACT", "CONNECTED", "BAD_TIMING"}},
		"hubspot_owner_id": {Name: "hubspot_owner_id", Label: "Contact owner", Type: "enumeration", FieldType: "select"},
		"seniority_level":  {Name: "seniority_level", Label: "seniority_level", Type: "enumeration", FieldType: "select", Options: []string{"executive", "other"}},
		"lead_score":       {Name: "lead_score", Label: "lead_score", Type: "number", FieldType: "number", ReadOnly: true, Calculated: true},
	}
	for name, w := range want {
		if diff := cmp.Diff(w, s.Fields[name], cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s (-want +got):\n%s", name, diff)
		}
	}
	if s.Object != "contacts" {
		t.Errorf("object = %q", s.Object)
	}
}
