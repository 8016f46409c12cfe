package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"shopsearch/models"
	"shopsearch/query"
	"shopsearch/suggest"
)

// Limits of the suggest parameters other than q and n, which the
// suggester checks.
const (
	maxSuggestCats = 20  // cat values
	maxSuggestUser = 128 // bytes of user
)

// Suggester is what the search-box routes need; *suggest.Suggester is one.
type Suggester interface {
	Suggest(req suggest.Request) (suggest.Response, error)
	Hot() suggest.Hot
	Merch() suggest.Merch
	SetMerch(m suggest.Merch) (suggest.Merch, error)
	Rebuild(ctx context.Context) (suggest.BuildStats, error)
	Pinyin(text string) string // for query correction (correct.go)
}

// NewWithSuggest is New plus the search-box routes, served by sg:
//
//	GET  /api/suggest?q=&n=&user=&cat=   the drop-down (empty q: hot searches)
//	GET  /api/hot                        hot searches and the search-box hint
//	GET  /api/admin/suggest/config       the merchandisers' lists (admin token)
//	PUT  /api/admin/suggest/config
//	POST /api/admin/suggest/rebuild      rebuild the suggest index now
//
// With a nil sg it is New.
func NewWithSuggest(cfg Config, engine *query.Engine, sg Suggester) *Server {
	s := New(cfg, engine)
	if sg == nil {
		return s
	}
	h := &suggestAPI{s: s, sg: sg}
	s.correct = suggestCorrector(sg)
	r := s.router
	r.GET("/api/suggest", h.suggest)
	r.GET("/api/hot", h.hot)
	admin := r.Group("/api/admin/suggest", s.requireAdmin)
	admin.GET("/config", h.getConfig)
	admin.PUT("/config", h.putConfig)
	admin.POST("/rebuild", h.rebuild)
	return s
}

// suggestAPI holds the search-box handlers.
type suggestAPI struct {
	s  *Server
	sg Suggester
}

// suggest serves GET /api/suggest.
func (h *suggestAPI) suggest(c *gin.Context) {
	v, err := url.ParseQuery(c.Request.URL.RawQuery)
	if err != nil {
		h.s.fail(c, models.Errorf(models.EINVALID, "malformed query string: %v", err))
		return
	}
	p := &params{v: v}
	req := suggest.Request{Q: p.one("q"), User: p.one("user")}
	p.limit("user", len(req.User), maxSuggestUser, "bytes")
	if n := p.one("n"); n != "" {
		if req.N, err = strconv.Atoi(n); err != nil || req.N < 1 {
			p.fail(invalid("n", "want a whole number of suggestions, got %q", clip(n)))
		}
	}
	for _, cat := range v["cat"] {
		if cat = p.text("cat", cat); cat != "" {
			p.limit("cat", utf8.RuneCountInString(cat), maxCategoryRunes, "characters")
			req.Categories = append(req.Categories, cat)
		}
	}
	p.limit("cat", len(req.Categories), maxSuggestCats, "values")
	if p.err != nil {
		h.s.fail(c, p.err)
		return
	}
	resp, err := h.sg.Suggest(req)
	if err != nil {
		h.s.fail(c, err)
		return
	}
	h.s.respond(c, http.StatusOK, resp)
}

// hot serves GET /api/hot.
func (h *suggestAPI) hot(c *gin.Context) {
	h.s.respond(c, http.StatusOK, h.sg.Hot())
}

// getConfig serves GET /api/admin/suggest/config.
func (h *suggestAPI) getConfig(c *gin.Context) {
	h.s.respond(c, http.StatusOK, h.sg.Merch())
}

// putConfig serves PUT /api/admin/suggest/config: the whole configuration,
// as GET returns it (version and updated_at are set by the server).
func (h *suggestAPI) putConfig(c *gin.Context) {
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		h.s.fail(c, fmt.Errorf("read request body: %w", err))
		return
	}
	var m suggest.Merch
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		h.s.fail(c, models.Errorf(models.EINVALID, "invalid suggest config: %v", err))
		return
	}
	if dec.More() {
		h.s.fail(c, models.Errorf(models.EINVALID, "invalid suggest config: data after the JSON object"))
		return
	}
	saved, err := h.s.setSuggestConfig(c.Request.Context(), h.sg, m) // on every replica (replicate.go)
	if err != nil {
		h.s.fail(c, err)
		return
	}
	h.s.respond(c, http.StatusOK, saved)
}

// rebuild serves POST /api/admin/suggest/rebuild: it builds the index now
// and answers with the build's figures.
func (h *suggestAPI) rebuild(c *gin.Context) {
	stats, err := h.sg.Rebuild(c.Request.Context())
	if err != nil {
		h.s.fail(c, err)
		return
	}
	h.s.respond(c, http.StatusOK, stats)
}

// ObserveSearches wraps the API handler so that every first-page GET
// /api/search answered 200 is counted by obs, with the total the response
// reports (-1 when it cannot be read; the suggest build then checks the
// query itself). A corrected search (correct.go) is observed as the input
// finding nothing, and its correction not at all: nobody typed it.
func ObserveSearches(next http.Handler, obs interface {
	Observe(query string, results int, at time.Time)
}, now func() time.Time) http.Handler {
	if now == nil {
		now = time.Now
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.URL.Path != "/api/search" {
			next.ServeHTTP(w, r)
			return
		}
		sw := &sniffWriter{ResponseWriter: w, status: http.StatusOK, total: -1}
		next.ServeHTTP(sw, r)
		if sw.status != http.StatusOK {
			return
		}
		v, err := url.ParseQuery(r.URL.RawQuery)
		if err != nil || v.Get("q") == "" || (v.Get("page") != "" && v.Get("page") != "1") {
			return
		}
		now := now()
		if to, err := url.QueryUnescape(sw.Header().Get(correctedHeader)); err == nil && to != "" {
			// The typed query found nothing by itself; what was searched
			// instead is not what the shopper typed. Neither is a hot
			// search: only searches shoppers made that found items count.
			obs.Observe(v.Get("q"), 0, now)
			return
		}
		obs.Observe(v.Get("q"), sw.total, now)
	})
}

// sniffWriter records the status of a response and the "total" of a
// search response's JSON, which the first write holds whole.
type sniffWriter struct {
	http.ResponseWriter
	status int
	total  int
	wrote  bool
}

func (w *sniffWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *sniffWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.wrote = true
		w.total = searchTotal(b)
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *sniffWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// searchTotal reads the "total" field of a search response, -1 when there
// is none. Inside a JSON string a quote is escaped, so the first `,"total":`
// is the field.
func searchTotal(body []byte) int {
	const field = `,"total":`
	i := bytes.Index(body, []byte(field))
	if i < 0 {
		return -1
	}
	rest := body[i+len(field):]
	j := 0
	for j < len(rest) && '0' <= rest[j] && rest[j] <= '9' {
		j++
	}
	n, err := strconv.Atoi(string(rest[:j]))
	if err != nil {
		return -1
	}
	return n
}
