// Package cluster runs the pipelines' ticks as River jobs, for N replicas of
// `leadsync run` sharing one PostgreSQL: each tick enqueued once, worked by one replica.
//
// The elected River leader alone enqueues the periodic tick jobs; a tick job is unique
// per pipeline while it waits or runs, and any replica may work it. The worker runs
// the pipeline with a lease owned by the job's attempt ("<replica>/job-<id>.<attempt>"):
// once River rescues the job and gives it to another replica, Alive says the old
// attempt is dead, the new worker breaks its lease and the state store's generation
// fence refuses the stale worker's next write. The run's end and the job's completion
// are one transaction (Store.FinishRunTx). A run stopped by shutdown or by its job's
// timeout stores its end without completing the job and snoozes it, so that another
// replica carries on.
package cluster
