package crmtest

import (
	"testing"

	"github.com/leadsync/leadsync/crm"
)

// Harness starts fresh fake CRM accounts for the suite. Each subtest calls New once
// and expects an empty account of its own (cleaned up through t.Cleanup).
type Harness interface {
	New(t *testing.T) Fixture
}

// Fixture is one fake account with an adapter pointed at it. Its methods act on the
// fake directly, as a CRM user or administrator would, never through the adapter.
// They fail the test (t.Fatal) on misuse.
type Fixture interface {
	// Adapter is the adapter under test.
	Adapter() crm.Adapter
	// Object is the object the suite reads and writes ("contacts", "Lead").
	Object() string
	// Fields names the fields the suite may use on Object.
	Fields() Fields
	// Seed creates a record with the given values and returns its id. Records seeded
	// without an intervening Settle may share one modification time, as a bulk import
	// makes them.
	Seed(t *testing.T, values map[string]string) string
	// Update changes a record as a user would, moving its modification time.
	Update(t *testing.T, id string, values map[string]string)
	// Value is a field's stored value ("" when empty).
	Value(t *testing.T, id, field string) string
	// Remove deletes a record (recycle bin, archive) so that reads skip it and writes
	// to it fail for that record alone.
	Remove(t *testing.T, id string)
	// Settle lets time pass until every change made so far is visible to reads (index
	// lag, settle lag). It never makes a later change visible early.
	Settle(t *testing.T)
}

// Fields names fields of the fixture's object with the properties the suite needs.
type Fields struct {
	// Identity is a writable text field that Seed values identify records by
	// (e.g. email); the suite puts a unique value in it.
	Identity string
	// Text is a writable free-text field, different from Identity.
	Text string
	// Enum is a writable single-choice field that refuses values outside Options.
	Enum string
	// Option is a value Enum accepts; BadOption one it refuses.
	Option, BadOption string
	// ReadOnly is a field the schema reports as not writable.
	ReadOnly string
}
