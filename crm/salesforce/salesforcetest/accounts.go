package salesforcetest

// Helpers for company records: the engine's tests and the sandbox seed Accounts and
// their Contacts, and read them back to check what a run wrote or created.

// AddContactTo creates a contact of the account accountID (Contact.AccountId), as a
// rep adds a person to a company. It panics when the account does not exist.
func (s *Server) AddContactTo(accountID string, fields map[string]string) string {
	values := map[string]string{"AccountId": accountID}
	for k, v := range fields {
		values[k] = v
	}
	return s.mustAdd("Contact", values)
}

// Account returns a copy of an account's values by API name ("" for null), or nil.
func (s *Server) Account(id string) map[string]string { return s.Record("Account", id) }

// Contact returns a copy of a contact's values, or nil.
func (s *Server) Contact(id string) map[string]string { return s.Record("Contact", id) }

// Count is the number of records of object that are not deleted.
func (s *Server) Count(object string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.mustObject(object).records {
		if !r.deleted {
			n++
		}
	}
	return n
}

// AccountCount is the number of accounts that are not deleted: a test that creates
// missing companies proves with it that none was created twice.
func (s *Server) AccountCount() int { return s.Count("Account") }
