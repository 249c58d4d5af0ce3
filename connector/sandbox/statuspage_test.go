package sandbox_test

import (
	"context"
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/leadsync/leadsync/connector/config"
	"github.com/leadsync/leadsync/connector/web"
)

var (
	breakerAttr = regexp.MustCompile(`data-breaker="([^"]+)" data-state="([^"]+)"`)
	fillRowAttr = regexp.MustCompile(`<tr data-fill-field="([^"]+)" data-before="(\d+)" data-after="(\d+)" data-records="(\d+)"`)
	dayBarAttr  = regexp.MustCompile(`<rect class="day ?[a-z]*" data-day="([0-9-]+)" data-credits="(\d+)"`)
	budgetAttr  = regexp.MustCompile(`<line class="budget" id="credits-budget" data-budget="(\d+)"`)
)

// between cuts the part of a DOM from the first open up to the first close after it.
func between(t *testing.T, dom, open, close string) string {
	t.Helper()
	_, rest, ok := strings.Cut(dom, open)
	if !ok {
		t.Fatalf("no %q in the rendered page:\n%s", open, dom)
	}
	part, _, _ := strings.Cut(rest, close)
	return part
}

func breakerNames(part string) []string {
	var out []string
	for _, m := range breakerAttr.FindAllStringSubmatch(part, -1) {
		out = append(out, m[1]+"="+m[2])
	}
	slices.Sort(out)
	return out
}

// checkStatusDOM reads, in the DOM Chromium built (dump renders it), what issue 17
// asks of the status page: each pipeline shows only its own breakers, each
// pipeline's page has a fill-rate row per mapped field with the shares the stored
// field actions give, and the credits chart has a bar per day that agrees with the
// spend, under the budget line.
func checkStatusDOM(t *testing.T, o *opsEnv, dump func(path string) string) {
	ctx := context.Background()
	cfg, err := config.Load(o.sb.Config, o.environ)
	if err != nil {
		t.Fatal(err)
	}
	all := map[string]string{}
	for _, b := range o.d.Breakers() {
		all[b.Name] = b.State
	}
	if _, ok := all["crm salesforce"]; !ok || len(all) < 3 {
		t.Fatalf("the daemon's breakers %v: want lusha and both CRM accounts, or the check proves nothing", all)
	}
	overview := dump("/")
	mapped := map[string][]string{}
	for _, p := range o.eng.Pipelines {
		mapped[p.Name] = p.Mapping.TargetFields()
	}
	sawFill := false
	for _, p := range cfg.Pipelines {
		want := []string{"crm " + p.CRM + "=" + all["crm "+p.CRM], "lusha=" + all["lusha"]}
		row := between(t, overview, `id="pipeline-`+p.Name+`"`, "</tr>")
		if got := breakerNames(between(t, row, `data-field="breakers"`, "</td>")); !slices.Equal(got, want) {
			t.Errorf("overview: %s shows breakers %v, want %v", p.Name, got, want)
		}
		page := dump("/pipelines/" + url.PathEscape(p.Name))
		if got := breakerNames(between(t, page, `id="breakers"`, "</p>")); !slices.Equal(got, want) {
			t.Errorf("page of %s shows breakers %v, want %v", p.Name, got, want)
		}

		actions, err := o.eng.Store.FieldActionsOf(ctx, p.Name, time.Now().Add(-web.FillWindow))
		if err != nil {
			t.Fatal(err)
		}
		rows := map[string]string{}
		for _, m := range fillRowAttr.FindAllStringSubmatch(page, -1) {
			rows[m[1]] = m[2] + "→" + m[3] + " of " + m[4]
		}
		want2 := map[string]string{}
		for field, acts := range actions {
			total, before := 0, acts["keep_filled"]+acts["keep_same"]+acts["keep_not_ours"]
			for _, n := range acts {
				total += n
			}
			if total > 0 {
				want2[field] = fmt.Sprintf("%d→%d of %d", 100*before/total, 100*(before+acts["write"])/total, total)
			}
		}
		if fmt.Sprint(rows) != fmt.Sprint(want2) {
			t.Errorf("page of %s: fill rows %v, the stored field actions give %v", p.Name, rows, want2)
		}
		if len(rows) == 0 {
			continue
		}
		sawFill = true
		// Every enriched record gets a decision on every mapped field.
		if got := slices.Sorted(maps.Keys(rows)); !slices.Equal(got, mapped[p.Name]) {
			t.Errorf("page of %s: fill rows for %v, the mapping's fields are %v", p.Name, got, mapped[p.Name])
		}
		written := 0
		for _, acts := range actions {
			written += acts["write"]
		}
		if written == 0 {
			t.Errorf("%s: fill rows but no write counted: %v", p.Name, actions)
		}
	}
	if !sawFill {
		t.Error("no pipeline page has fill rows")
	}

	chart := between(t, overview, `id="credits-chart"`, "</svg>")
	bars := dayBarAttr.FindAllStringSubmatch(chart, -1)
	if len(bars) != web.CreditDays {
		t.Fatalf("credits chart has %d day bars, want %d:\n%s", len(bars), web.CreditDays, chart)
	}
	today := time.Now().UTC().Truncate(24 * time.Hour)
	spentToday, err := o.eng.Store.CreditsSpent(ctx, "", today)
	if err != nil {
		t.Fatal(err)
	}
	last := bars[len(bars)-1]
	if n, _ := strconv.Atoi(last[2]); last[1] != today.Format(time.DateOnly) || n != spentToday || n == 0 {
		t.Errorf("today's bar %s = %s credits; the store says %s = %d", last[1], last[2], today.Format(time.DateOnly), spentToday)
	}
	if m := budgetAttr.FindStringSubmatch(chart); m == nil || m[1] != strconv.Itoa(cfg.Lusha.Budget.CreditsPerDay) {
		t.Errorf("budget line %v, want %d", m, cfg.Lusha.Budget.CreditsPerDay)
	}
}
