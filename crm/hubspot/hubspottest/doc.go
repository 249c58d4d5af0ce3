// Package hubspottest is a stateful fake of HubSpot's CRM APIs (contacts, companies,
// leads, v4 associations, properties, OAuth token endpoint): a real HTTP server,
// usable by tests and by `leadsync sandbox`.
//
// It serves the documented paths, status codes, headers, error bodies and limits
// (search lag, 10,000-result cap, 5 searches a second, rolling 10-second and daily
// quotas by tier, expiring OAuth tokens, merges into new ids, 207 batch answers) so
// that the adapter meets the same behaviour offline as online; FailNext and the
// seeded chaos switch (Options.Chaos, SetChaos) inject 423, 477, 429, 5xx and slow
// answers.
package hubspottest
