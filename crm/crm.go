package crm

import (
	"context"
	"iter"
	"time"
)

// Record is one CRM object as the adapter read it. Fields holds the values of the
// requested properties in the CRM's string encoding ("" means empty).
type Record struct {
	ID         string
	Fields     map[string]string
	ModifiedAt time.Time
	// MergedIDs are ids this record absorbed (HubSpot merges); the connector moves
	// state kept under them onto ID.
	MergedIDs []string
	// Deleted says the CRM holds the record only in its recycle bin: deleted, or
	// merged into another record. A Getter may report such records so that the
	// connector drops their state instead of retrying them; change streams never hand
	// them out.
	Deleted bool
}

// Cursor is an adapter-owned, opaque position in an object's change stream. The
// connector stores it and hands it back verbatim; "" means "from the beginning".
type Cursor string

// Page is one batch of changed records with the cursor that resumes right after it.
type Page struct {
	Records []Record
	Next    Cursor
	// Total is the number of records the adapter expects in the whole read, or -1
	// when the CRM does not say. Used for progress only.
	Total int
}

// Filter narrows a read; adapters push it into the CRM's query.
type Filter struct {
	// Missing lists fields that must be empty.
	Missing []string
	// Equals lists fields that must equal a value.
	Equals map[string]string
}

// ChangesRequest asks a Source for the records of one object changed after Since.
type ChangesRequest struct {
	Object   string
	Since    Cursor
	Fields   []string
	Filter   Filter
	PageSize int // 0: the adapter's maximum
}

// Source reads changed records page by page, oldest first. The sequence stops at the
// first error, which it yields once.
type Source interface {
	Changes(ctx context.Context, req ChangesRequest) iter.Seq2[Page, error]
}

// Patch is the set of field values to write to one record.
type Patch struct {
	RecordID string
	Fields   map[string]string
}

// FieldError says why one field of one record was refused.
type FieldError struct {
	Field   string
	Code    string // the CRM's code, e.g. INVALID_OPTION
	Message string
}

// WriteResult is the outcome of one patch. Err is nil when every field was written;
// otherwise it is a classified error (see ClassOf) and FieldErrors names the fields.
type WriteResult struct {
	RecordID    string
	Err         error
	FieldErrors []FieldError
	// ModifiedAt is the record's modification time after the write, when the CRM
	// returns it; the connector uses it to recognise its own echo.
	ModifiedAt time.Time
}

// Sink writes patches in batches of at most BatchSize. Per-record failures are in the
// results; the error is for a batch that failed as a whole. Where OutcomeUnknown holds
// for the error or a record's Err, the write went out and may have taken effect.
type Sink interface {
	BatchSize() int
	Write(ctx context.Context, object string, patches []Patch) ([]WriteResult, error)
}

// Schema describes the fields of one CRM object.
type Schema struct {
	Object string
	Fields map[string]FieldSchema
}

// FieldSchema is one field's metadata, as the CRM reports it.
type FieldSchema struct {
	Name       string
	Label      string
	Type       string   // string, number, date, datetime, enumeration, bool, phone_number
	FieldType  string   // UI type (text, select, …), informational
	Options    []string // allowed values of an enumeration
	ReadOnly   bool
	Calculated bool
	MaxLength  int // 0: unknown or unlimited
}

// SchemaReader reads an object's field metadata.
type SchemaReader interface {
	Schema(ctx context.Context, object string) (Schema, error)
}

// Getter reads records by id. The connector needs it to retry parked records whose
// version the change stream will not hand out again, and to read back writes whose
// outcome is unknown.
type Getter interface {
	Get(ctx context.Context, object string, ids, fields []string) ([]Record, error)
}

// Adapter is what a CRM connection provides to the connector.
type Adapter interface {
	Source
	Sink
	SchemaReader
	Getter
}
