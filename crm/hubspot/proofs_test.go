package hubspot_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/crm/hubspot/hubspottest"
)

// Issue 4, must show 2: 25,000 contacts sharing one lastmodifieddate are read exactly
// once each, across pages and across runs that each stop after one page and resume
// from its cursor; the run after that hands out no new version.
func TestSharedTimestampReadOnceAcrossRuns(t *testing.T) {
	const n = 25000
	e := setup(t, hubspottest.Options{})
	stamp := e.clock.Now().Add(-time.Hour).Format(time.RFC3339)
	for i := range n {
		e.fake.AddContact(map[string]string{"email": strconv.Itoa(i) + "@example.com", "lastmodifieddate": stamp})
	}
	versions := map[string]time.Time{}
	var cursor crm.Cursor
	runs := 0
	for done := false; !done; runs++ {
		if runs > n/200+2 {
			t.Fatalf("still reading after %d runs", runs)
		}
		// One run: the first page only, as if the process stopped right after it.
		for p, err := range e.client.Changes(context.Background(), crm.ChangesRequest{Object: "contacts", Since: cursor}) {
			if err != nil {
				t.Fatalf("run %d: %v", runs, err)
			}
			for _, r := range p.Records {
				if _, dup := versions[r.ID]; dup {
					t.Fatalf("run %d: %s read twice", runs, r.ID)
				}
				versions[r.ID] = r.ModifiedAt
			}
			cursor = p.Next
			done = len(p.Records) == 0 || isWindowEnd(cursor)
			break
		}
	}
	if len(versions) != n {
		t.Fatalf("read %d distinct contacts in %d runs, want %d", len(versions), runs, n)
	}
	// The next run re-reads through the overlap, but only versions already seen: the
	// connector's (id, ModifiedAt) de-duplication drops them all.
	pages, err := readAll(t, e.client, crm.ChangesRequest{Object: "contacts", Since: cursor})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pages {
		for _, r := range p.Records {
			if m, ok := versions[r.ID]; !ok || !m.Equal(r.ModifiedAt) {
				t.Fatalf("next run handed out a new version of %s", r.ID)
			}
		}
	}
}

// isWindowEnd reports whether a cursor closes its window (holds only a watermark).
func isWindowEnd(c crm.Cursor) bool {
	return !containsKey(string(c), `"hi"`)
}

func containsKey(s, key string) bool {
	for i := 0; i+len(key) <= len(s); i++ {
		if s[i:i+len(key)] == key {
			return true
		}
	}
	return false
}

// Issue 4, must show 4: in a batch of 100 with one invalid option value, 99 records
// are written and one is parked with the field and the reason.
func TestBatchOfHundredWithOneBadOption(t *testing.T) {
	e := setup(t, hubspottest.Options{})
	var patches []crm.Patch
	for i := range 100 {
		id := e.fake.AddContact(map[string]string{"email": strconv.Itoa(i) + "@example.com"})
		status := "NEW"
		if i == 57 {
			status = "HOT" // not an option of hs_lead_status
		}
		patches = append(patches, crm.Patch{RecordID: id, Fields: map[string]string{"hs_lead_status": status}})
	}
	res, err := e.client.Write(context.Background(), "contacts", patches)
	if err != nil {
		t.Fatal(err)
	}
	written := 0
	for i, r := range res {
		stored, _ := e.fake.Contact(r.RecordID)
		if i == 57 {
			if crm.ClassOf(r.Err) != crm.ClassInvalid || len(r.FieldErrors) != 1 ||
				r.FieldErrors[0].Field != "hs_lead_status" || r.FieldErrors[0].Code != "INVALID_OPTION" || r.FieldErrors[0].Message == "" {
				t.Errorf("bad record: %+v", r)
			}
			if stored["hs_lead_status"] != "" {
				t.Errorf("bad value stored: %q", stored["hs_lead_status"])
			}
			continue
		}
		if r.Err == nil && stored["hs_lead_status"] == "NEW" && !r.ModifiedAt.IsZero() {
			written++
		}
	}
	if written != 99 {
		t.Errorf("%d records written, want 99", written)
	}
}
