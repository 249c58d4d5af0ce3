package run

import (
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"slices"
	"strings"

	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/state"
)

// digestOf fingerprints a record's read fields, leaving out the ones leadsync wrote
// (the CRM may store those in its own format): "<written fields>|<hash of the rest>".
// Salesforce stamps have second precision, so a human change in the same second as
// leadsync's write has the same stamp; the digest tells it from leadsync's own echo.
func digestOf(fields map[string]string, written map[string]string) string {
	skip := slices.Sorted(maps.Keys(written))
	return strings.Join(skip, ",") + "|" + hashExcept(fields, skip)
}

func hashExcept(fields map[string]string, skip []string) string {
	h := sha256.New()
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		if slices.Contains(skip, k) {
			continue
		}
		h.Write([]byte(k))
		h.Write([]byte{0})
		h.Write([]byte(strings.TrimSpace(fields[k])))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
}

// sameDigest reports whether fields read now match a stored digest ("" matches
// anything: a state written before digests, or by a read-back that saw few fields).
func sameDigest(stored string, fields map[string]string) bool {
	if stored == "" {
		return true
	}
	skipped, sum, ok := strings.Cut(stored, "|")
	if !ok {
		return false
	}
	var skip []string
	if skipped != "" {
		skip = strings.Split(skipped, ",")
	}
	return hashExcept(fields, skip) == sum
}

// handled reports whether this version of the record was already handled: the read's
// look-back overlap and leadsync's own writes hand it out again (DESIGN §10).
func handled(prev state.RecordState, known bool, rec crm.Record) bool {
	return known && prev.Status != state.StatusPending && prev.Status != state.StatusUnknown &&
		prev.SeenModifiedAt.Equal(rec.ModifiedAt) && sameDigest(prev.SeenDigest, rec.Fields)
}
