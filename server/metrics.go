package server

import (
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"shopsearch/query"
	"shopsearch/recall"
)

// metrics are the server's Prometheus metrics, in a registry of its own
// (no process-global default registry: two servers in one process, as the
// tests run them, count apart). doc/operations.md lists every metric.
type metrics struct {
	reg *prometheus.Registry

	requests *prometheus.CounterVec   // by method, route, code
	latency  *prometheus.HistogramVec // by method, route, code
	inFlight prometheus.Gauge

	searches   *prometheus.CounterVec   // by outcome
	searchMs   prometheus.Histogram     // the engine's took_ms
	phase      *prometheus.HistogramVec // phase 1 and phase 2 of the engine's searches
	candidates prometheus.Histogram     // what phase 2 ranked
	recommend  *prometheus.HistogramVec
	items      *prometheus.CounterVec // item updates by op and result
	slots      slotMetrics            // what each storefront list shows and earns (slotstats.go)

	// breaker, when set (WithRecommend with a Behavior that has one), is
	// the state of the behaviour store's read breaker.
	breaker func() string
}

// breakerStater is a RecBehavior with a circuit breaker around its reads
// (events.Guard's State, through the serve command's guarded store).
type breakerStater interface {
	BreakerState() string // "closed", "half-open" or "open"
}

// breakerStates are the values of shopsearch_behavior_breaker_state's
// state label (gobreaker's names).
var breakerStates = []string{"closed", "half-open", "open"}

// Item update ops and results, the labels of shopsearch_item_updates_total.
const (
	itemUpsert  = "upsert"
	itemPatch   = "patch"
	itemDelete  = "delete"
	itemApplied = "applied"
	itemRefused = "rejected"
)

// latencyBuckets span 1 ms to 10 s, the search timeout.
var latencyBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// Search outcomes, the values of shopsearch_searches_total's outcome label.
const (
	outcomeResults   = "results"   // found items with every query term
	outcomeRelaxed   = "relaxed"   // found items only by dropping terms
	outcomeCorrected = "corrected" // found nothing as typed; a correction found items
	outcomeZero      = "zero"      // found nothing
)

func newMetrics(s *Server) *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "shopsearch_http_requests_total",
		Help: "HTTP requests answered, by method, route pattern and status code.",
	}, []string{"method", "route", "code"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "shopsearch_http_request_duration_seconds",
		Help:    "Time to answer an HTTP request, by method, route pattern and status code.",
		Buckets: latencyBuckets,
	}, []string{"method", "route", "code"})
	m.inFlight = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "shopsearch_http_requests_in_flight",
		Help: "HTTP requests being answered now.",
	})
	m.searches = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "shopsearch_searches_total",
		Help: "Searches answered 200, by outcome: results, relaxed (only partial matches), corrected (found by the correction) or zero.",
	}, []string{"outcome"})
	m.searchMs = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "shopsearch_search_engine_seconds",
		Help:    "Time the engine took for a search answered 200 (the response's took_ms; a result-cache hit is near 0).",
		Buckets: latencyBuckets,
	})
	m.phase = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "shopsearch_search_phase_seconds",
		Help:    "Time of each phase of a search the engine ran (not a result-cache hit): retrieve (phase 1: Bleve, graded matching, relaxation) and rank (phase 2: filters, facets, business ranking).",
		Buckets: latencyBuckets,
	}, []string{"phase"})
	m.candidates = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "shopsearch_search_candidates",
		Help:    "Candidates phase 2 ranked, per search the engine ran (not a result-cache hit).",
		Buckets: prometheus.ExponentialBuckets(1, 4, 9),
	})
	m.recommend = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "shopsearch_recommend_duration_seconds",
		Help:    "Time to answer a recommendation request answered 200, by scene.",
		Buckets: latencyBuckets,
	}, []string{"scene"})
	m.items = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "shopsearch_item_updates_total",
		Help: "Items changed through the API, by op (upsert, patch, delete) and result: applied, or rejected (a bulk update's items refused one by one).",
	}, []string{"op", "result"})
	for _, o := range []string{outcomeResults, outcomeRelaxed, outcomeCorrected, outcomeZero} {
		m.searches.WithLabelValues(o) // every outcome shows from the start, at 0
	}
	for _, op := range []string{itemUpsert, itemPatch, itemDelete} {
		m.items.WithLabelValues(op, itemApplied)
	}
	m.items.WithLabelValues(itemPatch, itemRefused)
	m.slots = newSlotMetrics()
	m.reg.MustRegister(m.requests, m.latency, m.inFlight, m.searches, m.searchMs, m.phase, m.candidates, m.recommend, m.items,
		m.slots.actions, m.slots.amount,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		&stateCollector{s: s})
	return m
}

// observeRequest records a request answered (observe.go).
func (m *metrics) observeRequest(c *gin.Context, route string, status int, elapsed time.Duration) {
	code := strconv.Itoa(status)
	secs := elapsed.Seconds()
	m.requests.WithLabelValues(c.Request.Method, route, code).Inc()
	m.latency.WithLabelValues(c.Request.Method, route, code).Observe(secs)
	if route == "/api/recommend" && status == http.StatusOK {
		// Answered 200, so the scene is one the handler accepted.
		if scene := c.Query("scene"); slices.Contains(recall.Scenes, scene) {
			m.recommend.WithLabelValues(scene).Observe(secs)
		}
	}
}

// observeSearch records the outcome of a search answered 200 (search.go).
func (m *metrics) observeSearch(resp *query.Response, corrected bool) {
	outcome := outcomeResults
	switch {
	case resp.Total == 0:
		outcome = outcomeZero
	case corrected:
		outcome = outcomeCorrected
	case resp.Relaxed != nil:
		outcome = outcomeRelaxed
	}
	m.searches.WithLabelValues(outcome).Inc()
	m.searchMs.Observe(resp.TookMs / 1000)
	if ph := resp.Phases; ph.Candidates > 0 || ph.Retrieve > 0 { // not a result-cache hit
		m.phase.WithLabelValues("retrieve").Observe(ph.Retrieve.Seconds())
		m.phase.WithLabelValues("rank").Observe(ph.Rank.Seconds())
		m.candidates.Observe(float64(ph.Candidates))
	}
}

// itemsChanged records n items of op applied and refused rejected.
func (m *metrics) itemsChanged(op string, applied, rejected int) {
	m.items.WithLabelValues(op, itemApplied).Add(float64(applied))
	if rejected > 0 {
		m.items.WithLabelValues(op, itemRefused).Add(float64(rejected))
	}
}

// slotMetrics count, by scene and slot, what the storefront's lists
// (search results, recommendation slots) showed and what came of it
// (slotstats.go attributes carts and purchases to a list).
type slotMetrics struct {
	actions *prometheus.CounterVec // by scene, slot, action
	amount  *prometheus.CounterVec // by scene, slot
}

// Slot actions, the values of shopsearch_slot_actions_total's action label.
const (
	slotImpression = "impression" // an item shown
	slotClick      = "click"
	slotCart       = "add_to_cart"
	slotPurchase   = "purchase"
)

var slotActions = []string{slotImpression, slotClick, slotCart, slotPurchase}

func newSlotMetrics() slotMetrics {
	return slotMetrics{
		actions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "shopsearch_slot_actions_total",
			Help: "What each storefront list did, by scene, slot and action: impression (items shown), click, add_to_cart and purchase " +
				"(of an item last clicked from the list), over the events the intake accepted.",
		}, []string{"scene", "slot", "action"}),
		amount: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "shopsearch_slot_purchase_amount_yuan_total",
			Help: "Amount of the purchases attributed to each storefront list (last click), in yuan, by scene and slot.",
		}, []string{"scene", "slot"}),
	}
}

// stateCollector reads, at each scrape, the state the engine and the
// event intake already keep: the index, the caches and the events'
// counters. Reading them when scraped keeps the hot paths free of metric
// calls and the figures the same as /healthz and the admin API show.
type stateCollector struct{ s *Server }

var (
	descDocs = prometheus.NewDesc("shopsearch_index_documents",
		"Products live in the index.", nil, nil)
	descGeneration = prometheus.NewDesc("shopsearch_index_generation_info",
		"The index generation being served (its directory name), always 1.", []string{"generation"}, nil)
	descLogBytes = prometheus.NewDesc("shopsearch_index_changelog_bytes",
		"Size of the generation's change log, which compaction folds into the snapshot.", nil, nil)
	descSnapshot = prometheus.NewDesc("shopsearch_index_snapshot_written_timestamp_seconds",
		"When the product snapshot was last written (Unix seconds): by the generation's build or its last compaction.", nil, nil)
	descBreaker = prometheus.NewDesc("shopsearch_behavior_breaker_state",
		"The behaviour store's read breaker (recommendations, with --redis): 1 for its state (closed, half-open, open), 0 for the others.",
		[]string{"state"}, nil)
	descP1Hits = prometheus.NewDesc("shopsearch_search_phase1_cache_hits_total",
		"Phase-1 (Bleve candidate) cache hits.", nil, nil)
	descP1Misses = prometheus.NewDesc("shopsearch_search_phase1_cache_misses_total",
		"Phase-1 (Bleve candidate) cache misses.", nil, nil)
	descP1Entries = prometheus.NewDesc("shopsearch_search_phase1_cache_entries",
		"Queries held in the phase-1 cache.", nil, nil)
	descResHits = prometheus.NewDesc("shopsearch_search_result_cache_hits_total",
		"Searches answered from the result cache.", nil, nil)
	descResMisses = prometheus.NewDesc("shopsearch_search_result_cache_misses_total",
		"Cacheable searches the result cache did not have (or had stale).", nil, nil)
	descEvents = prometheus.NewDesc("shopsearch_events_total",
		"Shopper events by what became of them: received (in requests), accepted (valid), rejected (invalid), "+
			"counted (into the statistics), replayed (from the buffer), duplicate (an event id applied before).", []string{"result"}, nil)
	descDropped = prometheus.NewDesc("shopsearch_events_dropped_total",
		"Valid events not counted, by reason: repeat and cap (fraud rules), unseen (click on an item not shown), "+
			"untrusted (an anonymous purchase: no sales), buffer_full (refused: the buffer was full while the behaviour store was unreachable).",
		[]string{"reason"}, nil)
	descBuffered = prometheus.NewDesc("shopsearch_events_buffered",
		"Events waiting in the buffer for the behaviour store to come back.", nil, nil)
	descStoreUp = prometheus.NewDesc("shopsearch_behavior_store_up",
		"1 when the behaviour store (Redis with --redis, else the embedded file) is reachable, 0 when not.", nil, nil)
)

func (sc *stateCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descDocs, descGeneration, descLogBytes, descSnapshot, descP1Hits, descP1Misses,
		descP1Entries, descResHits, descResMisses, descEvents, descDropped, descBuffered, descStoreUp, descBreaker} {
		ch <- d
	}
}

func (sc *stateCollector) Collect(ch chan<- prometheus.Metric) {
	s := sc.s
	e := s.engine
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, labels...)
	}
	gauge(descDocs, float64(e.Store().Live()))
	gauge(descGeneration, 1, filepath.Base(e.GenerationDir()))
	if n, err := e.LogSize(); err == nil {
		gauge(descLogBytes, float64(n))
	}
	if t, err := e.SnapshotWritten(); err == nil {
		gauge(descSnapshot, float64(t.UnixMilli())/1000)
	}
	if s.metrics.breaker != nil {
		state := s.metrics.breaker()
		for _, st := range breakerStates {
			v := 0.0
			if st == state {
				v = 1
			}
			gauge(descBreaker, v, st)
		}
	}
	cs := e.CacheStats()
	counter(descP1Hits, float64(cs.Hits))
	counter(descP1Misses, float64(cs.Misses))
	gauge(descP1Entries, float64(cs.Entries))
	rs := e.ResultCacheStats()
	counter(descResHits, float64(rs.Hits))
	counter(descResMisses, float64(rs.Misses))
	if s.events == nil {
		return
	}
	ec := s.events.ev.Counters()
	for _, x := range []struct {
		result string
		n      int64
	}{{"received", ec.Received}, {"accepted", ec.Accepted}, {"rejected", ec.Rejected},
		{"counted", ec.Counted}, {"replayed", ec.Replayed}, {"duplicate", ec.Duplicates}} {
		counter(descEvents, float64(x.n), x.result)
	}
	for _, x := range []struct {
		reason string
		n      int64
	}{{"repeat", ec.DroppedRepeat}, {"cap", ec.DroppedCap}, {"unseen", ec.DroppedUnseen},
		{"untrusted", ec.DroppedUntrusted}, {"buffer_full", ec.BufferRefused}} {
		counter(descDropped, float64(x.n), x.reason)
	}
	gauge(descBuffered, float64(ec.Buffered))
	up := 1.0
	if ec.Degraded {
		up = 0
	}
	gauge(descStoreUp, up)
}
