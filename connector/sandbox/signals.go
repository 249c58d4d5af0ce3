package sandbox

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/leadsync/leadsync/connector/observe"
	"github.com/leadsync/leadsync/connector/react"
	"github.com/leadsync/leadsync/connector/signals"
	"github.com/leadsync/leadsync/crm/hubspot/hubspottest"
	"github.com/leadsync/leadsync/crm/salesforce/salesforcetest"
	"github.com/leadsync/leadsync/lusha"
	"github.com/leadsync/leadsync/lusha/lushatest"
	"github.com/leadsync/leadsync/state"
)

// With Options.Signals, the sandbox daemon gets Lusha's webhook receiver on a
// loopback port, its people pipelines subscribe their people to job changes and
// promotions, and their mappings say what a signal writes. A Mover then moves the
// world on and has the fake Lusha deliver the signals.

// SignalPipelines are the sandbox pipelines that subscribe to signals, by their
// CRM object.
var SignalPipelines = map[string]string{"hubspot-contacts": "contacts", "salesforce-leads": "Lead"}

// webhook is the receiver's address and the account's secret, which the fake
// Lusha signs its deliveries with.
type webhook struct {
	listen, secret string
}

// URL is where the fake Lusha delivers.
func (w *webhook) URL() string { return "http://" + w.listen + signals.Path }

// Custom fields a signal writes (a real portal or org needs them created).
var (
	signalProperties = []hubspottest.Property{
		{Name: "job_changed_on", Label: "Job changed on", Type: "date", FieldType: "date", GroupName: "contactinformation"},
		{Name: "previous_company", Label: "Previous company", Type: "string", FieldType: "text", GroupName: "contactinformation"},
	}
	signalLeadFields = []salesforcetest.Field{
		{Name: "Job_Changed_On__c", Label: "Job Changed On", Type: "date"},
		{Name: "Previous_Company__c", Label: "Previous Company", Type: "string", Length: 255},
	}
)

// The edits that turn the embedded config and mappings into the signals sandbox's:
// file, old text, new text. Titles are overwrite_if_owned (a title a sales rep
// typed stays), and a job change writes the new company, its date and the old one.
var signalEdits = [][3]string{
	// The first run is over when the daemon starts (Mover.WaitSubscribed); a run at
	// start would only race the first signals' actions for the pipelines' leases.
	{"sandbox.yaml", "shutdown_grace: 10s\n", "shutdown_grace: 10s\nrun_on_start: false\n"},
	{"sandbox.yaml", "    mapping: mappings/hubspot-contacts.yaml\n",
		"    mapping: mappings/hubspot-contacts.yaml\n    signals: { contact: [companyChange, promotion] }\n"},
	{"sandbox.yaml", "    mapping: mappings/salesforce-leads.yaml\n",
		"    mapping: mappings/salesforce-leads.yaml\n    signals: { contact: [companyChange, promotion] }\n"},
	{"mappings/hubspot-contacts.yaml", "  jobtitle:       { from: contact.jobTitle.title }\n",
		"  jobtitle:       { from: contact.jobTitle.title, policy: overwrite_if_owned }\n"},
	{"mappings/hubspot-contacts.yaml", "", `
# What a Lusha signal writes besides the fields above (sandbox --signals).
signals:
  companyChange:
    company:          { from: signal.currentCompanyName, policy: overwrite }
    job_changed_on:   { from: signal.signalDate, policy: overwrite }
    previous_company: { from: signal.previousCompanyName, policy: overwrite }
  promotion:
    job_changed_on:   { from: signal.signalDate, policy: overwrite }
`},
	{"mappings/salesforce-leads.yaml", `  Title:       { from: contact.jobTitle.title, transform: "truncate:128" }` + "\n",
		`  Title:       { from: contact.jobTitle.title, transform: "truncate:128", policy: overwrite_if_owned }` + "\n"},
	{"mappings/salesforce-leads.yaml", "", `
# What a Lusha signal writes besides the fields above (sandbox --signals).
signals:
  companyChange:
    Company:             { from: signal.currentCompanyName, transform: "truncate:255", policy: overwrite }
    Job_Changed_On__c:   { from: signal.signalDate, policy: overwrite }
    Previous_Company__c: { from: signal.previousCompanyName, transform: "truncate:255", policy: overwrite }
  promotion:
    Job_Changed_On__c:   { from: signal.signalDate, policy: overwrite }
`},
}

// defineSignalFields adds the fields signals write to both fakes' schemas.
func (sb *Sandbox) defineSignalFields() {
	for _, p := range signalProperties {
		sb.HubSpot.DefineProperty(p)
	}
	for _, f := range signalLeadFields {
		sb.Salesforce.DefineField("Lead", f)
	}
}

// setUpSignals gives the fake Lusha's account a new webhook secret, picks the
// receiver's loopback port and edits the config and mappings in dir.
func (sb *Sandbox) setUpSignals(dir string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tr := &http.Transport{DisableKeepAlives: true} // no idle connection outlives the call
	secret, _, err := sb.Lusha.Client(lusha.WithHTTPClient(&http.Client{Transport: tr})).RegenerateAccountSecret(ctx)
	if err != nil {
		return fmt.Errorf("sandbox: webhook secret: %w", err)
	}
	addr, err := loopbackAddr()
	if err != nil {
		return fmt.Errorf("sandbox: webhook port: %w", err)
	}
	sb.webhook = &webhook{listen: addr, secret: secret.Reveal()}
	for _, e := range signalEdits {
		path := filepath.Join(dir, e[0])
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		s := string(b)
		switch {
		case e[1] == "":
			s += e[2]
		case strings.Contains(s, e[1]):
			s = strings.Replace(s, e[1], e[2], 1)
		default:
			return fmt.Errorf("sandbox: %s lacks %q", e[0], e[1])
		}
		if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
			return err
		}
	}
	return nil
}

// loopbackAddr is a free loopback port the system chose. The receiver listens on
// it later, as public_url must name it before the daemon starts; another process
// could take it in between, which the daemon then reports as it starts.
func loopbackAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := ln.Addr().String()
	return addr, ln.Close()
}

// webhookEnviron is the receiver's part of Environ.
func (sb *Sandbox) webhookEnviron() []string {
	if sb.webhook == nil {
		return nil
	}
	return []string{
		"LEADSYNC_LUSHA__WEBHOOK__LISTEN=" + sb.webhook.listen,
		"LEADSYNC_LUSHA__WEBHOOK__PUBLIC_URL=" + sb.webhook.URL(),
		"LEADSYNC_LUSHA__WEBHOOK__SECRET=${env:SANDBOX_WEBHOOK_SECRET}",
		"SANDBOX_WEBHOOK_SECRET=" + sb.webhook.secret,
	}
}

// MoverStore is what a Mover reads of the daemon's state store.
type MoverStore interface {
	EnrichedBy(ctx context.Context, pipeline string) ([]state.Enriched, error)
	InboxCounts(ctx context.Context) (map[string]int, error)
}

// MoverOptions configure a Mover. Store and MetricsURL are required.
type MoverOptions struct {
	Store      MoverStore
	MetricsURL string // the daemon's /metrics
	// Share of the subscribed people moved to a new job each round (default 5 %),
	// and of those promoted (default 2 %); at least one each.
	Share, Promoted float64
	Seed            int64
}

// Mover moves the sandbox's world on after the daemon's first run: in rounds,
// people the daemon subscribed change jobs or are promoted, and the fake Lusha
// delivers the signals, signed, to the daemon's receiver.
type Mover struct {
	sb     *Sandbox
	o      MoverOptions
	rand   *rand.Rand
	client *http.Client
	moved  map[string]bool // people moved or promoted already: each once
	sent   int             // deliveries started
	// refreshedSeen is the last figure read on /metrics, for a summary after the
	// daemon stopped.
	refreshedSeen int
	// credits0 is what the account had spent before the first round.
	credits0 int
	began    bool
}

// Move is one person's change of a round.
type Move struct {
	PersonID string
	Type     string // lusha.SignalCompanyChange or lusha.SignalPromotion
	Title    string // the new title
	Company  string // the company they work at now
	Previous string // the company they left; "" for a promotion
	Date     string // the signal's date, YYYY-MM-DD
}

// SignalSummary is what the signals did so far, in the sandbox's summary line.
type SignalSummary struct {
	Sent      int // deliveries the fake Lusha started
	Received  int // deliveries in the daemon's inbox
	Applied   int // of them acted on
	Refreshed int // records enriched again and mapped (leadsync_refreshed_records_total, trigger signal)
	Credits   int // credits the account spent since the first round: re-enrichments and signal deliveries
}

func (s SignalSummary) String() string {
	return fmt.Sprintf("signals: %d sent, %d received, %d applied; %d records refreshed, %d credits spent on them",
		s.Sent, s.Received, s.Applied, s.Refreshed, s.Credits)
}

// NewMover returns a Mover of the sandbox; it needs Options.Signals.
func (sb *Sandbox) NewMover(o MoverOptions) (*Mover, error) {
	if sb.webhook == nil {
		return nil, errors.New("sandbox: the signals sandbox needs Options.Signals")
	}
	if o.Share <= 0 {
		o.Share = 0.05
	}
	if o.Promoted <= 0 {
		o.Promoted = 0.02
	}
	return &Mover{sb: sb, o: o, rand: rand.New(rand.NewPCG(uint64(o.Seed), 0x51c)),
		client: &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}},
		moved:  map[string]bool{}}, nil
}

// watched lists the people the daemon's subscriptions watch for job changes.
func (m *Mover) watched() []string {
	return m.sb.Lusha.Watched(lusha.EntityContact, lusha.SignalCompanyChange)
}

// WaitSubscribed waits until the daemon's subscriptions manager subscribed every
// person the signal pipelines enriched, or, when the account's cap leaves some
// out, until their number has not grown for 5 seconds; it returns how many are
// watched. The manager passes at the daemon's start and then every 10 minutes:
// the first run must be over when the daemon starts.
func (m *Mover) WaitSubscribed(ctx context.Context) (int, error) {
	var wanted []string
	for pipeline, object := range SignalPipelines {
		enriched, err := m.o.Store.EnrichedBy(ctx, pipeline)
		if err != nil {
			return 0, err
		}
		for _, e := range enriched {
			if e.Held && e.Object == object && !slices.Contains(wanted, e.LushaID) {
				wanted = append(wanted, e.LushaID)
			}
		}
	}
	if len(wanted) == 0 {
		return 0, nil // nothing enriched: no one to watch
	}
	last, since := -1, time.Now()
	for {
		watched := m.watched()
		missing := slices.ContainsFunc(wanted, func(id string) bool { _, ok := slices.BinarySearch(watched, id); return !ok })
		if len(watched) != last {
			last, since = len(watched), time.Now()
		}
		if !missing || last > 0 && time.Since(since) > 5*time.Second {
			return len(watched), nil
		}
		if err := react.Sleep(ctx, 50*time.Millisecond); err != nil {
			return len(watched), err
		}
	}
}

// Titles the world's people move to, or are promoted to.
var (
	newTitles = []string{"VP of Sales", "Head of Revenue Operations", "Director of Partnerships",
		"Chief Customer Officer", "Head of Growth", "VP of Marketing"}
	promotedTitles = []string{"Senior Vice President", "Chief Operating Officer", "Managing Director"}
)

// Emit moves a share of the watched people not moved yet to new jobs at other
// companies, promotes a few more, and has the fake Lusha deliver each signal; it
// returns once the deliveries succeeded or gave up.
func (m *Mover) Emit(ctx context.Context) ([]Move, error) {
	if !m.began {
		m.credits0, m.began = m.sb.Lusha.CreditsUsed(), true
	}
	watched := m.watched()
	candidates := slices.DeleteFunc(slices.Clone(watched), func(id string) bool { return m.moved[id] })
	m.rand.Shuffle(len(candidates), func(i, j int) { candidates[i], candidates[j] = candidates[j], candidates[i] })
	share := func(f float64) int { return max(1, int(f*float64(len(watched))+0.5)) }
	moving := min(share(m.o.Share), len(candidates))
	promoted := min(share(m.o.Promoted), len(candidates)-moving)
	var moves []Move
	for i, id := range candidates[:moving+promoted] {
		if err := ctx.Err(); err != nil {
			return moves, err
		}
		p, ok := m.sb.World.PersonByID(id)
		if !ok {
			continue
		}
		mv := Move{PersonID: id, Type: lusha.SignalPromotion}
		var err error
		var sg lushatest.Signal
		if i < moving {
			mv.Type, mv.Previous = lusha.SignalCompanyChange, p.Company.Name
			to := &m.sb.World.Companies[m.rand.IntN(len(m.sb.World.Companies))]
			for to == p.Company {
				to = &m.sb.World.Companies[m.rand.IntN(len(m.sb.World.Companies))]
			}
			mv.Title = pickOther(m.rand, newTitles, p.JobTitle)
			sg, err = m.sb.Lusha.MovePerson(id, to.ID, mv.Title)
		} else {
			mv.Title = pickOther(m.rand, promotedTitles, p.JobTitle)
			sg, err = m.sb.Lusha.Promote(id, mv.Title)
		}
		if err != nil {
			return moves, err
		}
		m.moved[id] = true
		mv.Company, mv.Date = p.Company.Name, sg.Date.Format(time.DateOnly)
		m.sent += m.sb.Lusha.EmitSignal(sg)
		moves = append(moves, mv)
	}
	m.sb.Lusha.WaitDeliveries()
	return moves, nil
}

// WaitApplied waits until the inbox holds every delivery sent and none is left
// to process (one lost on the way, e.g. the receiver down, stops the wait
// after 15 quiet seconds).
func (m *Mover) WaitApplied(ctx context.Context) error {
	last, since := -1, time.Now()
	for {
		c, err := m.o.Store.InboxCounts(ctx)
		if err != nil {
			return err
		}
		total := 0
		for _, n := range c {
			total += n
		}
		if total != last {
			last, since = total, time.Now()
		}
		if c[state.InboxReceived] == 0 && (total >= m.sent || time.Since(since) > 15*time.Second) {
			return nil
		}
		if err := react.Sleep(ctx, 50*time.Millisecond); err != nil {
			return err
		}
	}
}

// Round emits a round of signals, waits until the daemon applied them, and
// returns the moves and the summary so far.
func (m *Mover) Round(ctx context.Context) ([]Move, SignalSummary, error) {
	moves, err := m.Emit(ctx)
	if err != nil {
		return moves, SignalSummary{}, err
	}
	if err := m.WaitApplied(ctx); err != nil {
		return moves, SignalSummary{}, err
	}
	sum, err := m.Summary(ctx)
	return moves, sum, err
}

// Summary reads what the signals did so far: the inbox, /metrics and the fake's
// bill. When /metrics does not answer (the daemon stopped), Refreshed is the
// figure it last showed, with the error.
func (m *Mover) Summary(ctx context.Context) (SignalSummary, error) {
	s := SignalSummary{Sent: m.sent}
	if m.began {
		s.Credits = m.sb.Lusha.CreditsUsed() - m.credits0
	}
	c, err := m.o.Store.InboxCounts(ctx)
	if err != nil {
		return s, err
	}
	for _, n := range c {
		s.Received += n
	}
	s.Applied = c[state.InboxApplied]
	n, err := m.refreshed(ctx)
	if err != nil {
		s.Refreshed = m.refreshedSeen
		return s, err
	}
	m.refreshedSeen, s.Refreshed = n, n
	return s, nil
}

// refreshed sums leadsync_refreshed_records_total{trigger="signal"} on /metrics.
func (m *Mover) refreshed(ctx context.Context) (int, error) {
	page, err := observe.Scrape(ctx, m.client, m.o.MetricsURL)
	if err != nil {
		return 0, fmt.Errorf("sandbox: %w", err)
	}
	total, _ := page.Sum("leadsync_refreshed_records_total", map[string]string{"trigger": "signal"})
	return int(total), nil
}

func pickOther(r *rand.Rand, titles []string, not string) string {
	for {
		if t := titles[r.IntN(len(titles))]; t != not {
			return t
		}
	}
}
