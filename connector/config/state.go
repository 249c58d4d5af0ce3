package config

import (
	"fmt"
	"net/url"
	"strings"

	yamlv3 "go.yaml.in/yaml/v3"
)

// State says where leadsync keeps its state: a SQLite file (Path, the default) or,
// for several replicas of one daemon, a PostgreSQL database (URL).
type State struct {
	Path string `koanf:"path"`
	// URL selects PostgreSQL: a postgres:// URL, or a ${env:NAME} or ${file:PATH}
	// reference to one. A literal URL carries no password; Password gives it, or
	// libpq's PGPASSWORD and PGPASSFILE, which the driver reads too.
	URL      string    `koanf:"url"`
	Password SecretRef `koanf:"password"`
	// Migrate is "manual" (the default: `leadsync migrate` changes the schema) or
	// "auto" (`leadsync run` migrates on start). Only PostgreSQL heeds it: a SQLite
	// file belongs to one process, which always migrates it.
	Migrate string `koanf:"migrate"`
	// ReplicaRuns is how many pipelines one replica runs at once (0: 10). A replica
	// takes up to that many due ticks at a time, so a lower number spreads the
	// pipelines over more replicas.
	ReplicaRuns int `koanf:"replica_runs"`
}

// Postgres tells whether the state lives in PostgreSQL.
func (s State) Postgres() bool { return s.URL != "" }

// AutoMigrate tells whether run migrates the PostgreSQL schema on start.
func (s State) AutoMigrate() bool { return s.Migrate == "auto" }

// DSN is the PostgreSQL connection URL with its secrets resolved.
func (s State) DSN(getenv func(string) string) (Secret, error) {
	raw := s.URL
	if strings.HasPrefix(strings.TrimSpace(raw), "${") {
		v, err := SecretRef(raw).Resolve(getenv)
		if err != nil {
			return Secret{}, fmt.Errorf("state.url: %w", err)
		}
		raw = v.Reveal()
	}
	u, err := parsePostgresURL(raw)
	if err != nil {
		return Secret{}, fmt.Errorf("state.url: %w", err)
	}
	if s.Password != "" {
		pw, err := s.Password.Resolve(getenv)
		if err != nil {
			return Secret{}, fmt.Errorf("state.password: %w", err)
		}
		u.User = url.UserPassword(u.User.Username(), pw.Reveal())
	}
	return Secret{value: u.String()}, nil
}

func parsePostgresURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		// url's errors quote the whole URL, password included.
		return nil, fmt.Errorf("not a URL")
	}
	if u.Scheme != "postgres" && u.Scheme != "postgresql" {
		return nil, fmt.Errorf("must be a postgres:// URL, not %s://", u.Scheme)
	}
	if u.Host == "" && u.Query().Get("host") == "" {
		return nil, fmt.Errorf("names no host")
	}
	return u, nil
}

// checkState reports what is wrong with the state section.
func (c *Config) checkState(bad func(msg string, path ...string)) {
	s := c.State
	if !s.Postgres() {
		if s.Path == "" {
			bad("must not be empty", "state", "path")
		}
		if s.Password != "" {
			bad("is for state.url (PostgreSQL); a SQLite file has no password", "state", "password")
		}
	} else {
		if c.sets("state", "path") {
			bad("state.path and state.url exclude each other: a SQLite file or a PostgreSQL database", "state", "url")
		}
		c.checkStateURL(bad)
	}
	switch s.Migrate {
	case "", "manual", "auto":
	default:
		bad("must be manual or auto", "state", "migrate")
	}
	if s.ReplicaRuns < 0 {
		bad("must not be negative (0 means 10)", "state", "replica_runs")
	}
}

func (c *Config) checkStateURL(bad func(msg string, path ...string)) {
	raw := strings.TrimSpace(c.State.URL)
	if strings.HasPrefix(raw, "${") {
		return // a reference: secretRefs checks its form
	}
	u, err := parsePostgresURL(raw)
	if err != nil {
		bad(err.Error(), "state", "url")
		return
	}
	if _, ok := u.User.Password(); ok || u.Query().Has("password") {
		bad("secrets must be given as ${env:NAME} or ${file:PATH}, not literally: put the password in state.password, or the whole URL in ${env:NAME}", "state", "url")
	}
}

// sets tells whether the file itself sets the key at path (a default does not).
func (c *Config) sets(path ...string) bool {
	n := c.doc
	for _, seg := range path {
		if n == nil || n.Kind != yamlv3.MappingNode {
			return false
		}
		var next *yamlv3.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == seg {
				next = n.Content[i+1]
			}
		}
		n = next
	}
	return n != nil
}
