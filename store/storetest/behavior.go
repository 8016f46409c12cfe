package storetest

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"shopsearch/models"
)

// BehaviorStore is the behaviour store as the suite sees it: the union of
// what the events ingester and the statistics (store/events) and, later,
// the recommender need.
type BehaviorStore interface {
	Admit(ctx context.Context, a models.Admission) (models.Admitted, error)
	RecordBehavior(ctx context.Context, b *models.BehaviorBatch) error
	RecentBehavior(ctx context.Context, actor string, t models.EventType, n int) ([]models.Behavior, error)
	Exposed(ctx context.Context, actor, slot string) ([]string, error)
	ItemWindows(ctx context.Context, items []string, today int64) ([]models.ItemWindows, error)
	ChangedItems(ctx context.Context, since time.Time) ([]string, error)
	TopQueries(ctx context.Context, today int64, days, n int) ([]models.QueryCount, error)
	SweepBehavior(ctx context.Context, now time.Time) error
	ScanRecent(ctx context.Context, t models.EventType, fn func(actor string, bs []models.Behavior) error) error
}

// Limits are the store's bounds the suite checks.
type Limits struct {
	Recent int           // entries of a type kept per actor
	DayTTL time.Duration // how long a day's counters live
}

// RunBehavior runs the behaviour suite. open returns a new, empty store,
// closed by the time the test ends.
func RunBehavior(t *testing.T, lim Limits, open func(t *testing.T) BehaviorStore) {
	t.Run("Recent", func(t *testing.T) { testRecent(t, lim, open(t)) })
	t.Run("Exposures", func(t *testing.T) { testExposures(t, open(t)) })
	t.Run("ItemWindows", func(t *testing.T) { testItemWindows(t, open(t)) })
	t.Run("ChangedItems", func(t *testing.T) { testChangedItems(t, open(t)) })
	t.Run("TopQueries", func(t *testing.T) { testTopQueries(t, open(t)) })
	t.Run("Admit", func(t *testing.T) { testAdmit(t, open(t)) })
	t.Run("Sweep", func(t *testing.T) { testSweep(t, lim, open(t)) })
	t.Run("ScanRecent", func(t *testing.T) { testScanRecent(t, open(t)) }) // scan.go
}

var ctx = context.Background()

func record(t *testing.T, s BehaviorStore, b models.BehaviorBatch) {
	t.Helper()
	if err := s.RecordBehavior(ctx, &b); err != nil {
		t.Fatalf("RecordBehavior: %v", err)
	}
}

func testRecent(t *testing.T, lim Limits, s BehaviorStore) {
	t0 := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	var b models.BehaviorBatch
	for i := range lim.Recent + 5 {
		b.Recent = append(b.Recent, models.RecentEntry{Actor: "u:1",
			B: models.Behavior{Type: models.EventClick, ItemID: fmt.Sprint("i", i), At: t0.Add(time.Duration(i) * time.Second)}})
	}
	b.Recent = append(b.Recent, models.RecentEntry{Actor: "u:1", B: models.Behavior{Type: models.EventSearch, Query: "手机", At: t0}})
	b.Recent = append(b.Recent, models.RecentEntry{Actor: "s:x", B: models.Behavior{Type: models.EventClick, ItemID: "other", At: t0}})
	record(t, s, b)
	// A second batch puts its entries before the first's.
	record(t, s, models.BehaviorBatch{Recent: []models.RecentEntry{{Actor: "u:1",
		B: models.Behavior{Type: models.EventClick, ItemID: "last", At: t0.Add(time.Hour)}}}})

	got, err := s.RecentBehavior(ctx, "u:1", models.EventClick, 3)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"last", fmt.Sprint("i", lim.Recent+4), fmt.Sprint("i", lim.Recent+3)}
	if ids := itemIDs(got); !slices.Equal(ids, want) {
		t.Errorf("latest clicks %v, want %v", ids, want)
	}
	if len(got) > 0 && !got[0].At.Equal(t0.Add(time.Hour)) {
		t.Errorf("time %v, want %v", got[0].At, t0.Add(time.Hour))
	}
	all, _ := s.RecentBehavior(ctx, "u:1", models.EventClick, 1000)
	if len(all) != lim.Recent {
		t.Errorf("%d clicks kept, want the bound %d", len(all), lim.Recent)
	}
	q, _ := s.RecentBehavior(ctx, "u:1", models.EventSearch, 10)
	if len(q) != 1 || q[0].Query != "手机" {
		t.Errorf("searches %+v", q)
	}
	if none, err := s.RecentBehavior(ctx, "u:nobody", models.EventClick, 10); err != nil || len(none) != 0 {
		t.Errorf("an unknown actor has %v, %v", none, err)
	}
}

func itemIDs(bs []models.Behavior) []string {
	out := make([]string, len(bs))
	for i, b := range bs {
		out[i] = b.ItemID
	}
	return out
}

func testExposures(t *testing.T, s BehaviorStore) {
	now := time.Now()
	record(t, s, models.BehaviorBatch{Exposures: []models.Exposure{
		{Actor: "u:1", Slot: "home", Item: "a", At: now, TTL: time.Hour},
		{Actor: "u:1", Slot: "home", Item: "b", At: now.Add(time.Second), TTL: time.Hour},
		{Actor: "u:1", Slot: "home", Item: "old", At: now.Add(-2 * time.Hour), TTL: time.Hour},
		{Actor: "u:1", Slot: "cart", Item: "c", At: now, TTL: time.Hour},
		{Actor: "u:1", Slot: "home", Item: "short", At: now, TTL: 300 * time.Millisecond},
	}})
	got, err := s.Exposed(ctx, "u:1", "home")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"b", "a", "short"}; !slices.Equal(got, want) {
		t.Errorf("home exposures %v, want %v (latest first, the expired one gone)", got, want)
	}
	time.Sleep(400 * time.Millisecond) // let the short TTL pass
	if got, _ := s.Exposed(ctx, "u:1", "home"); !slices.Equal(got, []string{"b", "a"}) {
		t.Errorf("after the short TTL: %v, want [b a]", got)
	}
	if got, _ := s.Exposed(ctx, "u:1", "cart"); !slices.Equal(got, []string{"c"}) {
		t.Errorf("cart exposures %v", got)
	}
}

func testItemWindows(t *testing.T, s BehaviorStore) {
	const today = 20000
	c := func(imp, clk int64, amt float64) models.ItemCounts {
		return models.ItemCounts{Impressions: imp, Clicks: clk, Purchases: 1, Units: 2, Amount: amt}
	}
	record(t, s, models.BehaviorBatch{Items: []models.ItemDelta{
		{Item: "a", Day: today, Counts: c(10, 1, 1.5)},
		{Item: "a", Day: today, Counts: c(5, 1, 1)}, // merged with the one above
		{Item: "a", Day: today - 3, Counts: c(100, 10, 10)},
		{Item: "a", Day: today - 20, Counts: c(1000, 100, 100)},
		{Item: "a", Day: today - 40, Counts: c(9999, 9999, 9999)}, // outside every window
		{Item: "b", Day: today - 6, Counts: models.ItemCounts{Carts: 3, Favorites: 4}},
	}})
	record(t, s, models.BehaviorBatch{Items: []models.ItemDelta{{Item: "a", Day: today, Counts: c(1, 0, 0.25)}}})
	got, err := s.ItemWindows(ctx, []string{"a", "b", "none"}, today)
	if err != nil {
		t.Fatal(err)
	}
	want := []models.ItemWindows{
		{ID: "a",
			Day1:  models.ItemCounts{Impressions: 16, Clicks: 2, Purchases: 3, Units: 6, Amount: 2.75},
			Day7:  models.ItemCounts{Impressions: 116, Clicks: 12, Purchases: 4, Units: 8, Amount: 12.75},
			Day30: models.ItemCounts{Impressions: 1116, Clicks: 112, Purchases: 5, Units: 10, Amount: 112.75}},
		{ID: "b", Day7: models.ItemCounts{Carts: 3, Favorites: 4}, Day30: models.ItemCounts{Carts: 3, Favorites: 4}},
		{ID: "none"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("windows\n got %+v\nwant %+v", got, want)
	}
}

func testChangedItems(t *testing.T, s BehaviorStore) {
	before := time.Now().Add(-time.Second)
	record(t, s, models.BehaviorBatch{Items: []models.ItemDelta{{Item: "a", Day: 1, Counts: models.ItemCounts{Clicks: 1}}}})
	// A store may return items changed up to a second before since.
	time.Sleep(1100 * time.Millisecond)
	mid := time.Now()
	time.Sleep(1100 * time.Millisecond)
	record(t, s, models.BehaviorBatch{Items: []models.ItemDelta{{Item: "b", Day: 1, Counts: models.ItemCounts{Clicks: 1}}}})
	all, err := s.ChangedItems(ctx, before)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(all)
	if !slices.Equal(all, []string{"a", "b"}) {
		t.Errorf("changed since before: %v", all)
	}
	if got, _ := s.ChangedItems(ctx, mid); !slices.Equal(got, []string{"b"}) {
		t.Errorf("changed since the middle: %v, want [b]", got)
	}
	// A new change of a moves it after the middle.
	record(t, s, models.BehaviorBatch{Items: []models.ItemDelta{{Item: "a", Day: 1, Counts: models.ItemCounts{Clicks: 1}}}})
	got, _ := s.ChangedItems(ctx, mid)
	slices.Sort(got)
	if !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("after a changed again: %v", got)
	}
	// Far back, the store reads its 31 days.
	got, _ = s.ChangedItems(ctx, time.Now().Add(-40*24*time.Hour))
	slices.Sort(got)
	if !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("changed in the last 40 days: %v", got)
	}
}

func testTopQueries(t *testing.T, s BehaviorStore) {
	const today = 20000
	record(t, s, models.BehaviorBatch{Queries: []models.QueryDelta{
		{Query: "手机", Day: today, N: 3}, {Query: "手机", Day: today - 1, N: 2},
		{Query: "耳机", Day: today, N: 4}, {Query: "旧", Day: today - 10, N: 100},
		{Query: "未来", Day: today + 1, N: 100},
	}})
	got, err := s.TopQueries(ctx, today, 7, 10)
	if err != nil {
		t.Fatal(err)
	}
	want := []models.QueryCount{{Query: "手机", Count: 5}, {Query: "耳机", Count: 4}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("top queries of 7 days %v, want %v", got, want)
	}
	if got, _ := s.TopQueries(ctx, today, 30, 1); len(got) != 1 || got[0].Query != "旧" {
		t.Errorf("top query of 30 days %v", got)
	}
}

func testAdmit(t *testing.T, s BehaviorStore) {
	a := models.Admission{Seen: []string{"k1"}, Once: []string{"k1", "k2", "k1"}, OnceTTL: 300 * time.Millisecond,
		Counters: []string{"c", "c", "d"}, CounterTTL: time.Hour}
	got, err := s.Admit(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	if want := (models.Admitted{Seen: []bool{false}, First: []bool{true, true, false}, Counts: []int64{1, 2, 1}}); !reflect.DeepEqual(got, want) {
		t.Errorf("first admission %+v, want %+v", got, want)
	}
	got, _ = s.Admit(ctx, models.Admission{Seen: []string{"k2", "k3"}, Once: []string{"k1"}, OnceTTL: time.Hour,
		Counters: []string{"c"}, CounterTTL: time.Hour})
	if want := (models.Admitted{Seen: []bool{true, false}, First: []bool{false}, Counts: []int64{3}}); !reflect.DeepEqual(got, want) {
		t.Errorf("second admission %+v, want %+v", got, want)
	}
	// Counters add their Add (units), 1 where it is 0.
	got, _ = s.Admit(ctx, models.Admission{Counters: []string{"c", "u", "u"}, Add: []int64{0, 10, 5}, CounterTTL: time.Hour})
	if want := []int64{4, 10, 15}; !slices.Equal(got.Counts, want) {
		t.Errorf("counters with Add: %v, want %v", got.Counts, want)
	}
	// Marks written with a batch are claims that Seen finds.
	record(t, s, models.BehaviorBatch{Marks: []string{"m1"}, MarkTTL: time.Hour})
	got, _ = s.Admit(ctx, models.Admission{Seen: []string{"m1", "m2"}})
	if want := []bool{true, false}; !slices.Equal(got.Seen, want) {
		t.Errorf("marks: seen %v, want %v", got.Seen, want)
	}
	time.Sleep(400 * time.Millisecond) // let the claims' TTL pass
	got, _ = s.Admit(ctx, models.Admission{Seen: []string{"k2"}, Once: []string{"k2"}, OnceTTL: time.Hour})
	if !slices.Equal(got.Seen, []bool{false}) || !slices.Equal(got.First, []bool{true}) {
		t.Errorf("after the claim expired: %+v, want not seen and first", got)
	}
}

func testSweep(t *testing.T, lim Limits, s BehaviorStore) {
	now := time.Now()
	today := now.Unix() / 86400
	record(t, s, models.BehaviorBatch{
		Items:   []models.ItemDelta{{Item: "a", Day: today, Counts: models.ItemCounts{Clicks: 1}}},
		Queries: []models.QueryDelta{{Query: "q", Day: today, N: 1}},
		Recent:  []models.RecentEntry{{Actor: "u:1", B: models.Behavior{Type: models.EventClick, ItemID: "a", At: now}}},
	})
	if err := s.SweepBehavior(ctx, now); err != nil {
		t.Fatal(err)
	}
	w, _ := s.ItemWindows(ctx, []string{"a"}, today)
	r, _ := s.RecentBehavior(ctx, "u:1", models.EventClick, 10)
	q, _ := s.TopQueries(ctx, today, 1, 10)
	if len(w) != 1 || w[0].Day1.Clicks != 1 || len(r) != 1 || len(q) != 1 {
		t.Errorf("a sweep now removed live data: %+v %v %v", w, r, q)
	}
	// A sweep a month and more later may remove it all (Redis expires by
	// itself instead), but must not fail.
	if err := s.SweepBehavior(ctx, now.Add(lim.DayTTL+time.Hour)); err != nil {
		t.Fatal(err)
	}
}
