// Package server is the HTTP API of shopsearch (gin): it validates requests,
// calls the engine (and, for recommendations, recall.Service) and maps
// domain errors to HTTP statuses in one table.
package server

import (
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"fmt"
	"io"
	"log"
	"log/slog"
	"mime"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"shopsearch/models"
	"shopsearch/query"
)

// Config holds the server's limits and settings. Zero fields take the
// values of DefaultConfig, the one place defaults live.
type Config struct {
	// AdminToken is the bearer token the write endpoints require. When it is
	// empty, writes are refused.
	AdminToken string

	// Logger gets one access line per request when AccessLog is set
	// (observe.go) and the internal errors and panics. nil: text lines on
	// ErrorLog, os.Stderr when that is nil too.
	Logger    *slog.Logger
	AccessLog bool
	ErrorLog  io.Writer

	MaxURLBytes     int           // longest request URI (path and query string)
	MaxBodyBytes    int64         // largest request body
	MaxCatalogBytes int64         // largest catalog upload (POST /api/admin/catalog)
	MaxUpsert       int           // most products in one upsert
	MaxQueryRunes   int           // longest q
	MaxPageSize     int           // largest size
	DefaultPageSize int           // size when none is given
	MaxResults      int           // (page-1)*size must stay below this
	MaxBrands       int           // most brand filter values
	SearchTimeout   time.Duration // a search taking longer fails with 503

	// Now is the server's clock: rule and pin windows, item age, slot
	// selection, rate limits and event times read it (time.Now when nil).
	// cmd passes the same clock to the stores and the event intake.
	Now func() time.Time
}

// DefaultConfig returns the defaults. The search limits are the engine's.
func DefaultConfig() Config {
	qc := query.DefaultConfig()
	return Config{
		MaxURLBytes:     4 << 10,
		MaxBodyBytes:    8 << 20,
		MaxCatalogBytes: 4 << 30,
		MaxUpsert:       10_000,
		MaxQueryRunes:   qc.MaxQueryRunes,
		MaxPageSize:     qc.MaxPageSize,
		DefaultPageSize: qc.DefaultPageSize,
		MaxResults:      qc.MaxResults,
		MaxBrands:       50,
		SearchTimeout:   10 * time.Second,
	}
}

func (c *Config) defaults() {
	def := DefaultConfig()
	if c.MaxURLBytes <= 0 {
		c.MaxURLBytes = def.MaxURLBytes
	}
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = def.MaxBodyBytes
	}
	if c.MaxCatalogBytes <= 0 {
		c.MaxCatalogBytes = def.MaxCatalogBytes
	}
	if c.MaxUpsert <= 0 {
		c.MaxUpsert = def.MaxUpsert
	}
	if c.MaxQueryRunes <= 0 {
		c.MaxQueryRunes = def.MaxQueryRunes
	}
	if c.MaxPageSize <= 0 {
		c.MaxPageSize = def.MaxPageSize
	}
	if c.DefaultPageSize <= 0 || c.DefaultPageSize > c.MaxPageSize {
		c.DefaultPageSize = min(def.DefaultPageSize, c.MaxPageSize)
	}
	if c.MaxResults <= 0 {
		c.MaxResults = def.MaxResults
	}
	if c.MaxBrands <= 0 {
		c.MaxBrands = def.MaxBrands
	}
	if c.SearchTimeout <= 0 {
		c.SearchTimeout = def.SearchTimeout
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// Server serves the API over one engine.
type Server struct {
	cfg      Config
	engine   *query.Engine
	router   *gin.Engine
	log      *slog.Logger // access lines and errors (observe.go)
	errLog   *log.Logger  // log's handler at level ERROR, for Printf-style error lines
	metrics  *metrics     // the server's own Prometheus registry (metrics.go)
	tokenSum [sha256.Size]byte
	stats    *consoleStats // zero-result queries for the console (console.go)
	events   *eventsAPI    // nil without WithEvents (events.go)
	correct  corrector     // query correction; nil without a suggester (correct.go)
	checks   []healthCheck // WithHealthCheck's, for /healthz
	repl     *replication  // the replication stream; nil: writes apply here alone (replicate.go)
}

// healthCheck is a named check of /healthz (WithHealthCheck).
type healthCheck struct {
	name  string
	check func() string
}

//go:embed web
var web embed.FS // the storefront, the console and their static files (web.go)

// New returns a server over engine. The engine stays the caller's to close.
func New(cfg Config, engine *query.Engine) *Server {
	cfg.defaults()
	s := &Server{cfg: cfg, engine: engine, tokenSum: sha256.Sum256([]byte(cfg.AdminToken))}
	s.log = newLogger(cfg)
	s.errLog = slog.NewLogLogger(s.log.Handler(), slog.LevelError)
	s.metrics = newMetrics(s)

	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.HandleMethodNotAllowed = true
	r.RedirectTrailingSlash = false
	r.UseRawPath = true // so that an id may hold an escaped slash (%2F)
	r.UnescapePathValues = true
	_ = r.SetTrustedProxies(nil) // log the peer's address, not X-Forwarded-For; nil cannot fail
	r.Use(s.observe, s.recoverPanics, s.limitRequest)
	r.NoRoute(func(c *gin.Context) {
		s.fail(c, models.Errorf(models.ENOTFOUND, "no route for %s %s", c.Request.Method, c.Request.URL.Path))
	})
	r.NoMethod(func(c *gin.Context) {
		s.fail(c, errMethod(c.Request.Method, c.Writer.Header().Get("Allow")))
	})

	s.webRoutes(r) // /, /admin, /static/ and /api/admin/stats (web.go, console.go)
	r.GET("/healthz", s.health)
	r.GET("/api/search", s.countSearches, s.search)
	r.GET("/api/items/:id", s.getItem)
	admin := r.Group("/api/items", s.requireAdmin)
	admin.POST("", s.upsertItems)
	admin.DELETE("/:id", s.deleteItem)
	s.patchRoutes(admin)                // PATCH /:id, POST /_update (patch.go)
	s.adminRoutes(r)                    // /api/admin: profiles, rules, preview (admin.go)
	r.POST(catalogPath, s.buildCatalog) // a build handed to this server (catalog.go)
	s.opsRoutes(r)                      // /metrics, /debug/pprof/ and /api/openapi.json (ops.go)
	// /api/suggest, /api/hot and /api/admin/suggest: NewWithSuggest (suggest.go).
	s.router = r
	return s
}

// Handler returns the HTTP handler of the API.
func (s *Server) Handler() http.Handler { return s.router }

// WithHealthCheck adds a check to /healthz: check returns "" while the part
// it names is fine, else what is degraded and why; /healthz then answers
// "degraded" (with 200: the server still serves) and the message under
// degraded[name]. serve adds one for a Redis it could not reach at start.
// Call it before serving.
func (s *Server) WithHealthCheck(name string, check func() string) *Server {
	s.checks = append(s.checks, healthCheck{name, check})
	return s
}

func (s *Server) health(c *gin.Context) {
	h := healthBody{Status: "ok", Products: s.engine.Store().Live()}
	if s.events != nil { // "degraded" while the behaviour store is unreachable (events.go)
		var degraded bool
		degraded, h.Events = s.events.health()
		if degraded {
			h.Status = "degraded"
		}
	}
	for _, hc := range s.checks {
		if msg := hc.check(); msg != "" {
			if h.Degraded == nil {
				h.Degraded = map[string]string{}
			}
			h.Degraded[hc.name] = msg
			h.Status = "degraded"
		}
	}
	s.respond(c, http.StatusOK, h)
}

// recoverPanics turns a panic in a handler into a 500 with the JSON error
// shape, logging the panic and its stack.
func (s *Server) recoverPanics(c *gin.Context) {
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		if v == http.ErrAbortHandler { // the handler asked to drop the connection
			panic(v)
		}
		s.logError(c, "panic", fmt.Sprintf("%v\n%s", v, debug.Stack()))
		if !c.Writer.Written() {
			s.respondError(c, http.StatusInternalServerError, models.EINTERNAL, "internal error")
		}
		c.Abort()
	}()
	c.Next()
}

// limitRequest enforces the URI and body size caps.
func (s *Server) limitRequest(c *gin.Context) {
	uri := c.Request.RequestURI
	if uri == "" { // a request built in-process rather than read from a client
		uri = c.Request.URL.RequestURI()
	}
	if n := len(uri); n > s.cfg.MaxURLBytes {
		s.fail(c, models.Errorf(models.ETOOLARGE, "the URL is %d bytes long; the limit is %d", n, s.cfg.MaxURLBytes))
		return
	}
	if c.Request.Body != nil && c.FullPath() != catalogPath { // a catalog has its own limit
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, s.cfg.MaxBodyBytes)
	}
	c.Header("X-Content-Type-Options", "nosniff")
	c.Next()
}

// requireAdmin lets a request through only with the admin bearer token,
// and a write with a body only when the body is JSON (requireJSON).
func (s *Server) requireAdmin(c *gin.Context) {
	if err := s.checkAdmin(c); err != nil {
		s.fail(c, err)
		return
	}
	if err := requireJSON(c.Request); err != nil {
		s.fail(c, err)
		return
	}
	c.Next()
}

// requireJSON refuses a POST, PUT or PATCH with a body whose Content-Type
// is not application/json (parameters such as charset=utf-8 allowed, and
// the application/*+json family): a form or text/plain body that happens
// to parse as JSON is a client's mistake to report, not to guess at.
func requireJSON(r *http.Request) error {
	switch r.Method {
	case http.MethodPost, http.MethodPut, http.MethodPatch:
	default:
		return nil
	}
	if r.ContentLength == 0 || r.Body == nil || r.Body == http.NoBody {
		return nil // rollback, rebuild: no body to type
	}
	ct := r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if err == nil && (mt == "application/json" || strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json")) {
		return nil
	}
	return &mediaTypeError{got: ct}
}

// checkAdmin returns an error unless the request carries the admin bearer
// token.
func (s *Server) checkAdmin(c *gin.Context) error {
	if s.cfg.AdminToken == "" {
		return models.Errorf(models.EUNAUTHORIZED,
			"writes and the admin API are disabled: start serve with --admin-token or SHOPSEARCH_ADMIN_TOKEN set")
	}
	scheme, token, _ := strings.Cut(c.GetHeader("Authorization"), " ")
	sum := sha256.Sum256([]byte(strings.TrimSpace(token)))
	// Comparing digests keeps the comparison constant-time whatever the
	// length of the token sent.
	if !strings.EqualFold(scheme, "Bearer") || subtle.ConstantTimeCompare(sum[:], s.tokenSum[:]) != 1 {
		c.Header("WWW-Authenticate", `Bearer realm="shopsearch"`)
		return models.Errorf(models.EUNAUTHORIZED, "missing or wrong admin token (Authorization: Bearer <token>)")
	}
	return nil
}
