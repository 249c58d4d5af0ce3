package config

import (
	"fmt"
	"strings"
)

// companyObjects are the objects that hold company records, by the CRM kind that has
// them: a pipeline of one is a company pipeline, whose mapping matches companies.
var companyObjects = map[string]string{"companies": "hubspot", "Account": "salesforce"}

// companyObjectProblem says why a pipeline's object cannot be read as company records
// from a CRM of this kind, or "": another kind's company object, or a company object
// spelled another way (the mapping would not be taken for a company mapping).
func companyObjectProblem(kind, object string) string {
	for name, owner := range companyObjects {
		switch {
		case object == name && kind != "" && kind != owner:
			return fmt.Sprintf("%s holds %s's company records; a %s account's are %s", quote(name), owner, kind, quote(companyObjectOf(kind)))
		case object != name && strings.EqualFold(object, name) && kind == owner:
			return fmt.Sprintf("write %s: company objects are named exactly", quote(name))
		}
	}
	return ""
}

func companyObjectOf(kind string) string {
	for name, owner := range companyObjects {
		if owner == kind {
			return name
		}
	}
	return ""
}
