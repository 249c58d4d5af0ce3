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

// Forget names one person to erase: by identity keys, by CRM ids, by Lusha person
// ids, or any of them.
type Forget struct {
	Keys     []string
	CRMIDs   []string
	LushaIDs []string  // Lusha person ids (an opt-out names the person by theirs)
	Account  string    // CRM account of CRMIDs; "" = any account
	At       time.Time // when, for the suppressions and erased_at; zero is now
	// Settles, when non-zero, is the inbox delivery (an opt-out) this erasure
	// applies: it is settled as InboxApplied in the same transaction, and an
	// erasure whose delivery was settled before returns ErrSettled, unapplied.
	Settles int64
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
// linked to the keys, CRM ids and Lusha ids given (and the CRM ids of ledger rows
// carrying those Lusha ids): the identity keys of their records, the
// records planned under those keys, the Lusha person ids of their cached answers
// and ledger rows, and every identity key whose cached answer is one of those Lusha
// persons (company answers aside: they are not a person). It deletes those cached
// answers and record states, erases the values and the Lusha id of those ledger
// rows (keeping, with erased_at, the fact that leadsync wrote a field), and
// suppresses every such identity key and the Lusha person ids (LushaKey).
// CRM ids carry no CRM object, so rows of every object with those ids are erased:
// erasing too much is the safe side.
func (s *store) ForgetPerson(ctx context.Context, f Forget) (ForgetReport, error) {
	p := person{keys: setOf(f.Keys), ids: setOf(f.CRMIDs), lushaIDs: setOf(f.LushaIDs), account: f.Account}
	if len(p.keys)+len(p.ids)+len(p.lushaIDs) == 0 {
		return ForgetReport{}, errors.New("state: forget: no identity key, CRM id or Lusha id")
	}
	at := orNow(f.At, s.now)
	var rep ForgetReport
	err := s.write(ctx, func(tx *txn) error {
		if f.Settles != 0 {
			if err := settle(ctx, tx, f.Settles, InboxApplied, at); err != nil {
				return err
			}
		}
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
