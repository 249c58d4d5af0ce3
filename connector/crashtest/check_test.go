package crashtest

import (
	"context"
	"database/sql"
	"encoding/json"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/leadsync/leadsync/connector"
	"github.com/leadsync/leadsync/lusha"
	"github.com/leadsync/leadsync/mapping"
	"github.com/leadsync/leadsync/state"
)

// checkSettled proves I1 once every run is over: every contact in the CRM has a
// record state that is done, skipped by rule or parked; none is pending or unknown.
// It returns the count per status.
func (f *fixture) checkSettled(t testing.TB) map[string]int {
	t.Helper()
	store, err := state.Open(context.Background(), f.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ids := f.contactIDs()
	recs, err := store.RecordsOf(context.Background(), pipelineName, crmAccount, ids)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	var lost []string
	for _, id := range ids {
		r, ok := recs[id]
		switch {
		case !ok:
			lost = append(lost, id+" (no record state)")
		case r.Status == state.StatusPending:
			lost = append(lost, id+" (pending: "+r.Reason+")")
		default:
			counts[r.Status]++
		}
	}
	if len(lost) > 0 {
		t.Errorf("I1: %d of %d contacts are neither done, skipped nor parked, e.g. %s",
			len(lost), len(ids), strings.Join(lost[:min(5, len(lost))], "; "))
	}
	return counts
}

func (f *fixture) contactIDs() []string {
	ids := make([]string, 0, len(f.seeded))
	for id := range f.seeded {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// ledgerRow is one row of the state file's write ledger.
type ledgerRow struct {
	CRMID, Field, Old, New string
}

// readLedger reads the ledger table directly, as an auditor would.
func (f *fixture) readLedger(t testing.TB) []ledgerRow {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+f.dbPath+"?mode=ro&_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT crm_id, field, COALESCE(old_value, ''), COALESCE(new_value, '')
		FROM ledger WHERE erased_at IS NULL ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []ledgerRow
	for rows.Next() {
		var r ledgerRow
		if err := rows.Scan(&r.CRMID, &r.Field, &r.Old, &r.New); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// mappedFields returns the mapping's target fields with their policies.
func (f *fixture) mappedFields(t testing.TB) map[string]mapping.Policy {
	t.Helper()
	m, err := mapping.Load(filepath.Join(f.dir, "mappings", "hubspot-contacts.yaml"),
		mapping.Options{Schema: connector.AnswerSchema()})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]mapping.Policy{}
	for _, fd := range m.Fields() {
		out[fd.Name] = fd.Policy
	}
	return out
}

// checkWrites proves I3 and I6 against the CRM as it is now: no hand-typed value was
// overwritten, no fill field's ledger row replaced a non-empty value, and every mapped
// field whose value differs from the seed has a ledger row that wrote exactly it.
// It returns how many written values it checked.
func (f *fixture) checkWrites(t testing.TB) int {
	t.Helper()
	fields := f.mappedFields(t)
	ledger := f.readLedger(t)
	wrote := map[string]map[string][]string{} // crm id → field → values written
	for _, r := range ledger {
		if fields[r.Field] == mapping.PolicyFill && r.Old != "" {
			t.Errorf("I3: ledger shows fill field %s of contact %s written over %q", r.Field, r.CRMID, r.Old)
		}
		if wrote[r.CRMID] == nil {
			wrote[r.CRMID] = map[string][]string{}
		}
		wrote[r.CRMID][r.Field] = append(wrote[r.CRMID][r.Field], r.New)
	}
	now := f.hub.Contacts()
	for id, hand := range f.hand {
		for field, v := range hand {
			if got := now[id][field]; got != v {
				t.Errorf("I3: contact %s: hand-typed %s %q was overwritten with %q", id, field, v, got)
			}
		}
	}
	checked, missing := 0, 0
	for id, before := range f.seeded {
		for field := range fields {
			got := now[id][field]
			if got == before[field] {
				continue
			}
			checked++
			if !slices.ContainsFunc(wrote[id][field], func(v string) bool { return sameValue(v, got) }) {
				missing++
				if missing <= 5 {
					t.Errorf("I6: contact %s: %s = %q in the CRM (was %q) but no ledger row wrote it (ledger: %q)",
						id, field, got, before[field], wrote[id][field])
				}
			}
		}
	}
	if missing > 5 {
		t.Errorf("I6: %d written values in all have no ledger row", missing)
	}
	return checked
}

// sameValue compares a value leadsync sent with the value the CRM shows, which the
// CRM may have normalised (datetimes).
func sameValue(sent, shown string) bool {
	if sent == shown {
		return true
	}
	a, okA := instant(sent)
	b, okB := instant(shown)
	return okA && okB && a.Equal(b)
}

func instant(v string) (time.Time, bool) {
	if ms, err := strconv.ParseInt(v, 10, 64); err == nil {
		return time.UnixMilli(ms).UTC(), true
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	return t.Truncate(time.Millisecond), err == nil
}

// purchase is one thing Lusha sells: the search of a person, a data point of a
// person, or a company.
type purchase struct{ what, id string }

// spendReport is what the fake Lusha's traffic says about I2.
type spendReport struct {
	PaidCalls int
	// Repeated are purchases bought in more than one call, with the number of calls.
	Repeated map[purchase]int
	// LostCalls are calls whose purchases some later call bought again: their
	// answers never reached the store.
	LostCalls int
}

// spend reads every paid call the fake Lusha answered with 200.
func (f *fixture) spend(t *testing.T) spendReport {
	t.Helper()
	seenIn := map[purchase][]int{}
	rep := spendReport{Repeated: map[purchase]int{}}
	for i, c := range f.lushaTap.Calls() {
		if c.Status != 200 {
			continue
		}
		rep.PaidCalls++
		for _, p := range f.purchases(t, c) {
			if calls := seenIn[p]; len(calls) == 0 || calls[len(calls)-1] != i {
				seenIn[p] = append(calls, i)
			}
		}
	}
	lost := map[int]bool{}
	for p, calls := range seenIn {
		if len(calls) > 1 {
			rep.Repeated[p] = len(calls)
			for _, i := range calls[:len(calls)-1] {
				lost[i] = true
			}
		}
	}
	rep.LostCalls = len(lost)
	return rep
}

// purchases lists what one paid call bought.
func (f *fixture) purchases(t *testing.T, c call) []purchase {
	t.Helper()
	var out []purchase
	contacts := func(items []lusha.ContactSearchItem, reveal []string) {
		for _, it := range items {
			p := f.world.FindPerson(it.ID, it.LinkedinURL, it.Email, it.FirstName, it.LastName, it.CompanyName, it.CompanyDomain)
			if p == nil {
				out = append(out, purchase{"search", "unknown:" + strings.ToLower(strings.Join(
					[]string{it.Email, it.LinkedinURL, it.FirstName, it.LastName, it.CompanyName, it.CompanyDomain}, "|"))})
				continue
			}
			out = append(out, purchase{"search", p.ID})
			if p.Known && !p.Restricted {
				for _, dp := range reveal {
					out = append(out, purchase{"reveal " + dp, p.ID})
				}
			}
		}
	}
	decode := func(v any) {
		if err := json.Unmarshal(c.Body, v); err != nil {
			t.Fatalf("a paid call to %s that the fake answered 200 does not decode: %v", c.Path, err)
		}
	}
	switch c.Path {
	case "/v3/contacts/search":
		var req lusha.ContactsSearchRequest
		decode(&req)
		contacts(req.Contacts, nil)
	case "/v3/contacts/search-and-enrich":
		var req lusha.ContactsSearchAndEnrichRequest
		decode(&req)
		contacts(req.Contacts, revealOrBoth(req.Reveal))
	case "/v3/contacts/enrich":
		var req lusha.ContactsEnrichRequest
		decode(&req)
		for _, id := range req.IDs {
			for _, dp := range revealOrBoth(req.Reveal) {
				out = append(out, purchase{"reveal " + dp, id})
			}
		}
	case "/v3/companies/enrich":
		var req lusha.CompaniesEnrichRequest
		decode(&req)
		for _, id := range req.IDs {
			out = append(out, purchase{"company", id})
		}
	}
	return out
}

// revealOrBoth is Lusha's default: no reveal list reveals emails and phones.
func revealOrBoth(reveal []string) []string {
	if len(reveal) == 0 {
		return []string{lusha.RevealEmails, lusha.RevealPhones}
	}
	return reveal
}

// checkSpend proves I2 given how many answers were allowed to get lost (kills, or
// connections dropped on purpose): no purchase was repeated beyond one lost call per
// allowance, and the store accounts for every credit but those of lost calls.
func (f *fixture) checkSpend(t *testing.T, allowedLost int) spendReport {
	t.Helper()
	rep := f.checkRepeats(t, allowedLost)
	store, err := state.Open(context.Background(), f.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	f.checkCredits(t, store, allowedLost)
	return rep
}

// checkRepeats proves the first half of I2: no purchase was repeated beyond one lost
// call per allowance.
func (f *fixture) checkRepeats(t *testing.T, allowedLost int) spendReport {
	t.Helper()
	rep := f.spend(t)
	if rep.LostCalls > allowedLost {
		var eg []string
		for p, n := range rep.Repeated {
			if len(eg) < 5 {
				eg = append(eg, p.what+" "+p.id+" ×"+strconv.Itoa(n))
			}
		}
		t.Errorf("I2: %d paid calls were bought again later (at most %d may be lost); %d purchases repeated, e.g. %s",
			rep.LostCalls, allowedLost, len(rep.Repeated), strings.Join(eg, ", "))
	}
	return rep
}

// checkCredits proves the second half of I2: the store recorded every credit the fake
// Lusha charged but those of at most allowedLost lost calls, and no more.
func (f *fixture) checkCredits(t *testing.T, store state.Store, allowedLost int) {
	t.Helper()
	recorded, err := store.CreditsSpent(context.Background(), "", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	charged, biggest := 0, 0
	for _, c := range f.lusha.Charges() {
		charged += c.Credits
		biggest = max(biggest, c.Credits)
	}
	if recorded > charged || charged-recorded > allowedLost*biggest {
		t.Errorf("I2: the fake charged %d credits, the store recorded %d; at most %d lost calls of ≤ %d credits may differ",
			charged, recorded, allowedLost, biggest)
	}
}
