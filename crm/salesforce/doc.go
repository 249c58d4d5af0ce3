// Package salesforce is the Salesforce REST API adapter: it reads changed records with
// SOQL in (SystemModstamp, Id) order, writes patches through sObject Collections and
// turns describe into crm.Schema, classifying every HTTP outcome once into a crm.Class.
// Leads, Contacts and Accounts go through the same reads and writes; as crm.Companies
// it finds a Contact's Account (AccountId), finds Accounts by their Website's domain,
// and creates and links Accounts.
//
// It authenticates with the OAuth 2.0 JWT bearer, client credentials or refresh token
// grant and renews an expired session once per call; a refresh token that rotation
// replaces is kept in a TokenStore. Otherwise it never retries and never logs: the
// connector owns both. Writes send each value as the JSON type its describe type
// takes. Its fake lives in salesforcetest.
package salesforce
