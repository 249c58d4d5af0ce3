package mapping

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"
)

func TestIdentityValid(t *testing.T) {
	tests := []struct {
		name string
		id   Identity
		want bool
	}{
		{"email", Identity{Email: "a@b.com"}, true},
		{"email without @", Identity{Email: "nobody"}, false},
		{"linkedin", Identity{LinkedinURL: "linkedin.com/in/x"}, true},
		{"linkedin bare host", Identity{LinkedinURL: "https://www.linkedin.com/"}, false},
		{"names and domain", Identity{FirstName: "A", LastName: "B", CompanyDomain: "b.com"}, true},
		{"names and company", Identity{FirstName: "A", LastName: "B", CompanyName: "B Inc"}, true},
		{"names and bad domain", Identity{FirstName: "A", LastName: "B", CompanyDomain: "nope"}, false},
		{"names only", Identity{FirstName: "A", LastName: "B"}, false},
		{"first name and company", Identity{FirstName: "A", CompanyName: "B"}, false},
		{"empty", Identity{}, false},
	}
	for _, tt := range tests {
		if got := tt.id.Valid(); got != tt.want {
			t.Errorf("%s: Valid() = %v, want %v", tt.name, got, tt.want)
		}
		if (tt.id.Key() != "") != tt.want {
			t.Errorf("%s: Key() = %q, want a key only when valid", tt.name, tt.id.Key())
		}
	}
}

// TestIdentityKeySpellings: spellings of one identity share a key, and the key is the
// documented hash, so that it stays stable across releases.
func TestIdentityKeySpellings(t *testing.T) {
	groups := []struct {
		text string // the documented pre-image
		ids  []Identity
	}{
		{"leadsync-identity-v1\nemail\ndaniel.t@lusha.com", []Identity{
			{Email: "daniel.t@lusha.com"},
			{Email: "  Daniel.T@LUSHA.com "},
			{Email: "daniel.t@lusha.com", LinkedinURL: "linkedin.com/in/other"}, // email wins
		}},
		{"leadsync-identity-v1\nlinkedin\nlinkedin.com/in/orit-shilvock", []Identity{
			{LinkedinURL: "https://www.linkedin.com/in/orit-shilvock"},
			{LinkedinURL: "HTTP://LinkedIn.com/in/Orit-Shilvock/"},
			{LinkedinURL: "linkedin.com/in/orit-shilvock?trk=abc#top"},
			{LinkedinURL: "https://de.linkedin.com/in/orit-shilvock//"},
			{LinkedinURL: "linkedin.com/in/orit-shilvock", FirstName: "x", LastName: "y", CompanyName: "z"},
		}},
		{"leadsync-identity-v1\nname\norit\nshilvock\ndomain\nlusha.com", []Identity{
			{FirstName: "Orit", LastName: "Shilvock", CompanyDomain: "https://www.lusha.com/"},
			{FirstName: " orit ", LastName: "SHILVOCK", CompanyDomain: "lusha.com", CompanyName: "Lusha Ltd"},
		}},
		{"leadsync-identity-v1\nname\nmary ann\nde la cruz\ncompany\nacme corp", []Identity{
			{FirstName: "Mary  Ann", LastName: "de la Cruz", CompanyName: "ACME   Corp"},
		}},
	}
	for _, g := range groups {
		sum := sha256.Sum256([]byte(g.text))
		want := hex.EncodeToString(sum[:])
		for _, id := range g.ids {
			if got := id.Key(); got != want {
				t.Errorf("%+v: Key() = %s, want sha256(%q) = %s", id, got, g.text, want)
			}
		}
	}
}

func TestIdentityFromMatch(t *testing.T) {
	m, err := Parse("m.yaml", []byte(`
object: contacts
match:
  email: { from: email, transform: [trim, lower] }
  linkedinUrl: li
  firstName: first
  lastName: last
  companyName: company
  companyDomain: { from: website, transform: domain }
fields:
  x: { value: y }
`), Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := m.Identity(map[string]string{"email": " A@B.COM ", "li": "linkedin.com/in/a", "first": "Ann",
		"last": " Lee ", "company": "B", "website": "not a url"})
	want := Identity{Email: "a@b.com", LinkedinURL: "linkedin.com/in/a", FirstName: "Ann", LastName: "Lee", CompanyName: "B"}
	if got != want {
		t.Errorf("Identity = %+v, want %+v", got, want)
	}
	if fields := m.MatchFields(); len(fields) != 6 || fields[0] != "company" || fields[5] != "website" {
		t.Errorf("MatchFields = %v, want the six CRM fields sorted", fields)
	}
}
