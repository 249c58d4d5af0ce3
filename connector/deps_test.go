package connector

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

// TestDependencyDirection keeps DESIGN §1: cmd → connector → {crm, lusha, mapping,
// state}; mapping imports nothing of ours but crm and no I/O packages; crm/*, lusha and
// state never import connector; fakes import only their own client's types.
func TestDependencyDirection(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.Command("go", "list", "-json=ImportPath,Imports", "../...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	const mod = "github.com/leadsync/leadsync/"
	forbidden := map[string][]string{
		"mapping":                 {mod + "connector", mod + "lusha", mod + "state", "net/http", "database/sql"},
		"crm":                     {mod + "connector", mod + "lusha", mod + "state", mod + "mapping", "net/http"},
		"crm/hubspot":             {mod + "connector", mod + "lusha", mod + "state", mod + "mapping"},
		"lusha":                   {mod + "connector", mod + "state", mod + "mapping", mod + "crm/hubspot"},
		"state":                   {mod + "connector", mod + "lusha", mod + "mapping", mod + "crm/hubspot"},
		"lusha/lushatest":         {mod + "connector", mod + "state", mod + "mapping", mod + "crm/hubspot"},
		"crm/hubspot/hubspottest": {mod + "connector", mod + "state", mod + "mapping", mod + "lusha"},
		"crm/upstream":            {mod + "connector", mod + "lusha", mod + "state", mod + "mapping", mod + "crm/hubspot"},
		// A run knows no config and no concrete account: the daemon wires them in.
		"connector/run":     {mod + "connector/config", mod + "connector/account", mod + "connector/web", mod + "connector/sandbox"},
		"connector/account": {mod + "connector/config", mod + "connector/run", mod + "connector/web", mod + "connector/sandbox"},
		"connector/react":   {mod + "connector/config", mod + "connector/run", mod + "connector/account", mod + "state", mod + "lusha"},
		// The receiver knows no config and no run: the daemon wires it.
		"connector/signals": {mod + "connector/config", mod + "connector/run", mod + "connector/account", mod + "connector/web"},
		// A limit is a primitive both the accounts and the receiver use.
		"connector/limit": {mod + "connector", mod + "connector/account", mod + "connector/signals", mod + "state", mod + "lusha"},
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	seen := 0
	for dec.More() {
		var p struct {
			ImportPath string
			Imports    []string
		}
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		rel := strings.TrimPrefix(p.ImportPath, mod)
		bad, ok := forbidden[rel]
		if !ok {
			continue
		}
		seen++
		for _, imp := range p.Imports {
			for _, b := range bad {
				if imp == b || strings.HasPrefix(imp, b+"/") {
					t.Errorf("%s imports %s", rel, imp)
				}
			}
		}
	}
	if seen != len(forbidden) {
		t.Errorf("checked %d packages, want %d", seen, len(forbidden))
	}
}
