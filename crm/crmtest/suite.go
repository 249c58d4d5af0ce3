package crmtest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/leadsync/leadsync/crm"
)

// RunAdapterTests runs the conformance suite against fresh fixtures from h.
func RunAdapterTests(t *testing.T, h Harness) {
	t.Helper()
	tests := []struct {
		name string
		run  func(*testing.T, Fixture)
	}{
		{"ReadsEachRecordOnce", testReadsEachRecordOnce},
		{"ResumesFromEveryPage", testResumesFromEveryPage},
		{"ChangeAfterCursorIsReadAgain", testChangeAfterCursor},
		{"WriteReadsBack", testWriteReadsBack},
		{"PartialFailures", testPartialFailures},
		{"Schema", testSchema},
		{"CanceledRead", testCanceledRead},
		{"DeletionsListed", testDeletionsListed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.run(t, h.New(t)) })
	}
}

// seedMany seeds n records in one go (so that they may share a modification time)
// and returns their ids in seeding order.
func seedMany(t *testing.T, f Fixture, n int) []string {
	t.Helper()
	ids := make([]string, n)
	for i := range ids {
		ids[i] = f.Seed(t, map[string]string{f.Fields().Identity: fmt.Sprintf("conformance-%d@example.com", i)})
	}
	return ids
}

// pageSize makes the seeded records span several pages.
const pageSize = 10

func changes(f Fixture, since crm.Cursor, fields ...string) crm.ChangesRequest {
	return crm.ChangesRequest{Object: f.Object(), Since: since, Fields: fields, PageSize: pageSize}
}

// readAll drains one Changes call.
func readAll(ctx context.Context, f Fixture, req crm.ChangesRequest) ([]crm.Page, error) {
	var pages []crm.Page
	for p, err := range f.Adapter().Changes(ctx, req) {
		if err != nil {
			return pages, err
		}
		pages = append(pages, p)
	}
	return pages, nil
}

func mustReadAll(t *testing.T, f Fixture, req crm.ChangesRequest) []crm.Page {
	t.Helper()
	pages, err := readAll(t.Context(), f, req)
	if err != nil {
		t.Fatalf("Changes(since %q): %v", req.Since, err)
	}
	return pages
}

// version identifies one state of one record; the connector de-duplicates on it.
type version struct {
	id       string
	modified int64
}

func versions(pages []crm.Page) []version {
	var out []version
	for _, p := range pages {
		for _, r := range p.Records {
			out = append(out, version{r.ID, r.ModifiedAt.UnixNano()})
		}
	}
	return out
}

// checkNoRepeats fails when one Changes call hands out a record twice.
func checkNoRepeats(t *testing.T, what string, pages []crm.Page) {
	t.Helper()
	seen := map[string]bool{}
	for _, v := range versions(pages) {
		if seen[v.id] {
			t.Errorf("%s: record %s handed out twice in one read", what, v.id)
		}
		seen[v.id] = true
	}
}

func idSet(pages []crm.Page) map[string]int64 {
	out := map[string]int64{}
	for _, v := range versions(pages) {
		out[v.id] = v.modified
	}
	return out
}

func testReadsEachRecordOnce(t *testing.T, f Fixture) {
	want := seedMany(t, f, 3*pageSize+5)
	f.Settle(t)
	identity := f.Fields().Identity
	pages := mustReadAll(t, f, changes(f, "", identity))
	checkNoRepeats(t, "full read", pages)
	got := idSet(pages)
	for _, id := range want {
		if _, ok := got[id]; !ok {
			t.Errorf("seeded record %s never read", id)
		}
	}
	if len(got) != len(want) {
		t.Errorf("read %d records, seeded %d", len(got), len(want))
	}
	for _, p := range pages {
		if p.Next == "" {
			t.Errorf("a page carries no cursor")
		}
		if len(p.Records) > pageSize {
			t.Errorf("page of %d records, asked for at most %d", len(p.Records), pageSize)
		}
		for _, r := range p.Records {
			if r.ModifiedAt.IsZero() {
				t.Errorf("record %s has no modification time", r.ID)
			}
			if v, ok := r.Fields[identity]; !ok || v == "" {
				t.Errorf("record %s lacks the requested field %s: %v", r.ID, identity, r.Fields)
			}
		}
	}
	if len(pages) < 2 {
		t.Errorf("%d records came in %d page(s) of at most %d", len(got), len(pages), pageSize)
	}
}

// Resuming from any page's cursor reads every later record, and anything read again
// is the very version already read (the connector drops it by (id, ModifiedAt)).
func testResumesFromEveryPage(t *testing.T, f Fixture) {
	seedMany(t, f, 3*pageSize+5)
	f.Settle(t)
	pages := mustReadAll(t, f, changes(f, ""))
	all := idSet(pages)
	for i := range pages {
		rest := mustReadAll(t, f, changes(f, pages[i].Next))
		checkNoRepeats(t, fmt.Sprintf("resume after page %d", i), rest)
		resumed := idSet(rest)
		for id := range idSet(pages[i+1:]) {
			if _, ok := resumed[id]; !ok {
				t.Errorf("resume after page %d lost record %s", i, id)
			}
		}
		for id, mod := range resumed {
			if prev, ok := all[id]; !ok || prev != mod {
				t.Errorf("resume after page %d read %s, which is neither new nor a re-read of the same version", i, id)
			}
		}
	}
}

func testChangeAfterCursor(t *testing.T, f Fixture) {
	fs := f.Fields()
	ids := seedMany(t, f, 3)
	f.Settle(t)
	first := mustReadAll(t, f, changes(f, "", fs.Text))
	before := idSet(first)
	cursor := first[len(first)-1].Next

	f.Update(t, ids[1], map[string]string{fs.Text: "changed by a user"})
	fresh := f.Seed(t, map[string]string{fs.Identity: "conformance-new@example.com"})
	f.Settle(t)
	next := mustReadAll(t, f, changes(f, cursor, fs.Text))
	checkNoRepeats(t, "read after the cursor", next)
	got := idSet(next)
	if mod, ok := got[ids[1]]; !ok || mod <= before[ids[1]] {
		t.Errorf("changed record %s: read=%v, modified %d after %d", ids[1], ok, mod, before[ids[1]])
	}
	if _, ok := got[fresh]; !ok {
		t.Errorf("record %s created after the cursor was not read", fresh)
	}
	for _, p := range next {
		for _, r := range p.Records {
			if r.ID == ids[1] && r.Fields[fs.Text] != "changed by a user" {
				t.Errorf("changed record read with %s=%q", fs.Text, r.Fields[fs.Text])
			}
		}
	}
	for _, id := range []string{ids[0], ids[2]} {
		if mod, ok := got[id]; ok && mod != before[id] {
			t.Errorf("unchanged record %s read with a new modification time", id)
		}
	}

	// Nothing changed since: a further read hands out no new version.
	f.Settle(t)
	for _, v := range versions(mustReadAll(t, f, changes(f, next[len(next)-1].Next))) {
		if got[v.id] != v.modified {
			t.Errorf("read with nothing changed handed out a new version of %s", v.id)
		}
	}
}

func testWriteReadsBack(t *testing.T, f Fixture) {
	fs := f.Fields()
	ids := seedMany(t, f, 2)
	f.Settle(t)
	first := mustReadAll(t, f, changes(f, ""))
	if f.Adapter().BatchSize() < 1 {
		t.Fatalf("BatchSize() = %d", f.Adapter().BatchSize())
	}
	res, err := f.Adapter().Write(t.Context(), f.Object(), []crm.Patch{
		{RecordID: ids[0], Fields: map[string]string{fs.Text: "written by leadsync", fs.Enum: fs.Option}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || res[0].RecordID != ids[0] || res[0].Err != nil || len(res[0].FieldErrors) != 0 {
		t.Fatalf("results = %+v", res)
	}
	if got := f.Value(t, ids[0], fs.Text); got != "written by leadsync" {
		t.Errorf("stored %s = %q", fs.Text, got)
	}
	if got := f.Value(t, ids[0], fs.Enum); got != fs.Option {
		t.Errorf("stored %s = %q", fs.Enum, got)
	}

	// The write comes back as a change, with the modification time the write reported
	// (the connector recognises its own echo by it).
	f.Settle(t)
	var echo *crm.Record
	for _, p := range mustReadAll(t, f, changes(f, first[len(first)-1].Next, fs.Text)) {
		for _, r := range p.Records {
			if r.ID == ids[0] {
				echo = &r
			}
		}
	}
	switch {
	case echo == nil:
		t.Errorf("written record %s not read back as a change", ids[0])
	case echo.Fields[fs.Text] != "written by leadsync":
		t.Errorf("read back %s = %q", fs.Text, echo.Fields[fs.Text])
	case !res[0].ModifiedAt.IsZero() && !res[0].ModifiedAt.Equal(echo.ModifiedAt):
		t.Errorf("write reported modified %v, read shows %v", res[0].ModifiedAt, echo.ModifiedAt)
	}
}

// One refused value and one vanished record fail alone; the rest is written.
func testPartialFailures(t *testing.T, f Fixture) {
	fs := f.Fields()
	ids := seedMany(t, f, 5)
	f.Remove(t, ids[3])
	patches := []crm.Patch{
		{RecordID: ids[0], Fields: map[string]string{fs.Text: "a"}},
		{RecordID: ids[1], Fields: map[string]string{fs.Enum: fs.BadOption}},
		{RecordID: ids[2], Fields: map[string]string{fs.Enum: fs.Option}},
		{RecordID: ids[3], Fields: map[string]string{fs.Text: "d"}},
		{RecordID: ids[4], Fields: map[string]string{fs.Text: "e", fs.Enum: fs.Option}},
	}
	res, err := f.Adapter().Write(t.Context(), f.Object(), patches)
	if err != nil {
		t.Fatalf("a batch with per-record failures failed as a whole: %v", err)
	}
	if len(res) != len(patches) {
		t.Fatalf("%d results for %d patches", len(res), len(patches))
	}
	for i, r := range res {
		if r.RecordID != patches[i].RecordID {
			t.Errorf("result %d is for %s, want %s (results follow the patches' order)", i, r.RecordID, patches[i].RecordID)
		}
	}
	for _, i := range []int{0, 2, 4} {
		if res[i].Err != nil {
			t.Errorf("good record %s failed: %v", ids[i], res[i].Err)
		}
		for field, want := range patches[i].Fields {
			if got := f.Value(t, ids[i], field); got != want {
				t.Errorf("good record %s: stored %s = %q, want %q", ids[i], field, got, want)
			}
		}
	}
	bad := res[1]
	if crm.ClassOf(bad.Err) != crm.ClassInvalid {
		t.Errorf("refused value: class %q (%v), want invalid", crm.ClassOf(bad.Err), bad.Err)
	}
	if !slices.ContainsFunc(bad.FieldErrors, func(fe crm.FieldError) bool {
		return fe.Field == fs.Enum && (fe.Code != "" || fe.Message != "")
	}) {
		t.Errorf("refused value: field errors %+v do not name %s with a reason", bad.FieldErrors, fs.Enum)
	}
	if got := f.Value(t, ids[1], fs.Enum); got != "" {
		t.Errorf("refused value was stored: %q", got)
	}
	if crm.ClassOf(res[3].Err) == crm.ClassNone {
		t.Errorf("write to a removed record succeeded")
	}
}

func testSchema(t *testing.T, f Fixture) {
	fs := f.Fields()
	s, err := f.Adapter().Schema(t.Context(), f.Object())
	if err != nil {
		t.Fatal(err)
	}
	if s.Object != f.Object() {
		t.Errorf("schema object = %q, want %q", s.Object, f.Object())
	}
	for _, name := range []string{fs.Identity, fs.Text, fs.Enum} {
		if fld, ok := s.Fields[name]; !ok || fld.ReadOnly || fld.Name != name {
			t.Errorf("writable field %s: %+v (present %v)", name, fld, ok)
		}
	}
	enum := s.Fields[fs.Enum]
	if !slices.Contains(enum.Options, fs.Option) || slices.Contains(enum.Options, fs.BadOption) {
		t.Errorf("%s options %v: want %q, not %q", fs.Enum, enum.Options, fs.Option, fs.BadOption)
	}
	if ro, ok := s.Fields[fs.ReadOnly]; !ok || !ro.ReadOnly {
		t.Errorf("read-only field %s: %+v (present %v)", fs.ReadOnly, ro, ok)
	}
	if _, err := f.Adapter().Schema(t.Context(), "no_such_object_"+f.Object()); crm.ClassOf(err) == crm.ClassNone {
		t.Errorf("schema of an unknown object: no error")
	}
}

func testCanceledRead(t *testing.T, f Fixture) {
	seedMany(t, f, 1)
	f.Settle(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := readAll(ctx, f, changes(f, ""))
	if crm.ClassOf(err) != crm.ClassCanceled {
		t.Errorf("read with a canceled context: %v (class %q), want canceled", err, crm.ClassOf(err))
	}
	// Stopping early is the caller's right: no panic, no leak.
	for _, err := range f.Adapter().Changes(t.Context(), changes(f, "")) {
		if err != nil {
			t.Fatal(err)
		}
		break
	}
}

// testDeletionsListed: a record removed (archived, recycled) is in the adapter's
// deletion feed read over its whole window (a zero since), and a record still live
// is not. (Fixtures keep their own clocks; each adapter's tests check since.)
func testDeletionsListed(t *testing.T, f Fixture) {
	feed, ok := f.Adapter().(crm.DeletionFeed)
	if !ok {
		t.Skipf("%T lists no deletions", f.Adapter())
	}
	ids := seedMany(t, f, 3)
	f.Settle(t)
	var since time.Time
	f.Remove(t, ids[1])
	f.Settle(t)
	listed := map[string]bool{}
	for d, err := range feed.Deleted(t.Context(), f.Object(), since) {
		if err != nil {
			t.Fatalf("Deleted: %v", err)
		}
		if d.At.IsZero() {
			t.Errorf("deletion of %s has no time", d.ID)
		}
		listed[d.ID] = true
	}
	if !listed[ids[1]] || listed[ids[0]] || listed[ids[2]] {
		t.Errorf("deletions: %v; want %s and not the live %s, %s", listed, ids[1], ids[0], ids[2])
	}
}
