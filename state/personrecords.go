package state

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// PersonRecord is one CRM record of a person: from the ledger (Object set, Owned
// the values leadsync wrote that it still owns, as OwnedBy proves them) or only
// from a pipeline's record states (Pipeline set, Object unknown to the store).
type PersonRecord struct {
	Account  string
	Object   string
	Pipeline string
	CRMID    string
	Owned    map[string]string
}

// PersonRecords finds the person as ForgetPerson does, without changing anything,
// and lists their CRM records: what an opt-out acts on in the CRM before the
// person is erased.
func (s *store) PersonRecords(ctx context.Context, f Forget) ([]PersonRecord, error) {
	p := person{keys: setOf(f.Keys), ids: setOf(f.CRMIDs), lushaIDs: setOf(f.LushaIDs), account: f.Account}
	if len(p.keys)+len(p.ids)+len(p.lushaIDs) == 0 {
		return nil, errors.New("state: person records: no identity key, CRM id or Lusha id")
	}
	if err := p.find(ctx, s.r); err != nil {
		return nil, fmt.Errorf("state: person records: %w", err)
	}
	out, err := s.ledgerRecords(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("state: person records: %w", err)
	}
	states, err := s.stateRecords(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("state: person records: %w", err)
	}
	return append(out, states...), nil
}

// ledgerRecords are the person's records leadsync wrote, with what it owns there.
func (s *store) ledgerRecords(ctx context.Context, p person) ([]PersonRecord, error) {
	var out []PersonRecord
	err := s.eachRow(ctx, p, `SELECT DISTINCT crm_account, crm_object, crm_id FROM ledger
		WHERE (?1 = '' OR crm_account = ?1) AND crm_id IN`, func(scan func(...any) error) error {
		var r PersonRecord
		if err := scan(&r.Account, &r.Object, &r.CRMID); err != nil {
			return err
		}
		out = append(out, r)
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i, r := range out {
		owned, err := s.OwnedBy(ctx, r.Account, r.Object, []string{r.CRMID})
		if err != nil {
			return nil, err
		}
		out[i].Owned = owned[r.CRMID]
	}
	slices.SortFunc(out, cmpRecord)
	return out, nil
}

// stateRecords are the person's records in pipelines' record states.
func (s *store) stateRecords(ctx context.Context, p person) ([]PersonRecord, error) {
	var out []PersonRecord
	err := s.eachRow(ctx, p, `SELECT pipeline, crm_account, crm_id FROM records
		WHERE (?1 = '' OR crm_account = ?1) AND crm_id IN`, func(scan func(...any) error) error {
		var r PersonRecord
		if err := scan(&r.Pipeline, &r.Account, &r.CRMID); err != nil {
			return err
		}
		out = append(out, r)
		return nil
	})
	slices.SortFunc(out, cmpRecord)
	return out, err
}

func cmpRecord(a, b PersonRecord) int {
	return cmp.Or(strings.Compare(a.Account, b.Account), strings.Compare(a.Object, b.Object),
		strings.Compare(a.Pipeline, b.Pipeline), strings.Compare(a.CRMID, b.CRMID))
}

// eachRow runs query (its ?1 the person's CRM account, ending with an IN list) over
// the person's CRM ids.
func (s *store) eachRow(ctx context.Context, p person, query string, row func(scan func(...any) error) error) error {
	return inChunks(p.ids.list(), func(chunk []string) error {
		rows, err := s.r.QueryContext(ctx, query+" ("+marks(len(chunk))+")", append([]any{p.account}, anys(chunk)...)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			if err := row(rows.Scan); err != nil {
				return err
			}
		}
		return rows.Err()
	})
}
