package run

// markAvailable notes in a contact answer that Lusha has the data points it could not
// bill (BILLING_FAILED: it tried to), so that a later run reading the cached answer
// asks for them; a search-and-enrich answer has no `has` of its own.
func markAvailable(doc map[string]any, unbilled []string) {
	if len(unbilled) == 0 {
		return
	}
	has := docStrings(doc, "has")
	for _, dp := range unbilled {
		has = appendUnique(has, dp)
	}
	list := make([]any, len(has))
	for i, dp := range has {
		list[i] = dp
	}
	doc["has"] = list
}

// leaveUnpaid leaves for the next run the records whose data points Lusha did not
// bill, for the reason given: the account ran out of credits during the call (a
// credits error: this run ends credits_exhausted after the page), or a waterfall job
// did not finish. Their answers are cached with only what was billed; the next run
// buys the rest.
func (e *enricher) leaveUnpaid(recs []*Record, why error) {
	if why != nil {
		e.hold(recs, why)
	}
}
