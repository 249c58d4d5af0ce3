package lushatest

import (
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/leadsync/leadsync/lusha"
)

// snapshot is everything observable about a world, without its pointer graph.
func snapshot(w *World) (people []any, companies []lusha.EnrichedCompany) {
	for i := range w.People {
		p := &w.People[i]
		people = append(people, []any{p.Known, p.Restricted, p.Email, p.Preview(), p.Enriched()})
	}
	for i := range w.Companies {
		companies = append(companies, w.Companies[i].Enriched(lusha.CompanyRevealFields...))
	}
	return people, companies
}

func TestWorldIsDeterministic(t *testing.T) {
	w1, w2 := NewWorld(42, 300), NewWorld(42, 300)
	p1, c1 := snapshot(w1)
	p2, c2 := snapshot(w2)
	// reflect.DeepEqual first: cmp.Diff over this much data is slow under -race,
	// and it is only needed to explain a failure.
	if !reflect.DeepEqual(p1, p2) {
		t.Errorf("same seed, different people (-first +second):\n%s", cmp.Diff(p1, p2))
	}
	if !reflect.DeepEqual(c1, c2) {
		t.Errorf("same seed, different companies:\n%s", cmp.Diff(c1, c2))
	}
	if !reflect.DeepEqual(w1.Signals, w2.Signals) || len(w1.Signals) == 0 {
		t.Errorf("same seed, different (or no) signals: %d vs %d", len(w1.Signals), len(w2.Signals))
	}
	p3, _ := snapshot(NewWorld(43, 300))
	if reflect.DeepEqual(p1, p3) {
		t.Error("different seeds gave the same people")
	}
}

func TestWorldShape(t *testing.T) {
	w := NewWorld(1, 5000)
	if got := len(w.Companies); got != 5000/8 {
		t.Errorf("companies = %d, want %d", got, 5000/8)
	}
	if got := len(NewWorld(1, 4).Companies); got != 3 {
		t.Errorf("tiny world has %d companies, want at least 3", got)
	}
	var known, restr, noPhone, twoPhones, dnc int
	ids, emails := map[string]bool{}, map[string]bool{}
	for i := range w.People {
		p := &w.People[i]
		if ids[p.ID] || emails[p.Email] {
			t.Fatalf("duplicate id or email: %s %s", p.ID, p.Email)
		}
		ids[p.ID], emails[p.Email] = true, true
		if !strings.HasSuffix(p.Email, "@"+p.Company.EmailDomain) {
			t.Errorf("%s does not work at %s", p.Email, p.Company.EmailDomain)
		}
		if p.Restricted && !p.Known {
			t.Errorf("%s restricted but unknown", p.ID)
		}
		known += b2i(p.Known)
		restr += b2i(p.Restricted)
		noPhone += b2i(len(p.Phones) == 0)
		twoPhones += b2i(len(p.Phones) == 2)
		for _, ph := range p.Phones {
			dnc += b2i(ph.DoNotCall)
		}
	}
	share := func(n int) float64 { return float64(n) / float64(len(w.People)) }
	for _, c := range []struct {
		name     string
		got      float64
		low, hig float64
	}{
		{"known", share(known), 0.75, 0.85},
		{"restricted", share(restr), 0.02, 0.06},
		{"no phone", share(noPhone), 0.25, 0.35},
		{"two phones", share(twoPhones), 0.25, 0.35},
	} {
		if c.got < c.low || c.got > c.hig {
			t.Errorf("%s share = %.3f, want %.2f–%.2f", c.name, c.got, c.low, c.hig)
		}
	}
	if dnc == 0 {
		t.Error("no phone is marked do-not-call")
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestFindPerson(t *testing.T) {
	w := NewWorld(3, 200)
	p := &w.People[17]
	upper := func(s string) string { return strings.ToUpper(s) }
	tests := []struct {
		name                                   string
		id, li, email, first, last, co, domain string
		want                                   *Person
	}{
		{name: "id", id: p.ID, want: p},
		{name: "linkedin variant", li: upper(strings.Replace(p.LinkedinURL, "https://www.", "http://", 1)) + "/", want: p},
		{name: "email case and space", email: " " + upper(p.Email) + " ", want: p},
		{name: "name and company name", first: upper(p.FirstName), last: p.LastName, co: upper(p.Company.Name), want: p},
		{name: "name and www domain", first: p.FirstName, last: p.LastName, domain: "https://WWW." + p.Company.EmailDomain + "/about", want: p},
		{name: "name at another company", first: p.FirstName, last: p.LastName, domain: "elsewhere.example"},
		{name: "name without company", first: p.FirstName, last: p.LastName},
		{name: "unknown email falls through to id", id: p.ID, email: "nobody@nowhere.example", want: p},
		{name: "nothing", email: "nobody@nowhere.example"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := w.FindPerson(tt.id, tt.li, tt.email, tt.first, tt.last, tt.co, tt.domain)
			if got != tt.want {
				t.Errorf("FindPerson = %v, want %v", got, tt.want)
			}
		})
	}
	if got, ok := w.PersonByEmail(upper(p.Email)); !ok || got != p {
		t.Errorf("PersonByEmail = %v, %v", got, ok)
	}
	c := p.Company
	for _, q := range [][3]string{{c.ID, "", ""}, {"", upper(c.Name), ""}, {"", "", "www." + c.EmailDomain}, {"", "", upper(c.Domain)}} {
		if got := w.FindCompany(q[0], q[1], q[2]); got != c {
			t.Errorf("FindCompany%v = %v, want %s", q, got, c.ID)
		}
	}
}
