//go:build !cgo

package state

// cgoEnabled is false when go-sqlite3 compiled to its stub, whose errors surface
// only at the first query; Open refuses at once with a clear message instead.
const cgoEnabled = false

func isBusy(error) bool { return false }

func isNotADB(error) bool { return false }
