package hubspot_test

import (
	"slices"
	"testing"

	"github.com/leadsync/leadsync/crm/hubspot"
	"github.com/leadsync/leadsync/crm/hubspot/hubspottest"
)

func TestGetReadsByID(t *testing.T) {
	fake := hubspottest.NewServer(hubspottest.Options{})
	if err := fake.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	var ids []string
	for i := range 130 {
		ids = append(ids, fake.AddContact(map[string]string{"email": "p" + string(rune('a'+i%26)) + "@x.test", "jobtitle": "t"}))
	}
	fake.ArchiveContact(ids[5])
	c := hubspot.New(fake.Token(), hubspot.WithBaseURL(fake.URL()))
	recs, err := c.Get(t.Context(), "contacts", ids, []string{"email", "jobtitle"})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 129 {
		t.Fatalf("got %d records, want 129 (one archived)", len(recs))
	}
	for _, r := range recs {
		if r.ID == ids[5] {
			t.Error("archived contact returned")
		}
		if r.Fields["jobtitle"] != "t" || r.ModifiedAt.IsZero() || !slices.Contains(ids, r.ID) {
			t.Errorf("record %+v", r)
		}
	}
}
