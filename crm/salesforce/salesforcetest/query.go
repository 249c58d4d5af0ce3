package salesforcetest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
)

const (
	defaultBatch = 2000
	minBatch     = 200
	// locatorTTL is how long a query's remaining pages stay available (API ≥ 56.0).
	locatorTTL = 48 * time.Hour
	// maxLocators bounds the fake's memory; the oldest snapshots go first.
	maxLocators = 50
)

// locator is the snapshot behind a nextRecordsUrl: the rows as they were when the
// query ran, so that writes between pages do not shift them.
type locator struct {
	rows    []json.RawMessage
	batch   int
	created time.Time
}

type queryResponse struct {
	TotalSize      int               `json:"totalSize"`
	Done           bool              `json:"done"`
	NextRecordsURL string            `json:"nextRecordsUrl,omitempty"`
	Records        []json.RawMessage `json:"records"`
}

func (s *Server) handleQuery(all bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query().Get("q")
		if q == "" {
			writeError(w, http.StatusBadRequest, "MALFORMED_QUERY", "A query string has to be specified")
			return
		}
		version := r.PathValue("version")
		s.mu.Lock()
		c, err := s.compile(q)
		if err != nil {
			s.mu.Unlock()
			writeError(w, http.StatusBadRequest, err.code, err.msg)
			return
		}
		rows := c.run(all)
		if c.count {
			s.mu.Unlock()
			writeJSON(w, http.StatusOK, queryResponse{TotalSize: len(rows), Done: true, Records: []json.RawMessage{}})
			return
		}
		snap := &locator{rows: make([]json.RawMessage, len(rows)), batch: batchSize(r, defaultBatch), created: s.now()}
		for i, rec := range rows {
			snap.rows[i] = render(c.object, c.fields, rec, version)
		}
		s.mu.Unlock()
		s.page(w, version, "", snap, 0)
	}
}

func (s *Server) handleMore(w http.ResponseWriter, r *http.Request) {
	id, off, ok := strings.Cut(r.PathValue("locator"), "-")
	offset, err := strconv.Atoi(off)
	s.mu.Lock()
	snap := s.locators[id]
	s.mu.Unlock()
	if !ok || err != nil || snap == nil || offset < 0 || offset > len(snap.rows) || s.now().Sub(snap.created) > locatorTTL {
		writeError(w, http.StatusBadRequest, "INVALID_QUERY_LOCATOR", "invalid query locator")
		return
	}
	s.page(w, r.PathValue("version"), id, snap, offset)
}

// page answers one batch of a snapshot, registering it under a locator when more
// remains. nextRecordsUrl echoes the API version the client used.
func (s *Server) page(w http.ResponseWriter, version, id string, snap *locator, offset int) {
	end := min(offset+snap.batch, len(snap.rows))
	resp := queryResponse{TotalSize: len(snap.rows), Done: end == len(snap.rows), Records: snap.rows[offset:end]}
	if !resp.Done {
		if id == "" {
			id = s.register(snap)
		}
		resp.NextRecordsURL = "/services/data/" + version + "/query/" + id + "-" + strconv.Itoa(end)
	}
	writeJSON(w, http.StatusOK, resp)
}

func (s *Server) register(snap *locator) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := makeID(prefixLocator, s.nextLoc)
	s.nextLoc++
	s.locators[id] = snap
	s.locOrder = append(s.locOrder, id)
	for len(s.locOrder) > maxLocators || len(s.locOrder) > 0 && s.now().Sub(s.locators[s.locOrder[0]].created) > locatorTTL {
		delete(s.locators, s.locOrder[0])
		s.locOrder = s.locOrder[1:]
	}
	return id
}

// batchSize reads Sforce-Query-Options: batchSize=N, clamped to 200..2000 as
// Salesforce treats it as a hint.
func batchSize(r *http.Request, fallback int) int {
	for opt := range strings.SplitSeq(r.Header.Get("Sforce-Query-Options"), ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(opt), "=")
		if strings.EqualFold(k, "batchSize") {
			if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
				return min(max(n, minBatch), defaultBatch)
			}
		}
	}
	return fallback
}

// render writes a record as the API does: attributes first, then the selected fields
// in SELECT order under their canonical names, each in its JSON type.
func render(o *object, fields []Field, r *record, version string) json.RawMessage {
	var b bytes.Buffer
	b.WriteString(`{"attributes":{"type":`)
	writeString(&b, o.name)
	b.WriteString(`,"url":`)
	writeString(&b, "/services/data/"+version+"/sobjects/"+o.name+"/"+r.id)
	b.WriteString("}")
	for _, f := range fields {
		b.WriteByte(',')
		writeString(&b, f.Name)
		b.WriteByte(':')
		b.Write(jsonValue(f, r.values[f.Name]))
	}
	b.WriteByte('}')
	return b.Bytes()
}

// jsonValue encodes a stored value in the field's JSON type; "" is null.
func jsonValue(f Field, v string) []byte {
	switch {
	case f.Type == "boolean":
		if v == "true" {
			return []byte("true")
		}
		return []byte("false")
	case v == "":
		return []byte("null")
	case isNumber(f.Type):
		return []byte(v)
	}
	b, _ := json.Marshal(v)
	return b
}

func writeString(b *bytes.Buffer, s string) {
	enc, _ := json.Marshal(s)
	b.Write(enc)
}
