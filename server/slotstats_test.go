package server

import (
	"slices"
	"testing"
	"time"

	"shopsearch/models"
	"shopsearch/recall/ctr"
	"shopsearch/store/events"
)

func TestSlotStats(t *testing.T) {
	s := newEventsServer(t, events.Config{}, EventsConfig{})
	res := s.post(t, `[
	 {"type":"impression","session_id":"a","scene":"home","slot":"home","impression_id":"i1","items":["p01","p02","p03","p04"]},
	 {"type":"impression","session_id":"a","scene":"search","slot":"results","impression_id":"i2","items":["p01","p05"]},
	 {"type":"click","session_id":"a","scene":"home","slot":"home","impression_id":"i1","item_id":"p02"},
	 {"type":"add_to_cart","session_id":"a","scene":"cart","item_id":"p02"},
	 {"type":"purchase","session_id":"a","scene":"cart","item_id":"p02","quantity":2,"amount":40},
	 {"type":"purchase","session_id":"b","scene":"cart","item_id":"p02","quantity":1,"amount":20},
	 {"type":"click","session_id":"a","item_id":"p05"},
	 {"type":"click","scene":"home","item_id":"p03"}]`)
	if len(res.Rejected) != 1 {
		t.Fatalf("want only the actorless click rejected: %+v", res)
	}
	var out struct{ Slots []SlotCounts }
	r := do(t, s.Server, "GET", "/api/admin/stats/slots", "", "Authorization", "Bearer "+testToken)
	r.decode(t, &out)
	if len(out.Slots) != 2 {
		t.Fatalf("slots %+v", out.Slots)
	}
	home, search := out.Slots[0], out.Slots[1]
	// b bought p02 without clicking it from a list: not attributed; the
	// click without a scene counts nowhere.
	if home.Scene != "home" || home.Impressions != 4 || home.Clicks != 1 || home.Carts != 1 || home.Purchases != 1 ||
		home.Amount != 40 || home.CTR != 0.25 || home.CVR != 1 {
		t.Errorf("home %+v", home)
	}
	if search.Scene != "search" || search.Slot != "results" || search.Impressions != 2 || search.Clicks != 0 {
		t.Errorf("search %+v", search)
	}
	if r := do(t, s.Server, "GET", "/api/admin/stats/slots", ""); r.status != 401 {
		t.Errorf("without the token: %d", r.status)
	}
}

func TestSlotStatsLabels(t *testing.T) {
	st := newSlotStats(time.Now, newSlotMetrics())
	var got []ctr.Label
	st.labels = func(ls []ctr.Label) { got = append(got, ls...) }
	at := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	evs := []models.Event{
		{Type: models.EventClick, SessionID: "a", ItemID: "p1", ImpressionID: "r-1", Time: at},
		{Type: models.EventClick, SessionID: "a", ItemID: "p2", ImpressionID: "c-9", Time: at}, // the storefront's own fallback
		{Type: models.EventClick, SessionID: "a", ItemID: "p3", ImpressionID: "r-2", Time: at}, // rejected below
		{Type: models.EventAddToCart, SessionID: "a", ItemID: "p1", Time: at.Add(time.Minute)}, // attributed to r-1
		{Type: models.EventPurchase, SessionID: "b", ItemID: "p1", Time: at},                   // b never clicked it
		{Type: models.EventPurchase, SessionID: "b", ItemID: "p4", ImpressionID: "r-3", Time: at},
		{Type: models.EventImpression, SessionID: "a", ImpressionID: "r-1", Items: []string{"p1"}, Time: at},
	}
	st.observe(evs, []events.Rejection{{Index: 2}})
	want := []ctr.Label{
		{Impression: "r-1", Item: "p1", Type: models.EventClick, At: at},
		{Impression: "r-1", Item: "p1", Type: models.EventAddToCart, At: at.Add(time.Minute)},
		{Impression: "r-3", Item: "p4", Type: models.EventPurchase, At: at},
	}
	if !slices.Equal(got, want) {
		t.Errorf("labels\n got %+v\nwant %+v", got, want)
	}
}
