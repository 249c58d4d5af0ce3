package config

import (
	"path/filepath"
	"strings"
	"testing"
)

// badFixtures maps each testdata/conf.<what-is-wrong>.yml to the exact error Load gives:
// one line per problem, each at its file:line:col.
var badFixtures = map[string]string{
	"bad-log-level":                 "1:8: log.level: must be debug, info, warn or error",
	"bad-schedule":                  `5:60: pipelines[0].schedule: schedule "every now and then": expected exactly 5 fields, found 4: [every now and then]`,
	"company-object-of-another-crm": `5:32: pipelines[0].object: "Account" holds salesforce's company records; a hubspot account's are "companies"`,
	"crms-as-list":                  "2:7: crms: expected a mapping, found a list",
	"empty":                         "1:1: the file holds no settings (a config names at least lusha.api_key, its crms and its pipelines)",
	"missing-api-key":               "1:1: lusha.api_key: is required, as ${env:NAME} or ${file:PATH}",
	"duplicate-pipeline":            `6:7: pipelines[1].name: pipeline "p" is defined twice`,
	"duration-without-unit":         "9:16: pipelines[0].cache_ttl: duration 30 needs a unit (write e.g. 30s, 5m, 720h)",
	"history-too-short": "2:12: history.keep_runs: must be at least 24h: the daily credit budget sums the day's spend\n" +
		"2:27: history.keep_ledger: must not be negative (0s keeps only the latest row of each field)\n" +
		"2:45: history.deleted_every: must be at least 1m: each pass reads the CRM's whole deletion feed",
	"hubspot-without-credentials": "3:3: crms.hs: a HubSpot account needs a token, or client_id, client_secret and refresh_token for OAuth",
	"jwt-without-username":        "3:3: crms.sf.username: the JWT bearer flow needs the username to act as",
	"literal-secret":              "2:3: lusha.api_key: secrets must be given as ${env:NAME} or ${file:PATH}, not literally",
	"negative-budget":             "3:3: lusha.budget: budgets must not be negative (0 means no cap)",
	"not-a-duration":              `1:17: shutdown_grace: "a while" is not a duration (write e.g. 30s, 5m, 720h)`,
	"not-a-number":                `3:23: lusha.rate.per_second: "fast" is not a number`,
	"pipeline-missing-keys": "5:5: pipelines[0].name: a pipeline needs a name\n" +
		"5:5: pipelines[0].object: must name the CRM object (e.g. contacts)\n" +
		"5:5: pipelines[0].mapping: must name a mapping file",
	"short-lease":        "1:1: lease_ttl: must be at least 3s",
	"state-path-and-url": "1:29: state.url: state.path and state.url exclude each other: a SQLite file or a PostgreSQL database",
	"state-url-with-password": "2:3: state.url: secrets must be given as ${env:NAME} or ${file:PATH}, not literally: put the password in state.password, or the whole URL in ${env:NAME}\n" +
		"3:3: state.migrate: must be manual or auto\n" +
		"4:3: state.replica_runs: must not be negative (0 means 10)",
	"tab-indent":            "2:1: found character that cannot start any token",
	"undefined-crm":         `5:16: pipelines[0].crm: crm "hubspot" is not defined under crms`,
	"unknown-crm-kind":      `3:9: crms.pd.kind: kind "pipedrive" is not one of [hubspot salesforce]`,
	"unknown-key":           `3:3: lusha.budgett: unknown key "budgett", did you mean "budget"?`,
	"unknown-secret-source": `2:3: lusha.api_key: unknown secret reference "${vault:lusha/key}" (use ${env:NAME} or ${file:PATH})`,
	"yaml-syntax":           "2:1: did not find expected node content",
	"opt-out-without-webhook": "3:3: lusha.opt_out_webhook: opt-outs arrive through the webhook receiver: set lusha.webhook.listen\n" +
		"4:3: lusha.opt_out: opt-outs arrive through the webhook receiver: set lusha.webhook.listen",
	"refresh-bad": "3:13: lusha.budget.refresh_share: must be between 0 and 1\n" +
		"7:65: pipelines[0].refresh_after: needs lusha.budget.credits_per_day: refreshes spend at most lusha.budget.refresh_share of it\n" +
		"8:63: pipelines[1].refresh_after: must be at least 24h (or 0: no refresh)\n" +
		"9:69: pipelines[2].refresh_after: refreshes people; a company pipeline buys a company again when its cache_ttl ends",
	"signals-bad": "3:20: lusha.subscriptions.max: must not be negative (0 leaves it to Lusha's limit)\n" +
		"11:5: pipelines[0].signals: signals arrive through the webhook receiver: set lusha.webhook.listen and public_url\n" +
		"11:37: pipelines[0].signals.contact.1: \"jobChange\" is not a contact signal type ([allSignals promotion companyChange])\n" +
		"11:49: pipelines[0].signals.company: a people pipeline knows its people's companies only through company_record (write: true)\n" +
		"16:5: pipelines[1].signals: signals arrive through the webhook receiver: set lusha.webhook.listen and public_url\n" +
		"17:7: pipelines[1].signals.contact: a company pipeline enriches no people: use company",
	"webhook-incomplete": "4:14: lusha.webhook.listen: must differ from http.listen: the receiver is a listener of its own\n" +
		"4:40: lusha.webhook.public_url: must be the absolute URL Lusha posts to (https://…/webhooks/lusha)\n" +
		"4:3: lusha.webhook.secret: is required, as ${env:NAME} or ${file:PATH}\n" +
		"4:76: lusha.webhook.tolerance: must be positive and at most 1h\n" +
		"5:14: lusha.opt_out.marker: a marker needs both field and value",
}

// TestFixtures loads every testdata/conf.*.yml: the good ones load, each other one fails
// with exactly its expected text, and no fixture is left without an expectation.
func TestFixtures(t *testing.T) {
	files, err := filepath.Glob("testdata/conf.*.yml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures (%v)", err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(file), "conf."), ".yml")
		t.Run(name, func(t *testing.T) {
			_, err := Load(file, nil)
			if name == "good" || strings.HasPrefix(name, "good.") {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			want, ok := badFixtures[name]
			if !ok {
				t.Fatalf("no expected error for %s in badFixtures", file)
			}
			if err == nil {
				t.Fatalf("loaded; want %s", want)
			}
			if !IsError(err) {
				t.Errorf("error %T is not a config error (exit code 2)", err)
			}
			if got, want := err.Error(), withFile(file, want); got != want {
				t.Errorf("error:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

// withFile prefixes each expected line with the fixture's path.
func withFile(file, want string) string {
	lines := strings.Split(want, "\n")
	for i, l := range lines {
		lines[i] = file + ":" + l
	}
	return strings.Join(lines, "\n")
}
