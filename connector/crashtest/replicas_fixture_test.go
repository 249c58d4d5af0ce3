package crashtest

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leadsync/leadsync/configs"
	"github.com/leadsync/leadsync/crm/hubspot/hubspottest"
	"github.com/leadsync/leadsync/crm/salesforce/salesforcetest"
	"github.com/leadsync/leadsync/lusha/lushatest"
	"github.com/leadsync/leadsync/state/pgtest"
)

// Secrets and the state's URL reach the replicas only through these variables.
const (
	stateURLVar = "CRASHTEST_STATE_URL"
	sfIDVar     = "CRASHTEST_SF_CLIENT_ID"
	sfSecretVar = "CRASHTEST_SF_CLIENT_SECRET"
)

func hubTokenVarOf(crmName string) string { return "CRASHTEST_TOKEN_" + strings.ToUpper(crmName) }

// clusterPipeline is one pipeline of the cluster fixture: the records of a CRM whose
// Field holds Value (the split is pushed into the CRM's query by the filter).
type clusterPipeline struct {
	Name, CRM, Field, Value string
}

// Two HubSpot portals (hsa, hsb) and one Salesforce org (sf), each split in two.
var clusterPipelines = []clusterPipeline{
	{"hsa-lead", "hsa", "lifecyclestage", "lead"},
	{"hsa-subscriber", "hsa", "lifecyclestage", "subscriber"},
	{"hsb-lead", "hsb", "lifecyclestage", "lead"},
	{"hsb-subscriber", "hsb", "lifecyclestage", "subscriber"},
	{"sf-web", "sf", "LeadSource", "Web"},
	{"sf-phone", "sf", "LeadSource", "Phone Inquiry"},
}

// The fakes by the names the config gives them (http://<name>.fake).
const (
	fakeLusha = "lusha"
	crmSF     = "sf"
)

var hubCRMs = []string{"hsa", "hsb"}

// sfLeadMapping enriches the org's Leads; it writes only standard fields and the
// marker the filter reads.
const sfLeadMapping = `object: Lead
default_region: US
match:
  email: Email
  firstName: FirstName
  lastName: LastName
  companyName: Company
  companyDomain: { from: Website, transform: domain }
fields:
  Title:       { from: contact.jobTitle.title, transform: "truncate:128" }
  MobilePhone: { from: "contact.phones[type=mobile].number", transform: e164, skip_if: "contact.phones[type=mobile].doNotCall" }
  City:        { from: contact.location.city, transform: "truncate:40" }
  Country:     { from: contact.location.country, transform: "truncate:80" }
  Lusha_Enriched_At__c: { value: $now, policy: overwrite }
`

// markerOf is the field each CRM's mapping stamps on every record it enriched.
func markerOf(crmName string) string {
	if crmName == crmSF {
		return "Lusha_Enriched_At__c"
	}
	return "lusha_enriched_at"
}

// lead is one seeded CRM record.
type lead struct {
	CRM, Pipeline, ID string
	Hand              map[string]string // values a salesperson typed into mapped fields
}

// clusterFixture is a fake Lusha, two fake HubSpot portals and a fake Salesforce org
// seeded from one world, a fresh PostgreSQL database, and a config for replicas of
// `leadsync run` on it. Each replica incarnation reaches the fakes through an HTTP
// proxy of its own (startReplica), so that every request the fakes serve is known by
// sender.
type clusterFixture struct {
	dir, cfgPath, dsn string
	ttl               time.Duration
	world             *lushatest.World
	lusha             *lushatest.Server
	hubs              map[string]*hubspottest.Server
	sf                *salesforcetest.Server
	// paid is the fake Lusha's tap seen as the single-process fixture, whose I2
	// checks (check_test.go) it reuses.
	paid    *fixture
	secrets []string
	hits    *hitLog
	incs    []*incarnation
	rng     *rand.Rand // the seed's draws (hand-typed values)

	mu    sync.Mutex        // leads arrive while the proxies read byID
	leads []lead            // the world's first len(leads) people, in the CRMs
	byID  map[string]string // CRM + "/" + record id (Salesforce: 15 chars) → pipeline
}

// newClusterFixture makes a world of people and puts the first seeded of them into the
// CRMs; addLeads brings the others in later.
func newClusterFixture(t *testing.T, seed int64, people, seeded int, ttl time.Duration) *clusterFixture {
	t.Helper()
	f := &clusterFixture{dir: t.TempDir(), dsn: pgtest.Database(t), ttl: ttl,
		world: lushatest.NewWorld(seed, people), hubs: map[string]*hubspottest.Server{}, byID: map[string]string{},
		rng: rand.New(rand.NewPCG(uint64(seed), 0x5eed))}
	// The fakes enforce their documented limits (Lusha 25/s, HubSpot's free tier,
	// Salesforce's daily calls); no chaos: the kills are the chaos.
	f.lusha = lushatest.NewServer(f.world, lushatest.Options{Credits: 50_000_000, Seed: seed})
	t.Cleanup(f.lusha.Close)
	f.secrets = append(f.secrets, lushaKeyVar+"="+f.lusha.APIKey(), stateURLVar+"="+f.dsn)
	for i, name := range hubCRMs {
		hub := hubspottest.NewServer(hubspottest.Options{Seed: uint64(seed) + uint64(i), PortalID: 1001 + i})
		for _, p := range customProperties {
			hub.DefineProperty(p)
		}
		f.hubs[name] = hub
		t.Cleanup(func() { _ = hub.Close() })
		f.secrets = append(f.secrets, hubTokenVarOf(name)+"="+hub.Token())
	}
	f.sf = salesforcetest.NewServer(salesforcetest.Options{Seed: uint64(seed)})
	f.sf.DefineField("Lead", salesforcetest.Field{Name: "Lusha_Enriched_At__c", Label: "Lusha Enriched At", Type: "datetime"})
	t.Cleanup(func() { _ = f.sf.Close() })
	f.secrets = append(f.secrets, sfIDVar+"="+f.sf.ClientID(), sfSecretVar+"="+f.sf.ClientSecret())

	f.addLeads(t, seeded)
	// Salesforce stamps changes to the second, and a read never takes the second that
	// is still going on: the seed's second ends before any replica reads.
	time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second + 10*time.Millisecond)))

	f.paid = &fixture{world: f.world, lusha: f.lusha, lushaTap: newTap(f.lusha, isLushaPaid, 0, seed)}
	f.hits = &hitLog{attribute: f.pipelineOf}
	f.writeConfig(t)
	return f
}

// addLeads puts the world's next n people into the CRMs, dealt round the pipelines:
// HubSpot contacts and Salesforce Leads, some with values typed by hand into mapped
// fields. It returns how many it added.
func (f *clusterFixture) addLeads(t *testing.T, n int) int {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	from := len(f.leads)
	to := min(from+n, len(f.world.People))
	r := f.rng
	for i := from; i < to; i++ {
		p := &f.world.People[i]
		pl := clusterPipelines[i%len(clusterPipelines)]
		// As in the single-process fixture: some are known by name and company only,
		// unless that names someone else of the world too.
		byName := f.world.FindPerson("", "", "", p.FirstName, p.LastName, p.Company.Name, p.Company.EmailDomain)
		withEmail := r.IntN(10) > 0 || byName != p
		var l lead
		if pl.CRM == crmSF {
			l = f.addLead(t, r, p, pl, withEmail)
		} else {
			l = f.addContact(r, p, pl, withEmail)
		}
		f.leads = append(f.leads, l)
		f.byID[l.CRM+"/"+shortID(l.ID)] = pl.Name
	}
	return to - from
}

// pipelineByID is the pipeline of a CRM's record, if the fixture seeded it.
func (f *clusterFixture) pipelineByID(crmName, id string) (string, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.byID[crmName+"/"+id]
	return p, ok
}

// seededLeads is every lead in the CRMs so far.
func (f *clusterFixture) seededLeads() []lead {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.leads)
}

func (f *clusterFixture) addContact(r *rand.Rand, p *lushatest.Person, pl clusterPipeline, withEmail bool) lead {
	hub := f.hubs[pl.CRM]
	props := personProps(p, withEmail)
	props[pl.Field] = pl.Value
	hand := handTyped(r, "jobtitle", "mobilephone", "city")
	for k, v := range hand {
		props[k] = v
	}
	id := hub.AddContact(props)
	seeded, _ := hub.Contact(id)
	for k := range hand {
		hand[k] = seeded[k] // as the CRM shows it
	}
	return lead{CRM: pl.CRM, Pipeline: pl.Name, ID: id, Hand: hand}
}

func (f *clusterFixture) addLead(t *testing.T, r *rand.Rand, p *lushatest.Person, pl clusterPipeline, withEmail bool) lead {
	t.Helper()
	fields := map[string]string{"FirstName": p.FirstName, "LastName": p.LastName,
		"Company": p.Company.Name, "Website": p.Company.EmailDomain, pl.Field: pl.Value}
	if withEmail {
		fields["Email"] = p.Email
	}
	hand := handTyped(r, "Title", "MobilePhone", "City")
	for k, v := range hand {
		fields[k] = v
	}
	id, err := f.sf.Add("Lead", fields)
	if err != nil {
		t.Fatal(err)
	}
	seeded := f.sf.Lead(id)
	for k := range hand {
		hand[k] = seeded[k]
	}
	return lead{CRM: crmSF, Pipeline: pl.Name, ID: id, Hand: hand}
}

// handTyped draws what a salesperson typed into a record, by the CRM's field names: a
// job title (15 %), a mobile phone (10 %), a city (5 %).
func handTyped(r *rand.Rand, title, mobile, city string) map[string]string {
	hand := map[string]string{}
	if r.IntN(100) < 15 {
		hand[title] = "Head of " + []string{"Partnerships", "Growth", "Revenue"}[r.IntN(3)] + " (typed by sales)"
	}
	if r.IntN(100) < 10 {
		hand[mobile] = fmt.Sprintf("+1 415 555 %04d", r.IntN(10000))
	}
	if r.IntN(100) < 5 {
		hand[city] = "Springfield"
	}
	return hand
}

// shortID is a Salesforce id's case-sensitive 15 characters (the API takes both
// forms); HubSpot ids are left as they are.
func shortID(id string) string {
	if strings.HasPrefix(id, "00Q") && len(id) == 18 {
		return id[:15]
	}
	return id
}

// current is a seeded record as its CRM shows it now.
func (f *clusterFixture) current(l lead) map[string]string {
	if l.CRM == crmSF {
		return f.sf.Lead(l.ID)
	}
	c, _ := f.hubs[l.CRM].Contact(l.ID)
	return c
}

// writeConfig writes the config every replica shares.
func (f *clusterFixture) writeConfig(t *testing.T) {
	t.Helper()
	hubMapping, err := configs.FS.ReadFile("mappings/hubspot-contacts.yaml")
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{"hubspot-contacts.yaml": string(hubMapping), "sf-leads.yaml": sfLeadMapping}
	if err := os.MkdirAll(filepath.Join(f.dir, "mappings"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(f.dir, "mappings", name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, `state: { url: "${env:%s}", migrate: auto }
http: { listen: "127.0.0.1:0" }
shutdown_grace: 10s
lease_ttl: %s
retry: { base: 5ms, max: 100ms }
log: { level: warn, format: json }
lusha:
  api_key: ${env:%s}
  base_url: %s
  timeout: 10s
  rate: { per_second: 25 }
  negative_ttl: 168h
  breaker: { failures: 5, timeout: 1s }
crms:
`, stateURLVar, f.ttl, lushaKeyVar, fakeURL(fakeLusha))
	for _, name := range hubCRMs {
		fmt.Fprintf(&b, `  %s:
    kind: hubspot
    token: ${env:%s}
    base_url: %s
    timeout: 10s
    overlap: 5s
    settle_lag: 0s
`, name, hubTokenVarOf(name), fakeURL(name))
	}
	fmt.Fprintf(&b, `  %s:
    kind: salesforce
    login_url: %s
    client_id: ${env:%s}
    client_secret: ${env:%s}
    timeout: 10s
    settle_lag: 0s
pipelines:
`, crmSF, fakeURL(crmSF), sfIDVar, sfSecretVar)
	for _, p := range clusterPipelines {
		object, mapping := "contacts", "hubspot-contacts.yaml"
		if p.CRM == crmSF {
			object, mapping = "Lead", "sf-leads.yaml"
		}
		fmt.Fprintf(&b, `  - name: %s
    crm: %s
    object: %s
    schedule: "@every 2s"
    filter: { missing: [%s], equals: { %s: %q } }
    mapping: mappings/%s
    cache_ttl: 720h
`, p.Name, p.CRM, object, markerOf(p.CRM), p.Field, p.Value, mapping)
	}
	f.cfgPath = filepath.Join(f.dir, "leadsync.yaml")
	if err := os.WriteFile(f.cfgPath, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
}

// incarnation is one process of a replica slot: slots are restarted after kills.
type incarnation struct {
	n, slot  int
	pid      int
	w        *watched
	killedAt time.Time // when it was sent SIGKILL; zero if it was not
	stalled  bool      // SIGSTOPped past its lease and continued
}

// startReplica starts `leadsync run` in slot. The config names the fakes by made-up
// host names (http://<name>.fake), which only the incarnation's own HTTP proxy
// (HTTP_PROXY) serves: every replica sees the same addresses, as replicas do, so that
// they share the accounts' limits (which are keyed by address), and yet each request
// the fakes serve is known by sender.
func (f *clusterFixture) startReplica(t *testing.T, slot int) *incarnation {
	t.Helper()
	in := &incarnation{n: len(f.incs), slot: slot}
	fakes := map[string]http.Handler{fakeLusha: f.paid.lushaTap, crmSF: f.sf}
	for name, hub := range f.hubs {
		fakes[name] = hub
	}
	proxy := httptest.NewServer(f.hits.proxy(in.n, fakes))
	t.Cleanup(proxy.Close) // registered before the child's cleanups: the child goes first
	env := append([]string{"HTTP_PROXY=" + proxy.URL}, f.secrets...)
	in.w = watch(t, startChild(t, f.dir, env, "run", "-c", f.cfgPath))
	in.pid = in.w.cmd.Process.Pid
	f.incs = append(f.incs, in)
	return in
}

// fakeURL is a fake's address in the config.
func fakeURL(name string) string { return "http://" + name + ".fake" }

// migrate runs `leadsync migrate`, as an operator does before starting replicas.
func (f *clusterFixture) migrate(t *testing.T) {
	t.Helper()
	c := startChild(t, f.dir, f.secrets, "migrate", "-c", f.cfgPath)
	if err := c.cmd.Wait(); err != nil {
		t.Fatalf("leadsync migrate: %v; stderr:\n%s", err, tail(c.stderr.String()))
	}
}
