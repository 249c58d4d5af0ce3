package salesforce_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/crm/salesforce/salesforcetest"
)

// TestDeleted reads the fake's Get Deleted feed (salesforce-api.md §3.9): deletions and
// merges since a time, the zero time for the whole window, and ErrDeletionsExpired for
// a since beyond 15 days or before a purge of the recycle bin; converted leads are not
// deletions.
func TestDeleted(t *testing.T) {
	e := setup(t, salesforcetest.Options{})
	t0 := e.clock.Now()
	a, b, c, d := e.fake.AddLead(nil), e.fake.AddLead(nil), e.fake.AddLead(nil), e.fake.AddLead(nil)
	e.clock.Advance(2 * time.Minute)
	if err := e.fake.Delete("Lead", b); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(2 * time.Minute)
	if err := e.fake.Merge("Lead", a, c); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.fake.Convert(d); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(2 * time.Minute)

	read := func(object string, since time.Time) ([]string, error) {
		var got []string
		for del, err := range e.client.Deleted(context.Background(), object, since) {
			if err != nil {
				return got, err
			}
			if del.At.Before(since) {
				t.Errorf("%s deleted at %v, before %v", del.ID, del.At, since)
			}
			got = append(got, del.ID)
		}
		return got, nil
	}
	tests := []struct {
		name, object string
		since        time.Time
		want         []string
		wantErr      error
		class        crm.Class
	}{
		{"the whole window", "Lead", time.Time{}, []string{b, c}, nil, crm.ClassNone},
		{"since the first", "Lead", t0, []string{b, c}, nil, crm.ClassNone},
		{"since the merge", "Lead", t0.Add(3 * time.Minute), []string{c}, nil, crm.ClassNone},
		{"since now", "Lead", e.clock.Now(), nil, nil, crm.ClassNone},
		{"another object", "Contact", t0, nil, nil, crm.ClassNone},
		{"beyond 15 days", "Lead", t0.Add(-15 * 24 * time.Hour), nil, crm.ErrDeletionsExpired, crm.ClassInvalid},
		{"bad object", "Lead; DROP", t0, nil, nil, crm.ClassInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := read(tt.object, tt.since)
			if !slices.Equal(got, tt.want) || crm.ClassOf(err) != tt.class || tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("Deleted = %v, %v; want %v, class %q", got, err, tt.want, tt.class)
			}
		})
	}
	e.fake.PurgeRecycleBin()
	e.clock.Advance(time.Minute)
	if _, err := read("Lead", t0); !errors.Is(err, crm.ErrDeletionsExpired) {
		t.Errorf("since before a purge: %v, want ErrDeletionsExpired", err)
	}
	if got, err := read("Lead", time.Time{}); err != nil || len(got) != 0 {
		t.Errorf("the whole window after a purge: %v, %v", got, err)
	}
}
