package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/leadsync/leadsync/connector"
	"github.com/leadsync/leadsync/connector/config"
	"github.com/leadsync/leadsync/connector/sandbox"
)

// cmdInit reads a CRM object's live fields and writes a starter config and mapping
// that `leadsync validate` accepts as they are.
func cmdInit(ctx context.Context, e *env, args []string) int {
	fs := newFlags(e, "init")
	kind := fs.String("crm", "", "CRM kind: hubspot or salesforce")
	object := fs.String("object", "", "CRM object: contacts, companies, leads (HubSpot); Lead, Contact, Account (Salesforce)")
	cfgPath := fs.String("c", "", "config whose CRM account to read with ('none': a template reading HUBSPOT_TOKEN or SF_… from the environment; default: "+defaultConfig+" if it exists, else none)")
	account := fs.String("account", "", "the CRM account of the config to use, when it has several of that kind")
	out := fs.String("out", ".", "folder to write the config and mappings/ into")
	useSandbox := fs.Bool("sandbox", false, "read the fields of the sandbox's fake CRMs instead")
	force := fs.Bool("force", false, "overwrite files that exist")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	fail := func(code int, format string, args ...any) int {
		fmt.Fprintf(e.stderr, "leadsync init: "+format+"\n", args...)
		return code
	}
	if *kind != "hubspot" && *kind != "salesforce" {
		return fail(exitUsage, "--crm must be hubspot or salesforce")
	}
	if *object == "" {
		return fail(exitUsage, "--object is required (e.g. contacts, companies, Lead, Account)")
	}

	environ := e.environ
	src := *cfgPath
	var tmp string
	defer func() {
		if tmp != "" {
			_ = os.RemoveAll(tmp)
		}
	}()
	switch {
	case *useSandbox:
		sb, err := sandbox.Start(sandbox.Options{Seed: 1, Leads: 0})
		if err != nil {
			return fail(exitFailed, "%v", err)
		}
		defer sb.Close()
		src = sb.Config
		environ = append(slices.Clone(e.environ), sb.Environ("")...)
		if *account == "" {
			*account = *kind // the sandbox config names its accounts after their kind
		}
	case src == "" || src == "none":
		if _, err := os.Stat(defaultConfig); src == "" && err == nil {
			src = defaultConfig
			break
		}
		text, err := templateSource(*kind, e.getenv)
		if err != nil {
			return fail(exitUsage, "%v", err)
		}
		if tmp, err = os.MkdirTemp("", "leadsync-init-"); err != nil {
			return fail(exitFailed, "%v", err)
		}
		src = filepath.Join(tmp, "template.yaml")
		if err := os.WriteFile(src, []byte(text), 0o600); err != nil {
			return fail(exitFailed, "%v", err)
		}
	}

	cfg, err := config.Load(src, environ)
	if err != nil {
		return reportBuild(e, err)
	}
	name, err := pickAccount(cfg, *kind, *account)
	if err != nil {
		return fail(exitUsage, "%s: %v", src, err)
	}
	// Every account of the source is kept: the environment that configured them
	// (LEADSYNC_CRMS__… overrides, their secrets) must fit the new config as well.
	crmText, lushaText, err := sourceSections(src, slices.Sorted(maps.Keys(cfg.CRMs)))
	if err != nil {
		return fail(exitUsage, "%v", err)
	}
	getenv := (&env{environ: environ}).getenv
	if errs := cfg.CheckSecrets(getenv); len(errs) > 0 {
		return reportBuild(e, errs)
	}
	adapter, err := connector.NewCRM(cfg.CRMs[name], getenv)
	if err != nil {
		return fail(exitUsage, "crm %s: %v", name, err)
	}
	schema, err := adapter.Schema(ctx, *object)
	if err != nil {
		return fail(exitFailed, "read the %s fields of crm %s: %v", *object, name, err)
	}
	company := *object == config.CompanyObject(*kind)
	plan := planMapping(*kind, *object, company, schema)

	base := *kind + "-" + strings.ToLower(*object)
	cfgFile := filepath.Join(*out, base+".yaml")
	mapFile := filepath.Join(*out, "mappings", base+".yaml")
	cfgText := renderConfig(plan, base, name, crmText, lushaText, *useSandbox)
	if !*force {
		for _, f := range []string{cfgFile, mapFile} {
			if _, err := os.Stat(f); err == nil {
				return fail(exitUsage, "%s exists; move it away or pass --force", f)
			}
		}
	}
	if err := os.MkdirAll(filepath.Dir(mapFile), 0o755); err != nil {
		return fail(exitFailed, "%v", err)
	}
	if err := os.WriteFile(mapFile, []byte(plan.mapping), 0o644); err != nil {
		return fail(exitFailed, "%v", err)
	}
	if err := os.WriteFile(cfgFile, []byte(cfgText), 0o644); err != nil {
		return fail(exitFailed, "%v", err)
	}

	// What it wrote must load: the same checks as validate --offline.
	if outCfg, err := config.Load(cfgFile, environ); err != nil {
		return reportBuild(e, err)
	} else if _, err := connector.LoadMappings(outCfg); err != nil {
		return reportBuild(e, err)
	}

	w := e.stdout
	fmt.Fprintf(w, "leadsync init: read %d fields of %s %s (crm %s)\n", len(schema.Fields), *kind, *object, name)
	fmt.Fprintf(w, "  wrote %s\n  wrote %s\n", cfgFile, mapFile)
	fmt.Fprintf(w, "  %d fields mapped, %d left commented (enumerations to map by hand), %d not matched (listed at the end)\n",
		plan.matched, plan.suggested, plan.unmatched)
	if !plan.markerOK {
		fmt.Fprintf(w, "\nCreate the custom field %s on %s, which marks enriched records:\n", plan.marker, *object)
		for i, s := range plan.steps {
			fmt.Fprintf(w, "  %s\n", numberStep(i, s))
		}
		fmt.Fprintf(w, "then uncomment its line in %s and the filter in %s.\n", mapFile, cfgFile)
	}
	fmt.Fprintf(w, "\nNext:\n  leadsync validate -c %s\n  leadsync sync -c %s --dry-run --limit 20\n", cfgFile, cfgFile)
	return exitOK
}

// pickAccount names the config's CRM account of kind: the one asked for, else the only one.
func pickAccount(cfg *config.Config, kind, want string) (string, error) {
	var names []string
	for _, n := range slices.Sorted(maps.Keys(cfg.CRMs)) {
		if cfg.CRMs[n].Kind == kind {
			names = append(names, n)
		}
	}
	switch {
	case want != "" && slices.Contains(names, want):
		return want, nil
	case want != "":
		return "", fmt.Errorf("no %s account named %s (it has: %s)", kind, want, strings.Join(names, ", "))
	case len(names) == 0:
		return "", fmt.Errorf("no CRM account of kind %s", kind)
	case len(names) > 1:
		return "", fmt.Errorf("several %s accounts (%s): choose one with --account", kind, strings.Join(names, ", "))
	}
	return names[0], nil
}

// templateSource is the config `init -c none` reads with: the account's credentials
// from the environment, as the shipped configs name them. The account is named after
// its kind, so that LEADSYNC_CRMS__HUBSPOT__… overrides reach it.
func templateSource(kind string, getenv func(string) string) (string, error) {
	lusha := "lusha:\n  api_key: ${env:LUSHA_API_KEY}\n"
	pipe := "pipelines:\n  - { name: template, crm: %s, object: x, mapping: none.yaml }\n"
	if kind == "hubspot" {
		return lusha + "crms:\n  hubspot:\n    kind: hubspot\n    token: ${env:HUBSPOT_TOKEN}   # a private-app token\n" +
			fmt.Sprintf(pipe, "hubspot"), nil
	}
	user, key := getenv("SF_USERNAME"), getenv("SF_PRIVATE_KEY_FILE")
	if user == "" || key == "" {
		return "", errors.New("-c none with --crm salesforce signs in with the JWT bearer flow: set SF_CLIENT_ID, " +
			"SF_USERNAME (the integration user) and SF_PRIVATE_KEY_FILE (its key's PEM file), or pass -c with a config")
	}
	if abs, err := filepath.Abs(key); err == nil {
		key = abs
	}
	return lusha + "crms:\n  salesforce:\n    kind: salesforce\n    login_url: https://login.salesforce.com\n" +
		"    client_id: ${env:SF_CLIENT_ID}\n    username: " + quoteYAML(user) + "\n    private_key_file: " + quoteYAML(key) + "   # PEM, RS256\n" +
		fmt.Sprintf(pipe, "salesforce"), nil
}

// sourceSections copies the account's entry and the lusha section out of the source
// config as YAML text, comments included; a relative private key file is made
// absolute, since the new config may live elsewhere.
func sourceSections(path string, accounts []string) (crmText, lushaText string, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", "", err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return "", "", fmt.Errorf("%s: %v", path, err)
	}
	if len(doc.Content) == 0 {
		return "", "", fmt.Errorf("%s: empty", path)
	}
	root := doc.Content[0]
	for _, account := range accounts {
		crmNode := child(child(root, "crms"), account)
		if crmNode == nil {
			return "", "", fmt.Errorf("%s: no crms.%s", path, account)
		}
		if pk := child(crmNode, "private_key_file"); pk != nil && pk.Value != "" && !filepath.IsAbs(pk.Value) {
			pk.Value = filepath.Join(filepath.Dir(path), pk.Value)
			if abs, err := filepath.Abs(pk.Value); err == nil {
				pk.Value = abs
			}
		}
		text, err := encodeNode(crmNode)
		if err != nil {
			return "", "", err
		}
		crmText += account + ":\n" + indent(text, "  ")
	}
	if l := child(root, "lusha"); l != nil {
		if lushaText, err = encodeNode(l); err != nil {
			return "", "", err
		}
	} else {
		lushaText = "api_key: ${env:LUSHA_API_KEY}\n"
	}
	return crmText, lushaText, nil
}

func child(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func encodeNode(n *yaml.Node) (string, error) {
	c := *n
	c.Style = 0 // block style, whatever the source's
	for _, k := range c.Content {
		k.Style &^= yaml.FlowStyle
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&c); err != nil {
		return "", err
	}
	return b.String(), enc.Close()
}

func indent(text, prefix string) string {
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = prefix + l
		}
	}
	return strings.Join(lines, "\n") + "\n"
}

// renderConfig writes the starter config: the source's account and Lusha settings,
// and one pipeline reading the new mapping.
func renderConfig(p initPlan, base, account, crmText, lushaText string, fromSandbox bool) string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("# Starter config written by `leadsync init --crm %s --object %s`: one pipeline enriching %s.\n", p.kind, p.object, p.object)
	if fromSandbox {
		w("# Its accounts are the sandbox's: validate it against running fakes with their environment\n")
		w("# (the LEADSYNC_… and SANDBOX_… variables the sandbox sets).\n")
	} else {
		w("# The CRM accounts and Lusha settings are copied from the config init read with, so that\n")
		w("# the same environment serves both; secrets stay references (${env:…}, ${file:…}).\n")
	}
	w("state: { path: leadsync.db }\nhttp: { listen: 127.0.0.1:8080 }\n\n")
	w("lusha:\n%s\n", indent(lushaText, "  "))
	w("crms:\n%s\n", indent(crmText, "  "))
	w("pipelines:\n")
	w("  - name: %s\n    crm: %s\n    object: %s\n    schedule: \"@every 10m\"\n", base, account, p.object)
	if p.markerOK {
		w("    filter: { missing: [%s] }   # only records not yet enriched\n", p.marker)
	} else {
		w("    # filter: { missing: [%s] }   # uncomment once the field exists (see the mapping)\n", p.marker)
	}
	w("    mapping: mappings/%s.yaml\n    cache_ttl: 720h\n", base)
	return b.String()
}
