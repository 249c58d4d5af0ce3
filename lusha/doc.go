// Package lusha is a client for the Lusha V3 API: contact and company search, enrich,
// prospecting, lookalikes and signals, account usage, and webhook management and verification.
//
// Every failure is classified once, at the HTTP boundary, into an upstream.Class
// (see upstream.ClassOf and upstream.RetryAfter). The client never retries and never logs;
// the connector owns retries, rate limiting and the circuit breaker, and reads
// Response.Rate and AccountUsage (a call that costs no credits) to drive them.
// Paged endpoints are also offered as iter.Seq2 (…Pages, Subscriptions, AuditLogs).
package lusha
