package bench

import (
	"fmt"
	"math/rand/v2"

	"github.com/leadsync/leadsync/crm/hubspot/hubspottest"
	"github.com/leadsync/leadsync/lusha/lushatest"
)

// pricing is the fake Lusha's price list, set explicitly so that the credits the
// benchmark calls needed are computed from the same prices the fake charges.
var pricing = lushatest.Pricing{RevealEmail: 1, RevealPhone: 5, RevealCompany: 1, RevealCompanyField: 1,
	Search: 1, SearchBlock: 25, LookalikeContact: 1, LookalikeCompany: 1, SignalContact: 1, SignalCompany: 1,
	WebhookSignal: 1}

// fakes are one sync's stand-in for the internet: a synthetic world, and fake Lusha and
// HubSpot servers over it on loopback, each behind a counting wrapper.
type fakes struct {
	world    *lushatest.World
	lusha    *lushatest.Server
	hubspot  *hubspottest.Server
	lushaIn  *counter
	hubIn    *counter
	lushaSrv *loopback
	hubSrv   *loopback
	// ids are the contact ids in the order HubSpot hands them out; person maps each
	// to the person it was made from, hand to the values a "human" typed before.
	ids    []string
	person map[string]*lushatest.Person
	hand   map[string]map[string]string
}

// Custom contact properties the benchmark's mapping writes.
var customProperties = []hubspottest.Property{
	{Name: "lusha_enriched_at", Label: "Lusha enriched at", Type: "datetime", FieldType: "date", GroupName: "contactinformation"},
	{Name: "seniority_level", Label: "Seniority level", Type: "enumeration", FieldType: "select", GroupName: "contactinformation",
		Options: []hubspottest.Option{{Label: "executive", Value: "executive"}, {Label: "vp", Value: "vp"},
			{Label: "director", Value: "director"}, {Label: "manager", Value: "manager"}, {Label: "senior", Value: "senior"},
			{Label: "entry", Value: "entry"}, {Label: "other", Value: "other"}}},
}

// startFakes builds a world of n people, seeds HubSpot with them and serves both fakes.
func startFakes(seed int64, n int, lim Limits) (*fakes, error) {
	f := &fakes{world: lushatest.NewWorld(seed, n), person: make(map[string]*lushatest.Person, n),
		hand: map[string]map[string]string{}}
	f.lusha = lushatest.NewServer(f.world, lushatest.Options{Credits: unlimited, Pricing: pricing,
		Limits: lim.lushaLimits(), Seed: seed})
	f.hubspot = hubspottest.NewServer(lim.hubspotOptions())
	for _, p := range customProperties {
		f.hubspot.DefineProperty(p)
	}
	f.seed(seed)
	f.lushaIn = newCounter(f.lusha, lushaKind)
	f.hubIn = newCounter(f.hubspot, hubspotKind)
	var err error
	if f.lushaSrv, err = serveLoopback(f.lushaIn); err != nil {
		f.close()
		return nil, fmt.Errorf("bench: serve fake Lusha: %w", err)
	}
	if f.hubSrv, err = serveLoopback(f.hubIn); err != nil {
		f.close()
		return nil, fmt.Errorf("bench: serve fake HubSpot: %w", err)
	}
	return f, nil
}

// seed puts every person into HubSpot as a sales team would have, like the sandbox
// does: a tenth known by name and company only, some fields typed in by hand. The
// hand-typed fields are never all the mapped ones, so every contact needs Lusha.
func (f *fakes) seed(seed int64) {
	r := rand.New(rand.NewPCG(uint64(seed), 0xbe7c))
	f.ids = make([]string, 0, len(f.world.People))
	for i := range f.world.People {
		p := &f.world.People[i]
		props := map[string]string{"firstname": p.FirstName, "lastname": p.LastName,
			"company": p.Company.Name, "website": "https://" + p.Company.EmailDomain}
		if r.IntN(10) > 0 {
			props["email"] = p.Email
		}
		hand := map[string]string{}
		if r.IntN(100) < 15 {
			hand["jobtitle"] = "Head of Growth (typed by sales)"
		}
		if r.IntN(100) < 10 {
			hand["mobilephone"] = fmt.Sprintf("+1 415 555 %04d", r.IntN(10000))
		}
		if r.IntN(100) < 5 {
			hand["city"] = "Springfield"
		}
		for k, v := range hand {
			props[k] = v
		}
		id := f.hubspot.AddContact(props)
		f.ids = append(f.ids, id)
		f.person[id] = p
		if len(hand) > 0 {
			f.hand[id] = hand
		}
	}
}

func (f *fakes) close() {
	if f.lushaSrv != nil {
		f.lushaSrv.close()
	}
	if f.hubSrv != nil {
		f.hubSrv.close()
	}
	f.lusha.Close()
	_ = f.hubspot.Close() // never started: nothing to stop
}
