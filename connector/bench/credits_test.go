package bench

import "testing"

// TestCreditsOneNumberTwoPeople: two people who share a phone number are two reveals;
// two records of one person (same name and company, Lusha matched them to one) are one.
func TestCreditsOneNumberTwoPeople(t *testing.T) {
	f, err := startFakes(&hubspotSpec, 3, 250, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer f.close()
	n := hubspotSpec.fields
	a, b, c := f.ids[0], f.ids[1], f.ids[2]
	before := f.crm.records()
	if before[a][n.LastName] == before[b][n.LastName] {
		t.Fatal("the seed gave records 0 and 1 one name; pick others")
	}
	const number = "+15129466176"
	f.crm.update(a, map[string]string{n.Phone: number})
	f.crm.update(b, map[string]string{n.Phone: number})
	f.crm.update(c, map[string]string{n.Phone: number, n.FirstName: before[a][n.FirstName], n.LastName: before[a][n.LastName],
		n.Company: before[a][n.Company]})
	if got := f.credits().NeededPhones; got != 2*pricing.RevealPhone {
		t.Errorf("phones needed %d, want 2 reveals (%d each)", got, pricing.RevealPhone)
	}
}
