package lushatest

import (
	"testing"

	"github.com/leadsync/leadsync/lusha"
)

func TestWorldMovesOn(t *testing.T) {
	w := NewWorld(5, 400)
	srv := NewTestServer(t, w, Options{})
	c := srv.Client()
	ctx := t.Context()
	mover := pick(t, w, "known person without phones", knownWithoutPhones)
	oldEmail, oldCompany := mover.Email, mover.Company
	to := &w.Companies[0]
	if to == oldCompany {
		to = &w.Companies[1]
	}
	if _, _, err := c.EnrichContacts(ctx, lusha.ContactsEnrichRequest{IDs: []string{mover.ID}}); err != nil {
		t.Fatal(err)
	}

	sg, err := srv.MovePerson(mover.ID, to.ID, "Head of Growth")
	if err != nil {
		t.Fatal(err)
	}
	data := sg.Data
	if sg.Type != lusha.SignalCompanyChange || data["previousCompanyName"] != oldCompany.Name ||
		data["currentTitle"] != "Head of Growth" || data["currentCompanyName"] != to.Name {
		t.Errorf("signal = %+v", sg)
	}
	// The old address still finds them; the answer is the new job, and it is free
	// for an account that revealed their emails already.
	sr, _, err := c.SearchContacts(ctx, lusha.ContactsSearchRequest{Contacts: []lusha.ContactSearchItem{{Email: oldEmail}}})
	if err != nil || len(sr.Results) != 1 || sr.Results[0].ID != mover.ID {
		t.Fatalf("search by the old email = %+v, %v", sr, err)
	}
	er, _, err := c.EnrichContacts(ctx, lusha.ContactsEnrichRequest{IDs: []string{mover.ID}, Reveal: []string{lusha.RevealEmails}})
	if err != nil {
		t.Fatal(err)
	}
	got := er.Results[0]
	if got.JobTitle.Title != "Head of Growth" || got.Company.Name != to.Name || got.Emails[0].Email == oldEmail ||
		got.UpdateDate == "2026-01-01" || er.Billing.CreditsCharged != 0 {
		t.Errorf("enriched after the move = %+v, billing %+v", got, er.Billing)
	}

	// A phone they did not have is a data point not bought yet.
	if err := srv.AddPhone(mover.ID, lusha.Phone{Number: "+14155550123", Type: "mobile"}); err != nil {
		t.Fatal(err)
	}
	er, _, err = c.EnrichContacts(ctx, lusha.ContactsEnrichRequest{IDs: []string{mover.ID}})
	if err != nil {
		t.Fatal(err)
	}
	if er.Billing.CreditsCharged != 5 || len(er.Results[0].Phones) != 1 {
		t.Errorf("after a new phone: billing %+v, phones %+v", er.Billing, er.Results[0].Phones)
	}
	if _, err := srv.Promote("no-such-person", "x"); err == nil {
		t.Error("promoting nobody worked")
	}
}

// TestWatched lists the active subscriptions' entities a signal type reaches.
func TestWatched(t *testing.T) {
	w := NewWorld(5, 40)
	srv := NewTestServer(t, w, Options{})
	c := srv.Client()
	a, b := w.People[0].ID, w.People[1].ID
	_, _, err := c.CreateSubscriptions(t.Context(), lusha.CreateSubscriptionsRequest{
		Defaults: lusha.SubscriptionDefaults{URL: "http://127.0.0.1:1/hook", EntityType: lusha.EntityContact},
		Subscriptions: []lusha.SubscriptionItem{{EntityID: b, SignalTypes: []string{lusha.SignalPromotion}},
			{EntityID: a, SignalTypes: []string{lusha.SignalAll}}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := srv.Watched(lusha.EntityContact, lusha.SignalPromotion); len(got) != 2 || got[0] > got[1] {
		t.Errorf("promotion watched for %v; want %s and %s, sorted", got, a, b)
	}
	if got := srv.Watched(lusha.EntityContact, lusha.SignalCompanyChange); len(got) != 1 || got[0] != a {
		t.Errorf("companyChange watched for %v; want %s", got, a)
	}
	if got := srv.Watched(lusha.EntityCompany, lusha.SignalAll); len(got) != 0 {
		t.Errorf("companies watched: %v", got)
	}
}
