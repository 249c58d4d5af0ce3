package salesforcetest

import (
	"fmt"
	"time"
)

// Convert converts a lead as a sales rep does once it qualifies: an Account and a
// Contact are created from it, and the lead stays a Lead row with IsConverted = true,
// Status "Closed - Converted" and the new ids (reference §7.3; Change Data Capture
// guide, "Change Events for Lead Conversion": "Converting a lead results in the
// creation of an account, a contact, and optionally an opportunity, and also a lead
// update"). From then on the lead refuses updates (see refuseUpdate).
func (s *Server) Convert(leadID string) (contactID, accountID string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	leads := s.mustObject("Lead")
	l := leads.lookup(leadID)
	if l == nil || l.deleted || l.values["IsConverted"] == "true" {
		return "", "", fmt.Errorf("no unconverted lead %s", leadID)
	}
	stamp := s.stamp()
	v := l.values
	account, err := s.create("Account", map[string]string{"Name": v["Company"], "Website": v["Website"],
		"Industry": v["Industry"], "NumberOfEmployees": v["NumberOfEmployees"]}, stamp)
	if err != nil {
		return "", "", err
	}
	contact, err := s.create("Contact", map[string]string{"AccountId": account, "FirstName": v["FirstName"],
		"LastName": v["LastName"], "Title": v["Title"], "Email": v["Email"], "Phone": v["Phone"],
		"MobilePhone": v["MobilePhone"], "LeadSource": v["LeadSource"]}, stamp)
	if err != nil {
		return "", "", err
	}
	day, _ := time.Parse(datetimeLayout, stamp)
	v["IsConverted"], v["Status"], v["ConvertedDate"] = "true", "Closed - Converted", day.Format(time.DateOnly)
	v["ConvertedAccountId"], v["ConvertedContactId"] = account, contact
	l.stampAt(stamp, s.userID)
	return contact, account, nil
}

// Merge merges losers into master, as the UI's merge does: each loser goes to the
// recycle bin with MasterRecordId set to the survivor. query no longer returns the
// losers; queryAll does, with IsDeleted = true (reference §3.6, §7.3).
func (s *Server) Merge(object, masterID string, loserIDs ...string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.mustObject(object)
	master := o.lookup(masterID)
	if master == nil || master.deleted {
		return fmt.Errorf("no %s %s", o.name, masterID)
	}
	for _, id := range loserIDs {
		r := o.lookup(id)
		if r == nil || r.deleted || r == master {
			return fmt.Errorf("no %s %s to merge", o.name, id)
		}
		r.deleted, r.deletedAt = true, s.now()
		r.values["IsDeleted"], r.values["MasterRecordId"] = "true", master.id
		s.touch(r, s.userID)
	}
	s.touch(master, s.userID)
	return nil
}

// Tx is a long transaction: a bulk import, or a save that runs heavy triggers.
// Salesforce stamps SystemModstamp when a transaction starts, and its rows become
// visible only when it commits, so a reader that read up to a later stamp meanwhile
// finds rows behind its position (reference §7.2, "Late commits"; Inference, as the
// reference marks it). Tx lets a test commit rows late with their earlier stamp.
type Tx struct {
	s     *Server
	stamp string
	ops   []func() error // applied at Commit, under s.mu
}

// Begin starts a transaction stamped now.
func (s *Server) Begin() *Tx {
	s.mu.Lock()
	defer s.mu.Unlock()
	return &Tx{s: s, stamp: s.stamp()}
}

// Add creates a record within the transaction and returns its id, issued now as
// Salesforce issues it on insert; reads do not see the record before Commit.
func (tx *Tx) Add(object string, fields map[string]string) string {
	tx.s.mu.Lock()
	defer tx.s.mu.Unlock()
	o := tx.s.mustObject(object)
	id := o.newID()
	tx.ops = append(tx.ops, func() error {
		r, err := tx.s.newRecord(o, id, fields, tx.stamp)
		if err == nil {
			o.insert(r)
		}
		return err
	})
	return id
}

// Update changes a record within the transaction, as Server.Update does at Commit.
func (tx *Tx) Update(object, id string, fields map[string]string) {
	tx.ops = append(tx.ops, func() error { return tx.s.update(object, id, fields, tx.stamp) })
}

// Commit makes the transaction's changes visible, with the stamp of its start.
func (tx *Tx) Commit() error {
	tx.s.mu.Lock()
	defer tx.s.mu.Unlock()
	for _, op := range tx.ops {
		if err := op(); err != nil {
			return err
		}
	}
	tx.ops = nil
	return nil
}
