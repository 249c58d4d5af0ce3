package lushatest_test

import (
	"context"
	"fmt"

	"github.com/leadsync/leadsync/lusha"
	"github.com/leadsync/leadsync/lusha/lushatest"
)

func Example() {
	world := lushatest.NewWorld(1, 100)
	fake := lushatest.NewServer(world, lushatest.Options{})
	if err := fake.Start("127.0.0.1:0"); err != nil {
		panic(err)
	}
	defer fake.Close()

	client := lusha.NewClient(fake.APIKey(), lusha.WithBaseURL(fake.URL()))
	person := world.People[0]
	for _, p := range world.People {
		if p.Known && !p.Restricted && len(p.Phones) > 0 {
			person = p
			break
		}
	}
	found, _, err := client.SearchContacts(context.Background(), lusha.ContactsSearchRequest{
		Contacts: []lusha.ContactSearchItem{{Email: person.Email}}})
	if err != nil {
		panic(err)
	}
	fmt.Println(found.Results[0].ID == person.ID, found.Results[0].CanReveal, found.Billing)
	// Output: true [{emails 1} {phones 5}] {1 1}
}
