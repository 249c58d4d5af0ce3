// Package web serves leadsync's status pages: pipelines, runs with their field-level
// changes, and parked records, as server-rendered HTML that needs no JavaScript.
package web

import (
	"bytes"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/leadsync/leadsync/state"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed assets
var assetFS embed.FS

// Options tune the pages; the zero value is usable.
type Options struct {
	// ShowValues shows the old and new values of written fields and Lusha ids on
	// run pages. Off by default: personal data then appears only as CRM record ids
	// and field names.
	ShowValues bool
	// Now is the clock for relative times ("3m ago"); time.Now when nil.
	Now func() time.Time
	// Location displays absolute times; UTC when nil.
	Location *time.Location
	// ChartWindow is how far back the runs chart reaches; 7 days when 0.
	ChartWindow time.Duration
	// RecentRuns is the number of rows in the recent-runs table; 20 when 0.
	RecentRuns int
	// MaxChanges caps the ledger rows on a run page; 1000 when 0.
	MaxChanges int
	// MaxParked caps the rows of the parked-records page; 500 when 0.
	MaxParked int
	// Refresh makes the overview reload itself (a meta refresh, no script); off when 0.
	Refresh time.Duration
	// Logger receives the errors of the Source, which pages do not show; discard when nil.
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Location == nil {
		o.Location = time.UTC
	}
	if o.ChartWindow <= 0 {
		o.ChartWindow = 7 * 24 * time.Hour
	}
	if o.RecentRuns <= 0 {
		o.RecentRuns = 20
	}
	if o.MaxChanges <= 0 {
		o.MaxChanges = 1000
	}
	if o.MaxParked <= 0 {
		o.MaxParked = 500
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

type server struct {
	src   Source
	opts  Options
	pages map[string]*template.Template
}

// New returns the status pages: / (pipelines, the runs chart and the credits per
// day), /pipelines/{name} (one pipeline: breakers, fill rates), /runs/{id} (one
// run and its changes), /parked[?pipeline=] (the retry queue) and /assets/. Mount
// it at the root of the daemon's mux; more specific routes (/metrics, /healthz)
// registered beside it take precedence.
func New(src Source, opts Options) http.Handler {
	s := &server{src: src, opts: opts.withDefaults()}
	s.pages = parsePages(s.funcs())
	assets, _ := fs.Sub(assetFS, "assets") // cannot fail: the directory is embedded
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.overview)
	mux.HandleFunc("GET /pipelines/{name}", s.pipeline)
	mux.HandleFunc("GET /runs/{id}", s.run)
	mux.HandleFunc("GET /parked", s.parked)
	mux.Handle("GET /assets/", http.StripPrefix("/assets/", http.FileServerFS(assets)))
	mux.HandleFunc("/", s.notFound)
	return securityHeaders(mux)
}

// parsePages parses each page together with the shared layout. The templates are
// embedded, so a parse error is a bug that every test catches.
func parsePages(funcs template.FuncMap) map[string]*template.Template {
	pages := map[string]*template.Template{}
	for _, name := range []string{"overview", "pipeline", "run", "parked", "error"} {
		pages[name] = template.Must(template.New(name).Funcs(funcs).
			ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html"))
	}
	return pages
}

// securityHeaders forbids every external request (the page loads only its own
// stylesheet) and framing, so the page works offline and cannot be embedded.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		next.ServeHTTP(w, r)
	})
}

// common is what the layout needs on every page.
type common struct {
	Title   string
	Refresh int // seconds; 0 for none
	Now     time.Time
}

// render executes a page into a buffer first, so a template error becomes a 500
// instead of half a page.
func (s *server) render(w http.ResponseWriter, status int, page string, data any) {
	var buf bytes.Buffer
	if err := s.pages[page].ExecuteTemplate(&buf, "layout", data); err != nil {
		s.opts.Logger.Error("status page: render", "page", page, "err", err)
		http.Error(w, "internal error rendering the page", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes()) // the client went away; nothing to do
}

type errorPage struct {
	common
	Status  int
	Message string
}

func (s *server) fail(w http.ResponseWriter, status int, message string) {
	s.render(w, status, "error", errorPage{
		common: common{Title: http.StatusText(status), Now: s.opts.Now()}, Status: status, Message: message})
}

// sourceFailed answers a Source error: 404 for an unknown run, else 500. The
// detail goes to the log only, never to the page.
func (s *server) sourceFailed(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, ErrNotFound) || errors.Is(err, state.ErrNoRun) {
		s.fail(w, http.StatusNotFound, "No such run.")
		return
	}
	s.opts.Logger.Error("status page: read status", "path", r.URL.Path, "err", err)
	s.fail(w, http.StatusInternalServerError, "The status could not be read; the daemon's log has the details.")
}

func (s *server) notFound(w http.ResponseWriter, _ *http.Request) {
	s.fail(w, http.StatusNotFound, "No such page.")
}
