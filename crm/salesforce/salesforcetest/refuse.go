package salesforcetest

// refuseUpdate is the save's first question: may this record change at all? A
// converted lead may not. It stays a Lead row, and every update of it fails per record
// with CANNOT_UPDATE_CONVERTED_LEAD, "cannot reference converted lead" (help.salesforce.com
// KB 000384333; the code and message as observed in gravityplus/Gravity-Forms-Salesforce#342
// and simple-salesforce/simple-salesforce#341; reference §12 item 8 leaves the code open).
// Both update paths ask it once the record is found: sObject Collections report the
// error in the record's result, a single PATCH answers it as a 400 error array.
func (o *object) refuseUpdate(r *record) []recordError {
	if o.name == "Lead" && r.values["IsConverted"] == "true" {
		return []recordError{{StatusCode: "CANNOT_UPDATE_CONVERTED_LEAD",
			Message: "cannot reference converted lead", Fields: []string{}}}
	}
	return nil
}
