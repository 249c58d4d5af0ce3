package httpx_test

import (
	"math"
	"net/http"
	"testing"
	"time"

	"github.com/leadsync/leadsync/crm/internal/httpx"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name, value string
		want        time.Duration
	}{
		{"absent", "", 0},
		{"zero", "0", 0},
		{"seconds", "7", 7 * time.Second},
		{"seconds with space", " 120 ", 2 * time.Minute},
		{"negative", "-1", 0},
		{"fraction", "1.5", 0},
		{"plus sign", "+5", 0},
		{"garbage", "soon", 0},
		{"more digits than a duration holds", "99999999999999999999", math.MaxInt64},
		{"IMF-fixdate", now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{"RFC 850 date", "Sunday, 01-Mar-26 12:05:00 GMT", 5 * time.Minute},
		{"asctime date", "Sun Mar  1 13:00:00 2026", time.Hour},
		{"date now", now.Format(http.TimeFormat), 0},
		{"date in the past", now.Add(-time.Hour).Format(http.TimeFormat), 0},
		{"date in another zone", "Sun, 01 Mar 2026 14:00:00 +0200", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := httpx.ParseRetryAfter(tt.value, now); got != tt.want {
				t.Errorf("ParseRetryAfter(%q) = %v, want %v", tt.value, got, tt.want)
			}
		})
	}
}
