package salesforcetest

import (
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// session is an issued access token.
type session struct {
	expires time.Time
}

const (
	grantJWT          = "urn:ietf:params:oauth:grant-type:jwt-bearer"
	grantClientCreds  = "client_credentials"
	grantRefreshToken = "refresh_token"
	// jwtSkew is the clock skew Salesforce tolerates on an assertion's exp.
	jwtSkew = 3 * time.Minute
)

// tokenError is the OAuth endpoint's error shape, unlike the REST error array.
type tokenError struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

func oauthError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, tokenError{Error: code, Description: desc})
}

// handleToken serves POST /services/oauth2/token for the JWT bearer, client
// credentials and refresh token grants.
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "malformed request")
		return
	}
	s.mu.Lock()
	s.authCalls++
	s.mu.Unlock()
	grant := r.PostForm.Get("grant_type")
	switch grant {
	case "":
		oauthError(w, http.StatusBadRequest, "invalid_request", "grant type is missing")
	case grantJWT:
		if desc := s.checkAssertion(r.PostForm.Get("assertion"), baseURL(r)); desc != "" {
			oauthError(w, http.StatusBadRequest, "invalid_grant", desc)
			return
		}
		s.issue(w, r, "")
	case grantClientCreds:
		if !s.clientOK(r) {
			oauthError(w, http.StatusBadRequest, "invalid_client", "invalid client credentials")
			return
		}
		s.issue(w, r, "")
	case grantRefreshToken:
		if !s.clientOK(r) {
			oauthError(w, http.StatusBadRequest, "invalid_client", "invalid client credentials")
			return
		}
		next, ok := s.renewRefreshToken(r.PostForm.Get("refresh_token"))
		if !ok {
			oauthError(w, http.StatusBadRequest, "invalid_grant", "expired access/refresh token")
			return
		}
		s.issue(w, r, next)
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "grant type not supported")
	}
}

// clientOK checks the client id and secret, from the form or from Basic auth.
func (s *Server) clientOK(r *http.Request) bool {
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	return subtle.ConstantTimeCompare([]byte(id), []byte(s.opts.ClientID)) == 1 &&
		subtle.ConstantTimeCompare([]byte(secret), []byte(s.opts.ClientSecret)) == 1
}

// tokenResponse is the §2.1 success shape: no expires_in, issued_at in milliseconds.
type tokenResponse struct {
	AccessToken string `json:"access_token"`
	Signature   string `json:"signature"`
	Scope       string `json:"scope"`
	InstanceURL string `json:"instance_url"`
	ID          string `json:"id"`
	TokenType   string `json:"token_type"`
	IssuedAt    string `json:"issued_at"`
	// RefreshToken is only in the answer of a refresh with rotation on (§2.4).
	RefreshToken string `json:"refresh_token,omitempty"`
}

// issue answers with a new access token, and refresh when a rotation handed one out.
func (s *Server) issue(w http.ResponseWriter, r *http.Request, refresh string) {
	token := s.orgID[:15] + "!" + randomToken(48)
	now := s.now()
	s.mu.Lock()
	s.tokens[token] = &session{expires: now.Add(s.opts.TokenTTL)}
	s.mu.Unlock()
	base := baseURL(r)
	resp := tokenResponse{AccessToken: token, Scope: "api", InstanceURL: base, TokenType: "Bearer",
		ID: base + "/id/" + s.orgID + "/" + s.userID, IssuedAt: strconv.FormatInt(now.UnixMilli(), 10), RefreshToken: refresh}
	mac := hmac.New(sha256.New, []byte(s.opts.ClientSecret))
	mac.Write([]byte(resp.ID + resp.IssuedAt))
	resp.Signature = base64.StdEncoding.EncodeToString(mac.Sum(nil))
	writeJSON(w, http.StatusOK, resp)
}

// IssueRefreshToken returns a refresh token for the integration user, as the web
// server flow would have handed out once.
func (s *Server) IssueRefreshToken() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.newRefreshToken()
}

// newRefreshToken registers a new refresh token; the caller holds s.mu.
func (s *Server) newRefreshToken() string {
	t := s.orgID[:15] + "!" + randomToken(64)
	s.refresh[t] = true
	return t
}

// renewRefreshToken checks a refresh token. With rotation on it is spent: the answer
// carries its successor and the token itself is dead (reference §2.4); without, the
// answer carries none ("").
func (s *Server) renewRefreshToken(token string) (next string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.refresh[token] {
		return "", false
	}
	if !s.opts.RotateRefreshTokens {
		return "", true
	}
	delete(s.refresh, token)
	return s.newRefreshToken(), true
}

// ExpireSessions ends every issued access token: the next call with one answers 401
// INVALID_SESSION_ID, as after a session timeout.
func (s *Server) ExpireSessions() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.tokens)
}

// TokenRequests counts the calls to the token endpoint so far.
func (s *Server) TokenRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.authCalls
}

// authorized checks the Bearer (or legacy OAuth) token and slides its expiry.
func (s *Server) authorized(r *http.Request) bool {
	h := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") && !strings.EqualFold(scheme, "OAuth") {
		return false
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	sess := s.tokens[token]
	if sess == nil || !now.Before(sess.expires) {
		delete(s.tokens, token)
		return false
	}
	sess.expires = now.Add(s.opts.TokenTTL)
	return true
}

func (s *Server) handleRevoke(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err == nil {
		t := r.PostForm.Get("token")
		s.mu.Lock()
		delete(s.tokens, t)
		delete(s.refresh, t)
		s.mu.Unlock()
	}
	w.WriteHeader(http.StatusOK)
}

// checkAssertion verifies a JWT bearer assertion and returns "" or the
// error_description Salesforce gives.
func (s *Server) checkAssertion(assertion, self string) string {
	const fail = "authentication failure"
	parts := strings.Split(assertion, ".")
	if len(parts) != 3 || s.opts.PublicKey == nil {
		return fail
	}
	var header struct {
		Alg string `json:"alg"`
	}
	var claims struct {
		Iss string          `json:"iss"`
		Sub string          `json:"sub"`
		Prn string          `json:"prn"`
		Aud json.RawMessage `json:"aud"`
		Exp json.RawMessage `json:"exp"`
	}
	if decodeSegment(parts[0], &header) != nil || header.Alg != "RS256" || decodeSegment(parts[1], &claims) != nil {
		return fail
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return fail
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if rsa.VerifyPKCS1v15(s.opts.PublicKey, crypto.SHA256, digest[:], sig) != nil {
		return fail
	}
	if claims.Iss != s.opts.ClientID {
		return "client identifier invalid"
	}
	if sub := cmpOrString(claims.Prn, claims.Sub); sub != s.opts.Username {
		return "user hasn't approved this consumer"
	}
	if !audienceOK(claims.Aud, self) {
		return "audience is invalid"
	}
	exp, ok := numericDate(claims.Exp)
	if !ok || !s.now().Before(time.Unix(exp, 0).Add(jwtSkew)) {
		return "expired authorization code"
	}
	return ""
}

// audienceOK accepts the login and sandbox hosts and the fake's own URL, as a string
// or a one-element array.
func audienceOK(raw json.RawMessage, self string) bool {
	var auds []string
	var one string
	if json.Unmarshal(raw, &one) == nil {
		auds = []string{one}
	} else if json.Unmarshal(raw, &auds) != nil {
		return false
	}
	for _, a := range auds {
		switch strings.TrimRight(a, "/") {
		case "https://login.salesforce.com", "https://test.salesforce.com", self:
			return true
		}
	}
	return false
}

// numericDate reads exp as a number or, as Salesforce's own example sends it, a string.
func numericDate(raw json.RawMessage) (int64, bool) {
	var n json.Number
	if json.Unmarshal(raw, &n) != nil {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return 0, false
		}
		n = json.Number(s)
	}
	f, err := n.Float64()
	return int64(f), err == nil
}

func decodeSegment(seg string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(seg, "="))
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

func randomToken(n int) string {
	const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz._"
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

func cmpOrString(s, fallback string) string {
	if s != "" {
		return s
	}
	return fallback
}
