package server

import (
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"shopsearch/query"
)

// Capacities of the console's query logs.
const (
	zeroLogCapacity = 2000
	topLogCapacity  = 2000
)

// consoleStats is what the console's dashboards read: the searches
// shoppers made that found items and the queries that found nothing. The engine's own
// query log counts every first-page request, corrections' failed first
// tries included, so the dashboard does not read it.
type consoleStats struct {
	top, zero *query.QueryLog
}

func newConsoleStats() *consoleStats {
	return &consoleStats{top: query.NewQueryLog(topLogCapacity), zero: query.NewQueryLog(zeroLogCapacity)}
}

// consoleRoutes registers the console's admin endpoints:
//
//	GET /api/admin/stats/queries?n=20   top queries and zero-result queries
func (s *Server) consoleRoutes(r *gin.Engine) {
	if s.stats == nil {
		s.stats = newConsoleStats()
	}
	g := r.Group("/api/admin/stats", s.requireAdmin)
	g.GET("/queries", s.queryStats)
}

// queryStats serves GET /api/admin/stats/queries: the n (default 20, at
// most 1000) most searched queries and the n most searched of those that
// found nothing, since the server started, and the searches by outcome
// as the metrics registry counts them (shopsearch_searches_total: the
// dashboard's zero-result rate). A query is no metric label, so the query
// logs stay.
func (s *Server) queryStats(c *gin.Context) {
	p := &params{v: c.Request.URL.Query()}
	n := p.integer("n", 1, 1000)
	if p.err != nil {
		s.fail(c, p.err)
		return
	}
	if n == 0 {
		n = 20
	}
	v, err := s.metrics.view()
	if err != nil {
		s.fail(c, err)
		return
	}
	s.respond(c, http.StatusOK, gin.H{"top": s.stats.top.Top(n), "zero": s.stats.zero.Top(n), "searches": v.searchOutcomes()})
}

// countSearches runs before the search handler: a shopper's first-page
// search answered 200 is counted in the top log when it found items and in
// the zero-result log when it found nothing. Searches with the admins'
// debugging parameters are not, nor corrected ones (correct.go): the
// input found nothing by itself, yet the shopper was served, and nobody
// typed the correction.
func (s *Server) countSearches(c *gin.Context) {
	w := &totalWriter{ResponseWriter: c.Writer, total: -1}
	c.Writer = w
	c.Next()
	c.Writer = w.ResponseWriter
	if w.Status() != http.StatusOK || w.total < 0 || s.stats == nil {
		return
	}
	v, err := url.ParseQuery(c.Request.URL.RawQuery)
	if err != nil || v.Get("explain") != "" || v.Get("profile") != "" || (v.Get("page") != "" && v.Get("page") != "1") {
		return
	}
	if w.Header().Get(correctedHeader) != "" {
		return // the input found nothing by itself, and nobody typed its correction
	}
	q := query.NormalizeQuery(v.Get("q"))
	if q == "" {
		return
	}
	if w.total == 0 {
		s.stats.zero.Add(q)
	} else {
		s.stats.top.Add(q)
	}
}

// totalWriter reads the "total" of the search response it writes (the
// response is written whole in one call).
type totalWriter struct {
	gin.ResponseWriter
	total int
	wrote bool
}

func (w *totalWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.wrote = true
		w.total = searchTotal(b)
	}
	return w.ResponseWriter.Write(b)
}
