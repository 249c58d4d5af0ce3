package hubspot_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/crm/hubspot/hubspottest"
)

// TestDeleted reads the archived list of the fake (hubspot-api.md §4.6): paged 100 a
// call, filtered by archivedAt, without merged-away records, an error from a since
// beyond the 90-day recycle bin, and errors classified as every call's.
func TestDeleted(t *testing.T) {
	e := setup(t, hubspottest.Options{})
	t0 := e.clock.Now()
	var ids []string
	for i := range 230 {
		ids = append(ids, e.fake.AddContact(map[string]string{"email": fmt.Sprintf("%d@example.com", i)}))
	}
	for _, id := range ids[:205] {
		e.fake.ArchiveContact(id)
	}
	e.clock.Advance(time.Hour)
	e.fake.ArchiveContact(ids[220])
	merged := e.fake.MergeContacts(ids[210], ids[211])
	e.clock.Advance(time.Hour)

	read := func(since time.Time) ([]string, []time.Time, error) {
		var got []string
		var at []time.Time
		for d, err := range e.client.Deleted(context.Background(), "contacts", since) {
			if err != nil {
				return got, at, err
			}
			got, at = append(got, d.ID), append(at, d.At)
		}
		return got, at, nil
	}
	tests := []struct {
		name    string
		since   time.Time
		want    []string
		wantErr error
	}{
		{"everything in the bin", time.Time{}, append(slices.Clone(ids[:205]), ids[220]), nil},
		{"since the first archive", t0, append(slices.Clone(ids[:205]), ids[220]), nil},
		{"since the second", t0.Add(time.Minute), []string{ids[220]}, nil},
		{"since now", e.clock.Now(), nil, nil},
		{"beyond 90 days", e.clock.Now().Add(-91 * 24 * time.Hour), nil, crm.ErrDeletionsExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, at, err := read(tt.since)
			if !errors.Is(err, tt.wantErr) || !slices.Equal(got, tt.want) {
				t.Fatalf("Deleted = %d ids %v, %v; want %d, %v", len(got), got, err, len(tt.want), tt.wantErr)
			}
			if err != nil && crm.ClassOf(err) != crm.ClassInvalid {
				t.Errorf("class %s, want invalid", crm.ClassOf(err))
			}
			for i, a := range at {
				if a.Before(tt.since) {
					t.Errorf("%s archived at %v, before %v", got[i], a, tt.since)
				}
			}
			if slices.Contains(got, merged) || slices.Contains(got, ids[210]) {
				t.Errorf("merged records listed: %v", got)
			}
		})
	}
	// Stopping early makes no further call.
	for range e.client.Deleted(context.Background(), "contacts", time.Time{}) {
		break
	}
	// Failures are the transport's classified errors.
	e.fake.FailNext(http.StatusServiceUnavailable, 1)
	_, _, err := read(time.Time{})
	if ce, ok := errors.AsType[*crm.Error](err); !ok || ce.Status != http.StatusServiceUnavailable || crm.ClassOf(err) != crm.ClassUnavailable {
		t.Errorf("a 503: %v", err)
	}
}
