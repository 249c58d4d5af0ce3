package hubspot_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/crm/hubspot/hubspottest"
)

// Two and three bad records in one batch of 100 (issue 13, HubSpot 2): the whole-batch
// 400 lists refusals that cannot be pinned on a record (the fake's INVALID_LENGTH
// message names the property, not the value), so Write halves the batch until each
// bad record stands alone. Every good record is written; a bad record loses only its
// refused field. A refusal it can pin (INVALID_OPTION names the refused part of a
// multi-select value) costs no split.
func TestWriteSplitsUntilBadRecordsStandAlone(t *testing.T) {
	long := strings.Repeat("x", 65537)
	tests := []struct {
		name   string
		bad    map[int]map[string]string // record index → its patch
		refuse map[int]string            // record index → refused field
	}{
		{"two unpinnable", map[int]map[string]string{
			17: {"jobtitle": long, "city": "Rome"}, 60: {"jobtitle": long, "city": "Rome"}},
			map[int]string{17: "jobtitle", 60: "jobtitle"}},
		{"three, one pinnable", map[int]map[string]string{
			0: {"jobtitle": long, "city": "Rome"}, 50: {"tags": "a;zzz", "city": "Rome"}, 99: {"jobtitle": long}},
			map[int]string{0: "jobtitle", 50: "tags", 99: "jobtitle"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := hubspottest.NewServer(hubspottest.Options{BurstLimit: -1, SearchPerSecond: -1})
			fake.DefineProperty(hubspottest.Property{Name: "tags", Type: "enumeration", FieldType: "checkbox",
				Options: []hubspottest.Option{{Value: "a"}, {Value: "b"}}})
			var calls atomic.Int32
			e := setupHandler(t, fake, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				fake.ServeHTTP(w, r)
			}), newClock())
			patches := make([]crm.Patch, 100)
			for i := range patches {
				id := fake.AddContact(map[string]string{"email": fmt.Sprintf("%d@example.com", i)})
				fields := map[string]string{"jobtitle": fmt.Sprintf("Title %d", i), "tags": "a;b"}
				if b, ok := tt.bad[i]; ok {
					fields = b
				}
				patches[i] = crm.Patch{RecordID: id, Fields: fields}
			}
			res, err := e.client.Write(context.Background(), "contacts", patches)
			if err != nil {
				t.Fatal(err)
			}
			for i, r := range res {
				stored, _ := fake.Contact(patches[i].RecordID)
				field, bad := tt.refuse[i]
				if !bad {
					if r.Err != nil || stored["jobtitle"] != patches[i].Fields["jobtitle"] || stored["tags"] != "a;b" {
						t.Errorf("good record %d: %v, stored %v", i, r.Err, stored)
					}
					continue
				}
				var refused []string
				for _, fe := range r.FieldErrors {
					refused = append(refused, fe.Field)
				}
				if crm.ClassOf(r.Err) != crm.ClassInvalid || !slices.Equal(refused, []string{field}) {
					t.Errorf("bad record %d: %v, refused %v, want only %s", i, r.Err, refused, field)
				}
				if patches[i].Fields["city"] != "" && stored["city"] != "Rome" {
					t.Errorf("bad record %d: its good field was not written: %v", i, stored)
				}
			}
			// Each bad record costs at most one refusal per halving (log2 100 < 7).
			if n := calls.Load(); n > int32(2*7*len(tt.bad)+2) {
				t.Errorf("%d calls for %d bad records", n, len(tt.bad))
			}
		})
	}
}
