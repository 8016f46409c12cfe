package server

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"shopsearch/models"
	"shopsearch/store/events"
)

// Events is what the event routes need: the ingester (store/events) and
// the statistics it feeds.
type Events interface {
	Ingest(ctx context.Context, evs []models.Event, ip string) (events.Result, error)
	IngestTrusted(ctx context.Context, evs []models.Event) (events.Result, error)
	Counters() events.Counters
	Item(ctx context.Context, id string) (models.ItemStats, error)
	TopQueries(ctx context.Context, days, n int) ([]models.QueryCount, error)
}

// EventsConfig holds the public event endpoint's caps. Zero fields take
// the values of DefaultEventsConfig.
type EventsConfig struct {
	MaxBody    int64   // bytes of one POST /api/events
	RatePerIP  float64 // requests a second one client address may make, on average
	BurstPerIP int     // and in a burst
	// TrustedProxies are the addresses (CIDRs or IPs) of reverse proxies in
	// front of the server: for a request from one of them the client
	// address — of the rate limit and the fraud rules — is the last
	// X-Forwarded-For entry that is not a trusted proxy. Without them it is
	// the connection's peer, so behind a proxy every shopper would share
	// the proxy's address and its limits.
	TrustedProxies []string
	// OrderKey is the secret the order system signs its events with
	// (X-Shopsearch-Signature, see signature); empty: only the admin
	// token makes events trusted.
	OrderKey []byte
	// SignatureSkew is how far a signature's time may be from now
	// (default 5 minutes): a captured request cannot be replayed later.
	SignatureSkew time.Duration
}

// DefaultEventsConfig returns the defaults: 1 MB bodies, 50 requests a
// second per address with bursts of 100.
func DefaultEventsConfig() EventsConfig {
	return EventsConfig{MaxBody: 1 << 20, RatePerIP: 50, BurstPerIP: 100, SignatureSkew: 5 * time.Minute}
}

// codeRateLimited is the code of a 429. Like a 405 it is about HTTP, not
// the domain.
const codeRateLimited = "rate_limited"

// WithEvents adds the behaviour routes, served by ev:
//
//	POST /api/events                      a batch of shopper events (no token: the storefront posts them;
//	                                      with the admin token or the order system's signature they are trusted)
//	GET  /api/admin/events/stats          accepted, rejected, dropped, buffered counters (admin token)
//	GET  /api/admin/events/items/:id      an item's windows, CTR and conversion (admin token)
//	GET  /api/admin/events/queries?days=&n=  the most searched queries of the search events (admin token)
//	GET  /api/admin/stats/slots           impressions, clicks, carts, purchases, CTR and CVR by scene and slot (admin token)
//
// and /healthz reports "degraded" while the behaviour store is
// unreachable. Call it before serving. The error is for a malformed
// TrustedProxies entry.
func (s *Server) WithEvents(ev Events, cfg EventsConfig) (*Server, error) {
	d := DefaultEventsConfig()
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = d.MaxBody
	}
	if cfg.RatePerIP <= 0 {
		cfg.RatePerIP = d.RatePerIP
	}
	if cfg.BurstPerIP <= 0 {
		cfg.BurstPerIP = d.BurstPerIP
	}
	if cfg.SignatureSkew <= 0 {
		cfg.SignatureSkew = d.SignatureSkew
	}
	proxies, err := parseProxies(cfg.TrustedProxies)
	if err != nil {
		return nil, err
	}
	h := &eventsAPI{s: s, ev: ev, cfg: cfg, limit: newRateLimit(cfg.RatePerIP, cfg.BurstPerIP), proxies: proxies,
		slots: newSlotStats(s.cfg.Now, s.metrics.slots)}
	s.events = h
	s.router.POST("/api/events", h.post)
	s.router.GET("/api/admin/stats/slots", s.requireAdmin, h.slotStatsRoute) // slotstats.go
	admin := s.router.Group("/api/admin/events", s.requireAdmin)
	admin.GET("/stats", h.stats)
	admin.GET("/items/:id", h.item)
	admin.GET("/queries", h.queries)
	return s, nil
}

type eventsAPI struct {
	s       *Server
	ev      Events
	cfg     EventsConfig
	limit   *rateLimit
	proxies []netip.Prefix
	slots   *slotStats // CTR and CVR by scene and slot (slotstats.go)
}

// eventsResponse is the answer to a well-formed batch.
type eventsResponse struct {
	Accepted int                `json:"accepted"`
	Rejected []events.Rejection `json:"rejected"`
	Buffered bool               `json:"buffered,omitempty"`
}

// post serves POST /api/events: a JSON array of events or {"events": [...]}.
// Each event is decoded and validated on its own; the answer is 200 with
// the accepted count and the rejected events by index whenever the body
// itself is well-formed.
//
// A request with the admin token (Authorization: Bearer) or the order
// system's signature (X-Shopsearch-Signature) is trusted: its events count
// purchases and skip the fraud rules and the rate limit (doc/events.md,
// Trust). A request with either header wrong is refused (401), never taken
// as anonymous.
func (h *eventsAPI) post(c *gin.Context) {
	ip := h.clientIP(c.Request)
	authed := c.GetHeader("Authorization") != "" || c.GetHeader(signatureHeader) != ""
	if !authed && !h.limit.allow(ip, h.s.cfg.Now()) {
		c.Header("Retry-After", "1")
		h.s.respondError(c, http.StatusTooManyRequests, codeRateLimited,
			fmt.Sprintf("more than %v requests a second from %s; slow down", h.cfg.RatePerIP, ip))
		c.Abort()
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, h.cfg.MaxBody))
	if err != nil {
		h.s.fail(c, fmt.Errorf("read request body: %w", err))
		return
	}
	trusted := false
	if authed {
		if err := h.authenticate(c, body); err != nil {
			h.s.fail(c, err)
			return
		}
		trusted = true
	}
	raws, err := decodeBatch(body)
	if err != nil {
		h.s.fail(c, err)
		return
	}
	res := eventsResponse{Rejected: []events.Rejection{}}
	evs := make([]models.Event, 0, len(raws))
	index := make([]int, 0, len(raws)) // of evs[i] in the batch
	for i, raw := range raws {
		var e models.Event
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&e); err != nil {
			res.Rejected = append(res.Rejected, events.Rejection{Index: i, Code: models.EINVALID, Message: jsonMessage(err)})
			continue
		}
		evs, index = append(evs, e), append(index, i)
	}
	if len(raws) > 0 && len(evs) == 0 {
		h.s.respond(c, http.StatusOK, res)
		return
	}
	var out events.Result
	if trusted {
		out, err = h.ev.IngestTrusted(c.Request.Context(), evs)
	} else {
		out, err = h.ev.Ingest(c.Request.Context(), evs, ip)
	}
	if err != nil {
		h.s.fail(c, err)
		return
	}
	h.slots.observe(evs, out.Rejected)
	for _, r := range out.Rejected {
		r.Index = index[r.Index]
		res.Rejected = append(res.Rejected, r)
	}
	res.Accepted, res.Buffered = out.Accepted, out.Buffered
	sortRejections(res.Rejected)
	h.s.respond(c, http.StatusOK, res)
}

// signatureHeader carries the order system's signature of a request:
// "t=UNIX_SECONDS,v1=HEX", HEX being the HMAC-SHA256, keyed by
// EventsConfig.OrderKey, of the decimal time, a dot and the body.
const signatureHeader = "X-Shopsearch-Signature"

// Sign returns the X-Shopsearch-Signature value of body at t with key, as
// an order system computes it.
func Sign(key, body []byte, t time.Time) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	m := hmac.New(sha256.New, key)
	m.Write([]byte(ts + "."))
	m.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(m.Sum(nil))
}

// authenticate accepts the admin token or a valid signature of body.
func (h *eventsAPI) authenticate(c *gin.Context, body []byte) error {
	if c.GetHeader("Authorization") != "" {
		return h.s.checkAdmin(c)
	}
	if len(h.cfg.OrderKey) == 0 {
		return models.Errorf(models.EUNAUTHORIZED, "%s: signed events are disabled: start serve with --order-key or $SHOPSEARCH_ORDER_KEY", signatureHeader)
	}
	var ts, sig string
	for _, part := range strings.Split(c.GetHeader(signatureHeader), ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sig = v
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	got, herr := hex.DecodeString(sig)
	if err != nil || herr != nil {
		return models.Errorf(models.EUNAUTHORIZED, "%s: want t=UNIX_SECONDS,v1=HEX_HMAC_SHA256", signatureHeader)
	}
	if d := h.s.cfg.Now().Sub(time.Unix(sec, 0)); d > h.cfg.SignatureSkew || d < -h.cfg.SignatureSkew {
		return models.Errorf(models.EUNAUTHORIZED, "%s: signed at %s, more than %v from the server's time", signatureHeader,
			time.Unix(sec, 0).UTC().Format(time.RFC3339), h.cfg.SignatureSkew)
	}
	m := hmac.New(sha256.New, h.cfg.OrderKey)
	m.Write([]byte(ts + "."))
	m.Write(body)
	if !hmac.Equal(got, m.Sum(nil)) {
		return models.Errorf(models.EUNAUTHORIZED, "%s: wrong signature", signatureHeader)
	}
	return nil
}

// clientIP is the request's client address: the peer's, or behind
// trusted proxies the last X-Forwarded-For entry that is not one.
func (h *eventsAPI) clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(strings.TrimSpace(r.RemoteAddr))
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil || !h.trusted(peer) {
		return host
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break // a malformed entry: trust nothing before it
		}
		if !h.trusted(a) {
			return a.String()
		}
	}
	return host
}

func (h *eventsAPI) trusted(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range h.proxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// parseProxies reads TrustedProxies.
func parseProxies(list []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, v := range list {
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		if p, err := netip.ParsePrefix(v); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(v)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q: want an IP address or a CIDR", v)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// decodeBatch splits the body into its events, undecoded.
func decodeBatch(body []byte) ([]json.RawMessage, error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil, models.Errorf(models.EINVALID, "the body is empty; send a JSON array of events or {\"events\": [...]}")
	}
	var raws []json.RawMessage
	if body[0] == '{' {
		var wrap struct {
			Events []json.RawMessage `json:"events"`
		}
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&wrap); err != nil {
			return nil, models.Errorf(models.EINVALID, "the body: %s", jsonMessage(err))
		}
		raws = wrap.Events
	} else if err := json.Unmarshal(body, &raws); err != nil {
		return nil, models.Errorf(models.EINVALID, "the body: want a JSON array of events or {\"events\": [...]}: %s", jsonMessage(err))
	}
	return raws, nil
}

// jsonMessage describes a JSON decoding error without Go type names.
func jsonMessage(err error) string {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		return fmt.Sprintf("%s: wrong type (%s)", te.Field, te.Value)
	case errors.As(err, &se):
		return fmt.Sprintf("malformed JSON at byte %d: %v", se.Offset, err)
	}
	return err.Error()
}

func sortRejections(rs []events.Rejection) {
	for i := 1; i < len(rs); i++ { // nearly sorted: two sorted runs
		for j := i; j > 0 && rs[j].Index < rs[j-1].Index; j-- {
			rs[j], rs[j-1] = rs[j-1], rs[j]
		}
	}
}

// stats serves GET /api/admin/events/stats: the intake's counters as the
// metrics registry exports them (metrics_read.go).
func (h *eventsAPI) stats(c *gin.Context) {
	v, err := h.s.metrics.view()
	if err != nil {
		h.s.fail(c, err)
		return
	}
	h.s.respond(c, http.StatusOK, v.eventCounters())
}

func (h *eventsAPI) item(c *gin.Context) {
	id := c.Param("id")
	if id == "" || len(id) > 512 {
		h.s.fail(c, models.Errorf(models.EINVALID, "id: want 1 to 512 bytes"))
		return
	}
	st, err := h.ev.Item(c.Request.Context(), id)
	if err != nil {
		h.s.fail(c, err)
		return
	}
	h.s.respond(c, http.StatusOK, st)
}

// queries serves GET /api/admin/events/queries: days 1–30 (default 7), n
// 1–1000 (default 50).
func (h *eventsAPI) queries(c *gin.Context) {
	days, err := eventsIntParam(c, "days", 7, 1, 30)
	if err != nil {
		h.s.fail(c, err)
		return
	}
	n, err := eventsIntParam(c, "n", 50, 1, 1000)
	if err != nil {
		h.s.fail(c, err)
		return
	}
	top, err := h.ev.TopQueries(c.Request.Context(), days, n)
	if err != nil {
		h.s.fail(c, err)
		return
	}
	if top == nil {
		top = []models.QueryCount{}
	}
	h.s.respond(c, http.StatusOK, struct {
		Days    int                 `json:"days"`
		Queries []models.QueryCount `json:"queries"`
	}{days, top})
}

// eventsIntParam reads a whole-number query parameter in [lo, hi], def when
// absent.
func eventsIntParam(c *gin.Context, name string, def, lo, hi int) (int, error) {
	v := c.Query(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, models.Errorf(models.EINVALID, "%s: want a whole number from %d to %d, got %q", name, lo, hi, eventsClip(v))
	}
	return n, nil
}

func eventsClip(v string) string {
	if len(v) > 32 {
		return v[:32] + "…"
	}
	return v
}

// healthBody is the answer of /healthz.
type healthBody struct {
	Status   string           `json:"status"` // ok, degraded
	Products int              `json:"products"`
	Events   *events.Counters `json:"events,omitempty"`
	// Degraded names what WithHealthCheck's checks found degraded, and why.
	Degraded map[string]string `json:"degraded,omitempty"`
}

// health adds the events' state to /healthz: degraded while the behaviour
// store is unreachable or acknowledged events wait in the buffer for it (as
// after a restart, until the first replay), and the counters, as the
// metrics registry exports them (read from the intake itself should the
// registry fail to gather: health must answer).
func (h *eventsAPI) health() (degraded bool, counters *events.Counters) {
	var c events.Counters
	if v, err := h.s.metrics.view(); err == nil {
		c = v.eventCounters()
	} else {
		c = h.ev.Counters()
	}
	return c.Degraded || c.Buffered > 0, &c
}
