// Package crashtest proves leadsync's invariants (DESIGN §3) under SIGKILL, SIGTERM,
// overlapping processes, chaotic upstreams and bad input; it holds only tests.
package crashtest
