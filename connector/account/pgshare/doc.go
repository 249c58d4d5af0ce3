// Package pgshare keeps in PostgreSQL the account limits that every replica of
// leadsync shares: token buckets, sliding windows and credit bookings.
//
// Rate is shared by a token bucket in the database rather than by splitting it among
// live replicas: a static share wastes what idle replicas leave unused when the
// pipelines are spread unevenly, and routing an account through one replica adds a
// hand-over. The bucket is a GCRA (virtual scheduling): one row holds the theoretical
// arrival time, and each take is a single upsert that books the next free slot and
// returns when it falls, so a call costs one round trip, waiters are served in order
// across replicas, and no capacity is lost to polling or to wake-up latency (with a
// burst of one, each late wake-up of a polling client would lose its slack for
// good). Every time is the database's clock_timestamp(), so replicas' clock skew
// cannot overrun a limit.
package pgshare
