package salesforce

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/leadsync/leadsync/crm"
)

var _ crm.Companies = (*Client)(nil)

// accountObject is where Salesforce keeps companies. A Contact belongs to one through
// its AccountId lookup; a Lead keeps its company in its own fields (Company, Website,
// Industry …) until a conversion makes an Account of them (salesforce-api.md §5.5).
const accountObject = "Account"

// CompanyObject is "Account".
func (c *Client) CompanyObject() string { return accountObject }

// CompaniesOf returns, by the caller's person id, the Account of each Contact with
// the requested Account fields: one query per 200 contacts
// (SELECT Id, SystemModstamp, AccountId FROM Contact WHERE Id IN …), then the
// Accounts through Get (one query per 200 accounts). Contacts without an account,
// deleted or unknown, are absent. For "Lead" it answers an empty map without a call:
// a Lead has no account until it is converted, and its own fields say its company.
func (c *Client) CompaniesOf(ctx context.Context, personObject string, ids, fields []string) (map[string]crm.Record, error) {
	op := "read accounts of " + personObject
	out := map[string]crm.Record{}
	if strings.EqualFold(personObject, "Lead") {
		return out, nil
	}
	if err := checkPeople(op, personObject, ids); err != nil {
		return nil, err
	}
	accountOf := map[string]string{} // canonical contact id → account id
	for chunk := range slices.Chunk(ids, getChunk) {
		in, err := idIn(op, chunk)
		if err != nil {
			return nil, err
		}
		recs, err := c.query(ctx, op, "SELECT Id, SystemModstamp, AccountId FROM Contact WHERE "+in, []string{"AccountId"})
		if err != nil {
			return nil, err
		}
		for _, r := range recs {
			if a := r.Fields["AccountId"]; idSyntax.MatchString(a) && idSyntax.MatchString(r.ID) {
				accountOf[canonicalID(r.ID)] = canonicalID(a)
			}
		}
	}
	accounts, err := c.liveByID(ctx, accountObject, slices.Compact(slices.Sorted(maps.Values(accountOf))), fields)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		if rec, ok := accounts[accountOf[canonicalID(id)]]; ok {
			out[id] = rec
		}
	}
	return out, nil
}

// liveByID reads records by id through Get and indexes those not deleted by their
// canonical id.
func (c *Client) liveByID(ctx context.Context, object string, ids, fields []string) (map[string]crm.Record, error) {
	recs, err := c.Get(ctx, object, ids, fields)
	if err != nil {
		return nil, err
	}
	out := make(map[string]crm.Record, len(recs))
	for _, r := range recs {
		if !r.Deleted && idSyntax.MatchString(r.ID) {
			out[canonicalID(r.ID)] = r
		}
	}
	return out, nil
}

// CreateCompany creates one Account with fields through sObject Collections
// (POST /composite/sobjects, Sforce-Auto-Assign: FALSE as every write sends) and links
// the contacts in people to it (LinkCompany). Values go as their describe types, as
// Write sends them; empty values are left out. A refused create is classified as a
// Write's record is: refused fields are named (without their values), a lock is
// rate_limited. When the Account was created but linking failed, its id comes back
// with the error: the Account exists, and CompaniesByDomain finds it.
//
// It costs one call for the create and one per 200 contacts, plus a describe of
// Account and of Contact when the client has none cached. Callers make sure that no
// duplicate is created: the org's own duplicate rules are not asked.
func (c *Client) CreateCompany(ctx context.Context, personObject string, fields map[string]string, people []string) (string, error) {
	op := "create " + accountObject
	if len(people) > 0 {
		if err := checkPeople(op, personObject, people); err != nil {
			return "", err
		}
	}
	if msg := checkNames(accountObject, crm.ChangesRequest{Fields: slices.Sorted(maps.Keys(fields))}); msg != "" {
		return "", &crm.Error{Service: service, Op: op, Class: crm.ClassInvalid, Message: msg}
	}
	w := newWrite(op, accountObject, []crm.Patch{{Fields: fields}})
	w.encode(c.fieldTypes(ctx, accountObject))
	if len(w.results[0].FieldErrors) > 0 {
		w.finish()
		return "", w.results[0].Err
	}
	rec := map[string]any{"attributes": map[string]string{"type": accountObject}}
	for k, v := range w.body[0] {
		if v != nil { // a new record has nothing to clear
			rec[k] = v
		}
	}
	var out []saveResult
	if err := c.call(ctx, request{op: op, method: http.MethodPost, path: c.dataPath("/composite/sobjects"),
		header: http.Header{"Sforce-Auto-Assign": {"FALSE"}}, in: collectionRequest{Records: []map[string]any{rec}},
		out: &out}); err != nil {
		return "", err
	}
	switch {
	case len(out) != 1:
		return "", &crm.Error{Service: service, Op: op, Class: crm.ClassUnavailable, Sent: true,
			Message: fmt.Sprintf("Salesforce answered %d results for one record", len(out))}
	case !out[0].Success:
		w.file(0, out[0].Errors)
		w.finish()
		return "", w.results[0].Err
	case !idSyntax.MatchString(out[0].ID):
		return "", &crm.Error{Service: service, Op: op, Class: crm.ClassUnavailable, Sent: true,
			Message: "Salesforce created the account without answering a valid id"}
	}
	id := out[0].ID
	return id, c.LinkCompany(ctx, personObject, id, people)
}

// LinkCompany sets the AccountId of the contacts in people to companyID, 200 a call,
// through the update Write uses but without its read-back. A Lead cannot be linked:
// it joins an Account only by conversion. When contacts are refused (deleted, or the
// account gone), the error counts them and carries the class of the first refusal.
func (c *Client) LinkCompany(ctx context.Context, personObject, companyID string, people []string) error {
	op := "link " + personObject + " to " + accountObject
	if len(people) == 0 {
		return nil
	}
	if err := checkPeople(op, personObject, people); err != nil {
		return err
	}
	if !idSyntax.MatchString(companyID) {
		return &crm.Error{Service: service, Op: op, Class: crm.ClassInvalid, Message: "bad account id " + quote(companyID)}
	}
	people = uniqueIDs(people)
	var refused []crm.WriteResult
	for chunk := range slices.Chunk(people, batchSize) {
		patches := make([]crm.Patch, len(chunk))
		for i, id := range chunk {
			patches[i] = crm.Patch{RecordID: id, Fields: map[string]string{"AccountId": companyID}}
		}
		results, err := c.update(ctx, "Contact", patches, false)
		if err != nil {
			return err
		}
		for _, r := range results {
			if r.Err != nil {
				refused = append(refused, r)
			}
		}
	}
	if len(refused) == 0 {
		return nil
	}
	first := refused[0]
	return &crm.Error{Service: service, Op: op, Class: crm.ClassOf(first.Err), RetryAfter: crm.RetryAfter(first.Err), Err: first.Err,
		Message: fmt.Sprintf("%d of %d contacts not linked to %s, the first %s", len(refused), len(people), companyID, first.RecordID)}
}

// checkPeople refuses person records that cannot have an account (anything but
// Contact) and ids that are not record ids, before anything is sent.
func checkPeople(op, personObject string, ids []string) error {
	fail := func(msg string) error {
		return &crm.Error{Service: service, Op: op, Class: crm.ClassInvalid, Message: msg}
	}
	switch {
	case strings.EqualFold(personObject, "Lead"):
		return fail("a Lead has no account until it is converted")
	case !strings.EqualFold(personObject, "Contact"):
		return fail("no account lookup on " + quote(personObject))
	}
	for _, id := range ids {
		if !idSyntax.MatchString(id) {
			return fail("bad record id " + quote(id))
		}
	}
	return nil
}

// uniqueIDs drops repeated ids, however spelled, keeping the first spelling.
func uniqueIDs(ids []string) []string {
	seen := make(map[string]bool, len(ids))
	var out []string
	for _, id := range ids {
		if k := canonicalID(id); !seen[k] {
			seen[k] = true
			out = append(out, id)
		}
	}
	return out
}
