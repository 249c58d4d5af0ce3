package hubspottest

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// OAuthApp is the public app whose tokens the fake's OAuth endpoint issues. Zero
// fields are generated.
type OAuthApp struct {
	ClientID, ClientSecret, RefreshToken string
	// TokenTTL is the access tokens' lifetime (HubSpot: 30 minutes).
	TokenTTL time.Duration
	// RotateRefreshTokens hands out a new refresh token with every refresh and
	// refuses the old one, which HubSpot may do (reference §2.2: persist what it
	// returns).
	RotateRefreshTokens bool
}

const defaultTokenTTL = 30 * time.Minute

func (a OAuthApp) withDefaults() OAuthApp {
	if a.ClientID == "" {
		a.ClientID = newUUID()
	}
	if a.ClientSecret == "" {
		a.ClientSecret = newUUID()
	}
	if a.RefreshToken == "" {
		a.RefreshToken = newUUID()
	}
	if a.TokenTTL <= 0 {
		a.TokenTTL = defaultTokenTTL
	}
	return a
}

// OAuth returns the app credentials the token endpoint accepts now.
func (s *Server) OAuth() OAuthApp {
	s.tokMu.Lock()
	defer s.tokMu.Unlock()
	app := s.opts.OAuth
	app.RefreshToken = s.refreshToken
	return app
}

// ExpireTokens makes every access token issued so far expired, as if their 30
// minutes had passed; the refresh token keeps working.
func (s *Server) ExpireTokens() {
	s.tokMu.Lock()
	defer s.tokMu.Unlock()
	now := s.now()
	for tok, exp := range s.accessTokens {
		if exp.After(now) {
			s.accessTokens[tok] = now
		}
	}
}

// TokensIssued counts the access tokens the token endpoint has handed out.
func (s *Server) TokensIssued() int {
	s.tokMu.Lock()
	defer s.tokMu.Unlock()
	return len(s.accessTokens)
}

// oauthError is the token endpoint's error body: the OAuth fields plus HubSpot's
// Error fields, which the spec requires.
type oauthError struct {
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
	Status           string `json:"status"`
	Message          string `json:"message"`
	Category         string `json:"category"`
	CorrelationID    string `json:"correlationId"`
}

type tokenOut struct {
	TokenType    string   `json:"token_type"`
	TokenUse     string   `json:"token_use"`
	AccessToken  string   `json:"access_token"`
	RefreshToken string   `json:"refresh_token"`
	ExpiresIn    int64    `json:"expires_in"`
	HubID        int      `json:"hub_id"`
	Scopes       []string `json:"scopes"`
}

// token serves POST /oauth/v1/token (form-encoded, reference §2.2). Only the
// refresh_token grant is served: the authorization-code step happens in a browser.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	fail := func(code, status, msg string) {
		writeJSON(w, http.StatusBadRequest, oauthError{Error: code, ErrorDescription: msg, Status: status,
			Message: msg, Category: status, CorrelationID: w.Header().Get("X-HubSpot-Correlation-Id")})
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		fail("invalid_request", "BAD_REQUEST", "Content-Type must be application/x-www-form-urlencoded")
		return
	}
	if err := r.ParseForm(); err != nil {
		fail("invalid_request", "BAD_REQUEST", "malformed form body")
		return
	}
	app := s.opts.OAuth
	switch {
	case r.PostForm.Get("grant_type") != "refresh_token":
		fail("unsupported_grant_type", "BAD_GRANT_TYPE", "only the refresh_token grant is supported by this fake")
	case r.Form.Get("client_id") != app.ClientID:
		fail("invalid_client", "BAD_CLIENT_ID", "missing or unknown client_id")
	case r.Form.Get("client_secret") != app.ClientSecret:
		fail("invalid_client", "BAD_CLIENT_SECRET", "missing or wrong client_secret")
	default:
		s.tokMu.Lock()
		if r.Form.Get("refresh_token") != s.refreshToken {
			s.tokMu.Unlock()
			fail("invalid_grant", "BAD_REFRESH_TOKEN", "refresh token is invalid, expired or revoked")
			return
		}
		tok := "CO" + strings.ReplaceAll(newUUID()+newUUID(), "-", "")
		s.accessTokens[tok] = s.now().Add(app.TokenTTL)
		if app.RotateRefreshTokens {
			s.refreshToken = newUUID()
		}
		refresh := s.refreshToken
		s.tokMu.Unlock()
		writeJSON(w, http.StatusOK, tokenOut{TokenType: "bearer", TokenUse: "access_token", AccessToken: tok,
			RefreshToken: refresh, ExpiresIn: int64(app.TokenTTL / time.Second), HubID: s.opts.PortalID,
			Scopes: []string{"oauth", "crm.objects.contacts.read", "crm.objects.contacts.write",
				"crm.objects.companies.read", "crm.objects.leads.read", "crm.objects.leads.write"}})
	}
}

// authState is who a request authenticates as.
type authState int

const (
	authMissing authState = iota
	authPrivateApp
	authOAuth
	authExpired
)

func (s *Server) authenticate(r *http.Request) (authState, time.Time) {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return authMissing, time.Time{}
	}
	if token == s.opts.Token {
		return authPrivateApp, time.Time{}
	}
	s.tokMu.Lock()
	exp, known := s.accessTokens[token]
	s.tokMu.Unlock()
	switch {
	case !known:
		return authMissing, time.Time{}
	case !exp.After(s.now()):
		return authExpired, exp
	}
	return authOAuth, exp
}

// refuse sends the 401 HubSpot sends for an unknown or an expired token (§2.4).
func (s *Server) refuse(w http.ResponseWriter, state authState, expired time.Time) {
	w.Header().Set("x-hubspot-auth-failure", "401 Unauthorized")
	if state == authExpired {
		ago := s.now().Sub(expired)
		writeError(w, http.StatusUnauthorized, apiError{Category: "EXPIRED_AUTHENTICATION",
			Message: fmt.Sprintf("The OAuth token used to make this call expired %d second(s) ago.", int(ago/time.Second)),
			Context: map[string][]string{"expire time": {formatTime(expired)}}})
		return
	}
	writeError(w, http.StatusUnauthorized, apiError{Category: "INVALID_AUTHENTICATION",
		Message: "Authentication credentials not found. This API supports both API Key and OAuth 2.0 authentication " +
			"and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview"})
}
