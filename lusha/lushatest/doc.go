// Package lushatest is a fake Lusha V3 server over a deterministic synthetic
// world: stateful (credits, reveal ledger, rate windows), strict, and usable outside tests.
//
// NewWorld builds people and companies from a seed; NewServer serves them with
// Lusha's billing, validation, per-item errors, rate-limit headers and 429/402/451
// answers, plus a chaos switch and scripted failures for resilience tests.
// `leadsync sandbox` starts it with Start; tests use NewTestServer.
package lushatest
