package connector

import (
	"errors"
	"fmt"
	"os"
	"strconv"

	"github.com/leadsync/leadsync/connector/config"
	"github.com/leadsync/leadsync/connector/run"
	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/mapping"
)

// companyMappingKey is where LoadMappings keeps a people pipeline's company mapping.
func companyMappingKey(pipeline string) string { return run.CompanyPipeline(pipeline) }

// loadCompanyMapping loads pipelines[i].company_record.mapping: a company mapping
// whose object is the company object of the pipeline's CRM, checked against Lusha's
// answer schema like any mapping. A missing file is a configuration error.
func loadCompanyMapping(cfg *config.Config, i int, schema *mapping.Schema) (*mapping.Mapping, error) {
	p := cfg.Pipelines[i]
	path := cfg.Resolve(p.CompanyRecord.Mapping)
	if _, err := os.Stat(path); err != nil {
		return nil, cfg.ErrorAt(err.Error(), "pipelines", strconv.Itoa(i), "company_record", "mapping")
	}
	m, err := mapping.Load(path, mapping.Options{Schema: schema})
	if err != nil {
		return nil, err
	}
	if want := config.CompanyObject(cfg.CRMs[p.CRM].Kind); m.Object != want {
		return nil, mapping.Errors{&mapping.Error{File: path, Line: 1, Col: 1,
			Msg: fmt.Sprintf("mapping is for object %q but pipeline %s writes its company records to %q", m.Object, p.Name, want)}}
	}
	return m, nil
}

// companyRecord is the run's company-record stage of a pipeline, nil when it has none.
func companyRecord(p config.Pipeline, mappings map[string]*mapping.Mapping) *run.CompanyRecord {
	if !p.CompanyRecord.On() {
		return nil
	}
	return &run.CompanyRecord{Mapping: mappings[companyMappingKey(p.Name)], CreateMissing: p.CompanyRecord.CreateMissing}
}

// checkCompanyRecords refuses a company_record on a CRM whose adapter offers no
// company records.
func checkCompanyRecords(cfg *config.Config, getenv func(string) string) error {
	var errs config.Errors
	for i, p := range cfg.Pipelines {
		if !p.CompanyRecord.On() {
			continue
		}
		adapter, err := NewCRM(cfg.CRMs[p.CRM], getenv)
		if err != nil {
			return err
		}
		if _, ok := adapter.(crm.Companies); !ok {
			errs = append(errs, cfg.ErrorAt(fmt.Sprintf("crm %s (%s) offers no company records", p.CRM, cfg.CRMs[p.CRM].Kind),
				"pipelines", strconv.Itoa(i), "company_record"))
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// splitErrs files a company mapping's load error with the others of LoadMappings.
func splitErrs(err error, errs *mapping.Errors, cfgErrs *config.Errors) error {
	if me, ok := errors.AsType[mapping.Errors](err); ok {
		*errs = append(*errs, me...)
		return nil
	}
	if ce, ok := errors.AsType[*config.Error](err); ok {
		*cfgErrs = append(*cfgErrs, ce)
		return nil
	}
	return err
}
