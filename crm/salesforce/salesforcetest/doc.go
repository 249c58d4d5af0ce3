// Package salesforcetest is a stateful fake of the Salesforce REST API for one org: OAuth
// token endpoint, SOQL query paging, sObject Collections updates, describe and limits.
//
// It is a real HTTP server, usable by tests and by `leadsync sandbox`. It serves the
// documented paths, status codes, headers and error arrays, validates writes as an org
// would (restricted picklists, lengths, email syntax, read-only fields), counts calls
// against a daily limit and can inject failures (chaos).
package salesforcetest
