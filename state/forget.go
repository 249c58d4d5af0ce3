package state

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ForgetReason is the suppression reason ForgetPerson records.
const ForgetReason = "forgotten"

// LushaKey is the suppression key of a Lusha person id: a person that was
// forgotten must not be bought again under an identity key never seen before.
func LushaKey(lushaID string) string { return "lusha:" + lushaID }

// Forget names one person to erase: by identity keys, by CRM ids, or both.
type Forget struct {
	Keys    []string
	CRMIDs  []string
	Account string    // CRM account of CRMIDs; "" = any account
	At      time.Time // when, for the suppressions and erased_at; zero is now
}

// ForgetReport counts what ForgetPerson erased.
type ForgetReport struct {
	Suppressed int // identity keys and Lusha person keys suppressed
	Answers    int // cached answers deleted
	Records    int // record states deleted
	LedgerRows int // ledger rows whose values were erased
}

// Forget erases one person known by one identity key and CRM ids.
//
// Deprecated: use ForgetPerson, which reports what it erased.
func (s *store) Forget(ctx context.Context, key string, crmIDs []string, at time.Time) error {
	if key == "" {
		return errors.New("state: forget: empty key")
	}
	_, err := s.ForgetPerson(ctx, Forget{Keys: []string{key}, CRMIDs: crmIDs, At: at})
	return err
}

// ForgetPerson erases one person in one transaction. The person is everything
// linked to the keys and CRM ids given: the identity keys of their records, the
// records planned under those keys, the Lusha person ids of their cached answers
// and ledger rows, and every identity key whose cached answer is one of those Lusha
// persons (company answers aside: they are not a person). It deletes those cached
// answers and record states, erases the values and the Lusha id of those ledger
// rows (keeping, with erased_at, the fact that leadsync wrote a field), and
// suppresses every such identity key and the Lusha person ids (LushaKey).
// CRM ids carry no CRM object, so rows of every object with those ids are erased:
// erasing too much is the safe side.
func (s *store) ForgetPerson(ctx context.Context, f Forget) (ForgetReport, error) {
	p := person{keys: setOf(f.Keys), ids: setOf(f.CRMIDs), lushaIDs: set{}, account: f.Account}
	if len(p.keys)+len(p.ids) == 0 {
		return ForgetReport{}, errors.New("state: forget: no identity key or CRM id")
	}
	at := orNow(f.At, s.now)
	var rep ForgetReport
	err := s.write(ctx, func(tx *txn) error {
		if err := p.find(ctx, tx); err != nil {
			return err
		}
		var err error
		rep, err = p.erase(ctx, tx, at)
		return err
	})
	if err != nil {
		return ForgetReport{}, fmt.Errorf("state: forget: %w", err)
	}
	return rep, s.afterErase(ctx)
}

// truncateWAL removes the old copies of erased pages: the WAL still holds them as
// they were, until they are copied back into the (secure_delete) file and the WAL
// is truncated.
func (s *SQLite) truncateWAL(ctx context.Context) error {
	busy, err := s.walCheckpoint(ctx)
	if err == nil && busy {
		err = errors.New("readers kept it busy")
	}
	if err != nil {
		return fmt.Errorf("state: forget: erased, but old copies may stay in the WAL until the next checkpoint: %w", err)
	}
	return nil
}
