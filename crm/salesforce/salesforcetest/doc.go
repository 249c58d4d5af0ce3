// Package salesforcetest is a stateful fake of the Salesforce REST API for one org: OAuth
// token endpoint, SOQL query paging, sObject Collections updates and creates, describe
// and limits. It holds Leads, Contacts and Accounts; a Contact's AccountId is a lookup
// the save checks, and Website is an Account's only domain.
//
// It is a real HTTP server, usable by tests and by `leadsync sandbox`. It serves the
// documented paths, status codes, headers and error arrays, validates writes as an org
// would (restricted picklists, lengths, email syntax, read-only fields), counts calls
// against a daily limit and can inject failures (chaos).
package salesforcetest
