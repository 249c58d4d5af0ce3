package hubspottest

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// contact is one stored contact. props holds the current non-empty values, system
// properties included; index holds what search sees, which trails writes by
// SearchLag.
type contact struct {
	id       int64
	created  time.Time
	modified time.Time
	props    map[string]string
	archived bool
	index    []version
}

// version is one state of a contact as the search index knows it, from visibleAt on.
type version struct {
	visibleAt time.Time
	props     map[string]string
	archived  bool
}

// searchable returns the newest version search sees at now, and drops the versions
// it hides for good.
func (c *contact) searchable(now time.Time) (version, bool) {
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
func (s *Server) reindex(c *contact) {
	c.index = append(c.index, version{visibleAt: s.now().Add(s.opts.SearchLag), props: maps.Clone(c.props), archived: c.archived})
}

func (c *contact) setModified(t time.Time) {
	c.modified = t
	c.props["lastmodifieddate"] = formatTime(t)
	c.props["hs_lastmodifieddate"] = formatTime(t)
}

// AddContact stores a new contact and returns its id. Seeding is privileged: it may
// set createdate and lastmodifieddate (e.g. many contacts sharing one timestamp), but
// every other property must be defined and writable and every value valid; anything
// else is a bug in the seed and panics.
func (s *Server) AddContact(props map[string]string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	stamp := s.seedStamp()
	c := &contact{id: s.nextID, created: stamp, props: map[string]string{}}
	s.nextID++
	if v, ok := props["createdate"]; ok {
		c.created = mustInstant("createdate", v)
	}
	c.props["createdate"] = formatTime(c.created)
	c.props["hs_object_id"] = strconv.FormatInt(c.id, 10)
	s.seed(c, props)
	c.setModified(stamp)
	if v, ok := props["lastmodifieddate"]; ok {
		c.setModified(mustInstant("lastmodifieddate", v))
	}
	s.contacts[c.id] = c
	s.ids = append(s.ids, c.id)
	s.reindex(c)
	return strconv.FormatInt(c.id, 10)
}

// UpdateContact changes a contact as a HubSpot user would (same rules as AddContact);
// lastmodifieddate moves only when a value actually changes.
func (s *Server) UpdateContact(id string, props map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.lookup(id)
	if c == nil {
		panic("hubspottest: UpdateContact: no contact " + id)
	}
	before := maps.Clone(c.props)
	s.seed(c, props)
	if v, ok := props["lastmodifieddate"]; ok {
		c.setModified(mustInstant("lastmodifieddate", v))
	} else if !maps.Equal(before, c.props) {
		c.setModified(s.writeStamp())
	}
	s.reindex(c)
}

// ArchiveContact moves a contact to the recycle bin: it leaves search, reads and
// writes.
func (s *Server) ArchiveContact(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.lookup(id); c != nil {
		c.archived = true
		s.reindex(c)
	}
}

func (s *Server) seed(c *contact, props map[string]string) {
	for _, name := range slices.Sorted(maps.Keys(props)) {
		if name == "createdate" || name == "lastmodifieddate" {
			continue
		}
		p, ok := s.props[name]
		if !ok || !p.writable() {
			panic(fmt.Sprintf("hubspottest: seed: property %q is not defined or not writable", name))
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

// Contact returns a copy of a contact's current values (archived ones included).
func (s *Server) Contact(id string) (map[string]string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.lookup(id)
	if c == nil {
		return nil, false
	}
	return maps.Clone(c.props), true
}

// Contacts returns a copy of every contact's current values by id.
func (s *Server) Contacts() map[string]map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]map[string]string, len(s.contacts))
	for id, c := range s.contacts {
		out[strconv.FormatInt(id, 10)] = maps.Clone(c.props)
	}
	return out
}

func (s *Server) lookup(id string) *contact {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return nil
	}
	return s.contacts[n]
}

// live returns a contact the API may read or write.
func (s *Server) live(id string) *contact {
	if c := s.lookup(id); c != nil && !c.archived {
		return c
	}
	return nil
}

// MergeContacts merges merged into primary as the UI's merge does for this fake: the
// primary keeps its id and values, lists the absorbed id in hs_merged_object_ids
// (with any ids the absorbed record had itself absorbed) and is modified; the absorbed
// record leaves search and the API. (HubSpot now gives the survivor a new id; keeping
// the primary's id is a simplification of this fake.)
func (s *Server) MergeContacts(primary, merged string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, m := s.live(primary), s.live(merged)
	if p == nil || m == nil || p == m {
		panic("hubspottest: MergeContacts: need two distinct live contacts")
	}
	ids := slices.DeleteFunc(strings.Split(p.props["hs_merged_object_ids"]+";"+merged+";"+m.props["hs_merged_object_ids"], ";"),
		func(s string) bool { return s == "" })
	slices.Sort(ids)
	p.props["hs_merged_object_ids"] = strings.Join(slices.Compact(ids), ";")
	p.setModified(s.writeStamp())
	m.archived = true
	s.reindex(p)
	s.reindex(m)
}
