package hubspottest

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// record is one stored CRM object. props holds the current non-empty values, system
// properties included; index holds what search sees, which trails writes by
// SearchLag.
type record struct {
	id       int64
	created  time.Time
	modified time.Time
	props    map[string]string
	archived bool
	// archivedAt is when Archive moved it to the recycle bin.
	archivedAt time.Time
	// mergedInto is the record a merge replaced this one with: reads by this id
	// answer with it (reference §4.6).
	mergedInto int64
	index      []version
}

// version is one state of a record as the search index knows it, from visibleAt on.
type version struct {
	visibleAt time.Time
	props     map[string]string
	archived  bool
}

// searchable returns the newest version search sees at now, and drops the versions
// it hides for good.
func (c *record) searchable(now time.Time) (version, bool) {
	i := len(c.index) - 1
	for i >= 0 && c.index[i].visibleAt.After(now) {
		i--
	}
	if i < 0 {
		return version{}, false
	}
	c.index = c.index[i:]
	return c.index[0], true
}

// reindex records the current state for search, visible after the lag.
func (s *Server) reindex(c *record) {
	c.index = append(c.index, version{visibleAt: s.now().Add(s.opts.SearchLag), props: maps.Clone(c.props), archived: c.archived})
}

func (o *objectType) setModified(c *record, t time.Time) {
	c.modified = t
	c.props["hs_lastmodifieddate"] = formatTime(t)
	if o.legacyModified {
		c.props["lastmodifieddate"] = formatTime(t)
	}
}

// Add stores a new record of object (contacts, companies, leads) and returns its id.
// Seeding is privileged: it may set createdate and the modification date (e.g. many
// records sharing one timestamp), but every other property must be defined and
// writable and every value valid; anything else is a bug in the seed and panics.
func (s *Server) Add(object string, props map[string]string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strconv.FormatInt(s.add(s.mustObject(object), props).id, 10)
}

func (s *Server) add(o *objectType, props map[string]string) *record {
	stamp := s.seedStamp()
	created := stamp
	if v, ok := props["createdate"]; ok {
		created = mustInstant("createdate", v)
	}
	c := s.newRecord(o, created)
	s.seed(o, c, props)
	o.setModified(c, stamp)
	if v, ok := modifiedSeed(o, props); ok {
		o.setModified(c, mustInstant(o.modifiedProp(), v))
	}
	s.reindex(c)
	return c
}

// newRecord stores an empty record of o with the next id; the caller sets its values
// and modification date and indexes it.
func (s *Server) newRecord(o *objectType, created time.Time) *record {
	c := &record{id: s.nextID, created: created, props: map[string]string{}}
	s.nextID++
	c.props["createdate"] = formatTime(created)
	c.props["hs_object_id"] = strconv.FormatInt(c.id, 10)
	o.records[c.id] = c
	o.ids = append(o.ids, c.id)
	return c
}

func modifiedSeed(o *objectType, props map[string]string) (string, bool) {
	if v, ok := props[o.modifiedProp()]; ok {
		return v, true
	}
	v, ok := props["hs_lastmodifieddate"]
	return v, ok
}

// Update changes a record as a HubSpot user would (same rules as Add); the
// modification date moves only when a value actually changes.
func (s *Server) Update(object, id string, props map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.mustObject(object)
	c := o.lookup(id)
	if c == nil {
		panic("hubspottest: Update: no " + object + " " + id)
	}
	before := maps.Clone(c.props)
	s.seed(o, c, props)
	if v, ok := modifiedSeed(o, props); ok {
		o.setModified(c, mustInstant(o.modifiedProp(), v))
	} else if !maps.Equal(before, c.props) {
		o.setModified(c, s.writeStamp())
	}
	s.reindex(c)
}

// Archive moves a record to the recycle bin: it leaves search, reads and writes.
func (s *Server) Archive(object, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.archive(s.mustObject(object), id)
}

// Get returns a copy of a record's current values (archived ones included).
func (s *Server) Get(object, id string) (map[string]string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.mustObject(object).lookup(id)
	if c == nil {
		return nil, false
	}
	return maps.Clone(c.props), true
}

// All returns a copy of every record's current values by id.
func (s *Server) All(object string) map[string]map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.mustObject(object)
	out := make(map[string]map[string]string, len(o.records))
	for id, c := range o.records {
		out[strconv.FormatInt(id, 10)] = maps.Clone(c.props)
	}
	return out
}

// AddContact is Add("contacts", props).
func (s *Server) AddContact(props map[string]string) string { return s.Add("contacts", props) }

// UpdateContact is Update("contacts", id, props).
func (s *Server) UpdateContact(id string, props map[string]string) { s.Update("contacts", id, props) }

// ArchiveContact is Archive("contacts", id).
func (s *Server) ArchiveContact(id string) { s.Archive("contacts", id) }

// Contact is Get("contacts", id).
func (s *Server) Contact(id string) (map[string]string, bool) { return s.Get("contacts", id) }

// Contacts is All("contacts").
func (s *Server) Contacts() map[string]map[string]string { return s.All("contacts") }

func (s *Server) seed(o *objectType, c *record, props map[string]string) {
	for _, name := range slices.Sorted(maps.Keys(props)) {
		if name == "createdate" || name == "lastmodifieddate" || name == "hs_lastmodifieddate" {
			continue
		}
		p, ok := o.props[name]
		if !ok || !p.writable() {
			panic(fmt.Sprintf("hubspottest: seed: %s property %q is not defined or not writable", o.name, name))
		}
		v, verr := p.normalize(props[name], c.props[name])
		if verr != nil {
			panic("hubspottest: seed: " + verr.Message)
		}
		setValue(c.props, name, v)
	}
}

func setValue(m map[string]string, name, v string) {
	if v == "" {
		delete(m, name)
		return
	}
	m[name] = v
}

func mustInstant(name, v string) time.Time {
	t, ok := parseInstant(v)
	if !ok {
		panic(fmt.Sprintf("hubspottest: seed: %s %q is not a time", name, v))
	}
	return t.Truncate(time.Millisecond)
}

func (o *objectType) lookup(id string) *record {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return nil
	}
	return o.records[n]
}

// live returns a record the batch API may read or write: not archived, not merged
// away (batch calls do not follow merges, reference §4.6).
func (o *objectType) live(id string) *record {
	if c := o.lookup(id); c != nil && !c.archived && c.mergedInto == 0 {
		return c
	}
	return nil
}

// resolve follows merges, as single-record reads do.
func (o *objectType) resolve(id string) *record {
	c := o.lookup(id)
	for c != nil && c.mergedInto != 0 {
		c = o.records[c.mergedInto]
	}
	if c == nil || c.archived {
		return nil
	}
	return c
}

// MergeContacts merges two contacts as HubSpot's merge does since 2024: a new record
// with a new id replaces both, holding the primary's values (the other's where the
// primary has none) and listing every absorbed id in hs_merged_object_ids; reads by
// either old id answer with the new record, batch writes to them fail. It returns
// the new id.
func (s *Server) MergeContacts(primary, merged string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strconv.FormatInt(s.merge(s.types["contacts"], primary, merged).id, 10)
}

func (s *Server) merge(o *objectType, primary, merged string) *record {
	p, m := o.live(primary), o.live(merged)
	if p == nil || m == nil || p == m {
		panic("hubspottest: merge: need two distinct live records")
	}
	values := maps.Clone(m.props)
	maps.Copy(values, p.props)
	ids := slices.DeleteFunc(strings.Split(primary+";"+merged+";"+p.props["hs_merged_object_ids"]+";"+m.props["hs_merged_object_ids"], ";"),
		func(s string) bool { return s == "" })
	slices.SortFunc(ids, func(a, b string) int { return cmpID(a, b) })
	c := &record{id: s.nextID, created: p.created, props: values}
	s.nextID++
	c.props["hs_object_id"] = strconv.FormatInt(c.id, 10)
	c.props["hs_merged_object_ids"] = strings.Join(slices.Compact(ids), ";")
	o.setModified(c, s.writeStamp())
	o.records[c.id] = c
	o.ids = append(o.ids, c.id)
	for _, old := range []*record{p, m} {
		old.mergedInto = c.id
		old.archived = true // gone from search and batch calls
		s.reindex(old)
	}
	s.moveAssociations(o.name, []int64{p.id, m.id}, c.id)
	s.reindex(c)
	return c
}

func cmpID(a, b string) int {
	x, _ := strconv.ParseInt(a, 10, 64)
	y, _ := strconv.ParseInt(b, 10, 64)
	return cmp.Compare(x, y)
}
