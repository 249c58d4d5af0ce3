package salesforcetest_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/leadsync/leadsync/crm/salesforce/salesforcetest"
)

// queryRows runs a query or queryAll and returns its rows, failing on anything but 200.
func (o *org) queryRows(t *testing.T, resource, soql string) []map[string]any {
	t.Helper()
	resp, body := o.do(t, http.MethodGet, "/services/data/v62.0/"+resource+"?q="+url.QueryEscape(soql), "")
	var ans queryAnswer
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &ans) != nil {
		t.Fatalf("%s %q: %d %s", resource, soql, resp.StatusCode, body)
	}
	return ans.Records
}

func rowIDs(rows []map[string]any) []string {
	var out []string
	for _, r := range rows {
		out = append(out, r["Id"].(string))
	}
	return out
}

// TestConvertedLeadsStayLeads: a converted lead stays a Lead row with IsConverted =
// true and the ids of the Contact and Account made from it (reference §7.3; Change
// Data Capture guide, "Change Events for Lead Conversion"). A reader leaves it out with
// a boolean literal; a quoted 'false' is refused as for any boolean field (§3.8's value
// grammar has TRUE and FALSE; the INVALID_FIELD text is that of §3.8's quoted datetime).
func TestConvertedLeadsStayLeads(t *testing.T) {
	o := newOrg(t, salesforcetest.Options{})
	open := o.fake.AddLead(map[string]string{"LastName": "Open", "Company": "Acme"})
	won := o.fake.AddLead(map[string]string{"LastName": "Won", "FirstName": "Wanda", "Company": "Globex",
		"Email": "wanda@globex.test", "Website": "globex.test"})
	contact, account, err := o.fake.Convert(won)
	if err != nil {
		t.Fatal(err)
	}
	lead := o.fake.Lead(won)
	if lead["IsConverted"] != "true" || lead["Status"] != "Closed - Converted" || lead["ConvertedDate"] != "2026-03-01" ||
		lead["ConvertedContactId"] != contact || lead["ConvertedAccountId"] != account {
		t.Errorf("converted lead = %v", lead)
	}
	if c := o.fake.Record("Contact", contact); c["Email"] != "wanda@globex.test" || c["AccountId"] != account {
		t.Errorf("contact made by the conversion = %v", c)
	}
	if a := o.fake.Record("Account", account); a["Name"] != "Globex" {
		t.Errorf("account made by the conversion = %v", a)
	}
	if got := rowIDs(o.queryRows(t, "query", "SELECT Id FROM Lead ORDER BY Id")); len(got) != 2 {
		t.Errorf("query without a filter = %v, want both leads: a converted lead is still a Lead", got)
	}
	if got := rowIDs(o.queryRows(t, "query", "SELECT Id FROM Lead WHERE IsConverted = false")); len(got) != 1 || got[0] != open {
		t.Errorf("IsConverted = false gave %v, want only %s", got, open)
	}
	status, body := o.query(t, "SELECT Id FROM Lead WHERE IsConverted = 'false'")
	if errs := decodeErrors(t, body); status != http.StatusBadRequest || errs[0].ErrorCode != "INVALID_FIELD" ||
		!strings.Contains(errs[0].Message, "must be of type boolean and should not be enclosed in quotes") {
		t.Errorf("a quoted boolean: %d %s", status, body)
	}
	if _, _, err := o.fake.Convert(won); err == nil {
		t.Error("a lead was converted twice")
	}
}

// TestQueryAllReturnsDeletedAndMergedRows: query never returns IsDeleted = true rows;
// queryAll returns soft-deleted and merged-away ones, the losers with MasterRecordId,
// and accepts WHERE IsDeleted = true (reference §3.6; REST guide resources-queryall).
func TestQueryAllReturnsDeletedAndMergedRows(t *testing.T) {
	o := newOrg(t, salesforcetest.Options{})
	master := o.fake.AddLead(map[string]string{"LastName": "Master"})
	loser := o.fake.AddLead(map[string]string{"LastName": "Loser"})
	gone := o.fake.AddLead(map[string]string{"LastName": "Gone"})
	if err := o.fake.Merge("Lead", master, loser); err != nil {
		t.Fatal(err)
	}
	if err := o.fake.Delete("Lead", gone); err != nil {
		t.Fatal(err)
	}
	const soql = "SELECT Id, IsDeleted, MasterRecordId FROM Lead ORDER BY Id"
	if got := rowIDs(o.queryRows(t, "query", soql)); len(got) != 1 || got[0] != master {
		t.Errorf("query = %v, want only the survivor", got)
	}
	rows := o.queryRows(t, "queryAll", soql)
	want := []struct {
		id      string
		deleted bool
		master  any
	}{{master, false, nil}, {loser, true, master}, {gone, true, nil}}
	if len(rows) != len(want) {
		t.Fatalf("queryAll = %v", rows)
	}
	for i, w := range want {
		if r := rows[i]; r["Id"] != w.id || r["IsDeleted"] != w.deleted || r["MasterRecordId"] != w.master {
			t.Errorf("queryAll row %d = %v, want Id %s IsDeleted %v MasterRecordId %v", i, r, w.id, w.deleted, w.master)
		}
	}
	if got := rowIDs(o.queryRows(t, "queryAll", "SELECT Id FROM Lead WHERE IsDeleted = true ORDER BY Id")); len(got) != 2 {
		t.Errorf("queryAll WHERE IsDeleted = true = %v, want the two deleted", got)
	}
}

// TestLongTransactionCommitsLate: SystemModstamp is the transaction's start, and its
// rows appear only at commit, so a reader that already went past that stamp finds rows
// behind it (reference §7.2 "Late commits", an Inference there, and §7.5's lookback).
func TestLongTransactionCommitsLate(t *testing.T) {
	o := newOrg(t, salesforcetest.Options{})
	tx := o.fake.Begin() // 12:00:00
	late := tx.Add("Lead", map[string]string{"LastName": "Imported"})
	o.clock.Advance(2 * time.Minute)
	quick := o.fake.AddLead(map[string]string{"LastName": "Quick"}) // 12:02:00
	const soql = "SELECT Id, SystemModstamp FROM Lead ORDER BY SystemModstamp, Id"
	if got := rowIDs(o.queryRows(t, "query", soql)); len(got) != 1 || got[0] != quick {
		t.Fatalf("before the commit: %v, want only %s", got, quick)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	rows := o.queryRows(t, "query", soql)
	if len(rows) != 2 || rows[0]["Id"] != late || rows[0]["SystemModstamp"] != "2026-03-01T12:00:00.000+0000" {
		t.Errorf("after the commit: %v, want %s first, stamped 12:00:00", rows, late)
	}
	if late >= quick {
		t.Errorf("the late row's id %s was issued at its insert, before %s", late, quick)
	}
}
