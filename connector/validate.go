package connector

import (
	"context"
	"fmt"

	"github.com/leadsync/leadsync/mapping"
)

// CheckLive checks each pipeline's target fields against the CRM's live metadata: the
// field exists and leadsync may write it. It returns every problem found.
func CheckLive(ctx context.Context, cfg *Config, mappings map[string]*mapping.Mapping, getenv func(string) string) ([]string, error) {
	var problems []string
	for _, p := range cfg.Pipelines {
		m := mappings[p.Name]
		if m == nil {
			continue
		}
		adapter, err := NewCRM(cfg.CRMs[p.CRM], getenv)
		if err != nil {
			return nil, fmt.Errorf("crm %s: %w", p.CRM, err)
		}
		schema, err := adapter.Schema(ctx, p.Object)
		if err != nil {
			return nil, fmt.Errorf("read %s fields of crm %s: %w", p.Object, p.CRM, err)
		}
		file := cfg.Resolve(p.Mapping)
		for _, f := range m.TargetFields() {
			fs, ok := schema.Fields[f]
			switch {
			case !ok:
				problems = append(problems, fmt.Sprintf("%s: field %s does not exist on %s in crm %s", file, f, p.Object, p.CRM))
			case fs.ReadOnly || fs.Calculated:
				problems = append(problems, fmt.Sprintf("%s: field %s is read-only in crm %s", file, f, p.CRM))
			}
		}
		for _, f := range m.MatchFields() {
			if _, ok := schema.Fields[f]; !ok {
				problems = append(problems, fmt.Sprintf("%s: match field %s does not exist on %s in crm %s", file, f, p.Object, p.CRM))
			}
		}
	}
	return problems, nil
}
