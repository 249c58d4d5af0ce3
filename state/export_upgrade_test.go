package state

// SetMigrateStepHook makes migrate call f inside each step's transaction, just
// before its commit; nil removes it. For the test of a migration killed midway.
func SetMigrateStepHook(f func(step int)) { migrateStepHook = f }
