package main

import (
	"context"

	"github.com/leadsync/leadsync/connector"
)

func cmdRun(ctx context.Context, e *env, args []string) int {
	fs := newFlags(e, "run")
	cfgPath := fs.String("c", defaultConfig, "config file")
	var lf logFlags
	lf.register(fs)
	if code, ok := parse(fs, args); !ok {
		return code
	}
	cfg, code := loadConfig(e, *cfgPath)
	if cfg == nil {
		return code
	}
	log := lf.logger(e.stderr, cfg)
	eng, err := connector.Build(ctx, cfg, e.getenv, log)
	if err != nil {
		return reportBuild(e, err)
	}
	defer eng.Close()
	d := &connector.Daemon{Engine: eng, Logger: log}
	if err := d.Run(ctx); err != nil {
		log.Error("daemon stopped", "err", err)
		return exitFailed
	}
	return exitOK
}
