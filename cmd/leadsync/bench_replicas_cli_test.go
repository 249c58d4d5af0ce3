package main

import (
	"strings"
	"testing"
)

// TestBenchReplicasNeedsPostgres: without --postgres or its variable, `bench --replicas`
// is a usage error that says how to name the server, and starts nothing.
func TestBenchReplicasNeedsPostgres(t *testing.T) {
	code, stdout, stderr := runCLI(t, "bench", "--replicas", "2", "--pipelines", "4")
	if code != exitUsage || stdout != "" || !strings.Contains(stderr, "--postgres URL or $"+benchPostgresEnv) {
		t.Errorf("exit %d, stdout %q, stderr %q; want a usage error naming --postgres", code, stdout, stderr)
	}
}
