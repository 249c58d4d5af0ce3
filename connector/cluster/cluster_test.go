package cluster

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/leadsync/leadsync/connector/run"
	"github.com/leadsync/leadsync/state"
)

// TestEachTickEnqueuedOnce: three replicas on one database, one pipeline ticking every
// second. Only the leader enqueues: every tick (its scheduled time) has one job, and
// each job ran once.
func TestEachTickEnqueuedOnce(t *testing.T) {
	pool := newDB(t)
	store := &txStore{pool: pool}
	var runs atomic.Int32
	ids := []string{"a", "b", "c"}
	var cs []*Cluster
	for _, id := range ids {
		c := newCluster(t, pool, store, id, finishing(func(string) { runs.Add(1) }))
		if err := c.SetPipelines([]Pipeline{{Name: "p", Schedule: "@every 1s", RunOnStart: true}}, true); err != nil {
			t.Fatal(err)
		}
		cs = append(cs, c)
	}
	waitFor(t, "4 runs", func() bool { return runs.Load() >= 4 })
	for _, c := range cs {
		if err := c.Stop(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if n := count(t, pool, `SELECT count(*) FROM (SELECT scheduled_at FROM river_job WHERE kind = $1
		GROUP BY scheduled_at HAVING count(*) > 1) d`, TickKind); n != 0 {
		t.Errorf("%d ticks were enqueued more than once", n)
	}
	jobs := count(t, pool, `SELECT count(*) FROM river_job WHERE kind = $1`, TickKind)
	done := count(t, pool, `SELECT count(*) FROM river_job WHERE kind = $1 AND state = 'completed'`, TickKind)
	if stored := count(t, pool, `SELECT count(*) FROM runs`); int(runs.Load()) != done || stored != done || jobs < done {
		t.Errorf("%d runs, %d run ends stored, %d jobs completed of %d; want one run and one end per completed job",
			runs.Load(), stored, done, jobs)
	}
}

// TestLeaderIsOneReplica: the status page's leader is one of the replicas.
func TestLeaderIsOneReplica(t *testing.T) {
	pool := newDB(t)
	var cs []*Cluster
	for _, id := range []string{"a", "b"} {
		cs = append(cs, newCluster(t, pool, &txStore{pool: pool}, id, finishing(nil)))
	}
	var leader string
	waitFor(t, "a leader", func() bool {
		var err error
		leader, err = cs[0].Leader(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		return leader != ""
	})
	if leader != "a" && leader != "b" {
		t.Errorf("leader %q is none of the replicas", leader)
	}
	if other, _ := cs[1].Leader(t.Context()); other != leader {
		t.Errorf("replicas disagree on the leader: %q and %q", leader, other)
	}
}

// blocking is a run that holds its tick until released, then ends through Finish.
type blocking struct {
	started  chan run.Options
	release  chan struct{}
	running  atomic.Int32
	overlaps atomic.Int32
}

func newBlocking() *blocking {
	return &blocking{started: make(chan run.Options, 10), release: make(chan struct{})}
}

func (b *blocking) run(ctx context.Context, pipeline string, opts run.Options) error {
	if b.running.Add(1) > 1 {
		b.overlaps.Add(1)
	}
	defer b.running.Add(-1)
	b.started <- opts
	<-b.release
	return opts.Finish(ctx, state.Run{RunID: pipeline + "/" + opts.Owner, Pipeline: pipeline, Status: "ok"})
}

// TestTickNeverWorkedTwiceAtOnce: while a pipeline's tick runs, every replica's further
// ticks of it are dropped; once it completed, a new tick is taken.
func TestTickNeverWorkedTwiceAtOnce(t *testing.T) {
	pool := newDB(t)
	b := newBlocking()
	var cs []*Cluster
	for _, id := range []string{"a", "b", "c"} {
		cs = append(cs, newCluster(t, pool, &txStore{pool: pool}, id, b.run))
	}
	first, err := cs[0].client.Insert(t.Context(), TickArgs{Pipeline: "p"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	<-b.started
	for _, c := range cs {
		res, err := c.client.Insert(t.Context(), TickArgs{Pipeline: "p"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !res.UniqueSkippedAsDuplicate || res.Job.ID != first.Job.ID {
			t.Errorf("%s: a tick of a running pipeline was enqueued anew (job %d)", c.ID(), res.Job.ID)
		}
	}
	close(b.release)
	waitFor(t, "the tick to complete", func() bool {
		st, _, _ := jobState(t, pool, first.Job.ID)
		return st == "completed"
	})
	next, err := cs[1].client.Insert(t.Context(), TickArgs{Pipeline: "p"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if next.UniqueSkippedAsDuplicate {
		t.Error("a tick after the previous one completed was dropped")
	}
	<-b.started
	waitFor(t, "the second tick to complete", func() bool {
		st, _, _ := jobState(t, pool, next.Job.ID)
		return st == "completed"
	})
	if n := b.overlaps.Load(); n != 0 {
		t.Errorf("%d runs of the pipeline overlapped", n)
	}
}

// TestStaleAttemptIsFenced: once the job's attempt moved on (River rescued it and
// another replica fetched it), the old attempt's owner is dead to Alive, so the new
// worker breaks its lease; the stale worker's end neither completes nor hands back
// the newer attempt's job, even while its replica is stopping.
func TestStaleAttemptIsFenced(t *testing.T) {
	for _, stopping := range []bool{false, true} {
		t.Run(map[bool]string{false: "running", true: "stopping"}[stopping], func(t *testing.T) {
			staleAttemptIsFenced(t, stopping)
		})
	}
}

func staleAttemptIsFenced(t *testing.T, stopping bool) {
	pool := newDB(t)
	b := newBlocking()
	c := newCluster(t, pool, &txStore{pool: pool}, "a", b.run)
	res, err := c.client.Insert(t.Context(), TickArgs{Pipeline: "p"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	opts := <-b.started
	if want := (owner{replica: "a", job: res.Job.ID, attempt: 1}).String(); opts.Owner != want {
		t.Fatalf("run owner %q, want %q", opts.Owner, want)
	}
	if !c.Alive(opts.Owner) {
		t.Fatal("the running attempt's owner is dead to Alive")
	}
	for _, other := range []string{"host/123/20260101T000000Z", "a/job-x.1", ""} {
		if !c.Alive(other) {
			t.Errorf("Alive(%q) = false; an owner that is no tick's must be waited out", other)
		}
	}
	// What the rescuer and another replica's fetch do to the row.
	if _, err := pool.Exec(t.Context(), `UPDATE river_job SET attempt = attempt + 1,
		attempted_by = array_append(attempted_by, 'b') WHERE id = $1`, res.Job.ID); err != nil {
		t.Fatal(err)
	}
	if c.Alive(opts.Owner) {
		t.Error("the stale attempt's owner is alive to Alive")
	}
	if stopping {
		c.Stopping()
	}
	close(b.release)
	waitFor(t, "the stale run's end", func() bool { return count(t, pool, `SELECT count(*) FROM runs`) == 1 })
	if st, attempt, _ := jobState(t, pool, res.Job.ID); st != "running" || attempt != 2 {
		t.Errorf("the stale worker changed the newer attempt's job: %s, attempt %d", st, attempt)
	}
	// The newer attempt ends; only then does the stale worker return.
	if _, err := pool.Exec(t.Context(), `UPDATE river_job SET state = 'completed', finalized_at = now() WHERE id = $1`, res.Job.ID); err != nil {
		t.Fatal(err)
	}
	if err := c.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st, _, _ := jobState(t, pool, res.Job.ID); st != "completed" {
		t.Errorf("job %s after the stale worker returned, want completed", st)
	}
	// A snooze (hand-back) leaves its mark in the metadata whatever the job's state.
	if n := count(t, pool, `SELECT count(*) FROM river_job WHERE id = $1 AND metadata ? 'snoozes'`, res.Job.ID); n != 0 {
		t.Error("the stale worker handed the newer attempt's job back")
	}
}

// TestFinishCompletesTheJobInItsTransaction: the run's end and the job's completion
// commit together; when the store's write fails, neither does, and the tick is retried.
func TestFinishCompletesTheJobInItsTransaction(t *testing.T) {
	for _, fail := range []bool{false, true} {
		t.Run(map[bool]string{false: "ok", true: "store fails"}[fail], func(t *testing.T) {
			pool := newDB(t)
			c := newCluster(t, pool, &txStore{pool: pool, fail: fail}, "a", finishing(nil))
			res, err := c.client.Insert(t.Context(), TickArgs{Pipeline: "p"}, nil)
			if err != nil {
				t.Fatal(err)
			}
			want := map[bool]string{false: "completed", true: "retryable"}[fail]
			var st string
			waitFor(t, "the tick to end", func() bool {
				st, _, _ = jobState(t, pool, res.Job.ID)
				return st != "available" && st != "running"
			})
			stored := count(t, pool, `SELECT count(*) FROM runs`)
			if st != want || stored != map[bool]int{false: 1, true: 0}[fail] {
				t.Errorf("job %s with %d run ends stored, want %s with %d", st, stored, want, map[bool]int{false: 1, true: 0}[fail])
			}
		})
	}
}

// TestShutdownHandsBack: a run that ends once its replica is stopping stores its end
// but hands the job back; another replica carries it on.
func TestShutdownHandsBack(t *testing.T) {
	pool := newDB(t)
	b := newBlocking()
	a := newCluster(t, pool, &txStore{pool: pool}, "a", b.run)
	res, err := a.client.Insert(t.Context(), TickArgs{Pipeline: "p"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	<-b.started
	stopped := make(chan error, 1)
	a.Stopping() // what the daemon's drain does first; its runner then ends the run after its page
	go func() { stopped <- a.Stop(context.Background()) }()
	close(b.release)
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
	st, _, by := jobState(t, pool, res.Job.ID)
	if st != "available" || count(t, pool, `SELECT count(*) FROM runs`) != 1 {
		t.Fatalf("after the stop: job %s (attempted by %v), want available, the run's end stored", st, by)
	}
	var ran sync.Once
	done := make(chan struct{})
	newCluster(t, pool, &txStore{pool: pool}, "b", finishing(func(string) { ran.Do(func() { close(done) }) }))
	<-done
	waitFor(t, "the handed-back tick to complete", func() bool {
		st, _, by = jobState(t, pool, res.Job.ID)
		return st == "completed"
	})
	if !slices.Equal(by, []string{"a", "b"}) {
		t.Errorf("attempted by %v, want a then b", by)
	}
}

// TestTicksShowWhoRanWhat: the status page's tick list names the replica and the end.
func TestTicksShowWhoRanWhat(t *testing.T) {
	pool := newDB(t)
	c := newCluster(t, pool, &txStore{pool: pool}, "a", func(ctx context.Context, p string, opts run.Options) error {
		if p == "gone" {
			return ErrNoPipeline
		}
		return finishing(nil)(ctx, p, opts)
	})
	for _, p := range []string{"p", "gone"} {
		if _, err := c.client.Insert(t.Context(), TickArgs{Pipeline: p}, nil); err != nil {
			t.Fatal(err)
		}
	}
	var ticks []Tick
	waitFor(t, "both ticks to end", func() bool {
		var err error
		if ticks, err = c.Ticks(t.Context(), 10); err != nil {
			t.Fatal(err)
		}
		return len(ticks) == 2 && !ticks[0].FinalizedAt.IsZero() && !ticks[1].FinalizedAt.IsZero()
	})
	got := map[string]string{}
	for _, tk := range ticks {
		if tk.Replica != "a" {
			t.Errorf("tick of %s run by %q, want a", tk.Pipeline, tk.Replica)
		}
		got[tk.Pipeline] = tk.State
	}
	if got["p"] != "completed" || got["gone"] != "cancelled" {
		t.Errorf("tick states %v, want p completed and gone cancelled", got)
	}
}

// TestSetPipelinesReplaces: a reload replaces the schedules; a bad one is refused.
func TestSetPipelinesReplaces(t *testing.T) {
	pool := newDB(t)
	c := newCluster(t, pool, &txStore{pool: pool}, "a", finishing(nil))
	if err := c.SetPipelines([]Pipeline{{Name: "a", Schedule: "@every 1h"}}, true); err != nil {
		t.Fatal(err)
	}
	if d := time.Until(c.Next("a")); d <= 0 || d > time.Hour {
		t.Errorf("a next in %v, want within the hour", d)
	}
	if err := c.SetPipelines([]Pipeline{{Name: "b", Schedule: "@every 1h"}}, false); err != nil {
		t.Fatal(err)
	}
	if !c.Next("a").IsZero() || c.Next("b").IsZero() {
		t.Errorf("after the reload: a next %v, b next %v; want a gone, b scheduled", c.Next("a"), c.Next("b"))
	}
	if err := c.SetPipelines([]Pipeline{{Name: "c", Schedule: "* * *"}}, false); err == nil {
		t.Error("a malformed schedule was accepted")
	}
}

func TestOwnerRoundTrip(t *testing.T) {
	o := owner{replica: "host-1", job: 42, attempt: 3}
	if got, ok := parseOwner(o.String()); !ok || got != o {
		t.Errorf("parseOwner(%q) = %+v, %v", o.String(), got, ok)
	}
	for _, s := range []string{"host/1/start", "job-1.1", "/job-1.1", "a/job-1", "a/job-x.1", "a/b/job-1.1"} {
		if _, ok := parseOwner(s); ok {
			t.Errorf("parseOwner(%q) took it as a tick's owner", s)
		}
	}
}

func TestTimings(t *testing.T) {
	jobTimeout, rescue := Timings(2 * time.Minute)
	if jobTimeout != 10*time.Minute || rescue != 14*time.Minute {
		t.Errorf("Timings(2m) = %v, %v", jobTimeout, rescue)
	}
	if j, r := Timings(0); j != jobTimeout || r != rescue {
		t.Errorf("Timings(0) = %v, %v; want lease_ttl's default, 2m", j, r)
	}
}

// TestTimedOutTickIsContinued: a run that outlasts the job timeout stops (its context
// ends), stores its end and hands the tick back; the next attempt carries on and
// completes it. A long backfill is a chain of short jobs, not one the rescuer must wait for.
func TestTimedOutTickIsContinued(t *testing.T) {
	pool := newDB(t)
	var calls atomic.Int32
	c := newClusterTTL(t, pool, &txStore{pool: pool}, "a", func(ctx context.Context, p string, opts run.Options) error {
		id := fmt.Sprintf("%s-%d", p, calls.Add(1))
		if id == p+"-1" {
			<-ctx.Done() // the job's timeout: the runner stops after its page
		}
		return opts.Finish(context.WithoutCancel(ctx), state.Run{RunID: id, Pipeline: p, Status: "ok"})
	}, 200*time.Millisecond)
	res, err := c.client.Insert(t.Context(), TickArgs{Pipeline: "p"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the tick to complete on its second attempt", func() bool {
		st, _, _ := jobState(t, pool, res.Job.ID)
		return st == "completed"
	})
	if n := calls.Load(); n != 2 || count(t, pool, `SELECT count(*) FROM runs`) != 2 {
		t.Errorf("%d runs, %d stored ends; want the timed-out one and its continuation", n,
			count(t, pool, `SELECT count(*) FROM runs`))
	}
}
