// Package hubspottest is a stateful fake of HubSpot's CRM APIs (contacts, companies,
// leads, v4 associations, properties, OAuth token endpoint): a real HTTP server,
// usable by tests and by `leadsync sandbox`.
//
// It serves the documented paths, status codes, headers, error bodies and limits
// (search lag, 10,000-result cap, 5 searches a second, rolling 10-second and daily
// quotas by tier, expiring OAuth tokens, merges into new ids, 207 batch answers,
// creates with associations, one primary company per contact, association reads
// paged per record) so that the adapter meets the same behaviour offline as online;
// FailNext and the seeded chaos switch (Options.Chaos, SetChaos) inject 423, 477,
// 429, 5xx and slow answers. Helpers such as AddCompany, Associate,
// ContactCompanies and CountCompanies let tests seed and inspect the account
// directly.
package hubspottest
