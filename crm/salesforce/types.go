package salesforce

import (
	"context"
	"encoding/json"
	"math"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// describeCache keeps the describe types of the objects written (lower-case field
// name → type), so that a write sends each value as the JSON type its field takes
// without a describe call per batch. Schema refreshes it, and every run reads the
// schema first; a JSON_PARSER_ERROR drops it, since the org's fields changed.
type describeCache struct {
	mu      sync.Mutex
	objects map[string]map[string]string // lower-case object name → its field types
}

func (d *describeCache) put(object string, fields []describeField) {
	types := make(map[string]string, len(fields))
	for _, f := range fields {
		types[strings.ToLower(f.Name)] = f.Type
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.objects == nil {
		d.objects = map[string]map[string]string{}
	}
	d.objects[strings.ToLower(object)] = types
}

func (d *describeCache) get(object string) (map[string]string, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	t, ok := d.objects[strings.ToLower(object)]
	return t, ok
}

func (d *describeCache) drop(object string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.objects, strings.ToLower(object))
}

// fieldTypes returns the describe types of object's fields, reading describe when
// none are cached. It returns nil when describe cannot be read: values then go as
// text, which the org coerces where it can (reference §4.6 item 3).
func (c *Client) fieldTypes(ctx context.Context, object string) map[string]string {
	if t, ok := c.types.get(object); ok {
		return t
	}
	if _, err := c.Schema(ctx, object); err != nil {
		return nil
	}
	t, _ := c.types.get(object)
	return t
}

// jsonNumber is the grammar of a JSON number, which a json.Number must follow.
var jsonNumber = regexp.MustCompile(`^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$`)

// encode converts a value from the CRM string encoding ("" clears the field) to the
// JSON value of its describe type. ok is false for a value the org's deserializer
// cannot read, which would fail the whole request with JSON_PARSER_ERROR (reference
// §4.6 item 3, §6.3): a bad boolean, date or datetime, text for a number, a fraction
// or an out-of-range number for an int (a 32-bit xsd:int).
func encode(typ, v string) (any, bool) {
	if v == "" {
		return nil, true
	}
	switch typ {
	case "boolean":
		b, err := strconv.ParseBool(strings.ToLower(v))
		return b, err == nil && (strings.EqualFold(v, "true") || strings.EqualFold(v, "false"))
	case "int":
		n, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || n != math.Trunc(n) || n > math.MaxInt32 || n < math.MinInt32 {
			return nil, false
		}
		return json.Number(strconv.FormatInt(int64(n), 10)), true
	case "double", "currency", "percent", "long":
		return encodeNumber(strings.TrimSpace(v))
	case "date":
		return encodeDate(v)
	case "datetime":
		return encodeDatetime(v)
	}
	return v, true
}

// encodeNumber keeps a decimal's digits (currency has up to 18) where they are
// already a JSON number.
func encodeNumber(v string) (any, bool) {
	n, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(n) || math.IsInf(n, 0) {
		return nil, false
	}
	if jsonNumber.MatchString(v) {
		return json.Number(v), true
	}
	return json.Number(strconv.FormatFloat(n, 'f', -1, 64)), true
}

// encodeDate takes YYYY-MM-DD, or epoch milliseconds at midnight UTC (the form HubSpot
// and some exports use), and sends YYYY-MM-DD (reference §3.4 "Writing datetimes").
func encodeDate(v string) (any, bool) {
	if _, err := time.Parse(time.DateOnly, v); err == nil {
		return v, true
	}
	ms, err := strconv.ParseInt(v, 10, 64)
	if err != nil || ms%(24*60*60*1000) != 0 {
		return nil, false
	}
	return time.UnixMilli(ms).UTC().Format(time.DateOnly), true
}

// encodeDatetime takes RFC 3339, Salesforce's own colon-less offset, or epoch
// milliseconds, and sends the documented yyyy-MM-ddTHH:mm:ss.SSSZ (the org keeps
// seconds).
func encodeDatetime(v string) (any, bool) {
	t, err := parseDatetime(v)
	if err != nil {
		ms, perr := strconv.ParseInt(v, 10, 64)
		if perr != nil {
			return nil, false
		}
		t = time.UnixMilli(ms)
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z"), true
}
