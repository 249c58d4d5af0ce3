package salesforce_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/crm/salesforce/salesforcetest"
)

var seniorities = []string{"C-Level", "VP", "Director", "Manager", "Individual Contributor"}

func defineSeniority(e *env) {
	e.fake.DefineField("Lead", salesforcetest.Field{Name: "Seniority__c", Label: "Seniority", Type: "picklist",
		Length: 255, Picklist: seniorities, Restricted: true})
}

func TestWriteCollectionWithOneRestrictedPicklistViolation(t *testing.T) {
	e := setup(t, salesforcetest.Options{})
	defineSeniority(e)
	ids := seedSameSecond(e, 200)
	e.clock.Advance(time.Minute)
	patches := make([]crm.Patch, len(ids))
	for i, id := range ids {
		patches[i] = crm.Patch{RecordID: id, Fields: map[string]string{"Title": "Title " + strconv.Itoa(i), "Seniority__c": "VP"}}
	}
	patches[42].Fields["Seniority__c"] = "Chief Vibes Officer"

	results, err := e.client.Write(context.Background(), "Lead", patches)
	if err != nil {
		t.Fatal(err)
	}
	written := 0
	for i, r := range results {
		if r.RecordID != ids[i] {
			t.Fatalf("result %d is for %s, want %s", i, r.RecordID, ids[i])
		}
		if r.Err == nil {
			written++
			if got := e.fake.Lead(ids[i]); got["Seniority__c"] != "VP" || got["Title"] != "Title "+strconv.Itoa(i) {
				t.Errorf("lead %d = %v", i, got)
			}
		}
	}
	if written != 199 {
		t.Errorf("written = %d, want 199", written)
	}
	bad := results[42]
	wantFE := []crm.FieldError{{Field: "Seniority__c", Code: "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
		Message: "Seniority: bad value for restricted picklist field: Chief Vibes Officer"}}
	if diff := cmp.Diff(wantFE, bad.FieldErrors); diff != "" || crm.ClassOf(bad.Err) != crm.ClassInvalid {
		t.Errorf("record 42: class %q, field errors (-want +got):\n%s", crm.ClassOf(bad.Err), diff)
	}
	if strings.Contains(bad.Err.Error(), "Chief Vibes") {
		t.Errorf("error string carries the value: %v", bad.Err)
	}
	// The record's good field went through on the second call; the bad one did not.
	if got := e.fake.Lead(ids[42]); got["Title"] != "Title 42" || got["Seniority__c"] != "" {
		t.Errorf("lead 42 = %v", got)
	}
	for i, r := range results {
		stamp, _ := time.Parse("2006-01-02T15:04:05.000-0700", e.fake.Lead(ids[i])["SystemModstamp"])
		if !r.ModifiedAt.Equal(stamp) || !stamp.Equal(e.clock.Now()) {
			t.Fatalf("record %d ModifiedAt = %v, fake SystemModstamp %v", i, r.ModifiedAt, stamp)
		}
		if owner := e.fake.Lead(ids[i])["OwnerId"]; owner != e.fake.UserID() {
			t.Fatalf("record %d owner moved to %s: assignment rules ran", i, owner)
		}
	}
}

func TestWritePerRecordErrors(t *testing.T) {
	tests := []struct {
		name   string
		fields map[string]string
		class  crm.Class
		code   string
		field  string
	}{
		{"too long", map[string]string{"City": strings.Repeat("x", 41)}, crm.ClassInvalid, "STRING_TOO_LONG", "City"},
		{"bad email", map[string]string{"Email": "not-an-address"}, crm.ClassInvalid, "INVALID_EMAIL_ADDRESS", "Email"},
		{"read-only", map[string]string{"Name": "X"}, crm.ClassInvalid, "INVALID_FIELD_FOR_INSERT_UPDATE", "Name"},
		{"required cleared", map[string]string{"LastName": ""}, crm.ClassInvalid, "REQUIRED_FIELD_MISSING", "LastName"},
		// Refused before sending: the org would fail the whole request (JSON_PARSER_ERROR).
		{"not a number", map[string]string{"NumberOfEmployees": "many"}, crm.ClassInvalid, "JSON_PARSER_ERROR", "NumberOfEmployees"},
		{"fine", map[string]string{"City": "Berlin", "NumberOfEmployees": "250", "DoNotCall": "true"}, crm.ClassNone, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := setup(t, salesforcetest.Options{})
			id := e.fake.AddLead(map[string]string{"LastName": "Lovelace"})
			res, err := e.client.Write(context.Background(), "Lead", []crm.Patch{{RecordID: id, Fields: tt.fields}})
			if err != nil {
				t.Fatal(err)
			}
			r := res[0]
			if got := crm.ClassOf(r.Err); got != tt.class {
				t.Fatalf("class = %q (%v), want %q", got, r.Err, tt.class)
			}
			if tt.code == "" {
				if got := e.fake.Lead(id); got["NumberOfEmployees"] != "250" || got["DoNotCall"] != "true" || r.ModifiedAt.IsZero() {
					t.Errorf("lead = %v, result %+v", got, r)
				}
				return
			}
			if len(r.FieldErrors) != 1 || r.FieldErrors[0].Code != tt.code || r.FieldErrors[0].Field != tt.field {
				t.Errorf("field errors = %+v, want %s on %s", r.FieldErrors, tt.code, tt.field)
			}
		})
	}
}

func TestWriteRecordLevelFailures(t *testing.T) {
	e := setup(t, salesforcetest.Options{})
	gone := e.fake.AddLead(nil)
	if err := e.fake.Delete("Lead", gone); err != nil {
		t.Fatal(err)
	}
	ok := e.fake.AddLead(nil)
	res, err := e.client.Write(context.Background(), "Lead", []crm.Patch{
		{RecordID: gone, Fields: map[string]string{"Title": "x"}},
		{RecordID: ok[:15], Fields: map[string]string{"Title": "y"}}, // a 15-char id works too
	})
	if err != nil {
		t.Fatal(err)
	}
	if c := crm.ClassOf(res[0].Err); c != crm.ClassInvalid || !strings.Contains(res[0].Err.Error(), "ENTITY_IS_DELETED") {
		t.Errorf("deleted record: %v", res[0].Err)
	}
	if res[1].Err != nil || res[1].ModifiedAt.IsZero() || e.fake.Lead(ok)["Title"] != "y" {
		t.Errorf("15-char id: %+v", res[1])
	}

	e.fake.SetChaos(salesforcetest.Chaos{LockRow: 1})
	res, err = e.client.Write(context.Background(), "Lead", []crm.Patch{{RecordID: ok, Fields: map[string]string{"Title": "z"}}})
	if err != nil {
		t.Fatal(err)
	}
	if c := crm.ClassOf(res[0].Err); c != crm.ClassRateLimited || crm.RetryAfter(res[0].Err) == 0 {
		t.Errorf("locked row: class %q, %v", c, res[0].Err)
	}
}

func TestWriteRefusesBadBatches(t *testing.T) {
	e := setup(t, salesforcetest.Options{})
	id := e.fake.AddLead(nil)
	tooMany := make([]crm.Patch, 201)
	for i := range tooMany {
		tooMany[i] = crm.Patch{RecordID: id}
	}
	for name, batch := range map[string][]crm.Patch{
		"too many":    tooMany,
		"duplicate":   {{RecordID: id}, {RecordID: strings.ToLower(id[:15]) + "zzz"[:0] + id[15:]}},
		"no id":       {{Fields: map[string]string{"Title": "x"}}},
		"id with sql": {{RecordID: "00Q') OR Id != ('"}},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := e.client.Write(context.Background(), "Lead", batch); crm.ClassOf(err) != crm.ClassInvalid {
				t.Errorf("err = %v, want invalid", err)
			}
		})
	}
}

func TestSchema(t *testing.T) {
	e := setup(t, salesforcetest.Options{})
	defineSeniority(e)
	s, err := e.client.Schema(context.Background(), "Lead")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]crm.FieldSchema{
		"Title":             {Name: "Title", Label: "Title", Type: "string", FieldType: "string", MaxLength: 128},
		"MobilePhone":       {Name: "MobilePhone", Label: "Mobile Phone", Type: "phone_number", FieldType: "phone", MaxLength: 40},
		"Seniority__c":      {Name: "Seniority__c", Label: "Seniority", Type: "enumeration", FieldType: "picklist", MaxLength: 255, Options: seniorities},
		"Industry":          {Name: "Industry", Label: "Industry", Type: "enumeration", FieldType: "picklist", MaxLength: 255},
		"Name":              {Name: "Name", Label: "Full Name", Type: "string", FieldType: "string", MaxLength: 121, ReadOnly: true},
		"NumberOfEmployees": {Name: "NumberOfEmployees", Label: "Employees", Type: "number", FieldType: "int"},
		"SystemModstamp":    {Name: "SystemModstamp", Label: "System Modstamp", Type: "datetime", FieldType: "datetime", ReadOnly: true},
	}
	for name, w := range want {
		if diff := cmp.Diff(w, s.Fields[name]); diff != "" {
			t.Errorf("%s (-want +got):\n%s", name, diff)
		}
	}
	if _, err := e.client.Schema(context.Background(), "Leed"); crm.ClassOf(err) != crm.ClassInvalid {
		t.Errorf("unknown object: %v", err)
	}
}
