package config

//go:generate go test -run TestSchemasUpToDate -update-schemas .

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/invopop/jsonschema"
	"github.com/leadsync/leadsync/mapping"
)

// The JSON Schemas under configs/schema let editors (through the yaml-language-server
// line at the top of each shipped file) complete and check keys while a config or a
// mapping is written. They are generated from the Go types: Config (koanf tags) and
// mapping.File (the shape of a mapping file). Load and mapping.Parse stay the
// authority; the schemas describe the shape, not every rule.

var updateSchemas = flag.Bool("update-schemas", false, "write configs/schema/*.json from the Go types")

const (
	schemaDir         = "../../configs/schema"
	configSchemaFile  = "config.schema.json"
	mappingSchemaFile = "mapping.schema.json"
	schemaBaseID      = "https://github.com/leadsync/leadsync/configs/schema/"
)

// durationPattern is what time.ParseDuration accepts, around the spaces the loader trims;
// a bare number other than 0 is refused like durationHook refuses it.
const durationPattern = `^\s*[-+]?(0|(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))+)\s*$`

// secretPattern is the form SecretRef.Validate accepts (empty means unset).
const secretPattern = `^(\s*\$\{(env|file):.+\}\s*)?$`

func ptr[T any](v T) *T { return &v }

// schemas generates the JSON Schemas, keyed by file name, as they are committed.
func schemas() (map[string][]byte, error) {
	out := map[string][]byte{}
	for name, s := range map[string]*jsonschema.Schema{
		configSchemaFile:  configSchema(),
		mappingSchemaFile: mappingSchema(),
	} {
		b, err := json.MarshalIndent(s, "", "  ")
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		out[name] = append(b, '\n')
	}
	return out, nil
}

func configSchema() *jsonschema.Schema {
	r := &jsonschema.Reflector{
		FieldNameTag:               "koanf", // the YAML keys, as the loader reads them
		RequiredFromJSONSchemaTags: true,    // koanf tags carry no omitempty: required is set below
		ExpandedStruct:             true,
		Anonymous:                  true,
		Mapper: func(t reflect.Type) *jsonschema.Schema {
			switch t {
			case reflect.TypeFor[time.Duration]():
				return &jsonschema.Schema{Type: "string", Pattern: durationPattern,
					Description: "a duration with its unit, e.g. 30s, 5m, 720h"}
			case reflect.TypeFor[SecretRef]():
				return &jsonschema.Schema{Type: "string", Pattern: secretPattern,
					Description: "a secret reference, ${env:NAME} or ${file:PATH}: never the secret itself"}
			}
			return nil
		},
	}
	s := r.Reflect(&Config{})
	s.ID = schemaBaseID + configSchemaFile
	s.Title = "leadsync configuration"
	s.Description = "leadsync's config file (README \"Configuration\"); generated from connector/config's Go types"
	set := func(def, key string, f func(*jsonschema.Schema)) {
		d, ok := s.Definitions[def]
		if !ok {
			panic("config schema: no definition " + def)
		}
		if key == "" {
			f(d)
			return
		}
		p, ok := d.Properties.Get(key)
		if !ok {
			panic("config schema: no property " + def + "." + key)
		}
		f(p)
	}
	enum := func(vals ...string) func(*jsonschema.Schema) {
		return func(p *jsonschema.Schema) {
			for _, v := range vals {
				p.Enum = append(p.Enum, v)
			}
		}
	}
	required := func(keys ...string) func(*jsonschema.Schema) {
		return func(d *jsonschema.Schema) { d.Required = keys }
	}
	// The checks of validate that a shape can say.
	set("Log", "level", enum("debug", "info", "warn", "error"))
	set("Log", "format", enum("auto", "text", "json"))
	set("CRM", "kind", enum(crmKinds...))
	set("CRM", "tier", enum("free", "starter", "professional", "enterprise", "public_app"))
	set("CRM", "", required("kind"))
	set("Pipeline", "", required("name", "crm", "object", "mapping"))
	return s
}

func mappingSchema() *jsonschema.Schema {
	transform := &jsonschema.Schema{Type: "string", Pattern: mapping.TransformPattern(),
		Description: "a transform: lower, upper, trim, domain, e164, date, number, first, truncate:N or join:SEP"}
	path := &jsonschema.Schema{Type: "string", Pattern: mapping.PathPattern,
		Description: "a path into Lusha's answer: contact.… or company.…"}
	r := &jsonschema.Reflector{
		RequiredFromJSONSchemaTags: true,
		ExpandedStruct:             true,
		Anonymous:                  true,
		Mapper: func(t reflect.Type) *jsonschema.Schema {
			switch t {
			case reflect.TypeFor[mapping.FileTransforms]():
				return &jsonschema.Schema{OneOf: []*jsonschema.Schema{transform, {Type: "array", Items: transform}}}
			case reflect.TypeFor[mapping.FilePath]():
				return path
			case reflect.TypeFor[mapping.FileScalar]():
				return &jsonschema.Schema{AnyOf: []*jsonschema.Schema{{Type: "string"}, {Type: "number"}, {Type: "boolean"}}}
			case reflect.TypeFor[mapping.Policy]():
				p := &jsonschema.Schema{Type: "string", Description: "fill (the default), overwrite, overwrite_if_owned or never"}
				for _, v := range mapping.Policies() {
					p.Enum = append(p.Enum, v)
				}
				return p
			}
			return nil
		},
	}
	s := r.Reflect(&mapping.File{})
	s.ID = schemaBaseID + mappingSchemaFile
	s.Title = "leadsync mapping"
	s.Description = "a leadsync mapping file (package mapping's documentation); generated from mapping.File"
	// A match rule and a condition are also written short, as a bare string.
	short := map[string]*jsonschema.Schema{
		"FileMatchRule": {Type: "string", MinLength: ptr[uint64](1), Description: "the CRM field to read"},
		"FileCondition": path,
	}
	for def, alt := range short {
		d, ok := s.Definitions[def]
		if !ok {
			panic("mapping schema: no definition " + def)
		}
		s.Definitions[def] = &jsonschema.Schema{OneOf: []*jsonschema.Schema{alt, d}}
	}
	// A company mapping identifies a company: only its match keys.
	var objects []any
	for _, o := range mapping.CompanyObjects {
		objects = append(objects, o)
	}
	var keys []any
	for _, k := range mapping.CompanyMatchKeys() {
		keys = append(keys, k)
	}
	ifProps := jsonschema.NewProperties()
	ifProps.Set("object", &jsonschema.Schema{Enum: objects})
	thenProps := jsonschema.NewProperties()
	thenProps.Set("match", &jsonschema.Schema{PropertyNames: &jsonschema.Schema{Enum: keys}})
	s.If = &jsonschema.Schema{Properties: ifProps, Required: []string{"object"}}
	s.Then = &jsonschema.Schema{Properties: thenProps}
	return s
}

// TestSchemasUpToDate regenerates the schemas and compares them with the committed
// ones; with -update-schemas (or go generate ./connector/config) it writes them.
func TestSchemasUpToDate(t *testing.T) {
	got, err := schemas()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{configSchemaFile, mappingSchemaFile} {
		file := filepath.Join(schemaDir, name)
		if *updateSchemas {
			if err := os.MkdirAll(schemaDir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(file, got[name], 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(file)
		if err != nil {
			t.Fatalf("%v; generate it: go generate ./connector/config", err)
		}
		if !bytes.Equal(got[name], want) {
			t.Errorf("configs/schema/%s is stale: the Go types changed. Regenerate it with\n"+
				"\tgo generate ./connector/config\n(or: go test ./connector/config -run TestSchemasUpToDate -update-schemas) and commit it", name)
		}
	}
}
