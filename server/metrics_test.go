package server

import (
	"context"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"shopsearch/models"
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
		`shopsearch_search_phase1_cache_hits_total `, `shopsearch_search_result_cache_hits_total `,
		`shopsearch_search_phase_seconds_count{phase="retrieve"} 2`, `shopsearch_search_phase_seconds_count{phase="rank"} 2`,
		`shopsearch_search_candidates_count 2`} {
		if !strings.Contains(body, want) {
			t.Errorf("scrape lacks %s", want)
		}
	}
}

// breakerBehavior is a behaviour store with a read breaker in a fixed
// state.
type breakerBehavior struct{ state string }

func (breakerBehavior) RecentBehavior(context.Context, string, models.EventType, int) ([]models.Behavior, error) {
	return nil, nil
}
func (breakerBehavior) Exposed(context.Context, string, string) ([]string, error) { return nil, nil }
func (b breakerBehavior) BreakerState() string                                    { return b.state }

// TestMetricsItemUpdatesAndState: item updates are counted by op and
// result; the snapshot's time and the breaker's state show when scraped.
func TestMetricsItemUpdatesAndState(t *testing.T) {
	s := newServer(t, Config{AdminToken: testToken})
	auth := []string{"Authorization", "Bearer " + testToken}
	do(t, s, "POST", "/api/items", `[{"id":"m1","title":"测试 手机"},{"id":"m2","title":"测试 耳机"}]`, auth...).ok(t, 200, nil)
	do(t, s, "PATCH", "/api/items/m1", `{"stock":3}`, auth...).ok(t, 200, nil)
	do(t, s, "POST", "/api/items/_update", `{"updates":[{"id":"m1","stock":1},{"id":"nope","stock":2},{"id":"m2","stock":-1}]}`, auth...).ok(t, 200, nil)
	do(t, s, "DELETE", "/api/items/m2", "", auth...).ok(t, 200, nil)
	body := scrape(t, s)
	for _, want := range []string{
		`shopsearch_item_updates_total{op="upsert",result="applied"} 2`,
		`shopsearch_item_updates_total{op="patch",result="applied"} 2`,
		`shopsearch_item_updates_total{op="patch",result="rejected"} 2`,
		`shopsearch_item_updates_total{op="delete",result="applied"} 1`,
		`shopsearch_index_snapshot_written_timestamp_seconds `,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("scrape lacks %s", want)
		}
	}
	if strings.Contains(body, "shopsearch_behavior_breaker_state") {
		t.Error("a breaker state without a breaker")
	}
	s.WithRecommend(RecommendDeps{Scenes: staticScenes("p01"), Behavior: breakerBehavior{"open"}})
	body = scrape(t, s)
	for _, want := range []string{`shopsearch_behavior_breaker_state{state="open"} 1`, `shopsearch_behavior_breaker_state{state="closed"} 0`} {
		if !strings.Contains(body, want) {
			t.Errorf("scrape lacks %s", want)
		}
	}
}
