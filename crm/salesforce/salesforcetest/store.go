package salesforcetest

import (
	"fmt"
	"maps"
	"strings"
	"time"
)

// datetimeLayout is how Salesforce writes datetimes: UTC, milliseconds, offset without
// a colon.
const datetimeLayout = "2006-01-02T15:04:05.000-0700"

// object is one sObject type of the org: its describe and its records.
type object struct {
	name, label, plural, prefix string
	fields                      map[string]Field // lower-case name → field
	order                       []string         // canonical names, describe order
	records                     map[string]*record
	ids                         []string // creation order
	next                        uint64
}

// record stores values in their string encoding: "" is null, booleans "true"/"false",
// numbers in decimal, datetimes in datetimeLayout.
type record struct {
	id      string
	values  map[string]string
	deleted bool
	// deletedAt is when the record went to the recycle bin (deleted or merged away).
	deletedAt time.Time
}

func newObject(name, plural, prefix string, fields []Field) *object {
	o := &object{name: name, label: name, plural: plural, prefix: prefix,
		fields: map[string]Field{}, records: map[string]*record{}, next: 1}
	for _, f := range fields {
		o.define(f)
	}
	return o
}

func (o *object) define(f Field) {
	f = f.normalized()
	key := strings.ToLower(f.Name)
	if _, ok := o.fields[key]; !ok {
		o.order = append(o.order, f.Name)
	}
	o.fields[key] = f
}

func (o *object) field(name string) (Field, bool) {
	f, ok := o.fields[strings.ToLower(name)]
	return f, ok
}

// DefineField adds or replaces a field of object ("Lead", "Contact", "Account"), e.g. a
// custom field such as Seniority__c. It panics on an unknown object.
func (s *Server) DefineField(object string, f Field) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mustObject(object).define(f)
}

func (s *Server) mustObject(name string) *object {
	o, ok := s.objects[strings.ToLower(name)]
	if !ok {
		panic(fmt.Sprintf("salesforcetest: unknown object %q", name))
	}
	return o
}

// AddLead creates a lead as a bulk import would and returns its 18-char id. Missing
// LastName and Company get "[not provided]", as web-to-lead does; Status defaults to
// the first value. It panics on an unknown field or a value the field cannot hold.
func (s *Server) AddLead(fields map[string]string) string { return s.mustAdd("Lead", fields) }

// AddContact creates a contact (LastName defaults to "[not provided]").
func (s *Server) AddContact(fields map[string]string) string { return s.mustAdd("Contact", fields) }

// AddAccount creates an account (Name defaults to "[not provided]").
func (s *Server) AddAccount(fields map[string]string) string { return s.mustAdd("Account", fields) }

func (s *Server) mustAdd(object string, fields map[string]string) string {
	id, err := s.Add(object, fields)
	if err != nil {
		panic("salesforcetest: " + err.Error())
	}
	return id
}

// Add creates a record of object with the given values (API names, string encoding)
// and returns its id. Records added within one second share their SystemModstamp.
func (s *Server) Add(object string, fields map[string]string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.objects[strings.ToLower(object)]; !ok {
		return "", fmt.Errorf("unknown object %q", object)
	}
	return s.create(object, fields, s.stamp())
}

// create inserts a record at once; the caller holds s.mu.
func (s *Server) create(object string, fields map[string]string, stamp string) (string, error) {
	o := s.mustObject(object)
	r, err := s.newRecord(o, o.newID(), fields, stamp)
	if err != nil {
		return "", err
	}
	o.insert(r)
	return r.id, nil
}

// newID issues the object's next id; the caller holds s.mu.
func (o *object) newID() string {
	id := makeID(o.prefix, o.next)
	o.next++
	return id
}

// insert makes a record visible to reads.
func (o *object) insert(r *record) {
	o.records[r.id] = r
	o.ids = append(o.ids, r.id)
}

// newRecord builds a record with its defaults and system fields, stamped stamp; the
// caller holds s.mu.
func (s *Server) newRecord(o *object, id string, fields map[string]string, stamp string) (*record, error) {
	r := &record{id: id, values: map[string]string{}}
	for _, name := range o.order {
		f, _ := o.field(name)
		if f.Type == "boolean" {
			r.values[f.Name] = "false"
		}
	}
	for k, v := range fields {
		f, ok := o.field(k)
		if !ok {
			return nil, fmt.Errorf("no field %q on %s", k, o.name)
		}
		enc, err := encodeSeed(f, v)
		if err != nil {
			return nil, err
		}
		r.values[f.Name] = enc
	}
	defaults := map[string]string{"Id": r.id, "IsDeleted": "false", "OwnerId": s.userID,
		"CreatedById": s.userID, "LastModifiedById": s.userID,
		"CreatedDate": stamp, "LastModifiedDate": stamp, "SystemModstamp": stamp}
	switch o.name {
	case "Lead":
		defaults["LastName"], defaults["Company"] = "[not provided]", "[not provided]"
		defaults["Status"] = "Open - Not Contacted"
	case "Contact":
		defaults["LastName"] = "[not provided]"
	case "Account":
		defaults["Name"] = "[not provided]"
	}
	for k, v := range defaults {
		if r.values[k] == "" || k == "Id" {
			r.values[k] = v
		}
	}
	if err := refError(s.checkRefs(o, r.values)); err != nil {
		return nil, err
	}
	o.deriveName(r)
	return r, nil
}

// refError turns a refused lookup of a seed or a UI edit into an error.
func refError(errs []recordError) error {
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("%s: %s", errs[0].StatusCode, errs[0].Message)
}

// encodeSeed accepts seed values in the API's string forms (any datetime RFC 3339).
func encodeSeed(f Field, v string) (string, error) {
	if v == "" {
		return "", nil
	}
	switch f.Type {
	case "datetime":
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			if t, err = time.Parse(datetimeLayout, v); err != nil {
				return "", fmt.Errorf("%s: not a datetime: %q", f.Name, v)
			}
		}
		return t.UTC().Truncate(time.Second).Format(datetimeLayout), nil
	case "boolean":
		if v != "true" && v != "false" {
			return "", fmt.Errorf("%s: not a boolean: %q", f.Name, v)
		}
	case "id", "reference":
		id, ok := normalizeID(v)
		if !ok {
			return "", fmt.Errorf("%s: not an id: %q", f.Name, v)
		}
		return id, nil
	}
	if isNumber(f.Type) {
		if _, ok := parseNumber(v); !ok {
			return "", fmt.Errorf("%s: not a number: %q", f.Name, v)
		}
	}
	return v, nil
}

// deriveName keeps the compound Name of people in step with its parts.
func (o *object) deriveName(r *record) {
	if o.name != "Lead" && o.name != "Contact" {
		return
	}
	r.values["Name"] = strings.TrimSpace(r.values["FirstName"] + " " + r.values["LastName"])
}

// Lead returns a copy of a lead's values by API name ("" for null), or nil when no
// lead has that id (15 or 18 chars).
func (s *Server) Lead(id string) map[string]string { return s.Record("Lead", id) }

// Record returns a copy of any record's values, or nil.
func (s *Server) Record(object, id string) map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.mustObject(object).lookup(id)
	if r == nil {
		return nil
	}
	return maps.Clone(r.values)
}

// Leads returns copies of every lead that is not deleted, in creation order.
func (s *Server) Leads() []map[string]string { return s.Records("Lead") }

// Records returns copies of every record of object that is not deleted, in creation order.
func (s *Server) Records(object string) []map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.mustObject(object)
	out := make([]map[string]string, 0, len(o.ids))
	for _, id := range o.ids {
		if r := o.records[id]; !r.deleted {
			out = append(out, maps.Clone(r.values))
		}
	}
	return out
}

func (o *object) lookup(id string) *record {
	full, ok := normalizeID(id)
	if !ok {
		return nil
	}
	return o.records[full]
}

// Update changes a record as a user in the UI would: values are taken as given (no
// validation but of lookups, which the UI checks too), and SystemModstamp moves when
// something changed.
func (s *Server) Update(object, id string, fields map[string]string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.update(object, id, fields, s.stamp())
}

// update changes a record's values, stamping a change with stamp; the caller holds s.mu.
func (s *Server) update(object, id string, fields map[string]string, stamp string) error {
	o := s.mustObject(object)
	r := o.lookup(id)
	if r == nil || r.deleted {
		return fmt.Errorf("no %s %s", o.name, id)
	}
	values := map[string]string{}
	for k, v := range fields {
		f, ok := o.field(k)
		if !ok {
			return fmt.Errorf("no field %q on %s", k, o.name)
		}
		enc, err := encodeSeed(f, v)
		if err != nil {
			return err
		}
		values[f.Name] = enc
	}
	if err := refError(s.checkRefs(o, values)); err != nil {
		return err
	}
	changed := false
	for k, v := range values {
		if r.values[k] != v {
			r.values[k], changed = v, true
		}
	}
	if changed {
		o.deriveName(r)
		r.stampAt(stamp, s.userID)
	}
	return nil
}

// Delete moves a record to the recycle bin: query no longer returns it, queryAll does,
// and writes to it fail with ENTITY_IS_DELETED.
func (s *Server) Delete(object, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.mustObject(object)
	r := o.lookup(id)
	if r == nil || r.deleted {
		return fmt.Errorf("no %s %s", o.name, id)
	}
	r.deleted, r.deletedAt = true, s.now()
	r.values["IsDeleted"] = "true"
	s.touch(r, s.userID)
	return nil
}

// touch stamps a change: deletion and every update move SystemModstamp.
func (s *Server) touch(r *record, by string) { r.stampAt(s.stamp(), by) }

// stampAt stamps a change made by a transaction that started at stamp: Salesforce
// takes SystemModstamp when the transaction starts, not when it commits (§7.2).
func (r *record) stampAt(stamp, by string) {
	r.values["LastModifiedDate"], r.values["SystemModstamp"], r.values["LastModifiedById"] = stamp, stamp, by
}

// stamp is now at Salesforce's second precision.
func (s *Server) stamp() string {
	return s.now().Truncate(time.Second).Format(datetimeLayout)
}
