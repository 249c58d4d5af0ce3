// Package crm holds the domain types that every CRM adapter and the connector share:
// records, opaque cursors, patches, schemas, write results, and the closed set of error classes.
//
// It does no I/O: adapters live in subpackages (crm/hubspot, crm/salesforce) and implement
// Source, Sink and SchemaReader; the connector consumes those interfaces.
package crm
