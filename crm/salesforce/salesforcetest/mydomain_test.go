package salesforcetest_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/leadsync/leadsync/crm/salesforce/salesforcetest"
)

// TestClientCredentialsNeedMyDomain: login.salesforce.com and test.salesforce.com
// answer the client credentials grant 400 invalid_grant "request not supported on
// this domain" (reference §2.1's table and §2.3, observed in
// pozil/pub-sub-api-node-client#58); the org's own host (here, the fake's) serves it.
func TestClientCredentialsNeedMyDomain(t *testing.T) {
	o := newOrg(t, salesforcetest.Options{}) // newOrg logged in on the fake's own host
	for _, host := range []string{"login.salesforce.com", "test.salesforce.com:443"} {
		form := url.Values{"grant_type": {"client_credentials"}, "client_id": {o.fake.ClientID()},
			"client_secret": {o.fake.ClientSecret()}}
		req := httptest.NewRequest(http.MethodPost, "https://"+host+"/services/oauth2/token", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		o.fake.ServeHTTP(rec, req)
		var got struct {
			Error string `json:"error"`
			Desc  string `json:"error_description"`
		}
		_ = json.Unmarshal(rec.Body.Bytes(), &got)
		if rec.Code != http.StatusBadRequest || got.Error != "invalid_grant" || got.Desc != "request not supported on this domain" {
			t.Errorf("client credentials on %s: %d %s", host, rec.Code, rec.Body)
		}
	}
}
