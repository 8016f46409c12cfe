package server

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

func scrape(t *testing.T, s *Server) string {
	t.Helper()
	r := do(t, s, "GET", "/metrics", "", "Authorization", "Bearer "+testToken)
	if r.status != 200 {
		t.Fatalf("GET /metrics: %d %s", r.status, r.body)
	}
	return r.body
}

func TestMetricsNeedTheAdminToken(t *testing.T) {
	s := newServer(t, Config{AdminToken: testToken})
	do(t, s, "GET", "/metrics", "").errorOf(t, 401, "unauthorized")
}

func TestMetricsCountRequestsByRoute(t *testing.T) {
	s := newServer(t, Config{AdminToken: testToken})
	do(t, s, "GET", "/api/items/p01", "")
	do(t, s, "GET", "/api/items/p02", "")
	do(t, s, "GET", "/api/items/nope", "")
	do(t, s, "GET", "/no/such/"+strings.Repeat("x", 10), "")
	body := scrape(t, s)
	for _, want := range []string{
		`shopsearch_http_requests_total{code="200",method="GET",route="/api/items/:id"} 2`,
		`shopsearch_http_requests_total{code="404",method="GET",route="/api/items/:id"} 1`,
		`shopsearch_http_requests_total{code="404",method="GET",route="unmatched"} 1`,
		`shopsearch_http_request_duration_seconds_bucket{code="200",method="GET",route="/api/items/:id",le="10"} 2`,
		`shopsearch_index_documents `,
		`shopsearch_index_generation_info{generation="`,
		`shopsearch_index_changelog_bytes `,
		`go_goroutines `,
		`process_resident_memory_bytes `,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("scrape lacks %s", want)
		}
	}
	if strings.Contains(body, "/api/items/p01") {
		t.Error("a raw path is a label value")
	}
	// Two servers count apart: no global registry.
	if got := testutil.ToFloat64(newServer(t, Config{}).metrics.requests.WithLabelValues("GET", "/api/items/:id", "200")); got != 0 {
		t.Errorf("a new server starts at %v requests", got)
	}
}

func TestMetricsSearchOutcomes(t *testing.T) {
	s := newServer(t, Config{AdminToken: testToken})
	search(t, s, "q=手机")
	search(t, s, "q=zzzqqqxxx&correct=false")
	m := s.metrics.searches
	if got := testutil.ToFloat64(m.WithLabelValues(outcomeZero)); got != 1 {
		t.Errorf("zero-result searches = %v, want 1", got)
	}
	if got := testutil.ToFloat64(m.WithLabelValues(outcomeResults)) + testutil.ToFloat64(m.WithLabelValues(outcomeRelaxed)); got != 1 {
		t.Errorf("searches with results = %v, want 1", got)
	}
	body := scrape(t, s)
	for _, want := range []string{`shopsearch_search_engine_seconds_count 2`, `shopsearch_searches_total{outcome="zero"} 1`,
		`shopsearch_search_phase1_cache_hits_total `, `shopsearch_search_result_cache_hits_total `} {
		if !strings.Contains(body, want) {
			t.Errorf("scrape lacks %s", want)
		}
	}
}
