package connector

import (
	"context"
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

// plan is what the run decided and learned about one record.
type plan struct {
	rec      crm.Record
	prev     state.RecordState
	key      string // identity hash
	item     lusha.ContactSearchItem
	owned    map[string]string
	reveal   []string // data points some target field needs: emails, phones
	company  bool     // some target field reads the company answer
	enrich   bool     // some target field reads a contact field the preview lacks
	cached   *state.Enrichment
	contact  map[string]any // the contact answer the mapping reads
	firm     map[string]any // the company answer
	lushaID  string
	patch    map[string]string
	decided  []mapping.Decision
	needs    []string // target fields that could be written
	retrying bool     // from the retry queue: already selected, the filter does not apply
	staged   bool     // pending ledger rows were stored before the write
	result   state.RecordState
	settled  bool // the record needs no further stage
}

// settle ends a record's path through the stages.
func (pl *plan) settle(status string, class crm.Class, reason string) {
	pl.settled = true
	pl.result.Status = status
	pl.result.Class = string(class)
	pl.result.Reason = reason
}

// dedupe drops records whose version was already handled: duplicates from the read's
// look-back overlap and echoes of leadsync's own writes (DESIGN §10).
func (rn *run) dedupe(ctx context.Context, recs []crm.Record, retrying bool) ([]*plan, error) {
	ids := make([]string, len(recs))
	for i, rec := range recs {
		ids[i] = rec.ID
	}
	prev, err := rn.Store.Records(ctx, rn.p.Name, ids)
	if err != nil {
		return nil, err
	}
	plans := make([]*plan, 0, len(recs))
	seen := map[string]bool{}
	for _, rec := range recs {
		st, known := prev[rec.ID]
		handled := known && st.Status != state.StatusPending && st.SeenModifiedAt.Equal(rec.ModifiedAt)
		if seen[rec.ID] || (handled && !rn.opts.Remap && !retrying) {
			continue
		}
		seen[rec.ID] = true
		pl := &plan{rec: rec, prev: st, retrying: retrying}
		pl.result = state.RecordState{Pipeline: rn.p.Name, CRMID: rec.ID, SeenModifiedAt: rec.ModifiedAt,
			Attempts: st.Attempts}
		plans = append(plans, pl)
	}
	return plans, nil
}

// planPage decides for each record of a page, from the record and the store, whether
// Lusha must be asked and for which data points (DESIGN §2 step 3). The store is read
// once per page, not once per record.
func (rn *run) planPage(ctx context.Context, plans []*plan) error {
	var asking []*plan
	for _, pl := range plans {
		if rn.identify(pl) {
			asking = append(asking, pl)
		}
	}
	if len(asking) == 0 {
		return nil
	}
	ids, keys := make([]string, len(asking)), make([]string, 0, 2*len(asking))
	for i, pl := range asking {
		ids[i] = pl.rec.ID
		keys = append(keys, pl.key)
		if pl.prev.IdentityKey != "" && pl.prev.IdentityKey != pl.key {
			keys = append(keys, pl.prev.IdentityKey)
		}
	}
	var owned map[string]map[string]string
	if rn.p.hasOwnedPolicy() {
		var err error
		if owned, err = rn.Store.OwnedMany(ctx, rn.p.Object, ids); err != nil {
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
	for _, pl := range asking {
		// A record keeps the identity it was enriched under: writing a match field
		// (a LinkedIn URL found by Lusha) must not make it a stranger to the cache.
		if old := pl.prev.IdentityKey; old != "" && old != pl.key && cached[pl.key] == nil && (cached[old] != nil || suppressed[old]) {
			pl.key, pl.result.IdentityKey = old, old
		}
		pl.owned = owned[pl.rec.ID]
		rn.decide(pl, suppressed[pl.key], cached[pl.key])
	}
	return nil
}

// identify settles records that are not to be enriched at all, and gives the others
// their identity; it reports whether the record goes on.
func (rn *run) identify(pl *plan) bool {
	if !pl.retrying && !matchesFilter(pl.rec, rn.filter()) {
		pl.settle(state.StatusSkipped, crm.ClassNone, "does not match the pipeline filter")
		return false
	}
	id := usable(rn.p.Mapping.Identity(pl.rec.Fields))
	if !id.Valid() {
		pl.settle(state.StatusSkipped, crm.ClassNone, "no identity: needs an email, a LinkedIn URL, or a name and company")
		return false
	}
	pl.key = id.Key()
	pl.result.IdentityKey = pl.key
	pl.item = searchItem(pl.rec.ID, id)
	return true
}

// decide settles what the store already answers and notes what the rest needs.
func (rn *run) decide(pl *plan, suppressed bool, cached *state.Enrichment) {
	needs := rn.p.Mapping.Needs(pl.rec.Fields, pl.owned)
	if len(needs.Sources) == 0 {
		// Only constants could be written (or nothing): they mark enrichment, so
		// without an answer to write there is nothing to do and nothing to buy.
		pl.settle(state.StatusDone, crm.ClassNone, "nothing to write")
		return
	}
	pl.reveal, pl.company, pl.enrich = dataPoints(needs.Sources)
	pl.needs = needs.Fields
	if suppressed {
		pl.settle(state.StatusDone, crm.ClassRestricted, "suppressed: restricted or opted out")
		return
	}
	pl.cached = cached
	if cached != nil {
		switch cached.Outcome {
		case state.OutcomeNoMatch:
			pl.settle(state.StatusDone, crm.ClassNoMatch, "Lusha has no match (cached)")
		case state.OutcomeRestricted:
			pl.settle(state.StatusDone, crm.ClassRestricted, "restricted (cached)")
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

func (p *Pipeline) hasOwnedPolicy() bool {
	for _, f := range p.Mapping.Fields() {
		if f.Policy == mapping.PolicyOverwriteIfOwned {
			return true
		}
	}
	return false
}
