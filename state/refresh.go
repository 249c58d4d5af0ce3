package state

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// Due is a record whose last enrichment is older than a refresh's cutoff: its
// Lusha person, and the data points the account owns of them as far as the state
// still knows. Lusha charges a data point once, when it is revealed with a value:
// one asked for when the person had none (phones: []) is not owned, and costs
// when a value appears. Owned are those the cached answer revealed with a value,
// and those the ledger shows a field was written from (contact.phones…).
type Due struct {
	CRMID    string
	LushaID  string
	Revealed []string
}

// dueSQL finds a pipeline's done records that nothing touched since the cutoff and
// whose identity has no answer fetched since: a record a run handled (a human
// edit, a signal, a refresh) is stamped then, and an answer bought then is fresh.
// The Lusha id comes from the cached answer, else from the latest ledger row that
// names one (the ledger keeps the last write of each field; answers expire); a
// record with neither (nothing was ever written from Lusha) is not due.
var dueSQL = `SELECT crm_id, lusha_id, revealed, answer, wrote_emails, wrote_phones FROM (
	SELECT r.crm_id, r.updated_at,
		COALESCE(NULLIF(e.lusha_id, ''), (SELECT l.lusha_id FROM ledger l
			WHERE l.pipeline = r.pipeline AND l.crm_account = r.crm_account AND l.crm_id = r.crm_id
			AND l.lusha_id <> '' AND l.erased_at IS NULL AND l.pending = 0
			ORDER BY l.written_at DESC LIMIT 1), '') AS lusha_id,
		COALESCE(e.revealed, '[]') AS revealed, e.answer,
		` + wroteFrom("contact.emails") + ` AS wrote_emails,
		` + wroteFrom("contact.phones") + ` AS wrote_phones
	FROM records r LEFT JOIN enrichments e ON e.key = r.identity_key AND e.outcome = 'matched'
	WHERE r.pipeline = ? AND r.crm_account = ? AND r.status = 'done' AND r.updated_at < ?
		AND (e.key IS NULL OR e.fetched_at < ?)
) due WHERE lusha_id <> '' ORDER BY updated_at, crm_id LIMIT ?`

// wroteFrom is 1 when the record's ledger holds a value read from under path.
func wroteFrom(path string) string {
	return `CASE WHEN EXISTS (SELECT 1 FROM ledger l WHERE l.crm_id = r.crm_id AND l.pipeline = r.pipeline
		AND l.crm_account = r.crm_account AND l.erased_at IS NULL AND l.source_path LIKE '` + path + `%') THEN 1 ELSE 0 END`
}

// RefreshDue lists, oldest first, at most limit records of a pipeline's CRM
// account that are due for a refresh: last handled before before, with no answer
// fetched since.
func (s *store) RefreshDue(ctx context.Context, pipeline, account string, before time.Time, limit int) ([]Due, error) {
	rows, err := s.r.QueryContext(ctx, dueSQL, pipeline, account, toMS(before), toMS(before), limit)
	if err != nil {
		return nil, fmt.Errorf("state: records due for refresh: %w", err)
	}
	defer rows.Close()
	var out []Due
	for rows.Next() {
		var d Due
		var revealed string
		var answer []byte
		var emails, phones int
		if err := rows.Scan(&d.CRMID, &d.LushaID, &revealed, &answer, &emails, &phones); err != nil {
			return nil, fmt.Errorf("state: records due for refresh: %w", err)
		}
		var asked []string
		if err := json.Unmarshal([]byte(revealed), &asked); err != nil {
			return nil, fmt.Errorf("state: records due for refresh: revealed of %s: %w", d.CRMID, err)
		}
		if d.Revealed, err = owned(asked, answer); err != nil {
			return nil, fmt.Errorf("state: records due for refresh: answer of %s: %w", d.CRMID, err)
		}
		for dp, wrote := range map[string]int{"emails": emails, "phones": phones} {
			if wrote == 1 && !slices.Contains(d.Revealed, dp) {
				d.Revealed = append(d.Revealed, dp)
			}
		}
		slices.Sort(d.Revealed)
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("state: records due for refresh: %w", err)
	}
	return out, nil
}

// owned lists the data points of revealed that the answer holds a value of.
func owned(revealed []string, answer []byte) ([]string, error) {
	if len(revealed) == 0 || len(answer) == 0 {
		return nil, nil
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(answer, &doc); err != nil {
		return nil, err
	}
	return slices.DeleteFunc(slices.Clone(revealed), func(dp string) bool {
		var values []json.RawMessage
		return json.Unmarshal(doc[dp], &values) != nil || len(values) == 0
	}), nil
}

// Owned lists the data points the answer revealed with a value: what the account
// owns of the person, free to reveal again (an undecodable answer owns nothing).
func (e *Enrichment) Owned() []string {
	dps, _ := owned(e.Revealed, e.Answer)
	return dps
}

// CreditsSpentOn sums the credits spent at or after since on the calls whose name
// ends in suffix (e.g. " (refresh)"), by every pipeline.
func (s *store) CreditsSpentOn(ctx context.Context, suffix string, since time.Time) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT COALESCE(SUM(credits), 0) FROM spend
		WHERE spent_at >= ? AND call LIKE ?`, toMS(since), "%"+suffix).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("state: credits spent on %q: %w", suffix, err)
	}
	return n, nil
}
