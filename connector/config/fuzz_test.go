package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// brokenConfigs are the mistakes people make in a leadsync config, and some that only
// a fuzzer would: each must give a config error naming the file, never a panic.
var brokenConfigs = []string{
	"",
	"~",
	"---\n---\n",
	"state: [",
	"state: { path: 5 }",
	"\tstate: {}",
	"pipelines: 5",
	"pipelines: [5, \"x\", ~]",
	"pipelines:\n  - name: a\n    cache_ttl: 30\n",
	"pipelines:\n  - name: a\n    cache_ttl: forever\n",
	"shutdown_grace: -1s",
	"shutdown_grace: 1e400",
	"lusha: { api_key: plain-text-key }",
	"lusha: { api_key: ${env:} }",
	"lusha: { api_key: ${file:/nonexistent/key} }",
	"lusha: { rate: { per_second: -5 } }",
	"lusha: { rate: { per_second: .nan } }",
	"lsuha: {}",
	"crms: { a: { kind: salesforce } }",
	"crms: { a: [1, 2] }",
	"crms: { ? [a, b] : {} }",
	"state: { path: a }\nstate: { path: b }\n",
	"a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n",
	"state: *undefined",
	strings.Repeat("[", 5000) + strings.Repeat("]", 5000),
	"pipelines:\n" + strings.Repeat("  - name: p\n    crm: c\n", 200),
	"\xff\xfe\x00s\x00t",
	"state: { path: \"\x00\" }",
	"pipelines:\n  - { name: a, crm: nowhere, object: contacts, mapping: m.yaml, schedule: \"every now and then\" }\n",
	"pipelines:\n  - { name: a, filter: { equals: [1] } }\n",
	"http: { listen: 99999 }\nlog: { level: loud, format: xml }\n",
}

// FuzzLoad feeds arbitrary files to Load.
//
// Proves I7 for the config file: no input panics the loader, and every problem is a
// config error (exit code 2) that names the file it is in.
func FuzzLoad(f *testing.F) {
	examples, err := filepath.Glob(filepath.Join("..", "..", "configs", "*.yaml"))
	if err != nil || len(examples) == 0 {
		f.Fatalf("no example configs under ../../configs (%v)", err)
	}
	for _, path := range examples {
		b, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		// Each example broken the ways editors break files: cut short, tabs for
		// indentation, a duration without its unit.
		f.Add(b[:len(b)/2])
		f.Add([]byte(strings.ReplaceAll(string(b), "  ", "\t")))
		f.Add([]byte(strings.ReplaceAll(string(b), "720h", "720")))
	}
	for _, s := range brokenConfigs {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "leadsync.yaml")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		cfg, err := Load(path, nil)
		if err == nil {
			if cfg == nil {
				t.Fatal("Load returned neither a config nor an error")
			}
			return
		}
		if !IsError(err) {
			t.Fatalf("Load error is not a config error (exit code 2): %T %v", err, err)
		}
		for _, ce := range errorList(err) {
			if ce.File != path {
				t.Fatalf("config error names file %q, want %s: %v", ce.File, path, ce)
			}
		}
	})
}

// errorList flattens a Load error into its Errors.
func errorList(err error) []*Error {
	if many, ok := errors.AsType[Errors](err); ok {
		return many
	}
	if one, ok := errors.AsType[*Error](err); ok {
		return []*Error{one}
	}
	return nil
}

// TestConfigErrorsHavePositions checks that a value of the wrong type or form is
// reported at its file:line:col, as DESIGN §3 I7 asks of YAML errors.
func TestConfigErrorsHavePositions(t *testing.T) {
	cases := []string{
		"pipelines: [5]",
		"pipelines:\n  - name: a\n    cache_ttl: forever\n",
		"shutdown_grace: 1e400",
		"crms: { a: [1, 2] }",
		"state: { path: a }\nstate: { path: b }\n",
	}
	var missing []string
	for _, c := range cases {
		path := filepath.Join(t.TempDir(), "leadsync.yaml")
		if err := os.WriteFile(path, []byte(c), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := Load(path, nil)
		errs := errorList(err)
		if len(errs) == 0 {
			t.Errorf("%q: want a config error, got %v", c, err)
			continue
		}
		for _, ce := range errs {
			if ce.Line == 0 {
				missing = append(missing, fmt.Sprintf("%q → %q", c, ce.Error()))
			}
		}
	}
	if len(missing) > 0 {
		t.Fatalf("config errors without line:col:\n%s", strings.Join(missing, "\n"))
	}
}
