package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

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
		}
	}
	fmt.Fprintln(e.stderr, "Usage: leadsync state backup [-c FILE] DEST   (a consistent copy, while the daemon runs)\n"+
		"       leadsync state restore                  (how to restore a copy)")
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
