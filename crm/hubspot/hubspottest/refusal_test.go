package hubspottest

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// TestBatchRefusedWhole follows reference §4.3: one invalid value fails the whole
// batch update with 400 VALIDATION_ERROR and nothing is written (captured for unknown
// properties; INFERENCE, as the reference says, for value errors). Every refused
// value is listed, as the captured body lists several. A checkbox enumeration takes
// ";"-joined option values and each part is checked (§3.3, §7.3): a valid join is
// stored, an invalid part is refused by name with INVALID_OPTION (message form of
// the H14 capture).
func TestBatchRefusedWhole(t *testing.T) {
	s, _ := newFake(Options{})
	s.DefineProperty(Property{Name: "tags", Type: "enumeration", FieldType: "checkbox",
		Options: []Option{{Value: "a"}, {Value: "b"}, {Value: "c"}}})
	var ids []string
	for range 5 {
		ids = append(ids, s.AddContact(map[string]string{"city": "Oslo"}))
	}
	update := func(values []map[string]string) (int, map[string]any) {
		var inputs []any
		for i, v := range values {
			inputs = append(inputs, map[string]any{"id": ids[i], "properties": v})
		}
		body, _ := json.Marshal(map[string]any{"inputs": inputs})
		status, _, out := call(t, s, "POST", "/crm/v3/objects/contacts/batch/update", string(body))
		return status, out
	}

	status, out := update([]map[string]string{
		{"tags": "a;b", "city": "Rome"}, {"tags": "a;zzz", "city": "Rome"}, {"city": "Rome"},
		{"jobtitle": strings.Repeat("x", maxStringLength+1)}, {"tags": "c"},
	})
	var codes, messages []string
	for _, e := range out["errors"].([]any) {
		e := e.(map[string]any)
		codes, messages = append(codes, e["code"].(string)), append(messages, e["message"].(string))
	}
	if status != 400 || out["category"] != "VALIDATION_ERROR" || !slices.Equal(codes, []string{"INVALID_OPTION", "INVALID_LENGTH"}) {
		t.Fatalf("%d %v, want 400 listing INVALID_OPTION and INVALID_LENGTH", status, out)
	}
	if !strings.HasPrefix(messages[0], "zzz was not one of the allowed options: [a, b, c]") {
		t.Errorf("INVALID_OPTION message %q does not name the refused part", messages[0])
	}
	for _, id := range ids {
		if c, _ := s.Contact(id); c["city"] != "Oslo" || c["tags"] != "" {
			t.Errorf("contact %s changed by a refused batch: %v", id, c)
		}
	}

	if status, out := update([]map[string]string{{"tags": "a;b"}, {"tags": "c;a"}}); status != 200 {
		t.Fatalf("valid joins: %d %v", status, out)
	}
	if c, _ := s.Contact(ids[1]); c["tags"] != "c;a" {
		t.Errorf("stored %q, want c;a", c["tags"])
	}
}
