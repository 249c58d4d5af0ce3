package state

import (
	"context"
	"database/sql"
	"slices"
	"time"
)

// set is a set of keys, ids or Lusha ids; "" is never in it.
type set map[string]bool

func setOf(values []string) set {
	s := set{}
	for _, v := range values {
		if v != "" {
			s[v] = true
		}
	}
	return s
}

func (s set) list() []string {
	out := make([]string, 0, len(s))
	for v := range s {
		out = append(out, v)
	}
	slices.Sort(out)
	return out
}

// person is what ForgetPerson erases: identity keys, CRM ids (of one account, or
// of any when account is "") and Lusha person ids.
type person struct {
	keys, ids, lushaIDs set
	account             string
}

// querier reads: a write transaction (ForgetPerson) or the read pool (PersonRecords).
type querier interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

// A link finds more of a person from what is known: its query selects one column
// and ends with an IN list left for the values of from.
type link struct {
	query   string
	account bool // the query's ?1 is the CRM account
	from    set
	into    set
}

// find follows the links between keys, CRM ids and Lusha ids until nothing new
// turns up. Company answers are not a person: their keys are never followed.
func (p *person) find(ctx context.Context, tx querier) error {
	links := []link{
		{`SELECT identity_key FROM records WHERE identity_key <> ''
			AND (?1 = '' OR crm_account = ?1) AND crm_id IN`, true, p.ids, p.keys},
		{`SELECT crm_id FROM records WHERE (?1 = '' OR crm_account = ?1) AND identity_key IN`, true, p.keys, p.ids},
		{`SELECT lusha_id FROM enrichments WHERE lusha_id <> '' AND key NOT LIKE 'company:%' AND key IN`,
			false, p.keys, p.lushaIDs},
		{`SELECT lusha_id FROM ledger WHERE lusha_id <> ''
			AND (?1 = '' OR crm_account = ?1) AND crm_id IN`, true, p.ids, p.lushaIDs},
		{`SELECT key FROM enrichments WHERE key NOT LIKE 'company:%' AND lusha_id IN`, false, p.lushaIDs, p.keys},
		{`SELECT crm_id FROM ledger WHERE (?1 = '' OR crm_account = ?1) AND lusha_id IN`, true, p.lushaIDs, p.ids},
	}
	for {
		known := len(p.keys) + len(p.ids) + len(p.lushaIDs)
		for _, l := range links {
			if err := p.follow(ctx, tx, l); err != nil {
				return err
			}
		}
		if len(p.keys)+len(p.ids)+len(p.lushaIDs) == known {
			return nil
		}
	}
}

func (p *person) follow(ctx context.Context, tx querier, l link) error {
	return inChunks(l.from.list(), func(chunk []string) error {
		var args []any
		if l.account {
			args = append(args, p.account)
		}
		rows, err := tx.QueryContext(ctx, l.query+" ("+marks(len(chunk))+")", append(args, anys(chunk)...)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var v string
			if err := rows.Scan(&v); err != nil {
				return err
			}
			if v != "" {
				l.into[v] = true
			}
		}
		return rows.Err()
	})
}

// erase suppresses the person's keys and Lusha ids, deletes their cached answers
// and record states, and erases the values and Lusha ids of their ledger rows.
func (p *person) erase(ctx context.Context, tx *txn, at time.Time) (ForgetReport, error) {
	var rep ForgetReport
	suppressed := p.keys.list()
	for _, id := range p.lushaIDs.list() {
		suppressed = append(suppressed, LushaKey(id))
	}
	for _, key := range suppressed {
		if err := suppress(ctx, tx, key, ForgetReason, at); err != nil {
			return rep, err
		}
	}
	rep.Suppressed = len(suppressed)
	steps := []struct {
		n      *int
		values set
		query  string
		args   []any // before the value
	}{
		{&rep.Answers, p.keys, `DELETE FROM enrichments WHERE key = ?`, nil},
		{&rep.Records, p.ids, `DELETE FROM records WHERE (?1 = '' OR crm_account = ?1) AND crm_id = ?2`,
			[]any{p.account}},
		// Only rows not erased yet count; earlier erasures may have kept the Lusha id.
		{&rep.LedgerRows, p.ids, `UPDATE ledger SET old_value = NULL, new_value = NULL, lusha_id = '',
			erased_at = COALESCE(erased_at, ?1)
			WHERE (?2 = '' OR crm_account = ?2) AND crm_id = ?3 AND (erased_at IS NULL OR lusha_id <> '')`,
			[]any{toMS(at), p.account}},
	}
	for _, st := range steps {
		for _, v := range st.values.list() {
			res, err := tx.ExecContext(ctx, st.query, append(slices.Clone(st.args), v)...)
			if err != nil {
				return rep, err
			}
			n, err := res.RowsAffected()
			if err != nil {
				return rep, err
			}
			*st.n += int(n)
		}
	}
	return rep, nil
}
