// Package lusha is a client for the Lusha V3 enrichment API: contact and company
// search, enrich and search-and-enrich, account usage, and webhook verification.
//
// Every failure is classified once, at the HTTP boundary, into a crm.Class
// (see crm.ClassOf and crm.RetryAfter). The client never retries and never logs;
// the connector owns retries, rate limiting and the circuit breaker, and reads
// Response.Rate and AccountUsage (a call that costs no credits) to drive them.
package lusha
