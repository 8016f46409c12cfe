package server

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"shopsearch/models"
	"shopsearch/store/events"
)

// TestAnonymousFloodMovesNoRank: anonymous purchases — a flood of them,
// with the largest quantities — and the impression+click that used to
// reset an item's CTR move no item's rank for 手机 and change no item's
// sales; the same purchases, signed by the order system, do count.
func TestAnonymousFloodMovesNoRank(t *testing.T) {
	const q = "手机"
	key := []byte("order-system-key")
	s := newEventsServer(t, events.Config{}, EventsConfig{BurstPerIP: 10_000, OrderKey: key})
	// The catalog's CTR figures, which one counted impression and click
	// used to replace (1,691/25 → 1/1).
	for i, id := range ids(search(t, s.Server, "size=50&q="+q)) {
		body := fmt.Sprintf(`{"impressions": %d, "clicks": %d}`, 1691+97*i, 25+3*(i%7))
		if r := do(t, s.Server, "PATCH", "/api/items/"+id, body, "Authorization", "Bearer "+testToken); r.status != 200 {
			t.Fatalf("PATCH %s: %d %s", id, r.status, r.body)
		}
	}
	before := ranking(t, s.Server, q)
	order := make([]string, len(before))
	for i, it := range before {
		order[i] = it.ID
	}
	if len(order) < 5 {
		t.Fatalf("%d results for %s", len(order), q)
	}
	top, low := order[0], order[len(order)-1]
	sales0, imp0 := map[string]int64{}, map[string]int64{}
	for _, id := range order {
		p, _ := s.engine.Store().Get(id)
		sales0[id], imp0[id] = p.Sales30d, p.Impressions
	}
	// 1. 100 purchases of 10,000 units on the last item, and one on the
	// first (which used to replace its sales_30d by 1), from 100 sessions
	// and one address.
	var b strings.Builder
	for i := range 100 {
		fmt.Fprintf(&b, `{"type":"purchase","session_id":"bot-%d","item_id":%q,"quantity":10000,"amount":1},`, i, low)
	}
	fmt.Fprintf(&b, `{"type":"purchase","session_id":"bot-x","item_id":%q}`, top)
	if out := s.post(t, "["+b.String()+"]"); out.Accepted != 101 {
		t.Fatalf("flood: %+v", out)
	}
	// 2. One counted impression and click on every item (which used to
	// replace each item's impressions and clicks by 1 and 1).
	b.Reset()
	for _, id := range order {
		fmt.Fprintf(&b, `{"type":"impression","session_id":"reset","scene":"search","items":[%q]},{"type":"click","session_id":"reset","item_id":%q},`, id, id)
	}
	s.post(t, "["+strings.TrimSuffix(b.String(), ",")+"]")
	s.push(t)
	after := ranking(t, s.Server, q)
	got := make([]string, len(after))
	for i, it := range after {
		got[i] = it.ID
	}
	c := s.in.Counters()
	t.Logf("counters %+v", c)
	if !slices.Equal(got, order) {
		t.Errorf("the anonymous events moved the ranking:\nbefore %v\nafter  %v", order, got)
	}
	for _, id := range order {
		if p, _ := s.engine.Store().Get(id); p.Sales30d != sales0[id] {
			t.Errorf("%s: sales_30d %d → %d from anonymous purchases", id, sales0[id], p.Sales30d)
		}
		if p, _ := s.engine.Store().Get(id); p.Impressions != imp0[id]+1 {
			t.Errorf("%s: impressions %d → %d: want the catalog's plus the one counted", id, imp0[id], p.Impressions)
		}
	}
	if c.DroppedUntrusted != 101 {
		t.Errorf("dropped_untrusted %d, want 101", c.DroppedUntrusted)
	}
	// The order system's signed purchase counts, once.
	body := fmt.Sprintf(`[{"type":"purchase","user_id":"u1","item_id":%q,"quantity":3,"amount":30,"event_id":"order-1/1"}]`, low)
	for range 2 {
		r := do(t, s.Server, "POST", "/api/events", body, signatureHeader, Sign(key, []byte(body), s.cfg.Now()))
		if r.status != http.StatusOK {
			t.Fatalf("signed purchase: %d %s", r.status, r.body)
		}
	}
	s.push(t)
	if p, _ := s.engine.Store().Get(low); p.Sales30d != sales0[low]+3 {
		t.Errorf("%s: sales_30d %d after a signed purchase of 3 sent twice, want %d", low, p.Sales30d, sales0[low]+3)
	}
}

// TestTrustedEventsAuth: the admin token or a valid, fresh signature make
// a batch trusted; a wrong one is refused, never taken as anonymous.
func TestTrustedEventsAuth(t *testing.T) {
	key := []byte("k")
	s := newEventsServer(t, events.Config{}, EventsConfig{OrderKey: key})
	body := `[{"type":"purchase","user_id":"u1","item_id":"p01","event_id":"o1"}]`
	now := s.cfg.Now()
	tests := []struct {
		name   string
		header []string
		status int
	}{
		{"admin token", []string{"Authorization", "Bearer " + testToken}, 200},
		{"signature", []string{signatureHeader, Sign(key, []byte(body), now)}, 200},
		{"wrong token", []string{"Authorization", "Bearer nope"}, 401},
		{"wrong key", []string{signatureHeader, Sign([]byte("x"), []byte(body), now)}, 401},
		{"other body", []string{signatureHeader, Sign(key, []byte(body+" "), now)}, 401},
		{"stale", []string{signatureHeader, Sign(key, []byte(body), now.Add(-10*time.Minute))}, 401},
		{"malformed", []string{signatureHeader, "v1=zz"}, 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := do(t, s.Server, "POST", "/api/events", body, tt.header...)
			if r.status != tt.status {
				t.Errorf("status %d, want %d: %s", r.status, tt.status, r.body)
			}
		})
	}
	// A trusted purchase needs its order line's id.
	r := do(t, s.Server, "POST", "/api/events", `[{"type":"purchase","user_id":"u1","item_id":"p01"}]`, "Authorization", "Bearer "+testToken)
	if r.status != 200 || !strings.Contains(r.body, "event_id") {
		t.Errorf("a trusted purchase without event_id: %d %s", r.status, r.body)
	}
	// Without a key, signatures are refused.
	s2 := newEventsServer(t, events.Config{}, EventsConfig{})
	if r := do(t, s2.Server, "POST", "/api/events", body, signatureHeader, Sign(key, []byte(body), now)); r.status != 401 {
		t.Errorf("a signature without --order-key: %d %s", r.status, r.body)
	}
}

// fullBuffer is an Events whose store is unreachable and whose buffer is
// full: every Ingest is refused.
type fullBuffer struct{ Events }

func (fullBuffer) Ingest(ctx context.Context, evs []models.Event, ip string) (events.Result, error) {
	return events.Result{}, models.Errorf(models.EUNAVAILABLE, "the event buffer is full")
}

// TestEventsBufferFull: a batch the full buffer refuses is answered 503
// unavailable, never 200.
func TestEventsBufferFull(t *testing.T) {
	s := newServer(t, Config{AdminToken: testToken})
	if _, err := s.WithEvents(fullBuffer{}, EventsConfig{}); err != nil {
		t.Fatal(err)
	}
	do(t, s, "POST", "/api/events", `[{"type":"click","session_id":"s","item_id":"p01"}]`).
		errorOf(t, http.StatusServiceUnavailable, models.EUNAVAILABLE)
}
