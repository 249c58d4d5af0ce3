package config

import (
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Secret holds a credential read from the environment or a file. It prints, logs and
// marshals as <redacted>; Reveal is the only way to the value.
type Secret struct{ value string }

const redacted = "<redacted>"

// NewSecret wraps a value; used by the sandbox and tests.
func NewSecret(v string) Secret { return Secret{value: v} }

func (s Secret) Reveal() string               { return s.value }
func (s Secret) IsZero() bool                 { return s.value == "" }
func (s Secret) String() string               { return redacted }
func (s Secret) GoString() string             { return redacted }
func (s Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }
func (s Secret) LogValue() slog.Value         { return slog.StringValue(redacted) }

// SecretRef says where a secret comes from: ${env:NAME} (an environment variable) or
// ${file:PATH} (a file, trailing newlines trimmed). A relative PATH is read from
// $CREDENTIALS_DIRECTORY when that variable is set (systemd's LoadCredential=), else
// from the working directory; an absolute PATH is read as it is. Config files hold only references,
// never credentials; a reference is resolved when a client is built, so that offline
// validation needs no credentials.
type SecretRef string

func (r SecretRef) parse() (kind, arg string, err error) {
	inner, ok := strings.CutPrefix(strings.TrimSpace(string(r)), "${")
	if ok {
		inner, ok = strings.CutSuffix(inner, "}")
	}
	if !ok {
		return "", "", fmt.Errorf("secrets must be given as ${env:NAME} or ${file:PATH}, not literally")
	}
	kind, arg, _ = strings.Cut(inner, ":")
	if (kind != "env" && kind != "file") || arg == "" {
		return "", "", fmt.Errorf("unknown secret reference %s (use ${env:NAME} or ${file:PATH})", quote(string(r)))
	}
	return kind, arg, nil
}

// Validate checks the reference's form without reading the secret.
func (r SecretRef) Validate() error {
	if r == "" {
		return nil
	}
	_, _, err := r.parse()
	return err
}

// Resolve reads the secret the reference points at.
func (r SecretRef) Resolve(getenv func(string) string) (Secret, error) {
	if r == "" {
		return Secret{}, fmt.Errorf("no secret configured")
	}
	kind, arg, err := r.parse()
	if err != nil {
		return Secret{}, err
	}
	switch kind {
	case "env":
		v := getenv(arg)
		if v == "" {
			return Secret{}, fmt.Errorf("environment variable %s is not set", arg)
		}
		return Secret{value: v}, nil
	case "file":
		if dir := getenv(CredentialsDirectoryEnv); dir != "" && !filepath.IsAbs(arg) {
			arg = filepath.Join(dir, arg)
		}
		b, err := os.ReadFile(arg)
		if err != nil {
			return Secret{}, fmt.Errorf("read secret file: %w", err)
		}
		v := strings.TrimRight(string(b), "\r\n")
		if v == "" {
			return Secret{}, fmt.Errorf("secret file %s is empty", arg)
		}
		return Secret{value: v}, nil
	}
	return Secret{}, fmt.Errorf("unknown secret source %s", quote(kind))
}

// CredentialsDirectoryEnv names the directory systemd puts a unit's credentials in
// (LoadCredential=); a relative ${file:…} reference is read from it when it is set.
const CredentialsDirectoryEnv = "CREDENTIALS_DIRECTORY"

// namedRef is a secret reference and the config key that holds it.
type namedRef struct {
	path []string
	ref  SecretRef
}

// secretRefs lists every secret reference the config sets, in a stable order.
func (c *Config) secretRefs() []namedRef {
	refs := []namedRef{{[]string{"lusha", "api_key"}, c.Lusha.APIKey}}
	if c.Lusha.Webhook.Secret != "" {
		refs = append(refs, namedRef{[]string{"lusha", "webhook", "secret"}, c.Lusha.Webhook.Secret})
	}
	if c.State.Password != "" {
		refs = append(refs, namedRef{[]string{"state", "password"}, c.State.Password})
	}
	if ref := SecretRef(c.State.URL); strings.HasPrefix(strings.TrimSpace(c.State.URL), "${") {
		refs = append(refs, namedRef{[]string{"state", "url"}, ref})
	}
	for _, name := range slices.Sorted(maps.Keys(c.CRMs)) {
		crm := c.CRMs[name]
		for _, r := range []namedRef{{[]string{"token"}, crm.Token}, {[]string{"client_id"}, crm.ClientID},
			{[]string{"client_secret"}, crm.ClientSecret}, {[]string{"refresh_token"}, crm.RefreshToken}} {
			if r.ref != "" {
				refs = append(refs, namedRef{append([]string{"crms", name}, r.path...), r.ref})
			}
		}
	}
	return refs
}

// CheckSecrets reads every secret the config refers to, as the clients will, and
// reports each one that cannot be read at the key that names it, never with its value.
// Load checks only their form, so that tests and tools can load a config without them.
func (c *Config) CheckSecrets(getenv func(string) string) Errors {
	var errs Errors
	for _, s := range c.secretRefs() {
		if s.ref == "" {
			continue // a missing required secret is a form problem, reported by Load
		}
		if _, err := s.ref.Resolve(getenv); err != nil {
			errs = append(errs, c.ErrorAt(err.Error(), s.path...))
		}
	}
	return errs
}
