package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"maps"
	"slices"

	"github.com/leadsync/leadsync/connector"
	"github.com/leadsync/leadsync/state"
)

// restoreSteps is what `leadsync state restore` prints: a restore replaces the state
// file, which only a stopped daemon allows, so leadsync leaves it to the operator
// (README "Backups and history").
const restoreSteps = `leadsync does not restore by itself: the daemon must be stopped first. To restore:
  1. stop the daemon (systemctl stop leadsync), and any other leadsync using the state file;
  2. move the state file aside, and delete its -wal and -shm files if any are left;
  3. copy the backup to the state path (state.path), owned by the daemon's user, mode 0600;
  4. start the daemon: it migrates the copy if it comes from an older leadsync.
Runs, cursors and ledger rows written after the backup are lost; records are read again
from the restored cursors, and cached answers bought since are bought again.`

// cmdState groups the commands on the state file itself.
func cmdState(ctx context.Context, e *env, args []string) int {
	if len(args) > 0 {
		switch args[0] {
		case "backup":
			return cmdStateBackup(ctx, e, args[1:])
		case "restore":
			fmt.Fprintln(e.stderr, restoreSteps)
			return exitUsage
		case "copy":
			return cmdStateCopy(ctx, e, args[1:])
		}
	}
	fmt.Fprintln(e.stderr, "Usage: leadsync state backup [-c FILE] DEST   (a consistent copy, while the daemon runs)\n"+
		"       leadsync state restore                  (how to restore a copy)\n"+
		"       leadsync state copy --from FILE.db [--to URL | -c FILE]  (move a SQLite state to PostgreSQL)")
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
		return exitOK
	}
	return exitUsage
}

// cmdStateBackup copies the state file to DEST while the daemon keeps running.
func cmdStateBackup(ctx context.Context, e *env, args []string) int {
	fs := newFlags(e, "state")
	cfgPath := fs.String("c", defaultConfig, "config file")
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		return exitOK
	} else if err != nil {
		return exitUsage
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(e.stderr, "leadsync state backup: name one destination file (flags go before it)")
		return exitUsage
	}
	cfg, code := loadConfig(e, *cfgPath)
	if cfg == nil {
		return code
	}
	if cfg.State.Postgres() {
		fmt.Fprintln(e.stderr, "leadsync state backup: the state is in PostgreSQL: back it up with pg_dump (README \"Running several replicas\")")
		return exitUsage
	}
	src, dest := cfg.Resolve(cfg.State.Path), fs.Arg(0)
	if err := state.Backup(ctx, src, dest); err != nil {
		fmt.Fprintf(e.stderr, "leadsync state backup: %v\n", err)
		if errors.Is(err, state.ErrBackupExists) {
			return exitUsage
		}
		return exitFailed
	}
	fmt.Fprintf(e.stdout, "backed up %s to %s\n", src, dest)
	return exitOK
}

// cmdStateCopy moves a SQLite state file into PostgreSQL, for a daemon that grows into
// several replicas: nothing it bought is bought again.
func cmdStateCopy(ctx context.Context, e *env, args []string) int {
	fs := newFlags(e, "state copy")
	from := fs.String("from", "", "the SQLite state file to copy (stop the daemon using it first)")
	to := fs.String("to", "", "the PostgreSQL URL to copy into (default: state.url of the config -c names)")
	cfgPath := fs.String("c", "", "a config whose state.url (and state.password) name the target")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if *from == "" || (*to == "") == (*cfgPath == "") {
		fmt.Fprintln(e.stderr, "leadsync state copy: give --from FILE.db and either --to URL or -c FILE")
		return exitUsage
	}
	dsn := *to
	if dsn == "" {
		cfg, code := loadConfig(e, *cfgPath)
		if cfg == nil {
			return code
		}
		if !cfg.State.Postgres() {
			fmt.Fprintf(e.stderr, "leadsync state copy: %s sets no state.url\n", *cfgPath)
			return exitUsage
		}
		secret, err := cfg.State.DSN(e.getenv)
		if err != nil {
			fmt.Fprintf(e.stderr, "leadsync state copy: %v\n", err)
			return exitUsage
		}
		dsn = secret.Reveal()
	}
	report, err := connector.CopyState(ctx, *from, dsn)
	if err != nil {
		fmt.Fprintf(e.stderr, "leadsync state copy: %v\n", err)
		return exitFailed
	}
	for _, table := range slices.Sorted(maps.Keys(report.Rows)) {
		fmt.Fprintf(e.stdout, "%-22s %d rows\n", table, report.Rows[table])
	}
	fmt.Fprintf(e.stdout, "copied %s into PostgreSQL; point state.url at it and start the replicas\n", *from)
	return exitOK
}
