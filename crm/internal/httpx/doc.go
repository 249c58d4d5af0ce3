// Package httpx is the HTTP plumbing the CRM adapters share: sending JSON calls, learning
// whether a request went out, reading answers, error excerpts, Retry-After and cursors.
package httpx
