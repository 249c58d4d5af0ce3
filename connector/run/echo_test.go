package run

import (
	"testing"
	"time"

	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/state"
)

// Salesforce stamps have second precision: a human change in the same second as
// leadsync's own write has the same stamp, and only the fields tell them apart.
func TestEchoOnTheSameSecond(t *testing.T) {
	stamp := time.Date(2026, 12, 5, 9, 15, 2, 0, time.UTC)
	read := map[string]string{"Email": "ada@example.com", "Title": "", "Phone": "+44 20 7946 0000", "lusha_enriched_at": ""}
	written := map[string]string{"Title": "CTO", "lusha_enriched_at": "2026-12-05T09:15:02Z"}
	after := map[string]string{"Email": "ada@example.com", "Title": "CTO", "Phone": "+44 20 7946 0000", "lusha_enriched_at": "2026-12-05"}
	prev := state.RecordState{Status: state.StatusDone, SeenModifiedAt: stamp, SeenDigest: digestOf(read, written)}

	for _, tc := range []struct {
		name   string
		fields map[string]string
		stamp  time.Time
		echo   bool
	}{
		{"leadsync's own write comes back (the CRM formats what it wrote its own way)", after, stamp, true},
		{"a human changed the phone in the same second", with(after, "Phone", "+44 20 7946 1111"), stamp, false},
		{"a human emptied the email in the same second", with(after, "Email", ""), stamp, false},
		{"a later change", after, stamp.Add(time.Second), false},
	} {
		if got := handled(prev, true, crm.Record{ID: "1", ModifiedAt: tc.stamp, Fields: tc.fields}); got != tc.echo {
			t.Errorf("%s: handled %v, want %v", tc.name, got, tc.echo)
		}
	}
	if !handled(state.RecordState{Status: state.StatusDone, SeenModifiedAt: stamp}, true, crm.Record{ModifiedAt: stamp, Fields: after}) {
		t.Error("a state stored before digests is no longer recognised by its stamp")
	}
	for _, open := range []string{state.StatusPending, state.StatusUnknown} {
		if handled(state.RecordState{Status: open, SeenModifiedAt: stamp}, true, crm.Record{ModifiedAt: stamp, Fields: after}) {
			t.Errorf("a %s record was taken as handled", open)
		}
	}
}

func with(m map[string]string, k, v string) map[string]string {
	out := map[string]string{}
	for kk, vv := range m {
		out[kk] = vv
	}
	out[k] = v
	return out
}
