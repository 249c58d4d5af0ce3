package lushatest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/leadsync/leadsync/lusha"
)

func (s *Server) routeWebhooks() {
	s.mux.HandleFunc("POST /api/subscriptions", s.handleCreateSubscriptions)
	s.mux.HandleFunc("GET /api/subscriptions", s.handleListSubscriptions)
	s.mux.HandleFunc("GET /api/subscriptions/{id}", s.handleGetSubscription)
	s.mux.HandleFunc("PATCH /api/subscriptions/{id}", s.handleUpdateSubscription)
	s.mux.HandleFunc("POST /api/subscriptions/{id}/test", s.handleTestSubscription)
	s.mux.HandleFunc("POST /api/subscriptions/delete", s.handleDeleteSubscriptions)
	s.mux.HandleFunc("POST /api/subscriptions/opt-out", s.handleCreateOptOut)
	s.mux.HandleFunc("GET /api/audit-logs", s.handleAuditLogs)
	s.mux.HandleFunc("GET /api/audit-logs/stats", s.handleAuditLogStats)
	s.mux.HandleFunc("GET /api/account/secret", s.handleGetSecret)
	s.mux.HandleFunc("POST /api/account/secret/regenerate", s.handleRegenerateSecret)
}

var entityTypes = []string{lusha.EntityContact, lusha.EntityCompany}

// signalTypesOf lists the signal types a subscription of entityType may watch.
func signalTypesOf(entityType string) []string {
	if entityType == lusha.EntityCompany {
		return companySignalTypes
	}
	return contactSignalTypes
}

// checkWebhookURL applies Lusha's URL rule: an absolute HTTPS URL of at most 2048
// characters. Plain HTTP is accepted for loopback hosts only, so that local
// receivers (tests, the sandbox) can subscribe.
func checkWebhookURL(p *problems, name, raw string) {
	u, err := url.Parse(raw)
	switch {
	case raw == "" || err != nil || u.Host == "" || len(raw) > 2048:
		p.add("%s must be a URL address", name)
	case u.Scheme == "https":
	case u.Scheme == "http" && isLoopback(u.Hostname()):
	default:
		p.add("%s must use HTTPS", name)
	}
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (s *Server) handleCreateSubscriptions(w http.ResponseWriter, r *http.Request) {
	var req lusha.CreateSubscriptionsRequest
	if !s.decode(w, r, &req) {
		return
	}
	var p problems
	checkWebhookURL(&p, "defaults.url", req.Defaults.URL)
	p.size("subscriptions", len(req.Subscriptions), 1, lusha.MaxSubscriptionBatch)
	p.enum("defaults.entityType", req.Defaults.EntityType, entityTypes)
	p.maxLen("name", req.Name, 100)
	for i, it := range req.Subscriptions {
		p.enum(fmt.Sprintf("subscriptions.%d.entityType", i), it.EntityType, entityTypes)
		p.maxLen(fmt.Sprintf("subscriptions.%d.name", i), it.Name, 100)
		p.maxLen(fmt.Sprintf("subscriptions.%d.entityId", i), it.EntityID, 255)
	}
	if s.reject(w, p) {
		return
	}
	verified := !s.opts.Webhooks.VerifyURL || s.challenge(r.Context(), req.Defaults.URL)
	acct := accountOf(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(acct.subs) >= s.opts.Webhooks.MaxSubscriptions {
		s.writeError(w, nil, http.StatusForbidden, "Maximum subscriptions limit reached for your account")
		return
	}
	out := lusha.CreateSubscriptionsResponse{Total: len(req.Subscriptions), Results: []lusha.CreateSubscriptionResult{}}
	for i, it := range req.Subscriptions {
		res := lusha.CreateSubscriptionResult{Index: i}
		if !verified {
			res.Error = &lusha.SubscriptionError{Code: lusha.SubscriptionVerificationFailed,
				Message: "Webhook URL did not answer the verification challenge"}
		} else {
			res.Subscription, res.Error = s.createSubscription(acct, req, it)
		}
		res.Success = res.Error == nil
		if res.Success {
			out.Successful++
		} else {
			out.Failed++
		}
		out.Results = append(out.Results, res)
	}
	writeJSON(w, http.StatusCreated, out)
}

// createSubscription adds one item, or says why it cannot. Callers hold mu.
func (s *Server) createSubscription(acct *account, req lusha.CreateSubscriptionsRequest, it lusha.SubscriptionItem) (*lusha.Subscription, *lusha.SubscriptionError) {
	entityType := cmpOr(it.EntityType, req.Defaults.EntityType)
	types := it.SignalTypes
	if types == nil {
		types = req.Defaults.SignalTypes
	}
	invalid := func(msg string) *lusha.SubscriptionError {
		return &lusha.SubscriptionError{Code: lusha.SubscriptionValidationError, Message: msg}
	}
	switch {
	case entityType == "":
		return nil, invalid("entityType must be one of: contact, company")
	case strings.TrimSpace(it.EntityID) == "":
		return nil, invalid("entityId should not be empty")
	case len(types) == 0:
		return nil, invalid("signalTypes should not be empty")
	}
	for _, t := range types {
		if !slices.Contains(signalTypesOf(entityType), t) {
			return nil, invalid(fmt.Sprintf("signal type '%s' is not valid for entity type '%s'", t, entityType))
		}
	}
	for _, sub := range acct.subs {
		if !sub.optOut && sub.EntityType == entityType && sub.EntityID == it.EntityID {
			return nil, &lusha.SubscriptionError{Code: lusha.SubscriptionDuplicate, Message: fmt.Sprintf(
				"Subscription already exists for entity type '%s' with entity ID '%s'", entityType, it.EntityID)}
		}
	}
	if len(acct.subs) >= s.opts.Webhooks.MaxSubscriptions {
		return nil, &lusha.SubscriptionError{Code: lusha.SubscriptionForbidden,
			Message: "Maximum subscriptions limit reached for your account"}
	}
	if acct.secret == "" {
		// INFERENCE: deliveries need the account secret, so the first subscription
		// creates one; GET /api/account/secret then shows it.
		acct.secret = newSecret()
	}
	now := s.opts.Now().UTC()
	acct.subSeq++
	sub := &subscription{seq: acct.subSeq, Subscription: lusha.Subscription{ID: randomHex(12), EntityType: entityType,
		EntityID: it.EntityID, SignalTypes: slices.Clone(types), URL: req.Defaults.URL, Name: cmpOr(it.Name, req.Name),
		IsActive: true, CreatedAt: now, UpdatedAt: now}}
	acct.subs[sub.ID] = sub
	view := sub.Subscription
	return &view, nil
}

func cmpOr(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

func newSecret() string { return "whsec_" + randomHex(16) }

// challenge performs the URL verification of older Lusha docs: GET ?challenge=x must
// answer 200 with {"challenge":"x"}.
func (s *Server) challenge(ctx context.Context, raw string) bool {
	want := randomHex(8)
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	q := u.Query()
	q.Set("challenge", want)
	u.RawQuery = q.Encode()
	ctx, cancel := context.WithTimeout(ctx, s.opts.Webhooks.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return false
	}
	resp, err := s.opts.Webhooks.Client.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	var got struct {
		Challenge string `json:"challenge"`
	}
	err = json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&got)
	return err == nil && resp.StatusCode == http.StatusOK && got.Challenge == want
}

// listParams reads limit and offset, answering 400 when they are out of range.
func (s *Server) listParams(w http.ResponseWriter, r *http.Request, defLimit int) (limit, offset int, ok bool) {
	var p problems
	limit = p.queryInt(r, "limit", defLimit, 1, lusha.MaxListLimit)
	offset = p.queryInt(r, "offset", 0, 0, 1<<31-1)
	return limit, offset, !s.reject(w, p)
}

func (s *Server) handleListSubscriptions(w http.ResponseWriter, r *http.Request) {
	limit, offset, ok := s.listParams(w, r, 10)
	if !ok {
		return
	}
	acct := accountOf(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	subs := acct.sortedSubs()
	slices.SortStableFunc(subs, func(a, b *subscription) int { // newest first
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return b.seq - a.seq
	})
	page := window2(subs, offset, limit)
	data := make([]lusha.Subscription, 0, len(page))
	for _, sub := range page {
		data = append(data, sub.Subscription)
	}
	writeJSON(w, http.StatusOK, lusha.SubscriptionList{Data: data, Pagination: lusha.ListPage{Total: len(subs),
		Limit: limit, Offset: offset, HasMore: offset+len(page) < len(subs)}})
}

// window2 is the [offset, offset+limit) slice of items.
func window2[T any](items []T, offset, limit int) []T {
	if offset >= len(items) {
		return nil
	}
	return items[offset:min(len(items), offset+limit)]
}

// findSubscription resolves {id} for this account: 404 when no account has it, 403
// (when forbidden is true) when another account does. Callers hold mu.
func (s *Server) findSubscription(w http.ResponseWriter, r *http.Request, forbidden bool) *subscription {
	id := r.PathValue("id")
	if sub := accountOf(r).subs[id]; sub != nil {
		return sub
	}
	for _, other := range s.accounts {
		if other.subs[id] != nil && forbidden {
			s.writeError(w, nil, http.StatusForbidden, "Subscription does not belong to your account")
			return nil
		}
	}
	s.writeError(w, nil, http.StatusNotFound, fmt.Sprintf("Subscription with id '%s' not found", id))
	return nil
}

func (s *Server) handleGetSubscription(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sub := s.findSubscription(w, r, false); sub != nil {
		writeJSON(w, http.StatusOK, sub.Subscription)
	}
}

func (s *Server) handleUpdateSubscription(w http.ResponseWriter, r *http.Request) {
	var req lusha.UpdateSubscriptionRequest
	if !s.decode(w, r, &req) {
		return
	}
	var p problems
	if req.URL != "" {
		checkWebhookURL(&p, "url", req.URL)
	}
	p.maxLen("name", req.Name, 100)
	if s.reject(w, p) {
		return
	}
	if req.URL != "" && s.opts.Webhooks.VerifyURL && !s.challenge(r.Context(), req.URL) {
		s.writeError(w, []string{"url did not answer the verification challenge"}, http.StatusBadRequest, "")
		return
	}
	acct := accountOf(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	sub := s.findSubscription(w, r, false)
	if sub == nil {
		return
	}
	for _, t := range req.SignalTypes {
		if !slices.Contains(signalTypesOf(sub.EntityType), t) && !(sub.optOut && t == "optOut") {
			p.add("signal type '%s' is not valid for entity type '%s'", t, sub.EntityType)
		}
	}
	if s.reject(w, p) {
		return
	}
	s.applyUpdate(acct, sub, req)
	writeJSON(w, http.StatusOK, sub.Subscription)
	sub.Secret = "" // shown once, in this answer only
}

// applyUpdate changes sub as PATCH says; reactivation clears the block. Callers hold mu.
func (s *Server) applyUpdate(acct *account, sub *subscription, req lusha.UpdateSubscriptionRequest) {
	if req.SignalTypes != nil {
		sub.SignalTypes = slices.Clone(req.SignalTypes)
	}
	if req.URL != "" {
		sub.URL = req.URL
	}
	if req.Name != "" {
		sub.Name = req.Name
	}
	if req.IsActive != nil {
		sub.IsActive = *req.IsActive
		if sub.IsActive {
			sub.BlockReason, sub.BlockedAt = nil, nil
		}
	}
	if req.RegenerateSecret {
		acct.secret = newSecret()
		sub.Secret = lusha.Secret(acct.secret)
	}
	sub.UpdatedAt = s.opts.Now().UTC()
}

func (s *Server) handleDeleteSubscriptions(w http.ResponseWriter, r *http.Request) {
	var req struct {
		IDs []string `json:"ids"`
	}
	if !s.decode(w, r, &req) {
		return
	}
	var p problems
	p.size("ids", len(req.IDs), 1, lusha.MaxSubscriptionBatch)
	if s.reject(w, p) {
		return
	}
	acct := accountOf(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := dedupe(slices.Clone(req.IDs)) // Lusha de-duplicates repeated ids
	out := lusha.DeleteSubscriptionsResponse{Total: len(ids), Results: []lusha.DeleteSubscriptionResult{}}
	for i, id := range ids {
		res := lusha.DeleteSubscriptionResult{Index: i}
		if sub := acct.subs[id]; sub != nil {
			delete(acct.subs, id)
			res.Success = true
			res.Subscription = &lusha.SubscriptionRef{ID: sub.ID, EntityType: sub.EntityType, EntityID: sub.EntityID, Name: sub.Name}
			out.Successful++
		} else {
			res.Error = &lusha.SubscriptionError{Code: lusha.SubscriptionNotFound,
				Message: fmt.Sprintf("Subscription with id '%s' not found", id)}
			if s.ownedElsewhere(acct, id) {
				res.Error = &lusha.SubscriptionError{Code: lusha.SubscriptionForbidden,
					Message: "Subscription does not belong to your account"}
			}
			out.Failed++
		}
		out.Results = append(out.Results, res)
	}
	writeJSON(w, http.StatusOK, out)
}

func dedupe(ids []string) []string {
	seen := map[string]bool{}
	out := ids[:0]
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

func (s *Server) ownedElsewhere(acct *account, id string) bool {
	for _, other := range s.accounts {
		if other != acct && other.subs[id] != nil {
			return true
		}
	}
	return false
}

func (s *Server) handleCreateOptOut(w http.ResponseWriter, r *http.Request) {
	var req lusha.CreateOptOutSubscriptionRequest
	if !s.decode(w, r, &req) {
		return
	}
	var p problems
	p.enum("entityType", req.EntityType, []string{lusha.EntityContact})
	if req.EntityType == "" {
		p.add("entityType must be one of the following values: contact")
	}
	checkWebhookURL(&p, "url", req.URL)
	p.maxLen("name", req.Name, 100)
	if s.reject(w, p) {
		return
	}
	acct := accountOf(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sub := range acct.subs {
		if sub.optOut {
			s.writeError(w, nil, http.StatusForbidden, "An opt-out subscription already exists for this account")
			return
		}
	}
	if acct.secret == "" {
		acct.secret = newSecret()
	}
	now := s.opts.Now().UTC()
	acct.subSeq++
	sub := &subscription{seq: acct.subSeq, optOut: true, Subscription: lusha.Subscription{ID: randomHex(12),
		EntityType: lusha.EntityContact, EntityID: acct.id, SignalTypes: []string{"optOut"}, URL: req.URL,
		Name: req.Name, IsActive: true, CreatedAt: now, UpdatedAt: now}}
	acct.subs[sub.ID] = sub
	writeJSON(w, http.StatusCreated, sub.Subscription)
}

func (s *Server) handleGetSecret(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	secret := accountOf(r).secret
	if secret == "" {
		s.writeError(w, nil, http.StatusNotFound, "Account secret not found. Please generate one first.")
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"secret": secret})
}

func (s *Server) handleRegenerateSecret(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	acct := accountOf(r)
	acct.secret = newSecret()
	writeJSON(w, http.StatusOK, map[string]string{"secret": acct.secret})
}

func (s *Server) handleAuditLogs(w http.ResponseWriter, r *http.Request) {
	limit, offset, ok := s.listParams(w, r, 50)
	if !ok {
		return
	}
	status := r.URL.Query().Get("status")
	var p problems
	p.enum("status", status, []string{lusha.DeliverySuccess, lusha.DeliveryFailed, lusha.DeliveryPermanentFailure})
	if s.reject(w, p) {
		return
	}
	subID := r.URL.Query().Get("subscriptionId")
	s.mu.Lock()
	defer s.mu.Unlock()
	var match []lusha.AuditLogEntry
	logs := accountOf(r).auditLogs
	for i := len(logs) - 1; i >= 0; i-- { // newest first
		e := logs[i]
		if (subID == "" || e.SubscriptionID == subID) && (status == "" || e.Status == status) {
			match = append(match, e)
		}
	}
	page := window2(match, offset, limit)
	if page == nil {
		page = []lusha.AuditLogEntry{}
	}
	writeJSON(w, http.StatusOK, lusha.AuditLogs{Data: page, Pagination: lusha.ListPage{Total: len(match),
		Limit: limit, Offset: offset, HasMore: offset+len(page) < len(match)}})
}

func (s *Server) handleAuditLogStats(w http.ResponseWriter, r *http.Request) {
	subID := r.URL.Query().Get("subscriptionId")
	s.mu.Lock()
	defer s.mu.Unlock()
	var st lusha.AuditLogStats
	for _, e := range accountOf(r).auditLogs {
		if subID != "" && e.SubscriptionID != subID {
			continue
		}
		st.Total++
		if e.Status == lusha.DeliverySuccess {
			st.Success++
		} else {
			st.Failed++
		}
	}
	rate := 0.0
	if st.Total > 0 {
		rate = 100 * float64(st.Success) / float64(st.Total)
	}
	st.SuccessRate = strconv.FormatFloat(rate, 'f', 2, 64) + "%"
	writeJSON(w, http.StatusOK, st)
}

func (s *Server) handleTestSubscription(w http.ResponseWriter, r *http.Request) {
	mode := cmpOr(r.URL.Query().Get("mode"), lusha.TestModeFull)
	var p problems
	p.enum("mode", mode, []string{lusha.TestModeDirect, lusha.TestModeKafka, lusha.TestModeFull})
	if s.reject(w, p) {
		return
	}
	s.mu.Lock()
	sub := s.findSubscription(w, r, true)
	if sub == nil {
		s.mu.Unlock()
		return
	}
	view, secret := sub.Subscription, accountOf(r).secret
	s.mu.Unlock()

	kind := cmpOr(view.SignalTypes...)
	now := s.opts.Now().UTC()
	payload := lusha.WebhookPayload{ID: newRequestID(), Type: kind, EntityType: view.EntityType, EntityID: view.EntityID,
		SubscriptionID: view.ID, Data: json.RawMessage(`{}`), Timestamp: now.Format(isoMillis)}
	out := lusha.SubscriptionTest{SubscriptionID: view.ID, SubscriptionName: view.Name, URL: view.URL, Mode: mode,
		TestPayload: &lusha.TestPayload{EntityType: view.EntityType, SignalType: kind, Data: payload.Data},
		IsSuccess:   true, Timestamp: now}
	if mode != lusha.TestModeKafka { // kafka checks Lusha's own fan-out only
		// Test deliveries are free, single attempts, and not audited.
		status, took, err := s.post(view.URL, secret, mustJSON(payload))
		ok := err == nil && status/100 == 2
		out.FlowCheck = &lusha.FlowCheck{Success: ok, StatusCode: status, DurationMs: took.Milliseconds()}
		out.IsSuccess = ok
	}
	writeJSON(w, http.StatusOK, out)
}
