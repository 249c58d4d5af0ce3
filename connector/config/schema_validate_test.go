package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/leadsync/leadsync/mapping"
	"github.com/santhosh-tekuri/jsonschema/v6"
	yamlv3 "go.yaml.in/yaml/v3"
)

// compileSchema compiles a committed schema from configs/schema.
func compileSchema(t *testing.T, name string) *jsonschema.Schema {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(schemaDir, name))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(name, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(name)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return s
}

// yamlToJSON reads a YAML document as the JSON value an editor's YAML language
// server checks against the schema.
func yamlToJSON(data []byte) (any, error) {
	var v any
	if err := yamlv3.Unmarshal(data, &v); err != nil {
		return nil, err
	}
	b, err := json.Marshal(jsonable(v))
	if err != nil {
		return nil, err
	}
	return jsonschema.UnmarshalJSON(bytes.NewReader(b))
}

// jsonable turns the maps YAML may key by non-strings (map: {1: a, true: b}) into
// JSON objects, keyed as the mapping parser renders scalars.
func jsonable(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			v[k] = jsonable(e)
		}
		return v
	case map[any]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[fmt.Sprint(k)] = jsonable(e)
		}
		return out
	case []any:
		for i, e := range v {
			v[i] = jsonable(e)
		}
		return v
	}
	return v
}

func validateYAML(s *jsonschema.Schema, data []byte) error {
	v, err := yamlToJSON(data)
	if err != nil {
		return err
	}
	return s.Validate(v)
}

func glob(t *testing.T, pattern string) []string {
	t.Helper()
	files, err := filepath.Glob(pattern)
	if err != nil || len(files) == 0 {
		t.Fatalf("no files match %s (%v)", pattern, err)
	}
	return files
}

// TestShippedFilesMatchSchemas checks every shipped config and mapping, and the
// mappings of mapping's good test cases, against the committed schemas, and that each
// shipped file points editors at its schema on its first line.
func TestShippedFilesMatchSchemas(t *testing.T) {
	configSchema := compileSchema(t, configSchemaFile)
	mappingSchema := compileSchema(t, mappingSchemaFile)
	check := func(t *testing.T, s *jsonschema.Schema, file, modeline string) {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if modeline != "" {
			if first, _, _ := strings.Cut(string(data), "\n"); first != modeline {
				t.Errorf("%s: first line is %q, want %q (editors read the schema from it)", file, first, modeline)
			}
		}
		if err := validateYAML(s, data); err != nil {
			t.Errorf("%s does not match its schema:\n%v", file, err)
		}
	}
	for _, f := range glob(t, "../../configs/*.yaml") {
		check(t, configSchema, f, "# yaml-language-server: $schema=schema/"+configSchemaFile)
	}
	for _, f := range glob(t, "../../configs/mappings/*.yaml") {
		check(t, mappingSchema, f, "# yaml-language-server: $schema=../schema/"+mappingSchemaFile)
	}
	// The mapping package's golden cases whose mapping parses (the err_ cases show
	// what the parser reports, which is more than a shape says).
	for _, f := range glob(t, "../../mapping/testdata/*/mapping.yaml") {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := mapping.Parse(f, data, mapping.Options{}); err != nil {
			continue
		}
		check(t, mappingSchema, f, "")
	}
}

// TestSchemasRefuseWhatLoadRefuses: the shape errors the loaders report, an editor
// shows too.
func TestSchemasRefuseWhatLoadRefuses(t *testing.T) {
	configSchema := compileSchema(t, configSchemaFile)
	mappingSchema := compileSchema(t, mappingSchemaFile)
	const cfg = "lusha: { api_key: \"${env:K}\" }\ncrms: { hs: { kind: hubspot, token: \"${env:T}\" } }\n" +
		"pipelines: [ { name: p, crm: hs, object: contacts, mapping: m.yaml } ]\n"
	if err := validateYAML(configSchema, []byte(cfg)); err != nil {
		t.Fatalf("a minimal config fails its schema: %v", err)
	}
	for name, doc := range map[string]string{
		"unknown key":        cfg + "lusah: {}\n",
		"unknown nested key": "lusha: { api_key: \"${env:K}\", rate: { per_sec: 3 } }\n",
		"duration unit":      cfg + "shutdown_grace: 30\n",
		"literal secret":     "lusha: { api_key: sk-12345 }\n",
		"crm kind":           "crms: { x: { kind: pipedrive } }\n",
		"pipeline no name":   "pipelines: [ { crm: hs, object: contacts, mapping: m.yaml } ]\n",
		"log level":          "log: { level: verbose }\n",
	} {
		if validateYAML(configSchema, []byte(doc)) == nil {
			t.Errorf("config %s: the schema accepts\n%s", name, doc)
		}
	}

	const m = "object: contacts\nmatch: { email: email, companyDomain: { from: website, transform: domain } }\n" +
		"fields:\n  jobtitle: { from: contact.jobTitle.title }\n"
	if err := validateYAML(mappingSchema, []byte(m)); err != nil {
		t.Fatalf("a minimal mapping fails its schema: %v", err)
	}
	for name, doc := range map[string]string{
		"unknown top key":   m + "feilds: {}\n",
		"unknown field key": m + "  city: { from: contact.location.city, polcy: fill }\n",
		"from and value":    m + "  city: { from: contact.location.city, value: x }\n",
		"neither":           m + "  city: { policy: fill }\n",
		"policy":            m + "  city: { from: contact.location.city, policy: always }\n",
		"transform":         m + "  city: { from: contact.location.city, transform: [trim, titlecase] }\n",
		"transform arg":     m + "  city: { from: contact.location.city, transform: truncate }\n",
		"path root":         m + "  city: { from: person.city }\n",
		"match key":         "object: contacts\nmatch: { mail: email }\nfields: {}\n",
		"company match":     "object: companies\nmatch: { email: email }\nfields: {}\n",
		"missing object":    "match: { email: email }\nfields: {}\n",
	} {
		if validateYAML(mappingSchema, []byte(doc)) == nil {
			t.Errorf("mapping %s: the schema accepts\n%s", name, doc)
		}
	}
}
