package crashtest

import (
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/leadsync/leadsync/configs"
	"github.com/leadsync/leadsync/crm/hubspot/hubspottest"
	"github.com/leadsync/leadsync/lusha/lushatest"
)

const pipelineName = "hubspot-contacts"

// crmAccount is the CRM account the fixture's pipeline reads (crms.hubspot).
const crmAccount = "hubspot"

// Secrets reach the child only through these variables (${env:…} in the config).
const (
	lushaKeyVar = "CRASHTEST_LUSHA_API_KEY"
	hubTokenVar = "CRASHTEST_HUBSPOT_TOKEN"
)

type fixtureOptions struct {
	Seed    int64
	Leads   int // contacts seeded into HubSpot at the start
	Reserve int // further people Lusha knows, held back for addReserve
	// LushaRate is the config's lusha.rate.per_second: lower stretches a sync so that
	// kills land in the middle of it.
	LushaRate float64
	Schedule  string
	Grace     time.Duration
	Chaos     float64 // share of requests both fakes fail
	// Drop is the share of paid Lusha calls whose answer the network loses.
	Drop float64
	// ExtraContacts are added to HubSpot as they are (bad input).
	ExtraContacts []map[string]string
}

// fixture is a fake Lusha and a fake HubSpot on loopback, seeded from one world,
// and a config in a temporary folder pointing at them.
type fixture struct {
	opts      fixtureOptions
	dir       string
	cfgPath   string
	dbPath    string
	world     *lushatest.World
	lusha     *lushatest.Server
	hub       *hubspottest.Server
	lushaTap  *tap
	hubTap    *tap
	seeded    map[string]map[string]string // contact id → properties as seeded
	hand      map[string]map[string]string // contact id → values a human typed
	person    map[string]*lushatest.Person
	reserve   []*lushatest.Person
	extraIDs  []string
	secretEnv []string
}

// Custom HubSpot properties the mapping writes (a real portal would need them created).
var customProperties = []hubspottest.Property{
	{Name: "lusha_enriched_at", Label: "Lusha enriched at", Type: "datetime", FieldType: "date", GroupName: "contactinformation"},
	{Name: "seniority_level", Label: "Seniority level", Type: "enumeration", FieldType: "select", GroupName: "contactinformation",
		Options: options("executive", "vp", "director", "manager", "senior", "entry", "other")},
}

func options(values ...string) []hubspottest.Option {
	out := make([]hubspottest.Option, len(values))
	for i, v := range values {
		out[i] = hubspottest.Option{Label: v, Value: v}
	}
	return out
}

func newFixture(t *testing.T, o fixtureOptions) *fixture {
	t.Helper()
	if o.LushaRate == 0 {
		o.LushaRate = 25
	}
	if o.Schedule == "" {
		o.Schedule = "@every 5m"
	}
	if o.Grace == 0 {
		o.Grace = 10 * time.Second
	}
	f := &fixture{opts: o, dir: t.TempDir(), world: lushatest.NewWorld(o.Seed, o.Leads+o.Reserve),
		seeded: map[string]map[string]string{}, hand: map[string]map[string]string{},
		person: map[string]*lushatest.Person{}}
	f.lusha = lushatest.NewServer(f.world, lushatest.Options{Credits: 50_000_000, Chaos: o.Chaos,
		Seed: o.Seed, SlowDelay: 30 * time.Millisecond, Limits: lushatest.Limits{PerSecond: 1000}})
	f.hub = hubspottest.NewServer(hubspottest.Options{Chaos: o.Chaos, Seed: uint64(o.Seed),
		SlowAnswer: 30 * time.Millisecond, BurstLimit: -1, SearchPerSecond: -1, DailyLimit: -1})
	for _, p := range customProperties {
		f.hub.DefineProperty(p)
	}
	// Extra contacts come first, so that they share pages and Lusha calls with
	// ordinary ones.
	for _, props := range o.ExtraContacts {
		id := f.hub.AddContact(props)
		f.seeded[id], _ = f.hub.Contact(id)
		f.extraIDs = append(f.extraIDs, id)
	}
	f.seed(o.Seed)

	f.lushaTap = newTap(f.lusha, isLushaPaid, o.Drop, o.Seed)
	f.hubTap = newTap(f.hub, isHubWrite, 0, o.Seed)
	lushaSrv := httptest.NewServer(f.lushaTap)
	hubSrv := httptest.NewServer(f.hubTap)
	// Cleanups run last-in first-out: the servers stop before the fakes release
	// their held (slow) answers.
	t.Cleanup(f.lusha.Close)
	t.Cleanup(func() { _ = f.hub.Close() })
	t.Cleanup(lushaSrv.Close)
	t.Cleanup(hubSrv.Close)

	f.secretEnv = []string{lushaKeyVar + "=" + f.lusha.APIKey(), hubTokenVar + "=" + f.hub.Token()}
	f.dbPath = filepath.Join(f.dir, "state.db")
	f.cfgPath = filepath.Join(f.dir, "leadsync.yaml")
	f.writeConfig(t, lushaSrv.URL, hubSrv.URL)
	return f
}

// seed puts the first Leads people of the world into HubSpot, some with values typed
// by hand into mapped fields (which leadsync must never overwrite), and keeps the
// rest in reserve.
func (f *fixture) seed(seed int64) {
	r := rand.New(rand.NewPCG(uint64(seed), 0x5eed))
	for i := range f.world.People {
		p := &f.world.People[i]
		if i >= f.opts.Leads {
			f.reserve = append(f.reserve, p)
			continue
		}
		// A tenth are known only by name and company, unless that names someone
		// else of the world too: two contacts must not be one person to Lusha.
		byName := f.world.FindPerson("", "", "", p.FirstName, p.LastName, p.Company.Name, p.Company.EmailDomain)
		props := personProps(p, r.IntN(10) > 0 || byName != p)
		hand := map[string]string{}
		if r.IntN(100) < 15 {
			hand["jobtitle"] = "Head of " + []string{"Partnerships", "Growth", "Revenue"}[r.IntN(3)] + " (typed by sales)"
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
		id := f.addContact(p, props)
		if len(hand) > 0 {
			f.hand[id] = hand
		}
	}
}

func personProps(p *lushatest.Person, withEmail bool) map[string]string {
	props := map[string]string{"firstname": p.FirstName, "lastname": p.LastName,
		"company": p.Company.Name, "website": "https://" + p.Company.EmailDomain}
	if withEmail {
		props["email"] = p.Email
	}
	return props
}

func (f *fixture) addContact(p *lushatest.Person, props map[string]string) string {
	id := f.hub.AddContact(props)
	f.seeded[id], _ = f.hub.Contact(id) // as the CRM shows it, normalised
	f.person[id] = p
	return id
}

// addReserve adds n held-back people to HubSpot, as if they arrived as new leads; it
// returns how many it added.
func (f *fixture) addReserve(n int) int {
	n = min(n, len(f.reserve))
	for _, p := range f.reserve[:n] {
		f.addContact(p, personProps(p, true))
	}
	f.reserve = f.reserve[n:]
	return n
}

// writeConfig writes the config and the sandbox mapping into the fixture's folder.
func (f *fixture) writeConfig(t *testing.T, lushaURL, hubURL string) {
	t.Helper()
	mapping, err := configs.FS.ReadFile("mappings/hubspot-contacts.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(f.dir, "mappings"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(f.dir, "mappings", "hubspot-contacts.yaml"), mapping, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf(`state: { path: state.db }
http: { listen: "127.0.0.1:0" }
shutdown_grace: %s
retry: { base: 5ms, max: 100ms }
log: { level: warn, format: json }
lusha:
  api_key: ${env:%s}
  base_url: %s
  timeout: 10s
  rate: { per_second: %g }
  negative_ttl: 168h
  breaker: { failures: 5, timeout: 1s }
crms:
  hubspot:
    kind: hubspot
    token: ${env:%s}
    base_url: %s
    timeout: 10s
    overlap: 5s
    settle_lag: 0s
pipelines:
  - name: %s
    crm: hubspot
    object: contacts
    schedule: "%s"
    filter: { missing: [lusha_enriched_at] }
    mapping: mappings/hubspot-contacts.yaml
    cache_ttl: 720h
`, f.opts.Grace, lushaKeyVar, lushaURL, f.opts.LushaRate, hubTokenVar, hubURL, pipelineName, f.opts.Schedule)
	if err := os.WriteFile(f.cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
}

// getenv serves the fixture's secrets to an in-process engine.
func (f *fixture) getenv(key string) string {
	for _, kv := range f.secretEnv {
		if k, v, ok := strings.Cut(kv, "="); ok && k == key {
			return v
		}
	}
	return ""
}
