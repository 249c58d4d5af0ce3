package run

import (
	"context"
	"fmt"
	"net/mail"
	"net/url"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/lusha"
	"github.com/leadsync/leadsync/mapping"
	"github.com/leadsync/leadsync/state"
)

// prepare is the enrich stage for one page: plan each record, get its answers (from
// the cache or Lusha, persisted before use), and map them. It runs in one goroutine at
// a time (the stream's enrich goroutine, or the retry queue before the stream starts).
func (rn *run) prepare(ctx context.Context, pg crm.Page, stream bool) (*batch, error) {
	if err := rn.merge(ctx, pg.Records); err != nil {
		return nil, err
	}
	recs, err := rn.dedupe(ctx, pg.Records, !stream)
	if err != nil {
		return nil, err
	}
	b := &batch{pg: pg, stream: stream}
	if rn.opts.Limit > 0 {
		left := rn.opts.Limit - rn.read
		b.cut, b.reached = left < len(recs), left <= len(recs)
		recs = recs[:min(len(recs), max(left, 0))]
	}
	rn.read += len(recs)
	b.recs = recs
	b.counts.RecordsRead = len(recs)
	if err := rn.plan(ctx, recs); err != nil {
		return nil, err
	}
	spentBefore := rn.spent
	stop, err := rn.enrich(ctx, recs)
	if err != nil {
		return nil, err
	}
	b.stop = stop
	b.counts.CreditsSpent = rn.spent - spentBefore
	b.counts.RecordsEnriched = rn.mapAll(recs)
	if rn.opts.DryRun {
		rn.wouldEnrich(recs)
	}
	return b, nil
}

// merge moves the state kept under ids a record absorbed (a HubSpot merge) onto the
// record, so that its ledger proves ownership and its history follows it.
func (rn *run) merge(ctx context.Context, recs []crm.Record) error {
	if rn.opts.DryRun {
		return nil
	}
	for _, rec := range recs {
		var merged []string
		for _, id := range rec.MergedIDs {
			if id != "" && id != rec.ID {
				merged = append(merged, id)
			}
		}
		if len(merged) == 0 {
			continue
		}
		if err := rn.Store.MergeRecords(ctx, rn.p.Account, rn.p.Object, rec.ID, merged); err != nil {
			return fmt.Errorf("move the state of merged records onto %s: %w", rec.ID, err)
		}
	}
	return nil
}

// dedupe drops records whose version was already handled: duplicates from the read's
// look-back overlap and echoes of leadsync's own writes (DESIGN §10).
func (rn *run) dedupe(ctx context.Context, recs []crm.Record, retrying bool) ([]*Record, error) {
	ids := make([]string, len(recs))
	for i, rec := range recs {
		ids[i] = rec.ID
	}
	prev, err := rn.Store.RecordsOf(ctx, rn.p.Name, rn.p.Account, ids)
	if err != nil {
		return nil, err
	}
	out := make([]*Record, 0, len(recs))
	seen := map[string]bool{}
	for _, rec := range recs {
		st, known := prev[rec.ID]
		if seen[rec.ID] || (handled(st, known, rec) && !rn.opts.Remap && !retrying) {
			continue
		}
		seen[rec.ID] = true
		out = append(out, newRecord(rec, st, retrying))
	}
	return out, nil
}

// plan decides for each record, from the record and the store, whether Lusha must be
// asked and for which data points (DESIGN §2 step 3). The store is read once per page.
func (rn *run) plan(ctx context.Context, recs []*Record) error {
	var asking []*Record
	for _, r := range recs {
		if rn.identify(r) {
			asking = append(asking, r)
		}
	}
	if len(asking) == 0 {
		return nil
	}
	ids, keys := make([]string, len(asking)), make([]string, 0, 2*len(asking))
	for i, r := range asking {
		ids[i] = r.rec.ID
		keys = append(keys, r.key)
		if r.prev.IdentityKey != "" && r.prev.IdentityKey != r.key {
			keys = append(keys, r.prev.IdentityKey)
		}
	}
	var owned map[string]map[string]string
	if hasOwnedPolicy(rn.p.Mapping) {
		var err error
		if owned, err = rn.Store.OwnedBy(ctx, rn.p.Account, rn.p.Object, ids); err != nil {
			return err
		}
	}
	suppressed, err := rn.Store.SuppressedMany(ctx, keys)
	if err != nil {
		return err
	}
	cached, err := rn.Store.Enrichments(ctx, keys, rn.now())
	if err != nil {
		return err
	}
	for _, r := range asking {
		// A record keeps the identity it was enriched under: writing a match field
		// (a LinkedIn URL found by Lusha) must not make it a stranger to the cache.
		if old := r.prev.IdentityKey; old != "" && old != r.key && cached[r.key] == nil && (cached[old] != nil || suppressed[old]) {
			r.key = old
		}
		r.owned = owned[r.rec.ID]
		c := cached[r.key]
		fresh := rn.fresh(c)
		if fresh == nil && c != nil {
			r.stale = c
		}
		rn.decide(r, suppressed[r.key], fresh)
	}
	return nil
}

// identify skips records that are not to be enriched at all, and gives the others
// their identity; it reports whether the record goes on.
func (rn *run) identify(r *Record) bool {
	if !r.retrying && !matchesFilter(r.rec, rn.filter()) {
		r.set(Skipped, crm.ClassNone, "does not match the pipeline filter")
		return false
	}
	if rn.p.Mapping.ForCompanies() {
		return rn.identifyCompany(r)
	}
	id := usable(rn.p.Mapping.Identity(r.rec.Fields))
	if !id.Valid() {
		r.set(Skipped, crm.ClassNone, "no identity: needs an email, a LinkedIn URL, or a name and company")
		return false
	}
	r.key = id.Key()
	r.item = searchItem(r.rec.ID, id)
	r.set(Planned, crm.ClassNone, "")
	return true
}

// decide settles what the store already answers and notes what the rest needs.
func (rn *run) decide(r *Record, suppressed bool, cached *state.Enrichment) {
	needs := rn.p.Mapping.Needs(r.rec.Fields, r.owned)
	if len(needs.Sources) == 0 {
		// Only constants could be written (or nothing): they mark enrichment, so
		// without an answer to write there is nothing to do and nothing to buy.
		r.digest = rn.digest(r.rec.Fields, nil)
		r.set(Kept, crm.ClassNone, "nothing to write")
		return
	}
	r.reveal, r.company, r.enrich = dataPoints(needs.Sources)
	r.needs = needs.Fields
	if suppressed {
		r.set(Skipped, crm.ClassRestricted, "suppressed: restricted, opted out or forgotten")
		return
	}
	r.cached = cached
	if cached != nil {
		switch cached.Outcome {
		case state.OutcomeNoMatch:
			r.set(Skipped, crm.ClassNoMatch, "Lusha has no match (cached)")
		case state.OutcomeRestricted:
			r.set(Skipped, crm.ClassRestricted, "restricted (cached)")
		}
	}
}

// usable drops identity parts that Lusha would refuse (a malformed email, an
// oversized value), so that one bad field costs its record that field, not a call.
func usable(id mapping.Identity) mapping.Identity {
	if id.Email != "" && !plausibleEmail(id.Email) {
		id.Email = ""
	}
	if u, err := url.Parse(id.LinkedinURL); id.LinkedinURL != "" && (err != nil || !strings.Contains(u.Host+u.Path, "linkedin.") || len(id.LinkedinURL) > 512) {
		id.LinkedinURL = ""
	}
	for _, s := range []*string{&id.FirstName, &id.LastName, &id.CompanyName, &id.CompanyDomain} {
		if len(*s) > 256 || !utf8.ValidString(*s) || strings.ContainsFunc(*s, unicode.IsControl) {
			*s = ""
		}
	}
	return id
}

// IdentityKey is the cache key of a record's identity under a mapping, as a run
// computes it (after dropping parts Lusha would refuse).
func IdentityKey(m *mapping.Mapping, fields map[string]string) string {
	return usable(m.Identity(fields)).Key()
}

// plausibleEmail accepts a bare address whose domain has a dot, as Lusha requires.
func plausibleEmail(email string) bool {
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != strings.TrimSpace(email) || len(email) > 254 {
		return false
	}
	_, domain, _ := strings.Cut(a.Address, "@")
	return strings.Contains(domain, ".") && !strings.Contains(domain, "..") &&
		!strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".")
}

func searchItem(ref string, id mapping.Identity) lusha.ContactSearchItem {
	return lusha.ContactSearchItem{ClientReferenceID: ref, Email: id.Email, LinkedinURL: id.LinkedinURL,
		FirstName: id.FirstName, LastName: id.LastName, CompanyName: id.CompanyName, CompanyDomain: id.CompanyDomain}
}

// dataPoints turns the answer paths some field reads into what must be bought:
// contact emails or phones (reveals), a company answer, or other enriched-only fields.
func dataPoints(sources []string) (reveal []string, company, enrichOnly bool) {
	for _, src := range sources {
		switch {
		case strings.HasPrefix(src, "contact.emails"):
			reveal = appendUnique(reveal, lusha.RevealEmails)
		case strings.HasPrefix(src, "contact.phones"):
			reveal = appendUnique(reveal, lusha.RevealPhones)
		case strings.HasPrefix(src, "company."):
			company = true
		case strings.HasPrefix(src, "contact.") && !inPreview(src):
			enrichOnly = true
		}
	}
	slices.Sort(reveal)
	return reveal, company, enrichOnly
}

func appendUnique(xs []string, x string) []string {
	if slices.Contains(xs, x) {
		return xs
	}
	return append(xs, x)
}

func matchesFilter(rec crm.Record, f crm.Filter) bool {
	for _, field := range f.Missing {
		if strings.TrimSpace(rec.Fields[field]) != "" {
			return false
		}
	}
	for field, want := range f.Equals {
		if rec.Fields[field] != want {
			return false
		}
	}
	return true
}

func hasOwnedPolicy(m *mapping.Mapping) bool {
	for _, f := range m.Fields() {
		if f.Policy == mapping.PolicyOverwriteIfOwned {
			return true
		}
	}
	return false
}
