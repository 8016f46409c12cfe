package server

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"shopsearch/models"
	"shopsearch/query"
	"shopsearch/store"
	"shopsearch/store/events"
)

// eventsServer is a server with the event routes over a real embedded
// behaviour store, and the statistics pushing into its engine.
type eventsServer struct {
	*Server
	in    *events.Ingester
	stats *events.Stats
}

func newEventsServer(t *testing.T, cfg events.Config, ecfg EventsConfig) *eventsServer {
	t.Helper()
	st, err := store.OpenEmbedded(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s := newServer(t, Config{AdminToken: testToken})
	in := events.New(cfg, st)
	sink := query.NewBehaviorSink(s.engine)
	stats := events.NewStats(events.StatsConfig{}, st, func(x []models.ItemStats) error { _, err := sink.Apply(x); return err })
	if _, err := s.WithEvents(events.Service{Ingester: in, Stats: stats, Queries: st}, ecfg); err != nil {
		t.Fatal(err)
	}
	return &eventsServer{Server: s, in: in, stats: stats}
}

func (s *eventsServer) post(t *testing.T, body string) eventsResponse {
	t.Helper()
	return s.postFrom(t, body, "192.0.2.1")
}

// postFrom posts events from the client address ip.
func (s *eventsServer) postFrom(t *testing.T, body, ip string) eventsResponse {
	t.Helper()
	req := httptest.NewRequest("POST", "/api/events", strings.NewReader(body))
	req.RemoteAddr = ip + ":1234"
	w := httptest.NewRecorder()
	s.Handler().ServeHTTP(w, req)
	r := response{status: w.Code, header: w.Header(), body: w.Body.String()}
	if r.status != http.StatusOK {
		t.Fatalf("POST /api/events: status %d: %s", r.status, r.body)
	}
	var out eventsResponse
	r.decode(t, &out)
	return out
}

func (s *eventsServer) push(t *testing.T) {
	t.Helper()
	if _, err := s.stats.Push(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestPostEvents(t *testing.T) {
	s := newEventsServer(t, events.Config{}, EventsConfig{})
	p10, _ := s.engine.Store().Get("p10")
	out := s.post(t, `[
		{"type":"impression","session_id":"s1","scene":"search","slot":"main","impression_id":"imp-1","items":["p09","p10"],"region":"sh","device":"ios"},
		{"type":"click","session_id":"s1","item_id":"p10","impression_id":"imp-1"},
		{"type":"click","session_id":"s1"},
		{"type":"purchase","user_id":"u1","item_id":"p10","quantity":2,"amount":398},
		{"type":"click","session_id":"s1","item_id":"p10","colour":"red"},
		{"type":"search","session_id":"s1","query":"蓝牙耳机","results":12},
		"not an object",
		{"type":"click","session_id":"s1","item_id":"p10","time":"2020-01-01T00:00:00Z"}
	]`)
	if out.Accepted != 4 || len(out.Rejected) != 4 {
		t.Fatalf("response %+v, want 4 accepted and 4 rejected", out)
	}
	for i, want := range []struct {
		index int
		part  string
	}{{2, "item_id"}, {4, "colour"}, {6, "wrong type"}, {7, "in the past"}} {
		if r := out.Rejected[i]; r.Index != want.index || r.Code != models.EINVALID || !strings.Contains(r.Message, want.part) {
			t.Errorf("rejection %d: %+v, want index %d with %q", i, r, want.index, want.part)
		}
	}
	s.push(t)
	var st models.ItemStats
	do(t, s.Server, "GET", "/api/admin/events/items/p10", "", "Authorization", "Bearer "+testToken).decode(t, &st)
	// (The purchase is anonymous: it counts no sales.)
	if c := st.Day1; c.Impressions != 1 || c.Clicks != 1 || c.Purchases != 0 || c.Units != 0 {
		t.Errorf("p10's counters %+v", c)
	}
	// The columns blend the catalog's figures with the counted behaviour.
	if p, _ := s.engine.Store().Get("p10"); p.Impressions != p10.Impressions+1 || p.Clicks != p10.Clicks+1 || p.Sales30d != p10.Sales30d {
		t.Errorf("p10 in the ranking columns: impressions %d clicks %d sales %d, want %d %d %d", p.Impressions, p.Clicks, p.Sales30d,
			p10.Impressions+1, p10.Clicks+1, p10.Sales30d)
	}
	// The wrapped form, and the counters.
	if out := s.post(t, `{"events":[{"type":"favorite","user_id":"u1","item_id":"p09"}]}`); out.Accepted != 1 {
		t.Errorf("wrapped batch: %+v", out)
	}
	var c events.Counters
	do(t, s.Server, "GET", "/api/admin/events/stats", "", "Authorization", "Bearer "+testToken).decode(t, &c)
	if c.Received != 7 || c.Accepted != 5 || c.Rejected != 2 {
		t.Errorf("counters %+v (the 2 events that did not decode never reach the ingester)", c)
	}
	do(t, s.Server, "GET", "/api/admin/events/stats", "").errorOf(t, http.StatusUnauthorized, models.EUNAUTHORIZED)
	var top struct {
		Days    int
		Queries []models.QueryCount
	}
	do(t, s.Server, "GET", "/api/admin/events/queries?days=1", "", "Authorization", "Bearer "+testToken).decode(t, &top)
	if top.Days != 1 || len(top.Queries) != 1 || top.Queries[0] != (models.QueryCount{Query: "蓝牙耳机", Count: 1}) {
		t.Errorf("top queries %+v", top)
	}
	do(t, s.Server, "GET", "/api/admin/events/queries?days=31", "", "Authorization", "Bearer "+testToken).
		errorOf(t, http.StatusBadRequest, models.EINVALID)
	var h healthBody
	do(t, s.Server, "GET", "/healthz", "").decode(t, &h)
	if h.Status != "ok" || h.Events == nil || h.Events.Accepted != 5 {
		t.Errorf("healthz %+v", h)
	}
}

func TestPostEventsBadBodies(t *testing.T) {
	s := newEventsServer(t, events.Config{MaxBatch: 3}, EventsConfig{MaxBody: 1000, BurstPerIP: 5, RatePerIP: 0.001})
	ev := `{"type":"favorite","user_id":"u","item_id":"p01"}`
	for _, tt := range []struct {
		body   string
		status int
		code   string
	}{
		{"", http.StatusBadRequest, models.EINVALID},
		{"{", http.StatusBadRequest, models.EINVALID},
		{`{"evnts":[]}`, http.StatusBadRequest, models.EINVALID},
		{"[" + strings.Repeat(ev+",", 3) + ev + "]", http.StatusRequestEntityTooLarge, models.ETOOLARGE},
		{`[{"type":"search","user_id":"u","query":"` + strings.Repeat("x", 1000) + `"}]`, http.StatusRequestEntityTooLarge, models.ETOOLARGE},
	} {
		do(t, s.Server, "POST", "/api/events", tt.body).errorOf(t, tt.status, tt.code)
	}
	// That was 5 requests of the burst of 5 from this address: the next is refused.
	r := do(t, s.Server, "POST", "/api/events", "["+ev+"]")
	r.errorOf(t, http.StatusTooManyRequests, codeRateLimited)
	if r.header.Get("Retry-After") == "" {
		t.Error("a 429 without Retry-After")
	}
}

// ranking returns the items of the search for q with their scores and
// CTR factors, in order.
func ranking(t *testing.T, s *Server, q string) []query.Item {
	t.Helper()
	r := do(t, s, "GET", "/api/search?size=50&explain=true&q="+q, "", "Authorization", "Bearer "+testToken)
	var resp query.Response
	r.decode(t, &resp)
	for _, it := range resp.Items {
		if it.Explain == nil {
			t.Fatal("no explanation")
		}
	}
	return resp.Items
}

// rankOf returns the position (from 0) of id in the search for q and its
// CTR factor, -1 when absent.
func rankOf(t *testing.T, s *Server, q, id string) (int, float64) {
	t.Helper()
	for i, it := range ranking(t, s, q) {
		if it.ID == id {
			return i, it.Explain.Factors[string(models.FactorCTR)]
		}
	}
	return -1, 0
}

// closest returns the item from the 4th on whose score is closest below
// the one before it: the easiest to lift by a place.
func closest(items []query.Item) string {
	best, gap := "", 0.0
	for i := 3; i < len(items); i++ {
		d := items[i-1].Explain.Score - items[i].Explain.Score
		if d > 0 && (best == "" || d < gap) && items[i-1].Explain.Tier == items[i].Explain.Tier {
			best, gap = items[i].ID, d
		}
	}
	return best
}

// botClicks posts n clicks by one session from one address on item, 500
// a request.
func botClicks(t *testing.T, s *eventsServer, n int, item string) {
	t.Helper()
	ev := fmt.Sprintf(`{"type":"click","session_id":"bot","item_id":%q}`, item)
	for sent := 0; sent < n; sent += 500 {
		batch := "[" + strings.Repeat(ev+",", min(500, n-sent)-1) + ev + "]"
		if out := s.post(t, batch); out.Accepted != min(500, n-sent) {
			t.Fatalf("bot batch: %+v", out)
		}
	}
}

// TestBotClicksMoveNeitherCTRNorRank: 10,000 clicks of a bot on one item
// move neither its CTR nor its place in search; without the fraud rules
// the same clicks lift it.
func TestBotClicksMoveNeitherCTRNorRank(t *testing.T) {
	const q = "手机"
	for _, rules := range []bool{true, false} {
		t.Run(fmt.Sprint("rules=", rules), func(t *testing.T) {
			s := newEventsServer(t, events.Config{NoFraudRules: !rules}, EventsConfig{BurstPerIP: 1000})
			// Honest traffic first: 50 shoppers (each from an address of
			// their own) are shown every item, and one of them clicks it.
			resp := search(t, s.Server, "size=50&q="+q)
			for k := range 50 {
				var b strings.Builder
				for _, id := range ids(resp) {
					fmt.Fprintf(&b, `{"type":"impression","session_id":"h-%d","scene":"search","items":[%q]},`, k, id)
					if k == 0 {
						fmt.Fprintf(&b, `{"type":"click","session_id":"h-%d","item_id":%q},`, k, id)
					}
				}
				s.postFrom(t, "["+strings.TrimSuffix(b.String(), ",")+"]", fmt.Sprintf("10.0.0.%d", k))
			}
			s.push(t)
			// The bot's target: the item easiest to lift a place.
			target := closest(ranking(t, s.Server, q))
			rank0, ctr0 := rankOf(t, s.Server, q, target)
			if rank0 < 3 {
				t.Fatalf("%s is at %d before the bot; pick an item further down", target, rank0)
			}
			botClicks(t, s, 10_000, target)
			s.push(t)
			rank1, ctr1 := rankOf(t, s.Server, q, target)
			c := s.in.Counters()
			t.Logf("%s: rank %d → %d, CTR factor %.4f → %.4f; counters %+v", target, rank0, rank1, ctr0, ctr1, c)
			if rules {
				if rank1 != rank0 || ctr1 != ctr0 {
					t.Errorf("the bot moved %s from %d to %d, its CTR factor from %v to %v", target, rank0, rank1, ctr0, ctr1)
				}
				if c.Counted != int64(51*len(resp.Items)) || c.DroppedUnseen+c.DroppedRepeat+c.DroppedCap != 10_000 {
					t.Errorf("counters %+v: want only the honest impressions counted and the 10,000 clicks dropped", c)
				}
			} else if ctr1 <= ctr0 {
				// (Its rank may hold even so: clicks without sales lower the
				// item's conversion factor, which offsets part of the CTR's.)
				t.Errorf("without the rules the bot did not lift %s's CTR (rank %d → %d, CTR %v → %v): the test shows nothing",
					target, rank0, rank1, ctr0, ctr1)
			}
		})
	}
}

func TestEventsClientIP(t *testing.T) {
	h := &eventsAPI{}
	var err error
	if h.proxies, err = parseProxies([]string{"10.0.0.0/8", " 192.0.2.7 ", ""}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		peer, xff, want string
	}{
		{"203.0.113.5:999", "", "203.0.113.5"},
		{"203.0.113.5:999", "1.2.3.4", "203.0.113.5"}, // an untrusted peer's header is ignored
		{"10.1.2.3:999", "1.2.3.4", "1.2.3.4"},
		{"10.1.2.3:999", "6.6.6.6, 1.2.3.4, 10.9.9.9", "1.2.3.4"}, // the last hop not a proxy
		{"192.0.2.7:1", "garbage, 1.2.3.4", "1.2.3.4"},
		{"192.0.2.7:1", "1.2.3.4, garbage", "192.0.2.7"}, // malformed: trust nothing before it
		{"10.1.2.3:999", "", "10.1.2.3"},
		{"[::ffff:10.1.2.3]:999", "2001:db8::1", "2001:db8::1"},
	} {
		r := httptest.NewRequest("POST", "/api/events", nil)
		r.RemoteAddr = tt.peer
		if tt.xff != "" {
			r.Header.Set("X-Forwarded-For", tt.xff)
		}
		if got := h.clientIP(r); got != tt.want {
			t.Errorf("peer %s, X-Forwarded-For %q: %s, want %s", tt.peer, tt.xff, got, tt.want)
		}
	}
	if _, err := parseProxies([]string{"10.0.0.0/33"}); err == nil {
		t.Error("a bad CIDR was accepted")
	}
}
