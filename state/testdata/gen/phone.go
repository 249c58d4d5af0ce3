//go:build !v1 && !v2

package main

import (
	"time"

	"github.com/leadsync/leadsync/state"
)

// phonePending is the write-ahead ledger row of record 3's phone: sent, never
// answered (schema 3 on). account is set from schema 5 on by the caller.
func phonePending(string) state.LedgerEntry {
	return state.LedgerEntry{RunID: "r1", Pipeline: "p", CRMObject: "contacts", CRMID: "3", Field: "phone",
		OldValue: "", NewValue: "+15550100", SourcePath: "contact.phoneNumbers", LushaID: "L3",
		WrittenAt: at(4 * time.Second), Pending: true}
}
