package httpx

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/leadsync/leadsync/crm"
)

// EncodeCursor stores an adapter's position as an opaque cursor: the position's JSON
// object with the version of its layout as "v". p must be a struct of plain fields,
// which cannot fail to encode; anything else is a programming error and panics.
func EncodeCursor(version int, p any) crm.Cursor {
	b, err := json.Marshal(p)
	if err != nil || len(b) < 2 || b[0] != '{' {
		panic(fmt.Sprintf("httpx: cursor position %T is not a JSON object", p))
	}
	head := `{"v":` + strconv.Itoa(version)
	if len(b) > 2 {
		head += ","
	}
	return crm.Cursor(head + string(b[1:]))
}

// DecodeCursor reads a cursor EncodeCursor wrote with this version; "" is the zero
// position (the beginning). Anything else, or another version, is refused with an
// error naming the adapter.
func DecodeCursor[P any](adapter string, version int, c crm.Cursor) (P, error) {
	var p P
	if c == "" {
		return p, nil
	}
	var env struct {
		Version int `json:"v"`
	}
	if err := json.Unmarshal([]byte(c), &env); err != nil {
		return p, fmt.Errorf("not a %s cursor: %w", adapter, err)
	}
	if env.Version != version {
		return p, fmt.Errorf("unknown %s cursor version %d", adapter, env.Version)
	}
	if err := json.Unmarshal([]byte(c), &p); err != nil {
		return p, fmt.Errorf("not a %s cursor: %w", adapter, err)
	}
	return p, nil
}
