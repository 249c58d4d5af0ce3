package main

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/leadsync/leadsync/connector"
	"github.com/leadsync/leadsync/crm"
)

func cmdRetry(ctx context.Context, e *env, args []string) int {
	fs := newFlags(e, "retry")
	cfgPath := fs.String("c", defaultConfig, "config file")
	pipeline := fs.String("p", "", "only this pipeline")
	class := fs.String("class", "", "only records parked with this error class (e.g. invalid)")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if *class != "" && !slices.Contains(crm.Classes, crm.Class(*class)) {
		fmt.Fprintf(e.stderr, "leadsync retry: unknown class %q (one of %v)\n", *class, crm.Classes)
		return exitUsage
	}
	cfg, code := loadConfig(e, *cfgPath)
	if cfg == nil {
		return code
	}
	if *pipeline != "" {
		if _, ok := cfg.Pipeline(*pipeline); !ok {
			fmt.Fprintf(e.stderr, "leadsync retry: no pipeline %q\n", *pipeline)
			return exitUsage
		}
	}
	store, err := connector.OpenStore(ctx, cfg, e.getenv)
	if err != nil {
		fmt.Fprintf(e.stderr, "leadsync retry: %v\n", err)
		return exitFailed
	}
	defer store.Close()
	for _, p := range cfg.Pipelines {
		if *pipeline != "" && p.Name != *pipeline {
			continue
		}
		n, err := store.ReleaseParked(ctx, p.Name, *class, time.Now())
		if err != nil {
			fmt.Fprintf(e.stderr, "leadsync retry: %v\n", err)
			return exitFailed
		}
		fmt.Fprintf(e.stdout, "%s: %d parked records released; the next run retries them\n", p.Name, n)
	}
	return exitOK
}
