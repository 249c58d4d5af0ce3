package connector

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/leadsync/leadsync/connector/config"
)

// TestClientCredentialsNeedMyDomain (issue 13, Salesforce 6): the client credentials
// flow on login.salesforce.com or test.salesforce.com (named, or the default login
// URL) is refused offline, at its place in the file, with the fix; the JWT bearer flow
// there, and client credentials on a My Domain, pass (salesforce-api.md §2.2, §2.3).
func TestClientCredentialsNeedMyDomain(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "sf.key")
	if err := os.WriteFile(key, rsaKeyPEM(t), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"K": "k", "ID": "id", "SECRET": "s"}
	getenv := func(k string) string { return env[k] }
	const head = "lusha: { api_key: \"${env:K}\" }\ncrms:\n  sf:\n    kind: salesforce\n" +
		"    client_id: ${env:ID}\n"
	const creds = "    client_secret: ${env:SECRET}\n"
	tests := []struct {
		name, body, want string
	}{
		{"login host", head + creds + "    login_url: https://LOGIN.salesforce.com/\n", "c.yaml:7:5: crms.sf.login_url: the client credentials flow needs the org's My Domain"},
		{"sandbox login host", head + "    login_url: https://test.salesforce.com\n" + creds, "c.yaml:6:5: crms.sf.login_url:"},
		{"default login URL", head + creds, "c.yaml:3:3: crms.sf.login_url: the client credentials flow needs"},
		{"My Domain", head + creds + "    login_url: https://acme.my.salesforce.com\n", ""},
		{"JWT on the login host", head + "    login_url: https://login.salesforce.com\n    private_key_file: " + key +
			"\n    username: integration@acme.test\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "c.yaml")
			if err := os.WriteFile(p, []byte(tt.body), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg, err := config.Load(p, nil)
			if err != nil {
				t.Fatal(err)
			}
			_, err = Check(cfg, getenv)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil || !config.IsError(err) || !strings.Contains(err.Error(), tt.want) ||
				!strings.Contains(err.Error(), "https://<my-domain>.my.salesforce.com") {
				t.Errorf("error %v, want %q and the fix", err, tt.want)
			}
		})
	}
}

// rsaKeyPEM is a PKCS #1 private key for a JWT bearer config.
func rsaKeyPEM(t *testing.T) []byte {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)})
}
