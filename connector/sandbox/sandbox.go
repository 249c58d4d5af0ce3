// Package sandbox runs leadsync with no setup: fake HubSpot and Lusha servers seeded
// from one deterministic synthetic world, and a config in a temporary folder pointing at them.
//
// `leadsync sandbox` is built on it, and so are the end-to-end tests.
package sandbox

import (
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/leadsync/leadsync/configs"
	"github.com/leadsync/leadsync/crm/hubspot/hubspottest"
	"github.com/leadsync/leadsync/crm/salesforce/salesforcetest"
	"github.com/leadsync/leadsync/lusha/lushatest"
)

// Options shape the synthetic world and its servers.
type Options struct {
	Seed int64
	// Leads is the number of HubSpot contacts and of open Salesforce leads; the world
	// holds a ninth more people, whose Salesforce leads were converted.
	Leads int
	// Chaos is the share of requests the fakes fail (5xx, 429, slow answers).
	Chaos float64
	// Dir receives the config, mappings and state file; "" makes a temporary folder
	// that Close removes.
	Dir string
	// Credits is the fake Lusha account's balance (0: plenty).
	Credits int
	// Signals gives the daemon Lusha's webhook receiver on a loopback port, with a
	// secret the fake Lusha signs with, and has the people pipelines subscribe to
	// job changes and promotions (signals.go); a Mover then delivers some.
	Signals bool
}

// Sandbox is a running set of fakes and the config that points at them.
type Sandbox struct {
	World      *lushatest.World
	Lusha      *lushatest.Server
	HubSpot    *hubspottest.Server
	Salesforce *salesforcetest.Server
	// Config is the path of the written config file.
	Config string
	// ContactPerson maps each HubSpot contact id to the person it was made from.
	ContactPerson map[string]*lushatest.Person
	// HandFilled holds, per contact id, the values a "human" typed before leadsync ran.
	HandFilled map[string]map[string]string
	// LeadPerson maps each Salesforce Lead id to the person it was made from, and
	// LeadHandFilled holds the Leads' hand-typed values.
	LeadPerson     map[string]*lushatest.Person
	LeadHandFilled map[string]map[string]string
	// ConvertedLeads maps each converted Lead's id to its person: people past the
	// first Leads of the world, known to Lusha, whose leads sales already converted.
	// leadsync must never pay for them: no update can reach a converted lead.
	ConvertedLeads map[string]*lushatest.Person
	// Companies are the companies of the seeded people in both CRMs.
	Companies Companies

	ownDir  string
	webhook *webhook // with Options.Signals
}

// Custom HubSpot properties the sandbox mapping writes; a real portal needs them created.
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

// Start builds the world, starts both fakes on loopback ports and writes the config.
func Start(opts Options) (*Sandbox, error) {
	if opts.Leads < 0 {
		return nil, fmt.Errorf("sandbox: leads must not be negative")
	}
	sb := &Sandbox{World: lushatest.NewWorld(opts.Seed, opts.Leads+convertedShare(opts.Leads)),
		ContactPerson: map[string]*lushatest.Person{}, HandFilled: map[string]map[string]string{},
		LeadPerson: map[string]*lushatest.Person{}, LeadHandFilled: map[string]map[string]string{},
		ConvertedLeads: map[string]*lushatest.Person{}}
	credits := opts.Credits
	if credits <= 0 {
		credits = 10_000_000
	}
	sb.Lusha = lushatest.NewServer(sb.World, lushatest.Options{Credits: credits, Chaos: opts.Chaos, Seed: opts.Seed})
	sb.HubSpot = hubspottest.NewServer(hubspottest.Options{Chaos: opts.Chaos, Seed: uint64(opts.Seed)})
	for _, p := range customProperties {
		sb.HubSpot.DefineProperty(p)
	}
	sb.seedContacts(opts.Seed, opts.Leads)
	sb.Salesforce = salesforcetest.NewServer(salesforcetest.Options{Seed: uint64(opts.Seed),
		Chaos: salesforcetest.Chaos{Unavailable: opts.Chaos / 2, LockRow: opts.Chaos / 4, Slow: opts.Chaos / 4}})
	for _, f := range append(salesforceFields, technologiesField(sb.World)) {
		sb.Salesforce.DefineField("Lead", f)
	}
	if opts.Signals {
		sb.defineSignalFields()
	}
	sb.seedLeads(opts.Seed, opts.Leads)
	for _, p := range HubSpotCompanyProperties(sb.World) {
		sb.HubSpot.DefineObjectProperty("companies", p)
	}
	for _, f := range SalesforceAccountFields(sb.World) {
		sb.Salesforce.DefineField("Account", f)
	}
	sb.seedCompanies(opts.Seed)
	if err := sb.seedConvertedLeads(opts.Leads); err != nil {
		sb.Close()
		return nil, err
	}
	if err := sb.Salesforce.Start("127.0.0.1:0"); err != nil {
		sb.Close()
		return nil, fmt.Errorf("sandbox: start fake Salesforce: %w", err)
	}
	if err := sb.Lusha.Start("127.0.0.1:0"); err != nil {
		sb.Close()
		return nil, fmt.Errorf("sandbox: start fake Lusha: %w", err)
	}
	if err := sb.HubSpot.Start("127.0.0.1:0"); err != nil {
		sb.Close()
		return nil, fmt.Errorf("sandbox: start fake HubSpot: %w", err)
	}
	dir := opts.Dir
	if dir == "" {
		d, err := os.MkdirTemp("", "leadsync-sandbox-")
		if err != nil {
			sb.Close()
			return nil, err
		}
		dir, sb.ownDir = d, d
	}
	if err := writeConfigs(dir); err != nil {
		sb.Close()
		return nil, err
	}
	if opts.Signals {
		if err := sb.setUpSignals(dir); err != nil {
			sb.Close()
			return nil, err
		}
	}
	sb.Config = filepath.Join(dir, "sandbox.yaml")
	return sb, nil
}

// seedContacts puts the first n people of the world into HubSpot, as a sales team
// would have: some with fields already typed in by hand, which leadsync must not
// overwrite.
func (sb *Sandbox) seedContacts(seed int64, n int) {
	r := rand.New(rand.NewPCG(uint64(seed), 0x5eed))
	for i := range sb.World.People[:n] {
		p := &sb.World.People[i]
		props := map[string]string{"firstname": p.FirstName, "lastname": p.LastName,
			"company": p.Company.Name, "website": "https://" + p.Company.EmailDomain}
		if r.IntN(10) > 0 { // a tenth are known only by name and company
			props["email"] = p.Email
		}
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
		id := sb.HubSpot.AddContact(props)
		sb.ContactPerson[id] = p
		if len(hand) > 0 {
			sb.HandFilled[id] = hand
		}
	}
}

// Custom Lead fields the sandbox mapping writes; a real org needs them created.
var salesforceFields = []salesforcetest.Field{
	{Name: "Lusha_Enriched_At__c", Label: "Lusha Enriched At", Type: "datetime"},
	{Name: "Seniority__c", Label: "Seniority", Type: "picklist", Length: 255, Restricted: true,
		Picklist: []string{"C-Level", "VP", "Director", "Manager", "Individual Contributor"}},
}

// seedLeads puts the first n people of the world into Salesforce as Leads too, some
// with hand-typed values.
func (sb *Sandbox) seedLeads(seed int64, n int) {
	r := rand.New(rand.NewPCG(uint64(seed), 0x1ead))
	for i := range sb.World.People[:n] {
		p := &sb.World.People[i]
		fields := map[string]string{"FirstName": p.FirstName, "LastName": p.LastName,
			"Company": p.Company.Name, "Website": p.Company.EmailDomain, "Email": p.Email}
		hand := map[string]string{}
		if r.IntN(100) < 15 {
			hand["Title"] = "Account Executive (typed by sales)"
		}
		if r.IntN(100) < 10 {
			hand["MobilePhone"] = fmt.Sprintf("+1 212 555 %04d", r.IntN(10000))
		}
		for k, v := range hand {
			fields[k] = v
		}
		id := sb.Salesforce.AddLead(fields)
		sb.LeadPerson[id] = p
		if len(hand) > 0 {
			sb.LeadHandFilled[id] = hand
		}
	}
}

// convertedShare is how many converted leads sit beside n open ones: a ninth, so
// that about a tenth of the org's leads are converted, as in an org that has sold for
// a while.
func convertedShare(n int) int { return n / 9 }

// seedConvertedLeads makes the people after the first n Leads that sales converted:
// they stay Lead rows (IsConverted = true), and refuse every update.
func (sb *Sandbox) seedConvertedLeads(n int) error {
	for i := range sb.World.People[n:] {
		p := &sb.World.People[n+i]
		id := sb.Salesforce.AddLead(map[string]string{"FirstName": p.FirstName, "LastName": p.LastName,
			"Company": p.Company.Name, "Website": p.Company.EmailDomain, "Email": p.Email})
		if _, _, err := sb.Salesforce.Convert(id); err != nil {
			return fmt.Errorf("sandbox: convert lead %s: %w", id, err)
		}
		sb.ConvertedLeads[id] = p
	}
	return nil
}

// AddContacts adds n new contacts for people outside the seeded world's CRM, as if
// they arrived after the first sync; it returns their ids.
func (sb *Sandbox) AddContacts(people []*lushatest.Person) []string {
	ids := make([]string, 0, len(people))
	for _, p := range people {
		id := sb.HubSpot.AddContact(map[string]string{"firstname": p.FirstName, "lastname": p.LastName,
			"company": p.Company.Name, "website": "https://" + p.Company.EmailDomain, "email": p.Email})
		sb.ContactPerson[id] = p
		ids = append(ids, id)
	}
	return ids
}

// writeConfigs copies the embedded sandbox config and mappings into dir.
func writeConfigs(dir string) error {
	return fs.WalkDir(configs.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if path != "sandbox.yaml" && !strings.HasPrefix(path, "mappings/") {
			return nil
		}
		b, err := configs.FS.ReadFile(path)
		if err != nil {
			return err
		}
		dst := filepath.Join(dir, path)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o600)
	})
}

// Environ is the environment the sandbox config reads: the fakes' addresses as
// LEADSYNC_… overrides and their credentials as the secrets the config names.
func (sb *Sandbox) Environ(httpAddr string) []string {
	env := []string{
		"LEADSYNC_LUSHA__BASE_URL=" + sb.Lusha.URL(),
		"LEADSYNC_CRMS__HUBSPOT__BASE_URL=" + sb.HubSpot.URL(),
		"SANDBOX_LUSHA_API_KEY=" + sb.Lusha.APIKey(),
		"SANDBOX_HUBSPOT_TOKEN=" + sb.HubSpot.Token(),
		"LEADSYNC_CRMS__SALESFORCE__LOGIN_URL=" + sb.Salesforce.URL(),
		"SANDBOX_SF_CLIENT_ID=" + sb.Salesforce.ClientID(),
		"SANDBOX_SF_CLIENT_SECRET=" + sb.Salesforce.ClientSecret(),
	}
	if httpAddr != "" {
		env = append(env, "LEADSYNC_HTTP__LISTEN="+httpAddr)
	}
	return append(env, sb.webhookEnviron()...)
}

// Endpoints is the JSON line `leadsync sandbox --serve` prints (DESIGN §6).
type Endpoints struct {
	HubSpot struct {
		URL   string `json:"url"`
		Token string `json:"token"`
	} `json:"hubspot"`
	Salesforce struct {
		URL          string `json:"url"`
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
		Username     string `json:"username"`
	} `json:"salesforce"`
	Lusha struct {
		URL    string `json:"url"`
		APIKey string `json:"api_key"`
	} `json:"lusha"`
}

// Endpoints reports the fakes' addresses and credentials (fake ones: printing them is the point).
func (sb *Sandbox) Endpoints() Endpoints {
	var e Endpoints
	e.HubSpot.URL, e.HubSpot.Token = sb.HubSpot.URL(), sb.HubSpot.Token()
	e.Lusha.URL, e.Lusha.APIKey = sb.Lusha.URL(), sb.Lusha.APIKey()
	sf := sb.Salesforce
	e.Salesforce.URL, e.Salesforce.ClientID, e.Salesforce.ClientSecret, e.Salesforce.Username =
		sf.URL(), sf.ClientID(), sf.ClientSecret(), sf.Username()
	return e
}

// Settle waits until the fake org's current second is over: Salesforce stamps
// changes to the second, and a read never takes the second that is still going on.
func (sb *Sandbox) Settle() {
	time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second + 10*time.Millisecond)))
}

// Close stops the fakes and removes the temporary folder it made.
func (sb *Sandbox) Close() {
	if sb.Lusha != nil {
		sb.Lusha.Close()
	}
	if sb.HubSpot != nil {
		_ = sb.HubSpot.Close()
	}
	if sb.Salesforce != nil {
		_ = sb.Salesforce.Close()
	}
	if sb.ownDir != "" {
		_ = os.RemoveAll(sb.ownDir)
	}
}
