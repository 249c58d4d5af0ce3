// Package hubspottest is a stateful fake of HubSpot's CRM v3 contacts and properties
// APIs: a real HTTP server, usable by tests and by `leadsync sandbox`.
//
// It serves the documented paths, status codes, headers, error bodies and limits
// (search lag, 10,000-result cap, 5 searches a second, rolling 10-second and daily
// quotas) so that the adapter meets the same behaviour offline as online.
package hubspottest
