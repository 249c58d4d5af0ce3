package config

import (
	"fmt"
	"os"
	"reflect"
	"regexp"
	"strings"
	"time"

	"github.com/go-viper/mapstructure/v2"
	"github.com/knadh/koanf/parsers/yaml"
	"github.com/knadh/koanf/providers/env/v2"
	"github.com/knadh/koanf/providers/file"
	"github.com/knadh/koanf/v2"
	yamlv3 "go.yaml.in/yaml/v3"
)

// EnvPrefix starts every environment variable that overrides a config key:
// LEADSYNC_LUSHA__RATE__PER_SECOND=10 sets lusha.rate.per_second.
const EnvPrefix = "LEADSYNC_"

// Load reads the YAML file at path, applies LEADSYNC_… overrides from environ
// and validates the result; secrets stay references until a client needs them. Every problem is reported
// at once, each with its file, line and column where it has one.
func Load(path string, environ []string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &Error{File: path, Msg: err.Error()}
	}
	doc, err := parseNode(path, data)
	if err != nil {
		return nil, err
	}
	if isEmpty(doc) { // else it would run on defaults alone, and fail only when used
		return nil, &Error{File: path, Line: 1, Col: 1,
			Msg: "the file holds no settings (a config names at least lusha.api_key, its crms and its pipelines)"}
	}
	errs := checkKeys(path, doc, reflect.TypeFor[Config]())
	if len(errs) > 0 {
		return nil, errs // before the decode, whose errors have no position
	}

	k := koanf.New(".")
	if err := k.Load(file.Provider(path), yaml.Parser()); err != nil {
		return nil, yamlError(path, err)
	}
	envErrs := loadEnv(k, environ)
	errs = append(errs, envErrs...)
	if len(errs) > 0 {
		return nil, errs
	}

	cfg := Default()
	dc := &mapstructure.DecoderConfig{
		TagName:          "koanf",
		ErrorUnused:      true,
		WeaklyTypedInput: true,
		Result:           &cfg,
		DecodeHook:       durationHook,
	}
	if err := k.UnmarshalWithConf("", &cfg, koanf.UnmarshalConf{DecoderConfig: dc}); err != nil {
		return nil, decodeError(path, doc, err)
	}
	cfg.path, cfg.doc = path, doc
	for i := range cfg.Pipelines {
		pipelineDefaults(&cfg.Pipelines[i])
		if cfg.Pipelines[i].RunOnStart == nil {
			cfg.Pipelines[i].RunOnStart = new(cfg.RunOnStart)
		}
	}
	for name, c := range cfg.CRMs {
		crmDefaults(&c)
		cfg.CRMs[name] = c
	}
	if errs := cfg.validate(); len(errs) > 0 {
		return nil, errs
	}
	return &cfg, nil
}

// TestEnvPrefix marks variables for leadsync's own test suites (the PostgreSQL
// server of LEADSYNC_TEST_POSTGRES_URL): they configure no daemon, and a daemon
// started where they are set must not take them for misspelt keys.
const TestEnvPrefix = EnvPrefix + "TEST_"

// loadEnv merges LEADSYNC_… variables; a variable naming no known key is an error,
// like an unknown key in the file.
func loadEnv(k *koanf.Koanf, environ []string) Errors {
	var errs Errors
	toKey := func(name, val string) (string, any) {
		if strings.HasPrefix(name, TestEnvPrefix) {
			return "", nil
		}
		key := strings.ToLower(strings.TrimPrefix(name, EnvPrefix))
		key = strings.ReplaceAll(key, "__", ".")
		if !knownPath(reflect.TypeFor[Config](), strings.Split(key, ".")) {
			errs = append(errs, &Error{Key: name, Msg: "environment variable names no config key"})
			return "", nil
		}
		return key, val
	}
	err := k.Load(env.Provider(".", env.Opt{
		Prefix: EnvPrefix, TransformFunc: toKey,
		EnvironFunc: func() []string { return environ },
	}), nil)
	if err != nil {
		errs = append(errs, &Error{Msg: "environment: " + err.Error()})
	}
	return errs
}

var durationType = reflect.TypeFor[time.Duration]()

// durationHook insists on units: a bare number would silently mean nanoseconds.
func durationHook(from, to reflect.Type, data any) (any, error) {
	if to != durationType {
		return data, nil
	}
	switch v := data.(type) {
	case string:
		d, err := time.ParseDuration(strings.TrimSpace(v))
		if err != nil {
			return nil, fmt.Errorf("%s is not a duration (write e.g. 30s, 5m, 720h)", quote(v))
		}
		return d, nil
	case time.Duration:
		return v, nil
	}
	return nil, fmt.Errorf("duration %s needs a unit (write e.g. 30s, 5m, 720h)", excerpt(fmt.Sprint(data), maxValue))
}

var decodePath = regexp.MustCompile(`'([^']+)'`)

// decodeError places a decoding error (most come from environment overrides, since the
// file's own shape was checked first) at the key it names, when the file has it.
func decodeError(file string, doc *yamlv3.Node, err error) *Error {
	ce := &Error{File: file, Msg: err.Error()}
	if m := decodePath.FindStringSubmatch(err.Error()); m != nil {
		segs := strings.FieldsFunc(m[1], func(r rune) bool { return r == '.' || r == '[' || r == ']' })
		ce.Line, ce.Col = posOf(doc, segs...)
	}
	return ce
}
