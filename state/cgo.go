//go:build cgo

package state

import (
	"errors"

	"github.com/mattn/go-sqlite3"
)

// cgoEnabled tells Open whether the real SQLite driver is linked in.
const cgoEnabled = true

func isBusy(err error) bool { return hasCode(err, sqlite3.ErrBusy) }

func isNotADB(err error) bool { return hasCode(err, sqlite3.ErrNotADB) }

func hasCode(err error, code sqlite3.ErrNo) bool {
	se, ok := errors.AsType[sqlite3.Error](err)
	return ok && se.Code == code
}
