// Package lushatest is a fake Lusha V3 server over a deterministic synthetic
// world: stateful (credits, reveal ledger, rate windows, webhooks), strict, and usable outside tests.
//
// NewWorld builds people, companies and dated signals from a seed; NewServer serves
// them with Lusha's billing (at a configurable price list, served by the usage answer),
// validation, per-item errors, rate-limit headers and 429/402/451 answers, enrich
// answers whose credits ran out mid-call (PARTIAL_OUT_OF_CREDITS, BILLING_FAILED),
// Data Waterfall jobs, prospecting, lookalike sessions, signals and the webhook API.
// EmitSignal and EmitOptOut deliver signed events to subscribers, with retries, on
// goroutines that Close stops. `leadsync sandbox` starts it with Start; tests use NewTestServer.
package lushatest
