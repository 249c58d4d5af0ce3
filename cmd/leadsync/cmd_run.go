package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/leadsync/leadsync/connector"
	"github.com/leadsync/leadsync/connector/observe"
)

func cmdRun(ctx context.Context, e *env, args []string) int {
	fs := newFlags(e, "run")
	cfgPath := fs.String("c", defaultConfig, "config file")
	showValues := fs.Bool("show-values", false, "show field values (personal data) on the status page")
	var lf logFlags
	lf.register(fs)
	if code, ok := parse(fs, args); !ok {
		return code
	}
	eng, log, code := openEngine(ctx, e, *cfgPath, lf)
	if eng == nil {
		return code
	}
	defer eng.Close()
	return serve(ctx, e, log, eng, *showValues, nil)
}

// serve runs the daemon on eng until ctx ends, re-reading the config on SIGHUP.
func serve(ctx context.Context, e *env, log *slog.Logger, eng *connector.Engine, showValues bool, ready func(string)) int {
	reloads := make(chan struct{}, 1)
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				select { // a reload already queued covers this one
				case reloads <- struct{}{}:
				default:
				}
			}
		}
	}()
	d := &connector.Daemon{Engine: eng, Logger: log, Reloads: reloads, Ready: ready, ShowValues: showValues,
		Load:    func(m *observe.Metrics) (*connector.Engine, error) { return reload(e, eng, log, m) },
		Cluster: connector.ReplicaOf(eng, log)}
	if err := d.Run(ctx); err != nil {
		log.Error("daemon stopped", "err", err)
		return exitFailed
	}
	return exitOK
}

// reload reads the config file again and builds it on the running engine's store.
func reload(e *env, running *connector.Engine, log *slog.Logger, m *observe.Metrics) (*connector.Engine, error) {
	old := running.Config
	cfg, err := loadChecked(e, old.Path())
	if err != nil {
		return nil, err
	}
	if cfg.Resolve(cfg.State.Path) != old.Resolve(old.State.Path) || cfg.State.URL != old.State.URL ||
		cfg.HTTP.Listen != old.HTTP.Listen {
		return nil, fmt.Errorf("state.path, state.url and http.listen cannot change on reload; restart leadsync")
	}
	return connector.BuildWith(cfg, e.getenv, log, running.Store, m)
}
