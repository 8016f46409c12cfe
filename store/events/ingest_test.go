package events

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"shopsearch/models"
	"shopsearch/models/clocktest"
	"shopsearch/store"
	"shopsearch/store/redistest"
)

var ctx = context.Background()

// openEmbedded opens a store on the test's clock (the ingester's).
func openEmbedded(t *testing.T, clock func() time.Time) *store.Embedded {
	t.Helper()
	e, err := store.OpenEmbedded(filepath.Join(t.TempDir(), "state.db"), store.WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

var now = clocktest.Date(2026, 12, 1, 8, 0)

func fixedNow() time.Time { return now }

func intp(n int) *int { return &n }

func TestValidate(t *testing.T) {
	in := New(Config{Now: fixedNow}, nil)
	ok := func(e models.Event) models.Event {
		if e.UserID == "" && e.SessionID == "" {
			e.SessionID = "s1"
		}
		return e
	}
	tests := []struct {
		name string
		e    models.Event
		want string // "" valid, else a part of the message
	}{
		{"click", ok(models.Event{Type: "click", ItemID: "p1"}), ""},
		{"user actor", models.Event{Type: "click", UserID: "u1", ItemID: "p1"}, ""},
		{"impression", ok(models.Event{Type: "impression", Items: []string{"a", "b"}, Scene: "search", ImpressionID: "imp-1"}), ""},
		{"impression of item_id", ok(models.Event{Type: "impression", ItemID: "a", Scene: "home"}), ""},
		{"purchase", ok(models.Event{Type: "purchase", ItemID: "p1", Quantity: 2, Amount: 99.5}), ""},
		{"search", ok(models.Event{Type: "search", Query: " 蓝牙  耳机 ", Results: intp(3)}), ""},
		{"no type", ok(models.Event{ItemID: "p1"}), "type: missing"},
		{"bad type", ok(models.Event{Type: "view", ItemID: "p1"}), "unknown \"view\""},
		{"no actor", models.Event{Type: "click", ItemID: "p1"}, "user_id or session_id"},
		{"no item", ok(models.Event{Type: "click"}), "item_id: missing"},
		{"item with space", ok(models.Event{Type: "click", ItemID: "a b"}), "item_id"},
		{"control char", ok(models.Event{Type: "click", ItemID: "a\x1fb"}), "item_id"},
		{"long id", ok(models.Event{Type: "click", ItemID: strings.Repeat("x", 129)}), "129 bytes"},
		{"impression without items", ok(models.Event{Type: "impression", Scene: "home"}), "items:"},
		{"impression without scene", ok(models.Event{Type: "impression", Items: []string{"a"}}), "scene:"},
		{"too many items", ok(models.Event{Type: "impression", Scene: "home", Items: make([]string, 101)}), "at most 100"},
		{"empty impression item", ok(models.Event{Type: "impression", Scene: "home", Items: []string{"a", ""}}), "items[1]: missing"},
		{"bad scene", ok(models.Event{Type: "impression", Scene: "home page", Items: []string{"a"}}), "scene:"},
		{"slash in slot", ok(models.Event{Type: "impression", Scene: "home", Slot: "a/b", Items: []string{"a"}}), "slot:"},
		{"empty search", ok(models.Event{Type: "search", Query: "  "}), "query:"},
		{"long search", ok(models.Event{Type: "search", Query: strings.Repeat("字", 201)}), "query:"},
		{"negative results", ok(models.Event{Type: "search", Query: "q", Results: intp(-1)}), "results:"},
		{"negative amount", ok(models.Event{Type: "purchase", ItemID: "p", Amount: -1}), "amount:"},
		{"huge quantity", ok(models.Event{Type: "purchase", ItemID: "p", Quantity: 10_001}), "quantity:"},
		{"amount on a click", ok(models.Event{Type: "click", ItemID: "p", Amount: 3}), "only a purchase"},
		{"far past", ok(models.Event{Type: "click", ItemID: "p", Time: now.Add(-73 * time.Hour)}), "in the past"},
		{"far future", ok(models.Event{Type: "click", ItemID: "p", Time: now.Add(6 * time.Minute)}), "in the future"},
		{"near future", ok(models.Event{Type: "click", ItemID: "p", Time: now.Add(4 * time.Minute)}), ""},
		{"bad region", ok(models.Event{Type: "click", ItemID: "p", Region: "上海"}), "region:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := tt.e
			err := in.validate(&e, now)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("rejected: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("error %v, want one with %q", err, tt.want)
			case err != nil && models.ErrorCode(err) != models.EINVALID:
				t.Errorf("code %q, want invalid", models.ErrorCode(err))
			}
			if err == nil && e.Time.IsZero() {
				t.Error("no default time")
			}
		})
	}
}

func TestIngestRejectsByIndex(t *testing.T) {
	st := openEmbedded(t, fixedNow)
	in := New(Config{Now: fixedNow, ClicksWithoutImpression: true}, st)
	res, err := in.Ingest(ctx, []models.Event{
		{Type: "click", SessionID: "s", ItemID: "a"},
		{Type: "click", SessionID: "s"},
		{Type: "purchase", SessionID: "s", ItemID: "a", Amount: 10},
		{Type: "bogus", SessionID: "s", ItemID: "a"},
	}, "10.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if res.Accepted != 2 || len(res.Rejected) != 2 || res.Rejected[0].Index != 1 || res.Rejected[1].Index != 3 {
		t.Errorf("result %+v", res)
	}
	w, _ := st.ItemWindows(ctx, []string{"a"}, now.Unix()/86400)
	if got := w[0].Day1; got.Clicks != 1 || got.Purchases != 0 || got.Units != 0 { // an anonymous purchase counts no sales
		t.Errorf("item a: %+v", got)
	}
	if _, err := in.Ingest(ctx, make([]models.Event, 501), ""); models.ErrorCode(err) != models.ETOOLARGE {
		t.Errorf("a batch of 501: %v, want too_large", err)
	}
	c := in.Counters()
	if c.Received != 4 || c.Accepted != 2 || c.Rejected != 2 || c.Counted != 1 || c.DroppedUntrusted != 1 {
		t.Errorf("counters %+v", c)
	}
}

// TestFraudRules: repeats of one actor or IP within the window and events
// over the daily caps are dropped from the counters, but kept in the
// actor's recent behaviour.
func TestFraudRules(t *testing.T) {
	st := openEmbedded(t, fixedNow)
	in := New(Config{Now: fixedNow, ActorDailyCap: 50, IPDailyCap: 80, ClicksWithoutImpression: true}, st)
	clicks := func(n int, actor, ip, item string) {
		t.Helper()
		evs := make([]models.Event, n)
		for i := range evs {
			evs[i] = models.Event{Type: "click", SessionID: actor, ItemID: item}
		}
		if _, err := in.Ingest(ctx, evs, ip); err != nil {
			t.Fatal(err)
		}
	}
	clicks(30, "bot", "1.1.1.1", "x")  // 1 counted, 29 repeats
	clicks(1, "bot2", "1.1.1.1", "x")  // the same IP: a repeat
	clicks(1, "human", "2.2.2.2", "x") // counted
	clicks(1, "human", "2.2.2.2", "y") // counted: another item
	clicks(40, "bot", "1.1.1.1", "z")  // the bot's 31st–70th events: 20 within its cap (1 counted), 20 over
	clicks(20, "bot3", "1.1.1.1", "w") // IP events 72–91: 9 within the IP cap (1 counted), 11 over
	w, _ := st.ItemWindows(ctx, []string{"x", "y", "z", "w"}, now.Unix()/86400)
	for i, want := range []int64{2, 1, 1, 1} {
		if w[i].Day1.Clicks != want {
			t.Errorf("item %s: %d clicks counted, want %d", w[i].ID, w[i].Day1.Clicks, want)
		}
	}
	c := in.Counters()
	if c.Counted != 5 || c.DroppedCap != 31 || c.DroppedRepeat != 57 {
		t.Errorf("counters %+v, want 5 counted, 31 over the caps, 57 repeats", c)
	}
	r, _ := st.RecentBehavior(ctx, "s:bot", models.EventClick, 5)
	if len(r) != 5 || r[0].ItemID != "z" {
		t.Errorf("the bot's recent clicks %+v", r)
	}
	// The next window counts the actor again.
	later := New(Config{Now: func() time.Time { return now.Add(time.Hour) }, ClicksWithoutImpression: true}, st)
	if _, err := later.Ingest(ctx, []models.Event{{Type: "click", SessionID: "human", ItemID: "y"}}, "2.2.2.2"); err != nil {
		t.Fatal(err)
	}
	if later.Counters().Counted != 1 {
		t.Errorf("a click in the next window was not counted: %+v", later.Counters())
	}
}

// TestClickThroughs: a click counts when its actor was shown the item
// (in the same batch, or in this or the previous window), not otherwise.
func TestClickThroughs(t *testing.T) {
	at := now
	clock := func() time.Time { return at }
	st := openEmbedded(t, clock)
	in := New(Config{Now: clock}, st)
	send := func(evs ...models.Event) {
		t.Helper()
		if _, err := in.Ingest(ctx, evs, ""); err != nil {
			t.Fatal(err)
		}
	}
	imp := func(actor string, items ...string) models.Event {
		return models.Event{Type: "impression", SessionID: actor, Scene: "search", Items: items}
	}
	click := func(actor, item string) models.Event {
		return models.Event{Type: "click", SessionID: actor, ItemID: item}
	}
	send(click("a", "v"))                     // never shown: not counted
	send(imp("a", "x", "y"), click("a", "y")) // shown in the same batch
	send(click("a", "x"))                     // shown by the earlier batch
	send(click("b", "y"))                     // shown to a, not b
	at = now.Add(90 * time.Minute)
	send(click("c", "z"), imp("c", "z")) // the impression after the click
	send(imp("a", "w"))
	at = now.Add(150 * time.Minute)
	send(click("a", "w")) // shown in the previous window
	at = now.Add(5 * time.Hour)
	send(click("c", "z")) // shown too long ago
	w, _ := st.ItemWindows(ctx, []string{"x", "y", "z", "w"}, now.Unix()/86400)
	for i, want := range []int64{1, 1, 0, 1} {
		if w[i].Day1.Clicks != want {
			t.Errorf("item %s: %d clicks counted, want %d", w[i].ID, w[i].Day1.Clicks, want)
		}
	}
	if c := in.Counters(); c.DroppedUnseen != 4 {
		t.Errorf("counters %+v, want 4 unseen clicks", c)
	}
}

func TestImpressionsAndSearches(t *testing.T) {
	st := openEmbedded(t, fixedNow)
	var observed []string
	in := New(Config{Now: fixedNow, OnSearch: func(q string, n int, _ time.Time) { observed = append(observed, fmt.Sprint(q, n)) }}, st)
	evs := []models.Event{
		{Type: "impression", UserID: "u", Scene: "home", Slot: "guess", Items: []string{"a", "b", "a"}, Time: now},
		{Type: "impression", UserID: "u", Scene: "home", Slot: "guess", Items: []string{"a", "c"}, Time: now},
		{Type: "search", UserID: "u", Query: "耳机", Results: intp(7)},
		{Type: "search", UserID: "u", Query: " 耳机"},
		{Type: "search", SessionID: "s", Query: "耳机"},
	}
	if _, err := in.Ingest(ctx, evs, ""); err != nil {
		t.Fatal(err)
	}
	w, _ := st.ItemWindows(ctx, []string{"a", "b", "c"}, store.Day(now))
	if w[0].Day1.Impressions != 1 || w[1].Day1.Impressions != 1 || w[2].Day1.Impressions != 1 {
		t.Errorf("impressions %+v", w)
	}
	x, _ := st.Exposed(ctx, "u:u", SlotKey("home", "guess"))
	if len(x) != 3 {
		t.Errorf("exposed %v, want a, b, c", x)
	}
	q, _ := st.TopQueries(ctx, now.Unix()/86400, 1, 10)
	if len(q) != 1 || q[0].Count != 2 {
		t.Errorf("query counts %v, want 耳机 twice (once per actor)", q)
	}
	if fmt.Sprint(observed) != "[耳机7 耳机-1]" {
		t.Errorf("observed %v", observed)
	}
}

// TestBufferWhenRedisHangs: a Redis that does not answer (CLIENT PAUSE)
// holds a request no longer than StoreTimeout; its events are buffered.
func TestBufferWhenRedisHangs(t *testing.T) {
	srv := redistest.StartServer(t)
	r, err := store.OpenRedis(ctx, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	admin := redis.NewClient(&redis.Options{Addr: srv.Addr})
	defer admin.Close()
	in := New(Config{StoreTimeout: 200 * time.Millisecond, ClicksWithoutImpression: true}, r)
	if err := admin.Do(ctx, "CLIENT", "PAUSE", "1500", "ALL").Err(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	res, err := in.Ingest(ctx, []models.Event{{Type: "click", SessionID: "s", ItemID: "x"}}, "")
	t.Logf("the request took %v with Redis paused", time.Since(start).Round(time.Millisecond))
	if err != nil || !res.Buffered || !in.Counters().Degraded {
		t.Fatalf("with Redis paused: %+v, %v, counters %+v; want the event buffered", res, err, in.Counters())
	}
	deadline := time.Now().Add(10 * time.Second)
	for !in.Replay(ctx) {
		if time.Now().After(deadline) {
			t.Fatal("the buffer was not replayed within 10s of the pause")
		}
		time.Sleep(100 * time.Millisecond) // polling, with a deadline
	}
	w, _ := r.ItemWindows(ctx, []string{"x"}, store.Day(time.Now()))
	if w[0].Day1.Clicks != 1 {
		t.Errorf("after the pause: %+v", w[0].Day1)
	}
}
