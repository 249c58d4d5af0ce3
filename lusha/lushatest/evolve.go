package lushatest

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/leadsync/leadsync/lusha"
)

// The world moves on after a first enrichment: people change jobs, get promoted and
// gain phone numbers. These change the person the server answers with (under its
// lock, so in-flight calls see the old or the new person, never half of each) and
// date their data today; they return the signal Lusha would raise, for EmitSignal.

// MovePerson moves a known person to another company with a new title. Their new
// work email is on the new company's domain; the old address still finds them, as
// Lusha keeps past emails as identifiers.
func (s *Server) MovePerson(personID, companyID, title string) (Signal, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.knownPerson(personID)
	if err != nil {
		return Signal{}, err
	}
	c, ok := s.world.CompanyByID(companyID)
	if !ok {
		return Signal{}, fmt.Errorf("lushatest: no company %s", companyID)
	}
	if c == p.Company {
		return Signal{}, fmt.Errorf("lushatest: %s already works at %s", personID, c.Name)
	}
	p.Previous, p.Company, p.JobTitle = p.Company, c, title
	p.Email = s.freeEmail(p, c)
	s.world.byEmail[normEmail(p.Email)] = p
	today := s.touch(p)
	return companyChangeSignal(p, today), nil
}

// Promote gives a known person a new title at the same company.
func (s *Server) Promote(personID, title string) (Signal, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.knownPerson(personID)
	if err != nil {
		return Signal{}, err
	}
	p.JobTitle = title
	today := s.touch(p)
	return promotionSignal(p, today), nil
}

// AddPhone gives a known person one more phone number: a data point that an account
// which revealed their emails only has not bought yet.
func (s *Server) AddPhone(personID string, phone lusha.Phone) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.knownPerson(personID)
	if err != nil {
		return err
	}
	if phone.UpdateDate == "" {
		phone.UpdateDate = s.opts.Now().UTC().Format(time.DateOnly)
	}
	p.Phones = append(p.Phones, phone)
	s.touch(p)
	return nil
}

func (s *Server) knownPerson(id string) (*Person, error) {
	p, ok := s.world.PersonByID(id)
	if !ok || !p.Known {
		return nil, fmt.Errorf("lushatest: no known person %s", id)
	}
	return p, nil
}

// touch dates p's data today and returns today.
func (s *Server) touch(p *Person) time.Time {
	today := s.opts.Now().UTC().Truncate(24 * time.Hour)
	p.UpdateDate = today.Format(time.DateOnly)
	return today
}

// freeEmail is first.last at c's domain, numbered when someone has it already.
func (s *Server) freeEmail(p *Person, c *Company) string {
	local := strings.ToLower(slug(p.FirstName) + "." + slug(p.LastName))
	email := local + "@" + c.EmailDomain
	for k := 2; ; k++ {
		if other, taken := s.world.PersonByEmail(email); !taken || other == p {
			return email
		}
		email = fmt.Sprintf("%s%d@%s", local, k, c.EmailDomain)
	}
}

// Watched lists, sorted, the ids of the entities of entityType that an active
// subscription of some account watches for signals of type kind: those EmitSignal
// reaches (the account's credits permitting).
func (s *Server) Watched(entityType, kind string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	seen := map[string]bool{}
	for _, acct := range s.accounts {
		for _, sub := range acct.subs {
			if sub.IsActive && !sub.optOut && sub.EntityType == entityType && watches(sub.SignalTypes, kind) {
				seen[sub.EntityID] = true
			}
		}
	}
	return slices.Sorted(maps.Keys(seen))
}
