package mapping

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"
)

// TestCompanyKeySpellings: spellings of one company share a key, the key is the
// documented hash (stable across releases), and a company without a domain or a name
// has none.
func TestCompanyKeySpellings(t *testing.T) {
	groups := []struct {
		text string // the documented pre-image; "" for no key
		ids  []CompanyIdentity
	}{
		{"leadsync-company-v1\ndomain\nlusha.com", []CompanyIdentity{
			{Domain: "lusha.com"},
			{Domain: "https://www.Lusha.com/about?x=1"},
			{Domain: "WWW.LUSHA.COM.", Name: "Lusha Ltd"}, // the domain wins
			{Domain: "info@lusha.com"},
		}},
		{"leadsync-company-v1\nname\nacme corp", []CompanyIdentity{
			{Name: "ACME   Corp"},
			{Name: " acme corp ", Domain: "not a domain"},
		}},
		{"", []CompanyIdentity{{}, {Domain: "nope"}, {Name: "   "}}},
	}
	for _, g := range groups {
		want := ""
		if g.text != "" {
			sum := sha256.Sum256([]byte(g.text))
			want = hex.EncodeToString(sum[:])
		}
		for _, id := range g.ids {
			if got := id.Key(); got != want {
				t.Errorf("%+v: Key() = %q, want the hash of %q", id, got, g.text)
			}
			if id.Valid() != (want != "") {
				t.Errorf("%+v: Valid() = %v", id, id.Valid())
			}
		}
	}
}

// TestCompanyKeyIsNotAPersonKey: a company's key never equals a person's, so that the
// two caches cannot serve each other's answers.
func TestCompanyKeyIsNotAPersonKey(t *testing.T) {
	person := Identity{FirstName: "a", LastName: "b", CompanyDomain: "lusha.com"}.Key()
	if company := (CompanyIdentity{Domain: "lusha.com"}).Key(); company == person || company == "" {
		t.Fatalf("company key %q, person key %q", company, person)
	}
}

func TestForCompanies(t *testing.T) {
	for object, want := range map[string]bool{"companies": true, "Account": true, "contacts": false, "Lead": false, "Contact": false} {
		m := &Mapping{Object: object}
		if m.ForCompanies() != want {
			t.Errorf("%s: ForCompanies() = %v, want %v", object, !want, want)
		}
	}
}
