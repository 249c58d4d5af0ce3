package upstream

import "errors"

// OutcomeUnknown reports whether err leaves open whether the call took effect: its
// request was written (Error.Sent) and no answer proves that it was refused. That is
// so when
//   - no answer came: a transport error, a timeout or a context cancellation or
//     deadline after the request was written (Status 0);
//   - the answer is a server failure (a 5xx of class unavailable: 500, 502, 503, 504
//     …), which a gateway or the server may send after the change was committed;
//   - a 2xx answer could not be read (class unavailable): the server took the call,
//     but what it did with each record is lost.
//
// It is false for nil; for an error that carries no *Error, which as far as anyone
// knows was never sent; for calls never sent (a dial error, an open breaker, a
// limiter wait or an authentication that failed or was cancelled first); and for
// definite answers: any 4xx, 429 and 401 included, and a 5xx that names a rate limit
// (a refusal, not a failure).
//
// A caller that gets true for a write must not take the write as refused: it keeps
// what it needs to settle the outcome, for example by reading the records back.
func OutcomeUnknown(err error) bool {
	e, ok := errors.AsType[*Error](err)
	if !ok || !e.Sent {
		return false
	}
	switch {
	case e.Status == 0:
		return true
	case e.Status >= 500, e.Status >= 200 && e.Status <= 299:
		return e.Class == ClassUnavailable
	}
	return false
}
