package state_test

import (
	"testing"
	"time"

	"github.com/leadsync/leadsync/state"
	"github.com/leadsync/leadsync/state/statetest"
)

func TestPostgresConformance(t *testing.T) {
	statetest.RunStoreTests(t, func(t *testing.T, now func() time.Time) state.Store {
		return newPostgres(t, state.WithClock(now))
	})
}
