package main

import (
	"context"
	"fmt"

	"github.com/leadsync/leadsync/connector"
)

func cmdValidate(ctx context.Context, e *env, args []string) int {
	fs := newFlags(e, "validate")
	cfgPath := fs.String("c", defaultConfig, "config file")
	offline := fs.Bool("offline", false, "do not contact the CRM: check files only")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	cfg, code := loadConfig(e, *cfgPath)
	if cfg == nil {
		return code
	}
	mappings, err := connector.LoadMappings(cfg)
	if err != nil {
		return reportBuild(e, err)
	}
	if !*offline {
		problems, err := connector.CheckLive(ctx, cfg, mappings, e.getenv)
		if err != nil {
			fmt.Fprintf(e.stderr, "leadsync validate: %v\n", err)
			return exitFailed
		}
		if len(problems) > 0 {
			fmt.Fprintf(e.stderr, "leadsync: mapping against the live CRM:\n%v\n", problems)
			return exitMapping
		}
	}
	where := "against Lusha's answer schema"
	if !*offline {
		where += " and the live CRM fields"
	}
	fmt.Fprintf(e.stdout, "%s: %d pipelines, mappings valid %s\n", cfg.Path(), len(cfg.Pipelines), where)
	return exitOK
}
