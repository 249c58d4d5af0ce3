package upstream_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/leadsync/leadsync/crm/upstream"
)

func TestClassOf(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want upstream.Class
	}{
		{"nil", nil, upstream.ClassNone},
		{"carried", fmt.Errorf("x: %w", &upstream.Error{Class: upstream.ClassCredits}), upstream.ClassCredits},
		{"cancellation", fmt.Errorf("x: %w", context.Canceled), upstream.ClassCanceled},
		{"deadline", context.DeadlineExceeded, upstream.ClassUnavailable},
		{"network", &net.OpError{Op: "dial", Err: errors.New("refused")}, upstream.ClassUnavailable},
		{"unknown", errors.New("boom"), upstream.ClassUnavailable},
	}
	for _, tt := range tests {
		if got := upstream.ClassOf(tt.err); got != tt.want {
			t.Errorf("%s: ClassOf = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestErrorText(t *testing.T) {
	err := &upstream.Error{Service: "hubspot", Op: "update contacts", Class: upstream.ClassRateLimited,
		Status: 429, Code: "DAILY", Message: "daily limit", RetryAfter: time.Minute, Err: errors.New("x")}
	const want = "hubspot: update contacts: rate_limited (HTTP 429 DAILY): daily limit: x"
	if err.Error() != want {
		t.Errorf("Error() = %q, want %q", err, want)
	}
	if got := upstream.RetryAfter(fmt.Errorf("w: %w", err)); got != time.Minute {
		t.Errorf("RetryAfter = %v, want 1m", got)
	}
}
