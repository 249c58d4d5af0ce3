package salesforcetest

import (
	"net"
	"net/http"
	"strings"
)

// genericLoginHosts serve every org's logins; an org's own host is its My Domain.
var genericLoginHosts = []string{"login.salesforce.com", "test.salesforce.com"}

// myDomainOnly guards the token endpoint: the client credentials grant is served only
// on the org's My Domain; login.salesforce.com and test.salesforce.com answer it 400
// invalid_grant "request not supported on this domain" (reference §2.1 table and §2.3,
// observed in pozil/pub-sub-api-node-client#58; help "OAuth 2.0 Client Credentials
// Flow" asks for the My Domain token endpoint). The JWT bearer and refresh token
// grants are served on the generic hosts (§2.2's own example posts to
// login.salesforce.com). A fake on loopback is its own My Domain; a test reaches the
// generic hosts through the request's Host.
func (s *Server) myDomainOnly(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err == nil && r.PostForm.Get("grant_type") == grantClientCreds && genericLoginHost(r.Host) {
			oauthError(w, http.StatusBadRequest, "invalid_grant", "request not supported on this domain")
			return
		}
		next(w, r)
	}
}

func genericLoginHost(hostport string) bool {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		host = hostport
	}
	for _, h := range genericLoginHosts {
		if strings.EqualFold(host, h) {
			return true
		}
	}
	return false
}
