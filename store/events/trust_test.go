package events

import (
	"fmt"
	"path/filepath"
	"testing"

	"shopsearch/models"
	"shopsearch/store"
)

// TestTrust: anonymous purchases, whatever their quantity, count no sales;
// trusted ones count once per event id and need one.
func TestTrust(t *testing.T) {
	st := openEmbedded(t, fixedNow)
	in := New(Config{Now: fixedNow}, st)
	var flood []models.Event
	for i := range 100 {
		flood = append(flood, models.Event{Type: "purchase", SessionID: fmt.Sprint("bot", i), ItemID: "x", Quantity: 10_000, Amount: 1})
	}
	if res, err := in.Ingest(ctx, flood, "6.6.6.6"); err != nil || res.Accepted != 100 {
		t.Fatalf("anonymous purchases: %+v, %v", res, err)
	}
	order := func(id string, qty int) models.Event {
		return models.Event{Type: "purchase", UserID: "u1", ItemID: "x", Quantity: qty, Amount: 99, EventID: id}
	}
	res, err := in.IngestTrusted(ctx, []models.Event{order("o1", 2), order("o2", 1), order("o1", 2),
		{Type: "purchase", UserID: "u1", ItemID: "x"}})
	if err != nil || res.Accepted != 3 || len(res.Rejected) != 1 || res.Rejected[0].Index != 3 {
		t.Fatalf("trusted purchases: %+v, %v; want the one without an event_id rejected", res, err)
	}
	if _, err := in.IngestTrusted(ctx, []models.Event{order("o2", 1)}); err != nil { // resent
		t.Fatal(err)
	}
	// An anonymous event cannot spend an order's id.
	if _, err := in.Ingest(ctx, []models.Event{{Type: "click", SessionID: "s", ItemID: "x", EventID: "o3"}}, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := in.IngestTrusted(ctx, []models.Event{order("o3", 1)}); err != nil {
		t.Fatal(err)
	}
	w, _ := st.ItemWindows(ctx, []string{"x"}, store.Day(now))
	if got := w[0].Day1; got.Purchases != 3 || got.Units != 4 || got.Amount != 3*99 {
		t.Errorf("item x: %+v; want the 3 orders, 4 units", got)
	}
	c := in.Counters()
	if c.DroppedUntrusted != 100 || c.Duplicates != 2 {
		t.Errorf("counters %+v: want 100 untrusted, 2 duplicates", c)
	}
	// The anonymous purchases are in the shoppers' own recent behaviour.
	if r, _ := st.RecentBehavior(ctx, "s:bot7", models.EventPurchase, 5); len(r) != 1 {
		t.Errorf("bot7's recent purchases: %+v", r)
	}
}

// TestUnitCaps: the daily caps count units (an impression's items) as well
// as events, per actor, per session under a user, and per IP.
func TestUnitCaps(t *testing.T) {
	st := openEmbedded(t, fixedNow)
	in := New(Config{Now: fixedNow, ActorDailyUnits: 250, IPDailyUnits: 400}, st)
	imp := func(user, session, ip string, first int) {
		t.Helper()
		items := make([]string, 100)
		for i := range items {
			items[i] = fmt.Sprint("i", first+i)
		}
		if _, err := in.Ingest(ctx, []models.Event{{Type: "impression", UserID: user, SessionID: session, Scene: "home", Items: items}}, ip); err != nil {
			t.Fatal(err)
		}
	}
	imp("", "s1", "1.1.1.1", 0)
	imp("", "s1", "1.1.1.1", 100)
	imp("", "s1", "1.1.1.1", 200) // the session's units 201–300: over 250
	imp("u1", "s2", "2.2.2.2", 0)
	imp("u2", "s2", "2.2.2.2", 100)
	imp("u3", "s2", "2.2.2.2", 200) // new users, one session: over its 250
	imp("", "s3", "1.1.1.1", 300)
	imp("", "s4", "1.1.1.1", 400) // the IP's units 401–500: over 400
	if c := in.Counters(); c.Counted != 500 || c.DroppedCap != 300 {
		t.Errorf("counters %+v: want 500 counted, 300 over the caps", c)
	}
}

// TestCapsSurviveRestart: the embedded store keeps the fraud rules' state
// on disk: a shopper capped before a restart stays capped after it, and a
// repeat within the window stays a repeat.
func TestCapsSurviveRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "behavior.db")
	open := func() *store.Embedded {
		e, err := store.OpenEmbedded(path, store.WithClock(fixedNow))
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	cfg := Config{Now: fixedNow, ActorDailyCap: 3, ClicksWithoutImpression: true}
	click := func(in *Ingester, item string) {
		t.Helper()
		if _, err := in.Ingest(ctx, []models.Event{{Type: "click", SessionID: "bot", ItemID: item}}, ""); err != nil {
			t.Fatal(err)
		}
	}
	st := open()
	in := New(cfg, st)
	for i := range 4 {
		click(in, fmt.Sprint("a", i)) // the 4th is over the cap
	}
	if c := in.Counters(); c.Counted != 3 || c.DroppedCap != 1 {
		t.Fatalf("before the restart: %+v", c)
	}
	st.Close()
	st = open()
	defer st.Close()
	in = New(cfg, st)
	click(in, "b")
	if c := in.Counters(); c.Counted != 0 || c.DroppedCap != 1 {
		t.Errorf("after the restart: %+v; want the shopper still capped", c)
	}
	cfg.ActorDailyCap = 100
	in = New(cfg, st)
	click(in, "a0")
	if c := in.Counters(); c.Counted != 0 || c.DroppedRepeat != 1 {
		t.Errorf("a repeat after the restart: %+v; want it still a repeat", c)
	}
}
