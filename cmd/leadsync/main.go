// Command leadsync keeps CRM leads enriched: it reads new leads from a CRM, asks Lusha
// who they are, writes back what the mapping allows, and records everything in SQLite.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

// Exit codes (DESIGN §6).
const (
	exitOK      = 0
	exitFailed  = 1
	exitUsage   = 2
	exitMapping = 3
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Environ(), os.Stdout, os.Stderr))
}

// command is one subcommand.
type command struct {
	name, usage, summary string
	run                  func(ctx context.Context, e *env, args []string) int
}

// env is what a command gets from the process.
type env struct {
	environ        []string
	stdout, stderr io.Writer
}

func (e *env) getenv(key string) string {
	for _, kv := range e.environ {
		if k, v, ok := strings.Cut(kv, "="); ok && k == key {
			return v
		}
	}
	return ""
}

func commands() []command {
	return []command{
		{"run", "run [-c FILE]", "daemon: run every pipeline on its schedule and serve HTTP until SIGTERM", cmdRun},
		{"sync", "sync [-c FILE] [-p PIPELINE] [--dry-run [--live]] [--limit N] [--json]", "run pipelines once now", cmdSync},
		{"validate", "validate [-c FILE] [--offline]", "check the config and mappings (and the live CRM fields)", cmdValidate},
		{"init", "init --crm hubspot|salesforce --object O [-c FILE|none] [--account NAME] [--out DIR] [--sandbox] [--force]", "write a starter config and mapping from a CRM object's live fields", cmdInit},
		{"status", "status [-c FILE] [--json]", "show runs, cursors, queues and credits", cmdStatus},
		{"retry", "retry [-c FILE] [-p PIPELINE] [--class C]", "release parked records for the next run", cmdRetry},
		{"forget", "forget [-c FILE] (--email E | --crm-id ID)", "erase one person's data and never ask Lusha about them again", cmdForget},
		{"migrate", "migrate [-c FILE]", "bring the state store (SQLite file or PostgreSQL) to this binary's schema", cmdMigrate},
		{"state", "state backup [-c FILE] DEST | state restore | state copy --from FILE.db [--to URL]", "copy the state file while the daemon runs; how to restore a copy; move a state file to PostgreSQL", cmdState},
		{"sandbox", "sandbox [--leads N] [--once] [--serve] [--json] [--seed S] [--chaos RATE] [--http ADDR]", "run leadsync against built-in fake HubSpot and Lusha servers", cmdSandbox},
		{"bench", "bench [--crm hubspot|salesforce] [--leads N] [--json]", "measure throughput against the rate-limit bound, memory and credits", cmdBench},
		{"version", "version", "print the version", cmdVersion},
	}
}

func run(ctx context.Context, args, environ []string, stdout, stderr io.Writer) int {
	e := &env{environ: environ, stdout: stdout, stderr: stderr}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, e, args[1:])
		}
	}
	fmt.Fprintf(stderr, "leadsync: unknown command %q\n\n", args[0])
	usage(stderr)
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "leadsync keeps CRM leads enriched through Lusha.\n\nUsage:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  leadsync %-90s %s\n", c.usage, "")
		fmt.Fprintf(w, "      %s\n", c.summary)
	}
	fmt.Fprintln(w, "\nRun 'leadsync COMMAND --help' for a command's flags.")
}

// newFlags makes a command's flag set; --help prints its usage and exits 0.
func newFlags(e *env, name string) *flag.FlagSet {
	fs := flag.NewFlagSet("leadsync "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	for _, c := range commands() {
		if c.name == name {
			fs.Usage = func() {
				fmt.Fprintf(e.stderr, "Usage: leadsync %s\n\n%s\n\nFlags:\n", c.usage, c.summary)
				fs.PrintDefaults()
			}
		}
	}
	return fs
}

// parse parses flags; it returns an exit code when the command must stop.
func parse(fs *flag.FlagSet, args []string) (int, bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK, false
		}
		return exitUsage, false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "unexpected arguments: %v\n", fs.Args())
		return exitUsage, false
	}
	return 0, true
}

func cmdVersion(_ context.Context, e *env, args []string) int {
	fs := newFlags(e, "version")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	fmt.Fprintln(e.stdout, "leadsync", version)
	return exitOK
}
