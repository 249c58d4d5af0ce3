package state

import "database/sql"

// Pools exposes the writer and reader pools to the tests of package state_test.
func Pools(s *SQLite) (writer, reader *sql.DB) { return s.w.DB, s.r.DB }

// ApplicationID is the id Open stamps on its files.
const ApplicationID = applicationID

// AssignLedgerSQL is the statement whose plan must use an index.
const AssignLedgerSQL = assignLedgerSQL

// PostgresWriteLock is the first statement of every PostgreSQL write transaction.
const PostgresWriteLock = postgresWriteLock
