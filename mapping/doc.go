// Package mapping is leadsync's declarative mapping language: it turns a Lusha contact
// and company answer into CRM field values, and decides per field whether it may be written.
//
// A mapping file (YAML) is parsed once with Parse or Load, which reports every problem at
// once with its file:line:col and validates answer paths against a Schema (see SchemaOf).
// The compiled Mapping then answers three questions, all pure and deterministic:
//
//   - Identity: who is this CRM record, for Lusha search and for the credit cache key;
//   - Needs: which fields could still be written, and which answer paths they read, so
//     the connector reveals (and pays for) only what will be used;
//   - Apply: the patch to write and one Decision per mapped field.
//
// # File format
//
//	object: contacts                  # required: the CRM object the mapping writes
//	default_region: US                # region for e164 numbers without country code (default US)
//	match:                            # identity, read from CRM fields
//	  email: email                    # email | linkedinUrl | firstName | lastName |
//	  companyDomain: { from: website, transform: domain }  # companyName | companyDomain
//	fields:                           # CRM field → spec
//	  jobtitle: { from: contact.jobTitle.title }
//	  mobilephone:
//	    from: "contact.phones[type=mobile].number"
//	    transform: e164               # a name or a list, applied in order
//	    skip_if: "contact.phones[type=mobile].doNotCall"
//	  seniority_level:
//	    from: contact.jobTitle.seniority
//	    map: { C-Level: executive, Director: director }
//	    default: other                # when the value is not in map (needs map)
//	  lusha_enriched_at: { value: $now, policy: overwrite }
//
// A field has exactly one of from (an answer path) or value (a constant; "$now" is the
// run's time as RFC 3339 UTC with milliseconds, "$run_id" the run id, and a leading "$$"
// stands for a literal "$"). Optional keys: transform, map, default, when, skip_if, policy.
//
// # Company mappings
//
// A mapping whose object holds company records (CompanyObjects: HubSpot's companies,
// Salesforce's Account) is a company mapping. Its match names only companyDomain and
// companyName (Lusha's company search takes a domain or a name, not a LinkedIn URL),
// and every path it reads starts with "company.":
//
//	object: companies
//	match: { companyDomain: { from: domain, transform: domain }, companyName: name }
//	fields:
//	  industry: { from: company.industry }
//
// CompanyIdentity and its Key identify the company for the search and the credit cache;
// Key documents its stable format.
//
// # Signals
//
// signals: says what acting on a Lusha signal writes, per signal type: a people
// mapping names companyChange and promotion, a company mapping any company signal
// type. Each entry is written like fields:, and its paths may also start at
// "signal" (the signal's data: signal.signalDate, signal.previousCompanyName …;
// a company mapping's are checked for their grammar only, as company signals'
// data has a shape per type):
//
//	signals:
//	  companyChange:
//	    job_changed_on: { from: signal.signalDate, transform: date, policy: overwrite }
//	    previous_company: { from: signal.previousCompanyName, policy: overwrite }
//
// ForSignal is the mapping acting on a signal applies: its fields and the signal's
// writes together, the signal's replacing a field of fields: of the same name
// (Input.Signal holds the signal's data); Apply ignores signals:.
//
// # Paths
//
// A path starts at "contact" or "company" and continues with ".name", "[N]" (array
// index from 0) or "[key=value]" (the first element of an array of objects whose key,
// rendered as a CRM string, equals value exactly). A path that finds nothing (missing
// key, JSON null, index out of range, no element selected) has no value.
//
// # Conditions
//
// when and skip_if take a path, true when the value there is truthy (not missing, not
// null, not false, not "", not 0, not an empty array or object), or {path: p, equals: v},
// true when the value at p renders exactly as v. when: write only when true; skip_if:
// skip when true. A skipped field gets the decision "skipped".
//
// # Transforms
//
// Transforms that take an argument write it after a colon: "truncate:80", "join:; ".
// Scalar transforms applied to an array apply to each element (dropping elements that
// end with no value); a value that is no longer there stops the chain with no_value.
//
//	name        input            result                          on bad input
//	lower       scalar           lowercase string                 object: invalid
//	upper       scalar           uppercase string                 object: invalid
//	trim        scalar           string without outer spaces      object: invalid; "" → no value
//	domain      URL, email, host bare lowercase domain, no www.   not a domain: no value
//	e164        phone number     +15551234567 (default_region)    unparseable or not valid: invalid
//	truncate:N  scalar           at most N characters (runes)     object: invalid
//	join:SEP    array of scalars elements joined by SEP           element object/array: invalid; empty: no value
//	date        date or datetime YYYY-MM-DD (datetimes in UTC)    not a known layout: invalid
//	number      number or string canonical decimal (364, 1.5)     not a decimal number: invalid
//	first       array            its first element                empty array: no value
//
// date accepts RFC 3339 (with or without fraction), "2006-01-02", "2006-01-02T15:04:05",
// "2006-01-02 15:04:05" (both taken as UTC) and Lusha's "Jan 2, 2006".
//
// # Values and policies
//
// CRM values are strings: numbers render without exponent or trailing zeros, bools as
// true/false. A value that is still an object or array after the transforms is invalid.
// map looks the rendered value up exactly; a value missing from map takes default, or is
// invalid when there is no default (an unmapped value would fail an enumeration field).
//
// Policies: fill (default) writes only into an empty field; overwrite writes whenever
// the value differs; overwrite_if_owned writes into an empty field or over the value
// leadsync wrote last (Input.Owned); never computes the value and never writes it. A
// current value equal to the new one is keep_same; no value never clears a field.
package mapping
