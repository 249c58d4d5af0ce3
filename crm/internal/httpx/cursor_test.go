package httpx_test

import (
	"testing"

	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/crm/internal/httpx"
)

type pos struct {
	Watermark int64  `json:"w,omitempty"`
	ID        string `json:"id,omitempty"`
}

func TestCursorRoundTrip(t *testing.T) {
	tests := []struct {
		p    pos
		wire crm.Cursor // what stored cursors look like: it must not change
	}{
		{pos{}, `{"v":1}`},
		{pos{Watermark: 1772366400000}, `{"v":1,"w":1772366400000}`},
		{pos{Watermark: 5, ID: "42"}, `{"v":1,"w":5,"id":"42"}`},
	}
	for _, tt := range tests {
		c := httpx.EncodeCursor(1, tt.p)
		if c != tt.wire {
			t.Errorf("EncodeCursor(%+v) = %s, want %s", tt.p, c, tt.wire)
		}
		got, err := httpx.DecodeCursor[pos]("Test", 1, c)
		if err != nil || got != tt.p {
			t.Errorf("DecodeCursor(%s) = %+v, %v; want %+v", c, got, err, tt.p)
		}
	}
	if got, err := httpx.DecodeCursor[pos]("Test", 1, ""); err != nil || got != (pos{}) {
		t.Errorf(`DecodeCursor("") = %+v, %v; want the beginning`, got, err)
	}
}

func TestCursorRefusesGarbage(t *testing.T) {
	for _, c := range []crm.Cursor{"garbage", "[]", "{}", `{"v":2,"w":5}`, `{"v":"1"}`, `{"v":1,"w":"x"}`,
		`{"v":1,"w":5`, "null", `"v"`} {
		if got, err := httpx.DecodeCursor[pos]("Test", 1, c); err == nil {
			t.Errorf("DecodeCursor(%s) = %+v, want an error", c, got)
		}
	}
}

func TestEncodeCursorRefusesNonObjects(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("a position that is not a JSON object was encoded")
		}
	}()
	httpx.EncodeCursor(1, []int{1})
}
