// Package crm holds the domain types that every CRM adapter and the connector share:
// records, opaque cursors, patches, schemas, write results, and the error classes of
// crm/upstream under their historical names.
//
// It does no I/O: adapters live in subpackages (crm/hubspot, crm/salesforce) and implement
// Source, Sink and SchemaReader; the connector consumes those interfaces.
package crm
