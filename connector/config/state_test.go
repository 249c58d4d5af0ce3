package config

import (
	"strings"
	"testing"
)

// TestStateDSN resolves the PostgreSQL URL's secrets and never shows them in errors.
func TestStateDSN(t *testing.T) {
	env := map[string]string{"PW": "s3cr/t", "URL": "postgres://u:p@h/db"}
	getenv := func(k string) string { return env[k] }
	for _, tc := range []struct {
		name, url, password, want, wantErr string
	}{
		{name: "literal", url: "postgres://leadsync@db/ls", want: "postgres://leadsync@db/ls"},
		{name: "password from env", url: "postgres://leadsync@db/ls", password: "${env:PW}", want: "postgres://leadsync:s3cr%2Ft@db/ls"},
		{name: "whole url from env", url: "${env:URL}", want: "postgres://u:p@h/db"},
		{name: "unset env", url: "${env:NOPE}", wantErr: "state.url: environment variable NOPE is not set"},
		{name: "not postgres", url: "mysql://db/ls", wantErr: "state.url: must be a postgres:// URL, not mysql://"},
		{name: "bad url keeps its password", url: "postgres://u:p%zz@h/db", wantErr: "state.url: not a URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := State{URL: tc.url, Password: SecretRef(tc.password)}
			got, err := s.DSN(getenv)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				if strings.Contains(err.Error(), "p%zz") {
					t.Fatalf("error shows the password: %v", err)
				}
				return
			}
			if err != nil || got.Reveal() != tc.want {
				t.Fatalf("DSN = %q, %v; want %q", got.Reveal(), err, tc.want)
			}
			if got.String() != redacted {
				t.Fatalf("a DSN prints as %q", got.String())
			}
		})
	}
}
