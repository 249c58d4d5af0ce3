package bench

import (
	"fmt"
	"maps"
	"math/rand/v2"

	"github.com/leadsync/leadsync/lusha/lushatest"
)

// pricing is the fake Lusha's price list, set explicitly so that the credits the
// benchmark calls needed are computed from the same prices the fake charges.
var pricing = lushatest.Pricing{RevealEmail: 1, RevealPhone: 5, RevealCompany: 1, RevealCompanyField: 1,
	Search: 1, SearchBlock: 25, LookalikeContact: 1, LookalikeCompany: 1, SignalContact: 1, SignalCompany: 1,
	WebhookSignal: 1}

// fakes are one sync's stand-in for the internet: a synthetic world, and fake Lusha and
// CRM servers over it on loopback, each behind a counting wrapper.
type fakes struct {
	spec     *crmSpec
	world    *lushatest.World
	lusha    *lushatest.Server
	crm      crmFake
	lushaIn  *counter
	crmIn    *counter
	lushaSrv *loopback
	crmSrv   *loopback
	// ids are the record ids in the order the CRM hands them out; person maps each
	// to the person it was made from, hand to the values a "human" typed before.
	ids    []string
	person map[string]*lushatest.Person
	hand   map[string]map[string]string
}

// startFakes builds a world of n people, seeds the CRM with them and serves both fakes.
func startFakes(spec *crmSpec, seed int64, n int, lim Limits) (*fakes, error) {
	f := &fakes{spec: spec, world: lushatest.NewWorld(seed, n), person: make(map[string]*lushatest.Person, n),
		hand: map[string]map[string]string{}}
	f.lusha = lushatest.NewServer(f.world, lushatest.Options{Credits: unlimited, Pricing: pricing,
		Limits: lim.lushaLimits(), Seed: seed})
	f.crm = spec.newFake(seed, lim)
	f.seed(seed)
	f.lushaIn = newCounter(f.lusha, lushaKind, status429)
	f.crmIn = newCounter(f.crm, spec.kind, spec.rule)
	var err error
	if f.lushaSrv, err = serveLoopback(f.lushaIn); err != nil {
		f.close()
		return nil, fmt.Errorf("bench: serve fake Lusha: %w", err)
	}
	if f.crmSrv, err = serveLoopback(f.crmIn); err != nil {
		f.close()
		return nil, fmt.Errorf("bench: serve fake %s: %w", spec.label, err)
	}
	return f, nil
}

// seed puts every person into the CRM as a sales team would have, like the sandbox
// does: a tenth known by name and company only, some fields typed in by hand. The
// hand-typed fields are never all the mapped ones, so every record needs Lusha. Both
// CRMs draw the same numbers, so they hold the same people with the same gaps.
func (f *fakes) seed(seed int64) {
	r := seedDraws(seed)
	f.ids = make([]string, 0, len(f.world.People))
	for i := range f.world.People {
		f.seedPerson(r, &f.world.People[i], nil)
	}
}

// seedDraws are the random draws that decide each seeded record's fields.
func seedDraws(seed int64) *rand.Rand { return rand.New(rand.NewPCG(uint64(seed), 0xbe7c)) }

// seedPerson adds p to the CRM with the fields seed draws for it from r, plus extra,
// and returns the record's id.
func (f *fakes) seedPerson(r *rand.Rand, p *lushatest.Person, extra map[string]string) string {
	names := f.spec.fields
	fields := map[string]string{names.FirstName: p.FirstName, names.LastName: p.LastName,
		names.Company: p.Company.Name, names.Website: "https://" + p.Company.EmailDomain}
	if r.IntN(10) > 0 {
		fields[names.Email] = p.Email
	}
	hand := map[string]string{}
	if r.IntN(100) < 15 {
		hand[names.Title] = "Head of Growth (typed by sales)"
	}
	if r.IntN(100) < 10 {
		hand[names.Mobile] = fmt.Sprintf("+1 415 555 %04d", r.IntN(10000))
	}
	if r.IntN(100) < 5 {
		hand[names.City] = "Springfield"
	}
	maps.Copy(fields, hand)
	maps.Copy(fields, extra)
	id := f.crm.add(fields)
	f.ids = append(f.ids, id)
	f.person[id] = p
	if len(hand) > 0 {
		f.hand[id] = hand
	}
	return id
}

func (f *fakes) close() {
	if f.lushaSrv != nil {
		f.lushaSrv.close()
	}
	if f.crmSrv != nil {
		f.crmSrv.close()
	}
	f.lusha.Close()
	f.crm.close()
}
