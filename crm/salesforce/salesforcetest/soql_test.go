package salesforcetest_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/leadsync/leadsync/crm/salesforce/salesforcetest"
)

// seedPeople adds five leads over three seconds and returns their ids.
func seedPeople(o *org) []string {
	var ids []string
	add := func(f map[string]string) { ids = append(ids, o.fake.AddLead(f)) }
	add(map[string]string{"LastName": "Lovelace", "FirstName": "Ada", "Email": "ada@example.com", "Company": "Engines", "NumberOfEmployees": "12"})
	add(map[string]string{"LastName": "Hopper", "FirstName": "Grace", "Email": "grace@navy.mil", "Company": "Navy", "NumberOfEmployees": "5000", "Title": "Rear Admiral"})
	o.clock.Advance(time.Second)
	add(map[string]string{"LastName": "O'Neil", "Company": "It's Ltd", "Industry": "Banking"})
	o.clock.Advance(time.Second)
	add(map[string]string{"LastName": "turing", "Company": "Bletchley", "Title": "Cryptanalyst", "NumberOfEmployees": "400"})
	add(map[string]string{"LastName": "Noether", "Company": "Göttingen"})
	return ids
}

func TestSOQL(t *testing.T) {
	o := newOrg(t, salesforcetest_Options())
	ids := seedPeople(o)
	tests := []struct {
		name string
		soql string
		want []int  // indexes into ids, in answer order
		code string // error code when refused
		msg  string // a part of the message
	}{
		{name: "all", soql: "SELECT Id FROM Lead", want: []int{0, 1, 2, 3, 4}},
		{name: "keywords any case", soql: "select id from lead where lastname = 'LOVELACE'", want: []int{0}},
		{name: "keyset tie break", soql: "SELECT Id FROM Lead WHERE (SystemModstamp > 2026-03-01T12:00:00Z OR (SystemModstamp = 2026-03-01T12:00:00Z AND Id > '" + ids[0] + "')) ORDER BY SystemModstamp, Id", want: []int{1, 2, 3, 4}},
		{name: "datetime with offset and fraction", soql: "SELECT Id FROM Lead WHERE SystemModstamp >= 2026-03-01T13:00:01.000+01:00", want: []int{2, 3, 4}},
		{name: "null", soql: "SELECT Id FROM Lead WHERE Title = null", want: []int{0, 2, 4}},
		{name: "not null", soql: "SELECT Id FROM Lead WHERE Title != null", want: []int{1, 3}},
		{name: "escaped quote", soql: `SELECT Id FROM Lead WHERE Company = 'It\'s Ltd'`, want: []int{2}},
		{name: "number", soql: "SELECT Id FROM Lead WHERE NumberOfEmployees > 100 AND NumberOfEmployees <= 5000", want: []int{1, 3}},
		{name: "in", soql: "SELECT Id FROM Lead WHERE LastName IN ('Hopper', 'Noether')", want: []int{1, 4}},
		{name: "not in", soql: "SELECT Id FROM Lead WHERE LastName NOT IN ('Hopper', 'Noether')", want: []int{0, 2, 3}},
		{name: "like", soql: "SELECT Id FROM Lead WHERE Email LIKE '%@EXAMPLE.com'", want: []int{0}},
		{name: "like underscore", soql: "SELECT Id FROM Lead WHERE LastName LIKE 'H_pper'", want: []int{1}},
		{name: "not", soql: "SELECT Id FROM Lead WHERE NOT (Title = null OR LastName = 'Hopper')", want: []int{3}},
		{name: "and binds tighter than or", soql: "SELECT Id FROM Lead WHERE LastName = 'Hopper' OR Company = 'Bletchley' AND Title = null", want: []int{1}},
		{name: "15-char id literal", soql: "SELECT Id FROM Lead WHERE Id = '" + ids[2][:15] + "'", want: []int{2}},
		{name: "order desc nulls last", soql: "SELECT Id FROM Lead ORDER BY Title DESC NULLS LAST, LastName", want: []int{1, 3, 0, 4, 2}},
		{name: "order asc default nulls first", soql: "SELECT Id FROM Lead ORDER BY NumberOfEmployees, LastName ASC", want: []int{4, 2, 0, 3, 1}},
		{name: "text order ignores case", soql: "SELECT Id FROM Lead ORDER BY LastName", want: []int{1, 0, 4, 2, 3}},
		{name: "limit", soql: "SELECT Id FROM Lead ORDER BY Id DESC LIMIT 2", want: []int{4, 3}},
		{name: "offset", soql: "SELECT Id FROM Lead ORDER BY Id LIMIT 2 OFFSET 1", want: []int{1, 2}},
		{name: "boolean", soql: "SELECT Id FROM Lead WHERE DoNotCall = false AND IsConverted != TRUE", want: []int{0, 1, 2, 3, 4}},

		{name: "unexpected token", soql: "SELECT Id FROM Lead WHERE", code: "MALFORMED_QUERY", msg: "\nSELECT Id FROM Lead WHERE\n                         ^\nERROR at Row:1:Column:26\nunexpected token: '<EOF>'"},
		{name: "missing from", soql: "SELECT Id Lead", code: "MALFORMED_QUERY", msg: "unexpected token: 'Lead'"},
		{name: "trailing comma", soql: "SELECT Id, FROM Lead", code: "MALFORMED_QUERY", msg: "unexpected token: 'FROM'"},
		{name: "double equals", soql: "SELECT Id FROM Lead WHERE Title == 'x'", code: "MALFORMED_QUERY", msg: "unexpected token: '='"},
		{name: "unclosed paren", soql: "SELECT Id FROM Lead WHERE (Title = null", code: "MALFORMED_QUERY", msg: "unexpected token: '<EOF>'"},
		{name: "group by", soql: "SELECT Id FROM Lead GROUP BY Title", code: "MALFORMED_QUERY", msg: "unexpected token: 'GROUP'"},
		{name: "duplicate field", soql: "SELECT Id, id FROM Lead", code: "MALFORMED_QUERY", msg: "duplicate field selected: Id"},
		{name: "unknown field", soql: "SELECT Id, Foo__c FROM Lead", code: "INVALID_FIELD", msg: "\nSELECT Id, Foo__c FROM Lead\n           ^\nERROR at Row:1:Column:12\nNo such column 'Foo__c' on entity 'Lead'."},
		{name: "relationship", soql: "SELECT Owner.Email FROM Lead", code: "INVALID_FIELD", msg: "Didn't understand relationship 'Owner'"},
		{name: "unknown object", soql: "SELECT Id FROM Leed", code: "INVALID_TYPE", msg: "sObject type 'Leed' is not supported."},
		{name: "quoted datetime", soql: "SELECT Id FROM Lead WHERE SystemModstamp > '2026-03-01T12:00:00Z'", code: "INVALID_FIELD", msg: "must be of type dateTime and should not be enclosed in quotes"},
		{name: "unquoted string", soql: "SELECT Id FROM Lead WHERE Title = 5", code: "INVALID_FIELD", msg: "must be of type string and should be enclosed in quotes"},
		{name: "bad id", soql: "SELECT Id FROM Lead WHERE Id > 'abc'", code: "INVALID_QUERY_FILTER_OPERATOR", msg: "invalid ID field: abc"},
		{name: "offset too far", soql: "SELECT Id FROM Lead OFFSET 2001", code: "NUMBER_OUTSIDE_VALID_RANGE", msg: "Maximum SOQL offset allowed is 2000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := o.query(t, tt.soql)
			if tt.code != "" {
				errs := decodeErrors(t, body)
				if status != http.StatusBadRequest || errs[0].ErrorCode != tt.code || !strings.Contains(errs[0].Message, tt.msg) {
					t.Fatalf("%d %s, want 400 %s containing %q", status, body, tt.code, tt.msg)
				}
				return
			}
			var ans queryAnswer
			if status != http.StatusOK || json.Unmarshal(body, &ans) != nil {
				t.Fatalf("%d %s", status, body)
			}
			var got []int
			for _, r := range ans.Records {
				for i, id := range ids {
					if r["Id"] == id {
						got = append(got, i)
					}
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" || ans.TotalSize != len(tt.want) || !ans.Done {
				t.Errorf("total %d done %v, records (-want +got):\n%s", ans.TotalSize, ans.Done, diff)
			}
		})
	}
}

func TestQueryRecordShape(t *testing.T) {
	o := newOrg(t, salesforcetest_Options())
	id := o.fake.AddLead(map[string]string{"LastName": "Lovelace", "NumberOfEmployees": "12"})
	_, body := o.query(t, "SELECT email, NumberOfEmployees, DoNotCall, SystemModstamp, Id FROM Lead")
	want := `{"totalSize":1,"done":true,"records":[{"attributes":{"type":"Lead","url":"/services/data/v62.0/sobjects/Lead/` + id +
		`"},"Email":null,"NumberOfEmployees":12,"DoNotCall":false,"SystemModstamp":"2026-03-01T12:00:00.000+0000","Id":"` + id + `"}]}`
	if got := strings.TrimSpace(string(body)); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// salesforcetest_Options is the test org's configuration: no chaos, default limits.
func salesforcetest_Options() salesforcetest.Options { return salesforcetest.Options{} }
