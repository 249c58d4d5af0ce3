package connector

import (
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/leadsync/leadsync/connector/signals"
	"github.com/leadsync/leadsync/lusha"
	"github.com/leadsync/leadsync/state"
)

// TestSignalActionFindsTheTickRunning: a signal's action for a pipeline whose
// scheduled run is going on in the same process finds the lease held (the action
// waits for a later pass) instead of taking it over as the same owner, which cut
// the running tick short with "lease lost".
func TestSignalActionFindsTheTickRunning(t *testing.T) {
	h := newHarness(t, 20, signalsMapping, harnessOptions{})
	h.runner.Owner, h.runner.Alive = newOwner(), ownerAlive
	id, p := h.revealable(t)
	// The scheduled run blocks in its first Lusha call.
	entered, release := make(chan struct{}), make(chan struct{})
	var calls atomic.Int32
	h.setFail(func(r *http.Request, _ []byte) int {
		if strings.HasPrefix(r.URL.Path, "/v3/contacts/") && calls.Add(1) == 1 {
			close(entered)
			<-release
		}
		return 0
	})
	tick := make(chan Summary, 1)
	go func() { tick <- h.run(RunOptions{}) }()
	select {
	case <-entered:
	case <-time.After(30 * time.Second):
		t.Fatal("the run never called Lusha")
	}

	act := actInPipelines(h.runner, []*Pipeline{h.pipe})
	_, err := act(t.Context(), signals.Action{Pipeline: "p", SignalID: "sig-1", Type: lusha.SignalCompanyChange,
		Data: map[string]any{"personId": p.ID}, At: time.Now(), CRMIDs: []string{id}})
	if _, held := errors.AsType[*state.LeaseHeldError](err); !held {
		t.Errorf("the signal's action during the tick: %v; want the lease held", err)
	}
	close(release)
	if sum := <-tick; sum.Error != "" || sum.StopClass != "" || sum.RecordsWritten == 0 {
		t.Errorf("the tick ended %s (%s, %s), %d written; want it to run to its end", sum.Status, sum.StopClass, sum.Error, sum.RecordsWritten)
	}
	// A previous life of this pid (a container's pid 1 after a restart) is dead.
	if ownerAlive(strings.Join(append(strings.Split(h.runner.Owner, "/")[:2], "1", "1"), "/")) {
		t.Error("an owner of this pid from another start is taken as alive")
	}
	if !ownerAlive(newOwner()) || !ownerAlive(h.runner.Owner+"/signal") {
		t.Error("an owner of this process is taken as dead")
	}
}
