//go:build cgo

package state_test

import (
	"os"
	"path/filepath"
	"testing"
)

func writeFile(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// execRaw runs SQL on a file behind the store's back and closes it.
func execRaw(t *testing.T, path, sql string) {
	t.Helper()
	db := rawDB(t, path)
	if _, err := db.Exec(sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

// buildV3 makes the file that leadsync's migrations 0001 to 0003 made, before the
// application id existed.
func buildV3(t *testing.T, path string) {
	t.Helper()
	names, err := filepath.Glob("migrations/*.sql")
	if err != nil || len(names) < 3 {
		t.Fatalf("migrations: %v, %v", names, err)
	}
	for _, name := range names[:3] {
		execRaw(t, path, readFile(t, name))
	}
	execRaw(t, path, "PRAGMA user_version = 3; PRAGMA journal_mode = WAL")
}
