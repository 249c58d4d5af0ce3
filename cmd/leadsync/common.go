package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/leadsync/leadsync/connector"
	"github.com/leadsync/leadsync/connector/config"
	"github.com/leadsync/leadsync/mapping"
)

// logFlags are the logging flags every long-running command takes.
type logFlags struct{ format, level string }

func (l *logFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&l.format, "log-format", "", "log format: auto, text or json (default: the config's, else auto)")
	fs.StringVar(&l.level, "log-level", "", "log level: debug, info, warn or error (default: the config's, else info)")
}

// logger builds the process logger: text on a terminal, JSON otherwise, unless told.
func (l *logFlags) logger(w io.Writer, cfg *config.Config) *slog.Logger {
	format, level := l.format, l.level
	if cfg != nil {
		format = firstOf(format, cfg.Log.Format)
		level = firstOf(level, cfg.Log.Level)
	}
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(firstOf(level, "info"))); err != nil {
		lv = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: lv}
	if format == "json" || (format != "text" && !isTerminal(w)) {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func firstOf(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// loadConfig loads the config named by -c and checks it, reporting problems on stderr.
func loadConfig(e *env, path string) (*config.Config, int) {
	cfg, err := loadChecked(e, path)
	if err != nil {
		return nil, reportBuild(e, err)
	}
	return cfg, exitOK
}

// loadChecked loads a config and checks all that a command needs of it (secrets,
// mappings, CRM clients) before any command opens the state: a config that cannot run
// leaves no state file behind.
func loadChecked(e *env, path string) (*config.Config, error) {
	cfg, err := config.Load(path, e.environ)
	if err != nil {
		return nil, err
	}
	if _, err := connector.Check(cfg, e.getenv); err != nil {
		return nil, err
	}
	return cfg, nil
}

// openEngine loads the config, builds the engine and the logger it asks for; a nil
// engine comes with the exit code, the problem already reported.
func openEngine(ctx context.Context, e *env, path string, lf logFlags) (*connector.Engine, *slog.Logger, int) {
	cfg, code := loadConfig(e, path)
	if cfg == nil {
		return nil, nil, code
	}
	log := lf.logger(e.stderr, cfg)
	eng, err := connector.Build(ctx, cfg, e.getenv, log)
	if err != nil {
		return nil, nil, reportBuild(e, err)
	}
	return eng, log, exitOK
}

// reportBuild maps an engine build error to its exit code.
func reportBuild(e *env, err error) int {
	if me, ok := errors.AsType[mapping.Errors](err); ok {
		fmt.Fprintf(e.stderr, "leadsync: mapping:\n%v\n", me)
		return exitMapping
	}
	if config.IsError(err) {
		fmt.Fprintf(e.stderr, "leadsync: config:\n%v\n", err)
		return exitUsage
	}
	fmt.Fprintf(e.stderr, "leadsync: %v\n", err)
	return exitFailed
}

const defaultConfig = "leadsync.yaml"
