package server

import (
	"net/http/pprof"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// opsRoutes registers what operators read:
//
//	GET /metrics                  Prometheus metrics (admin token; metrics.go)
//	GET /debug/pprof/...          the Go profiler (admin token)
//	GET /api/openapi.json         the API's OpenAPI 3.1 document (openapi.go)
//
// pprof's handlers come from net/http/pprof, whose import also registers
// them on http.DefaultServeMux; serve never serves that mux, so they are
// reachable only here, behind the token.
func (s *Server) opsRoutes(r *gin.Engine) {
	r.GET("/metrics", s.requireAdmin, gin.WrapH(promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{
		ErrorLog:          s.errLog,
		Registry:          s.metrics.reg, // promhttp_metric_handler_errors_total
		EnableOpenMetrics: true,
	})))
	g := r.Group("/debug/pprof", s.requireAdmin)
	g.GET("/", gin.WrapF(pprof.Index))
	g.GET("/cmdline", gin.WrapF(pprof.Cmdline))
	g.GET("/profile", gin.WrapF(pprof.Profile))
	g.GET("/symbol", gin.WrapF(pprof.Symbol))
	g.POST("/symbol", gin.WrapF(pprof.Symbol))
	g.GET("/trace", gin.WrapF(pprof.Trace))
	// heap, goroutine, allocs, block, mutex, threadcreate
	g.GET("/:name", func(c *gin.Context) { pprof.Handler(c.Param("name")).ServeHTTP(c.Writer, c.Request) })
	r.GET("/api/openapi.json", s.openAPI)
}

// Registry returns the server's Prometheus registry, for the caller to add
// collectors of its own (suggest, recommendation models).
func (s *Server) Registry() prometheus.Registerer { return s.metrics.reg }
