// Package connector is leadsync's engine: one run of one pipeline
// (read, plan, enrich, persist, map, write, record, advance), the cron scheduler and the daemon.
//
// It is the only package that decides how to react to a classified error (crm.Class).
package connector
