package upstream_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"

	"github.com/leadsync/leadsync/crm/upstream"
)

func TestOutcomeUnknown(t *testing.T) {
	reset := errors.New("connection reset by peer")
	dial := &net.OpError{Op: "dial", Err: errors.New("connection refused")}
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"unclassified", errors.New("boom"), false},
		{"bare cancellation", context.Canceled, false},
		{"dial refused", &upstream.Error{Class: upstream.ClassUnavailable, Err: dial}, false},
		{"limiter wait cancelled", &upstream.Error{Class: upstream.ClassCanceled, Err: context.Canceled}, false},
		{"breaker open", &upstream.Error{Class: upstream.ClassUnavailable, Message: "breaker open"}, false},
		{"reset after the write", &upstream.Error{Class: upstream.ClassUnavailable, Sent: true, Err: reset}, true},
		{"timeout after the write", &upstream.Error{Class: upstream.ClassUnavailable, Sent: true, Err: context.DeadlineExceeded}, true},
		{"cancelled after the write", &upstream.Error{Class: upstream.ClassCanceled, Sent: true, Err: context.Canceled}, true},
		{"500", &upstream.Error{Class: upstream.ClassUnavailable, Sent: true, Status: 500}, true},
		{"502", &upstream.Error{Class: upstream.ClassUnavailable, Sent: true, Status: 502}, true},
		{"503", &upstream.Error{Class: upstream.ClassUnavailable, Sent: true, Status: 503}, true},
		{"504", &upstream.Error{Class: upstream.ClassUnavailable, Sent: true, Status: 504}, true},
		{"500 naming a rate limit", &upstream.Error{Class: upstream.ClassRateLimited, Sent: true, Status: 500}, false},
		{"unreadable 200", &upstream.Error{Class: upstream.ClassUnavailable, Sent: true, Status: 200, Message: "undecodable answer"}, true},
		{"record verdict in a 207", &upstream.Error{Class: upstream.ClassUnavailable, Status: 207}, false},
		{"400", &upstream.Error{Class: upstream.ClassInvalid, Sent: true, Status: 400}, false},
		{"401", &upstream.Error{Class: upstream.ClassAuth, Sent: true, Status: 401}, false},
		{"409", &upstream.Error{Class: upstream.ClassConflict, Sent: true, Status: 409}, false},
		{"429", &upstream.Error{Class: upstream.ClassRateLimited, Sent: true, Status: 429}, false},
		{"477 migration", &upstream.Error{Class: upstream.ClassUnavailable, Sent: true, Status: 477}, false},
		{"5xx not sent", &upstream.Error{Class: upstream.ClassUnavailable, Status: 502}, false},
		{"wrapped", fmt.Errorf("write page: %w", &upstream.Error{Class: upstream.ClassUnavailable, Sent: true}), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := upstream.OutcomeUnknown(tt.err); got != tt.want {
				t.Errorf("OutcomeUnknown(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}
