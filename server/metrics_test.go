package server

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"shopsearch/models"
	"shopsearch/store/events"
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

// TestDashboardsReadTheRegistry: the JSON figures of the console's
// dashboards and /healthz are the registry's: what /metrics exports.
func TestDashboardsReadTheRegistry(t *testing.T) {
	s := newEventsServer(t, events.Config{}, EventsConfig{})
	s.post(t, `[
	 {"type":"impression","session_id":"a","scene":"home","slot":"home","impression_id":"i1","items":["p01","p02","p03"]},
	 {"type":"click","session_id":"a","scene":"home","slot":"home","impression_id":"i1","item_id":"p02"},
	 {"type":"click","session_id":"a","scene":"home","slot":"home","impression_id":"i1","item_id":"p02"},
	 {"type":"purchase","session_id":"a","scene":"cart","item_id":"p02","quantity":1,"amount":12.5},
	 {"type":"nope"}]`)
	auth := []string{"Authorization", "Bearer " + testToken}
	var c events.Counters
	do(t, s.Server, "GET", "/api/admin/events/stats", "", auth...).decode(t, &c)
	var slots struct{ Slots []SlotCounts }
	do(t, s.Server, "GET", "/api/admin/stats/slots", "", auth...).decode(t, &slots)
	var health struct{ Events events.Counters }
	do(t, s.Server, "GET", "/healthz", "").decode(t, &health)
	body := scrape(t, s.Server)
	metric := func(line string) float64 {
		t.Helper()
		for l := range strings.Lines(body) {
			if rest, ok := strings.CutPrefix(l, line+" "); ok {
				v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
				if err != nil {
					t.Fatal(err)
				}
				return v
			}
		}
		t.Errorf("scrape lacks %s", line)
		return -1
	}
	for _, x := range []struct {
		json int64
		line string
	}{
		{c.Received, `shopsearch_events_total{result="received"}`},
		{c.Accepted, `shopsearch_events_total{result="accepted"}`},
		{c.Rejected, `shopsearch_events_total{result="rejected"}`},
		{c.Counted, `shopsearch_events_total{result="counted"}`},
		{c.DroppedRepeat, `shopsearch_events_dropped_total{reason="repeat"}`},
		{c.DroppedUntrusted, `shopsearch_events_dropped_total{reason="untrusted"}`},
		{c.Buffered, `shopsearch_events_buffered`},
		{health.Events.Accepted, `shopsearch_events_total{result="accepted"}`},
	} {
		if got := metric(x.line); float64(x.json) != got {
			t.Errorf("JSON says %d, /metrics %s %v", x.json, x.line, got)
		}
	}
	if c.Accepted != 4 || c.Rejected != 1 || c.DroppedRepeat != 1 || c.Degraded {
		t.Errorf("counters %+v", c)
	}
	if len(slots.Slots) != 1 {
		t.Fatalf("slots %+v", slots.Slots)
	}
	home := slots.Slots[0]
	if home.Impressions != 3 || home.Clicks != 2 || home.Purchases != 1 || home.Amount != 12.5 {
		t.Errorf("home %+v", home)
	}
	for _, x := range []struct {
		json float64
		line string
	}{
		{float64(home.Impressions), `shopsearch_slot_actions_total{action="impression",scene="home",slot="home"}`},
		{float64(home.Clicks), `shopsearch_slot_actions_total{action="click",scene="home",slot="home"}`},
		{float64(home.Carts), `shopsearch_slot_actions_total{action="add_to_cart",scene="home",slot="home"}`},
		{float64(home.Purchases), `shopsearch_slot_actions_total{action="purchase",scene="home",slot="home"}`},
		{home.Amount, `shopsearch_slot_purchase_amount_yuan_total{scene="home",slot="home"}`},
	} {
		if got := metric(x.line); x.json != got {
			t.Errorf("JSON says %v, /metrics %s %v", x.json, x.line, got)
		}
	}
}

// TestMetricsDocumented: every shopsearch metric a server with every part
// wired exports is in doc/operations.md.
func TestMetricsDocumented(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "doc", "operations.md"))
	if err != nil {
		t.Fatal(err)
	}
	s, _ := newFullServer(t)
	s.metrics.breaker = func() string { return "closed" }
	do(t, s, "POST", "/api/events", `[{"type":"impression","session_id":"a","scene":"home","impression_id":"i1","items":["p01"]},
	 {"type":"purchase","session_id":"a","item_id":"p01","amount":1}]`, "Content-Type", "application/json")
	do(t, s, "GET", "/api/recommend?scene=home", "")
	search(t, s, "q=手机")
	fams, err := s.metrics.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range fams {
		if name := f.GetName(); strings.HasPrefix(name, "shopsearch_") {
			n++
			if !strings.Contains(string(doc), "`"+name+"`") {
				t.Errorf("%s is not in doc/operations.md", name)
			}
		}
	}
	if n < 25 {
		t.Errorf("only %d shopsearch metrics gathered", n)
	}
}
