package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/leadsync/leadsync/crm/hubspot/hubspottest"
	"github.com/leadsync/leadsync/lusha/lushatest"
)

// shardProperty is the contact property that splits a portal's contacts among its
// pipelines: each pipeline's filter asks for its own value, pushed into the search.
var shardProperty = hubspottest.Property{Name: "bench_shard", Label: "Bench shard", Type: "string",
	FieldType: "text", GroupName: "contactinformation"}

// fleet is the stand-in for the internet when P pipelines share one Lusha account: one
// world and one fake Lusha, and K fake HubSpot portals, each with its own limits.
// Person i belongs to pipeline j = i mod P, which reads the contacts of portal j mod K
// whose shard is j.
type fleet struct {
	world    *lushatest.World
	lusha    *lushatest.Server
	lushaIn  *counter
	lushaSrv *loopback
	// portals are each portal's CRM fake with the records seeded into it; their
	// lusha is nil: the fleet's serves them all.
	portals []*fakes
	// shards are each pipeline's record ids, in the order its portal hands them out.
	shards [][]string
}

// startFleet builds a world of leads people, seeds them over the portals' pipelines,
// and serves every fake on loopback.
func startFleet(seed int64, leads, pipelines, portals int, lim Limits) (*fleet, error) {
	fl := &fleet{world: lushatest.NewWorld(seed, leads), shards: make([][]string, pipelines)}
	fl.lusha = lushatest.NewServer(fl.world, lushatest.Options{Credits: unlimited, Pricing: pricing,
		Limits: lim.lushaLimits(), Seed: seed})
	for range portals {
		crm := hubspotFake{hubspottest.NewServer(lim.hubspotOptions())}
		for _, p := range append(customProperties, shardProperty) {
			crm.DefineProperty(p)
		}
		fl.portals = append(fl.portals, &fakes{spec: &hubspotSpec, world: fl.world, crm: crm,
			person: map[string]*lushatest.Person{}, hand: map[string]map[string]string{}})
	}
	r := seedDraws(seed) // the single-pipeline benchmark's records, spread out
	for i := range fl.world.People {
		j := i % pipelines
		id := fl.portals[j%portals].seedPerson(r, &fl.world.People[i], map[string]string{shardProperty.Name: strconv.Itoa(j)})
		fl.shards[j] = append(fl.shards[j], id)
	}
	var err error
	fl.lushaIn = newCounter(fl.lusha, lushaKind, status429)
	if fl.lushaSrv, err = serveLoopback(fl.lushaIn); err != nil {
		fl.close()
		return nil, fmt.Errorf("bench: serve fake Lusha: %w", err)
	}
	for k, p := range fl.portals {
		p.crmIn = newCounter(p.crm, hubspotKind, status429)
		if p.crmSrv, err = serveLoopback(p.crmIn); err != nil {
			fl.close()
			return nil, fmt.Errorf("bench: serve fake HubSpot portal %d: %w", k+1, err)
		}
	}
	return fl, nil
}

func (fl *fleet) close() {
	for _, p := range fl.portals {
		if p.crmSrv != nil {
			p.crmSrv.close()
		}
		p.crm.close()
	}
	if fl.lushaSrv != nil {
		fl.lushaSrv.close()
	}
	fl.lusha.Close()
}

// portalOf is the portal pipeline j reads.
func (fl *fleet) portalOf(j int) *fakes { return fl.portals[j%len(fl.portals)] }

// credits compares the fake Lusha's ledger with what the fields written into every
// portal strictly needed: each pipeline searches its own records in calls of 100, and
// a person or company revealed for one pipeline is never paid again for another.
func (fl *fleet) credits() Credits {
	c := spentCredits(fl.lusha)
	for j, ids := range fl.shards {
		c.NeededSearch += searchNeeded(ids, fl.portalOf(j).person)
	}
	phones, companies := map[string]bool{}, map[string]bool{}
	for _, p := range fl.portals {
		p.revealed(phones, companies)
	}
	c.needReveals(len(phones), len(companies))
	return c
}

// Names in the config the fleet writes.
func portalName(k int) string        { return fmt.Sprintf("portal-%d", k+1) }
func portalTokenEnv(k int) string    { return fmt.Sprintf("BENCH_HUBSPOT_%d_TOKEN", k+1) }
func shardPipelineName(j int) string { return fmt.Sprintf("%s-%02d", pipelineName, j+1) }

// envStateURL holds the PostgreSQL database's URL for the replicas' config.
const envStateURL = "BENCH_STATE_URL"

// stateSQLite is the state section of the config on one SQLite file.
const stateSQLite = "state: { path: bench.db }"

// statePostgres is the state section of the replicas' config: each replica runs up
// to its share of the pipelines at once (state.replica_runs, as the README advises),
// so that the pipelines spread over the replicas.
func statePostgres(pipelines, replicas int) string {
	share := (pipelines + replicas - 1) / max(replicas, 1)
	return fmt.Sprintf(`state: { url: "${env:%s}", migrate: auto, replica_runs: %d }`, envStateURL, max(share, 1))
}

// writeConfig writes the config of `leadsync run` over the fleet, with state as its
// state section, and the mapping, into dir. It returns the config's path and the
// environment its secrets resolve from. Every pipeline runs at start and then hourly:
// the start's run reads its shard to the end, so the measurement ends with it.
func (fl *fleet) writeConfig(dir, state string, client ClientLimits) (string, []string, error) {
	var b strings.Builder
	b.WriteString(strings.Replace(fmt.Sprintf(configYAML, fl.lushaSrv.url, client.LushaPerSecond), stateSQLite, state, 1))
	b.WriteString("http: { listen: \"127.0.0.1:0\" }\nshutdown_grace: 5s\ncrms:\n")
	env := []string{envLushaKey + "=" + fl.lusha.APIKey()}
	for k, p := range fl.portals {
		fmt.Fprintf(&b, `  %s:
    kind: hubspot
    token: ${env:%s}
    base_url: %s
    settle_lag: 0s
    limits: { search_per_second: %g, calls_per_10s: %d }
`, portalName(k), portalTokenEnv(k), p.crmSrv.url, client.HubSpotSearchPerSecond, client.HubSpotCallsPer10s)
		env = append(env, portalTokenEnv(k)+"="+p.crm.(hubspotFake).Token())
	}
	b.WriteString("pipelines:\n")
	for j := range fl.shards {
		fmt.Fprintf(&b, `  - name: %s
    crm: %s
    object: contacts
    schedule: "@every 1h"
    filter: { missing: [lusha_enriched_at], equals: { %s: "%d" } }
    mapping: mapping.yaml
    cache_ttl: 720h
`, shardPipelineName(j), portalName(j%len(fl.portals)), shardProperty.Name, j)
	}
	path := filepath.Join(dir, "bench.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		return "", nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "mapping.yaml"), hubspotMapping, 0o600); err != nil {
		return "", nil, err
	}
	return path, env, nil
}
