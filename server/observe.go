package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
)

// requestIDHeader carries the request id: a client's or proxy's value is
// kept when it is sane (requestIDOK), else the server makes one; either way
// the response echoes it.
const requestIDHeader = "X-Request-Id"

// requestIDKey is the gin context key of the request id.
const requestIDKey = "shopsearch.request_id"

// unmatchedRoute is the route label of a request no route matched (404 and
// 405), so that scanners cannot grow the label set.
const unmatchedRoute = "unmatched"

// maxRequestIDBytes bounds a request id taken from a client.
const maxRequestIDBytes = 128

// observe is the first middleware: it gives the request its id, then,
// once the handlers have run, records the request in the metrics
// (metrics.go) and writes its access line.
func (s *Server) observe(c *gin.Context) {
	start := time.Now()
	id := c.GetHeader(requestIDHeader)
	if !requestIDOK(id) {
		id = newRequestID()
	}
	c.Set(requestIDKey, id)
	c.Header(requestIDHeader, id)
	s.metrics.inFlight.Inc()
	c.Next()
	s.metrics.inFlight.Dec()

	elapsed := time.Since(start)
	route := c.FullPath()
	if route == "" {
		route = unmatchedRoute
	}
	status := c.Writer.Status()
	s.metrics.observeRequest(c, route, status, elapsed)
	if !s.cfg.AccessLog {
		return
	}
	attrs := []slog.Attr{
		slog.String("request_id", id),
		slog.String("method", c.Request.Method),
		slog.String("route", route),
		slog.String("path", clipPath(c.Request.URL.Path)),
	}
	if q := loggedQuery(route, c.Request.URL.RawQuery); q != "" {
		attrs = append(attrs, slog.String("query", q))
	}
	attrs = append(attrs,
		slog.Int("status", status),
		slog.Int("bytes", max(c.Writer.Size(), 0)),
		slog.Float64("latency_ms", float64(elapsed.Microseconds())/1000),
	)
	s.log.LogAttrs(c.Request.Context(), slog.LevelInfo, "request", attrs...)
}

// requestID returns the id observe gave the request ("" outside it).
func requestID(c *gin.Context) string { return c.GetString(requestIDKey) }

// requestIDOK accepts ids of 1 to 128 bytes of letters, digits and
// -_.:/+= (UUIDs, trace ids, base64): nothing that could forge a log line
// or a header.
func requestIDOK(id string) bool {
	if id == "" || len(id) > maxRequestIDBytes {
		return false
	}
	for i := 0; i < len(id); i++ {
		switch b := id[i]; {
		case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', '0' <= b && b <= '9':
		case strings.IndexByte("-_.:/+=", b) >= 0:
		default:
			return false
		}
	}
	return true
}

// newRequestID returns 16 random hex digits.
func newRequestID() string {
	var b [8]byte
	rand.Read(b[:]) // never fails (crypto/rand)
	return hex.EncodeToString(b[:])
}

// adminRoute reports whether a route is for operators: the admin API, the
// item writes, pprof and the metrics. Their query strings are never
// logged.
func adminRoute(route string) bool {
	return strings.HasPrefix(route, "/api/admin") || strings.HasPrefix(route, "/debug/") || route == "/metrics"
}

// loggedParams are the query parameters an access line may show, for the
// public routes only: what was searched and how, never who asked (user,
// session and cart are left out) nor anything unknown.
var loggedParams = []string{"q", "page", "size", "sort", "brand", "category", "price_min", "price_max",
	"platform", "in_stock", "region", "scene", "item", "n", "device", "correct"}

// loggedQuery returns the loggable part of a public route's query string
// ("" for admin routes), clipped to 200 bytes.
func loggedQuery(route, raw string) string {
	if raw == "" || adminRoute(route) {
		return ""
	}
	v, err := url.ParseQuery(raw)
	if err != nil {
		return "(malformed)"
	}
	out := url.Values{}
	for _, k := range loggedParams {
		if vs, ok := v[k]; ok {
			out[k] = vs
		}
	}
	return clipBytes(out.Encode(), 200)
}

// clipPath shortens a logged path to 200 bytes.
func clipPath(p string) string { return clipBytes(p, 200) }

// clipBytes cuts s to at most n bytes on a rune boundary, marking the cut.
func clipBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// logError logs an internal error of a request at level ERROR with the
// request's id and route.
func (s *Server) logError(c *gin.Context, msg string, err any) {
	route := c.FullPath()
	if route == "" {
		route = unmatchedRoute
	}
	s.log.LogAttrs(context.WithoutCancel(c.Request.Context()), slog.LevelError, msg,
		slog.String("request_id", requestID(c)), slog.String("method", c.Request.Method),
		slog.String("route", route), slog.Any("error", err))
}

// newLogger returns cfg.Logger, or a text logger on cfg.ErrorLog (os.Stderr
// when nil).
func newLogger(cfg Config) *slog.Logger {
	if cfg.Logger != nil {
		return cfg.Logger
	}
	out := cfg.ErrorLog
	if out == nil {
		out = os.Stderr
	}
	return slog.New(slog.NewTextHandler(out, nil))
}
