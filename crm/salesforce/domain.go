package salesforce

import (
	"context"
	"maps"
	"net/url"
	"slices"
	"strings"

	"github.com/leadsync/leadsync/crm"
)

// maxDomainWhere bounds the WHERE of one CompaniesByDomain query in characters, so
// that the GET's URL stays well under the 16,384 characters Salesforce takes
// (salesforce-api.md §6.2, 414 row).
const maxDomainWhere = 6000

// maxHost is the longest DNS name: anything longer is no website's host.
const maxHost = 253

// CompaniesByDomain returns, by the caller's domain, the oldest live Account (by
// CreatedDate, then Id) whose Website's bare host is that domain: lower case, without
// scheme, port, path or a leading "www.", so "https://www.Acme.com/about" is acme.com
// and neither notacme.com nor acme.com.au is. Salesforce has no domain field, and
// SOQL no function to take a URL's host, so one query per group of domains asks for
// candidates (Website LIKE '%acme.com%' OR …, LIKE ignoring case, salesforce-api.md
// §3.8) and the exact match is made here. A leading-wildcard LIKE cannot use an
// index: on an org with millions of Accounts each query scans them all.
func (c *Client) CompaniesByDomain(ctx context.Context, domains, fields []string) (map[string]crm.Record, error) {
	op := "find " + accountObject + " by domain"
	if msg := checkNames(accountObject, crm.ChangesRequest{Fields: fields}); msg != "" {
		return nil, &crm.Error{Service: service, Op: op, Class: crm.ClassInvalid, Message: msg}
	}
	spellings := map[string][]string{} // bare host → the caller's spellings
	for _, d := range domains {
		if h := bareHost(d); h != "" && len(h) <= maxHost {
			spellings[h] = append(spellings[h], d)
		}
	}
	read := append([]string{"Website"}, fields...)
	out := map[string]crm.Record{}
	for _, where := range likeGroups(slices.Sorted(maps.Keys(spellings))) {
		soql := "SELECT " + strings.Join(selectList(read), ", ") + " FROM " + accountObject + " WHERE " + where +
			" ORDER BY CreatedDate ASC, Id ASC"
		recs, err := c.query(ctx, op, soql, read)
		if err != nil {
			return nil, err
		}
		for _, r := range recs { // oldest first: the first match of a domain wins
			for _, d := range spellings[bareHost(r.Fields["Website"])] {
				if _, ok := out[d]; !ok {
					out[d] = withFields(r, fields)
				}
			}
		}
	}
	return out, nil
}

// bareHost is a website's or a domain's host, lower case, without a leading "www."
// or a trailing dot; "" when there is none.
func bareHost(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return ""
	}
	if !strings.Contains(s, "://") {
		s = "http://" + strings.TrimPrefix(s, "//")
	}
	u, err := url.Parse(s)
	if err != nil {
		return ""
	}
	return strings.TrimPrefix(strings.TrimSuffix(u.Hostname(), "."), "www.")
}

// likeGroups ORs a LIKE term per host into WHERE clauses of at most maxDomainWhere
// characters.
func likeGroups(hosts []string) []string {
	var out []string
	var b strings.Builder
	for _, h := range hosts {
		term := "Website LIKE " + likeContains(h)
		if b.Len() > 0 && b.Len()+len(" OR ")+len(term) > maxDomainWhere {
			out = append(out, b.String())
			b.Reset()
		}
		if b.Len() > 0 {
			b.WriteString(" OR ")
		}
		b.WriteString(term)
	}
	if b.Len() > 0 {
		out = append(out, b.String())
	}
	return out
}

// likeContains is the LIKE pattern '%s%' with s taken literally: quoted, and its %
// and _ escaped (salesforce-api.md §3.8 lists \% and \_ among the escapes).
func likeContains(s string) string {
	q := quote(s)
	return "'%" + strings.NewReplacer("%", `\%`, "_", `\_`).Replace(q[1:len(q)-1]) + "%'"
}

// withFields is a record with only the fields asked for.
func withFields(r crm.Record, fields []string) crm.Record {
	values := make(map[string]string, len(fields))
	for _, f := range fields {
		values[f] = r.Fields[f]
	}
	r.Fields = values
	return r
}
