package main

import (
	"context"
	"fmt"

	"github.com/leadsync/leadsync/connector"
)

// cmdMigrate brings the state store to this binary's schema: on PostgreSQL the
// replicas of a cluster run it once before they start (or run with state.migrate:
// auto); a SQLite file is migrated by any command that opens it, and here too.
func cmdMigrate(ctx context.Context, e *env, args []string) int {
	fs := newFlags(e, "migrate")
	cfgPath := fs.String("c", defaultConfig, "config file")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	cfg, code := loadConfig(e, *cfgPath)
	if cfg == nil {
		return code
	}
	from, to, err := connector.Migrate(ctx, cfg, e.getenv)
	if err != nil {
		fmt.Fprintf(e.stderr, "leadsync migrate: %v\n", err)
		return exitFailed
	}
	if from == to {
		fmt.Fprintf(e.stdout, "state schema is at version %d: nothing to do\n", to)
	} else {
		fmt.Fprintf(e.stdout, "state schema migrated from version %d to %d\n", from, to)
	}
	return exitOK
}
