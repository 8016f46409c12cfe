package query

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"shopsearch/models"
	"shopsearch/rank"
)

func pp[T any](v T) *T { return &v }

func productJSON(t *testing.T, p models.Product) string {
	t.Helper()
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func mustGet(t *testing.T, e *Engine, id string) models.Product {
	t.Helper()
	p, ok := e.Store().Get(id)
	if !ok {
		t.Fatalf("%s not in the store", id)
	}
	return p
}

func TestPatchMovesItemInPriceOrder(t *testing.T) {
	t.Parallel()
	e, _ := openCatalog(t, catalog())
	req := Request{Text: "空调", Sort: rank.SortPriceAsc, Size: 100}
	items := search(t, e, req).Items
	before := ids(items)
	// The dearest item in stock (out-of-stock ones come last whatever
	// their price).
	last := ""
	for _, it := range items {
		if it.Stock != "out_of_stock" {
			last = it.ID
		}
	}
	p, err := e.PatchOne(context.Background(), last, models.ProductPatch{Price: pp(9.9), PromoPrice: pp(0.0)})
	if err != nil {
		t.Fatal(err)
	}
	if p.Price != 9.9 || p.PromoPrice != 0 {
		t.Errorf("PatchOne returned %+v", p)
	}
	after := ids(search(t, e, req).Items)
	if after[0] != last {
		t.Errorf("after the price patch of %s: %v (before %v)", last, after, before)
	}
	// Price filters see the new price too.
	resp := search(t, e, Request{Text: "空调", Filter: rank.Filter{PriceMax: 10}})
	if !slices.Equal(ids(resp.Items), []string{last}) {
		t.Errorf("price filter ≤ 10: %v", ids(resp.Items))
	}
}

func TestPatchStockZeroDropsAndDemotes(t *testing.T) {
	t.Parallel()
	e, _ := openCatalog(t, catalog())
	req := Request{Text: "鼠标", Size: 100}
	first := search(t, e, req).Items[0]
	if first.Stock == "out_of_stock" {
		t.Fatalf("first item %s is out of stock already", first.ID)
	}
	if _, err := e.PatchOne(context.Background(), first.ID, models.ProductPatch{Stock: pp[int64](0)}); err != nil {
		t.Fatal(err)
	}
	// The in-stock filter drops it.
	inStock := search(t, e, Request{Text: "鼠标", Size: 100, Filter: rank.Filter{InStock: true}})
	if slices.Contains(ids(inStock.Items), first.ID) {
		t.Errorf("in_stock filter still has %s: %v", first.ID, ids(inStock.Items))
	}
	// In relevance order it goes after every item in stock.
	items := search(t, e, req).Items
	at := slices.IndexFunc(items, func(it Item) bool { return it.ID == first.ID })
	if at < 0 || items[at].Stock != "out_of_stock" {
		t.Fatalf("%s missing or not out of stock: %+v", first.ID, items)
	}
	for _, it := range items[at:] {
		if it.Stock != "out_of_stock" {
			t.Errorf("in-stock %s after out-of-stock %s: %v", it.ID, first.ID, ids(items))
		}
	}
	if at == 0 {
		t.Errorf("%s still first", first.ID)
	}
	// Back in stock, it is back on top.
	if _, err := e.PatchOne(context.Background(), first.ID, models.ProductPatch{Stock: pp[int64](100)}); err != nil {
		t.Fatal(err)
	}
	if got := search(t, e, req).Items[0].ID; got != first.ID {
		t.Errorf("back in stock, first is %s, want %s", got, first.ID)
	}
}

// invalid is a patch that sets several fields but breaks a rule with one of
// them (p10's price is 3299: a promotion price above it is rejected).
func invalidP10Patch() models.ProductPatch {
	return models.ProductPatch{Stock: pp[int64](1), Sales30d: pp[int64](99999), Platform: pp(models.PlatformPOP),
		RegionStock: map[string]int64{"bj": 1}, PromoTag: pp("秒杀"), PromoPrice: pp(5000.0)}
}

func TestRejectedPatchLeavesItemUnchanged(t *testing.T) {
	t.Parallel()
	e, dir := openCatalog(t, catalog())
	want := productJSON(t, mustGet(t, e, "p10"))

	_, err := e.PatchOne(context.Background(), "p10", invalidP10Patch())
	if models.ErrorCode(err) != models.EINVALID {
		t.Fatalf("error %v, want invalid", err)
	}
	res, err := e.Patch(context.Background(), []Update{{ID: "p10", Patch: invalidP10Patch()}})
	if err != nil || res.Applied != 0 || len(res.Rejected) != 1 || res.Rejected[0].Code != models.EINVALID {
		t.Fatalf("bulk: %+v %v", res, err)
	}
	if got := productJSON(t, mustGet(t, e, "p10")); got != want {
		t.Errorf("after rejected patches:\n got %s\nwant %s", got, want)
	}
	if _, err := e.PatchOne(context.Background(), "nope", models.ProductPatch{Stock: pp[int64](1)}); models.ErrorCode(err) != models.ENOTFOUND {
		t.Errorf("unknown id: %v", err)
	}
	e.Close()
	if got := productJSON(t, mustGet(t, reopen(t, dir), "p10")); got != want {
		t.Errorf("after reopening:\n got %s\nwant %s", got, want)
	}
}

func TestPatchBulkAppliesExactlyTheGoodOnes(t *testing.T) {
	t.Parallel()
	e, dir := openCatalog(t, catalog())
	p02 := mustGet(t, e, "p02")
	p31 := mustGet(t, e, "p31")
	updates := []Update{
		0: {ID: "p01", Patch: models.ProductPatch{Stock: pp[int64](7)}},
		1: {ID: "nope", Patch: models.ProductPatch{Stock: pp[int64](7)}},
		2: {ID: "p10", Patch: invalidP10Patch()},
		3: {ID: "p02", Patch: models.ProductPatch{Price: pp(4999.0), PromoTag: pp("新品特惠")}},
		// The same item again: checked against the result of update 0.
		4: {ID: "p01", Patch: models.ProductPatch{Sales30d: pp[int64](6000)}},
		// Clicks above the impressions update 5 would leave.
		5: {ID: "p31", Patch: models.ProductPatch{Impressions: pp[int64](10), Clicks: pp[int64](11)}},
		// promo_price above the price update 3 set.
		6: {ID: "p02", Patch: models.ProductPatch{PromoPrice: pp(5000.0)}},
		7: {ID: "p31", Patch: models.ProductPatch{Impressions: pp[int64](1000), Clicks: pp[int64](50)}},
	}
	res, err := e.Patch(context.Background(), updates)
	if err != nil {
		t.Fatal(err)
	}
	type rej struct {
		index int
		id    string
		code  string
	}
	var got []rej
	for _, r := range res.Rejected {
		got = append(got, rej{r.Index, r.ID, r.Code})
		if r.Message == "" {
			t.Errorf("rejection %d without a message", r.Index)
		}
	}
	want := []rej{{1, "nope", models.ENOTFOUND}, {2, "p10", models.EINVALID}, {5, "p31", models.EINVALID}, {6, "p02", models.EINVALID}}
	if res.Applied != 4 || !slices.Equal(got, want) {
		t.Fatalf("applied %d, rejected %+v; want 4 and %+v", res.Applied, got, want)
	}
	check := func(e *Engine) {
		t.Helper()
		if p := mustGet(t, e, "p01"); p.Stock != 7 || p.Sales30d != 6000 {
			t.Errorf("p01: stock %d sales %d", p.Stock, p.Sales30d)
		}
		wantP02 := p02
		wantP02.Price, wantP02.PromoTag = 4999, "新品特惠"
		if got := productJSON(t, mustGet(t, e, "p02")); got != productJSON(t, wantP02) {
			t.Errorf("p02:\n got %s\nwant %s", got, productJSON(t, wantP02))
		}
		wantP31 := p31
		wantP31.Impressions, wantP31.Clicks = 1000, 50
		if got := productJSON(t, mustGet(t, e, "p31")); got != productJSON(t, wantP31) {
			t.Errorf("p31:\n got %s\nwant %s", got, productJSON(t, wantP31))
		}
		if _, ok := e.Store().Get("nope"); ok {
			t.Errorf("a patch of an unknown id created an item")
		}
	}
	check(e)
	e.Close()
	check(reopen(t, dir))
}

func TestPatchSurvivesRestartWithUpsertsAndDeletes(t *testing.T) {
	t.Parallel()
	e, dir := openCatalog(t, catalog())
	ctx := context.Background()
	patch := func(id string, pt models.ProductPatch) {
		t.Helper()
		if res, err := e.Patch(ctx, []Update{{ID: id, Patch: pt}}); err != nil || res.Applied != 1 {
			t.Fatalf("patch %s: %+v %v", id, res, err)
		}
	}
	patch("p31", models.ProductPatch{Price: pp(10.0), PromoPrice: pp(0.0)})
	patch("p30", models.ProductPatch{Stock: pp[int64](0)})
	// Upsert replaces p30 whole, then a patch on top of it.
	if err := e.Upsert([]models.Product{{ID: "p30", Title: "罗技 G502 X 有线游戏鼠标", Brand: "罗技", Category: catMouse, Price: 399, Stock: 3, HasStock: true}}); err != nil {
		t.Fatal(err)
	}
	patch("p30", models.ProductPatch{Price: pp(5.0)})
	// Deleted after a patch; a later upsert brings it back without it.
	patch("p32", models.ProductPatch{Price: pp(1.0), Stock: pp[int64](50)})
	if err := e.Delete([]string{"p32"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.PatchOne(ctx, "p32", models.ProductPatch{Price: pp(2.0)}); models.ErrorCode(err) != models.ENOTFOUND {
		t.Fatalf("patch of a deleted item: %v", err)
	}
	patch("p33", models.ProductPatch{RegionStock: map[string]int64{"sz": 4}, ListedAt: pp(day(12, 1))})

	live := map[string]string{}
	for _, id := range []string{"p30", "p31", "p33"} {
		live[id] = productJSON(t, mustGet(t, e, id))
	}
	order := func(e *Engine) []string {
		return ids(search(t, e, Request{Text: "鼠标", Sort: rank.SortPriceAsc, Filter: rank.Filter{Brands: []string{"罗技"}}}).Items)
	}
	before := order(e)
	if before[0] != "p30" || before[1] != "p31" {
		t.Fatalf("price order before the restart: %v", before)
	}
	e.Close()
	e = reopen(t, dir)
	for id, want := range live {
		if got := productJSON(t, mustGet(t, e, id)); got != want {
			t.Errorf("%s after restart:\n got %s\nwant %s", id, got, want)
		}
	}
	if p := mustGet(t, e, "p30"); p.Title != "罗技 G502 X 有线游戏鼠标" || p.Price != 5 || p.Stock != 3 {
		t.Errorf("p30: %+v", p)
	}
	if _, ok := e.Store().Get("p32"); ok {
		t.Errorf("p32 came back")
	}
	if got := order(e); !slices.Equal(got, before) {
		t.Errorf("price order after the restart %v, before %v", got, before)
	}
	if got := matchSet(t, e, "g502"); !slices.Equal(got, []string{"p30"}) {
		t.Errorf("upserted text not searchable after restart: %v", got)
	}
	// Restarted, the item comes back by upsert without the old patches.
	if err := e.Upsert([]models.Product{{ID: "p32", Title: "雷蛇 炼狱蝰蛇 V3 有线鼠标", Brand: "雷蛇", Category: catMouse, Price: 249}}); err != nil {
		t.Fatal(err)
	}
	e.Close()
	if p := mustGet(t, reopen(t, dir), "p32"); p.Price != 249 || p.HasStock {
		t.Errorf("p32 after re-upsert and restart: %+v", p)
	}
}

func TestPatchCancelledAppliesNothing(t *testing.T) {
	t.Parallel()
	e, _ := openCatalog(t, catalog())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := e.Patch(ctx, []Update{{ID: "p01", Patch: models.ProductPatch{Stock: pp[int64](1)}}})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want context.Canceled", err)
	}
	if p := mustGet(t, e, "p01"); p.Stock != 50 {
		t.Errorf("p01 stock %d, want 50", p.Stock)
	}
}

func TestPatchAfterCloseFails(t *testing.T) {
	t.Parallel()
	e, _ := openCatalog(t, catalog())
	e.Close()
	_, err := e.Patch(context.Background(), []Update{{ID: "p01", Patch: models.ProductPatch{Stock: pp[int64](1)}}})
	if err == nil {
		t.Fatal("patch after close succeeded")
	}
	if p := mustGet(t, e, "p01"); p.Stock != 50 {
		t.Errorf("a patch whose log write failed was applied: stock %d", p.Stock)
	}
}

// Not parallel: the debounce runs on the wall clock, and a burst slowed
// by other tests past the interval refreshes a third time.
func TestPatchRefreshesStatsAtMostOncePerInterval(t *testing.T) {
	e, _ := openCatalog(t, catalog())
	e.stats.interval = 200 * time.Millisecond
	runs := func() int {
		e.stats.mu.Lock()
		defer e.stats.mu.Unlock()
		return e.stats.runs
	}
	ctx := context.Background()
	// Stock and price are not inputs of the statistics.
	if _, err := e.Patch(ctx, []Update{{ID: "p01", Patch: models.ProductPatch{Stock: pp[int64](3), Price: pp(7000.0)}}}); err != nil {
		t.Fatal(err)
	}
	if n := runs(); n != 0 {
		t.Fatalf("%d refreshes after a stock patch", n)
	}
	start := time.Now()
	for i := range 50 {
		if _, err := e.Patch(ctx, []Update{{ID: "p01", Patch: models.ProductPatch{Sales30d: pp(int64(i))}}}); err != nil {
			t.Fatal(err)
		}
	}
	// The first ran at once, the rest wait for one trailing run.
	if n := runs(); n != 1 && time.Since(start) < e.stats.interval {
		t.Fatalf("%d refreshes right after a burst, want 1", n)
	}
	deadline := time.Now().Add(5 * time.Second)
	for runs() < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runs(); n != 2 {
		t.Fatalf("%d refreshes after the burst settled, want 2", n)
	}
	time.Sleep(2 * e.stats.interval)
	if n := runs(); n != 2 {
		t.Errorf("%d refreshes with no writes, want still 2", n)
	}
}

func TestPatchConcurrentWithSearchesAndWrites(t *testing.T) {
	t.Parallel()
	e, dir := openCatalog(t, catalog())
	e.stats.interval = time.Millisecond
	ctx := context.Background()
	var wg sync.WaitGroup
	for w := range 3 {
		wg.Go(func() {
			for i := range 30 {
				u := []Update{
					{ID: "p31", Patch: models.ProductPatch{Stock: pp(int64(100*w + i)), Sales30d: pp(int64(i))}},
					{ID: "p99", Patch: models.ProductPatch{Stock: pp[int64](1)}}, // there or not
				}
				if _, err := e.Patch(ctx, u); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Go(func() {
		for i := range 20 {
			if err := e.Upsert([]models.Product{{ID: "p99", Title: "索尼 降噪耳机", Price: float64(i + 1)}}); err != nil {
				t.Error(err)
			}
			if i%3 == 0 {
				if err := e.Delete([]string{"p99"}); err != nil {
					t.Error(err)
				}
			}
		}
	})
	for range 2 {
		wg.Go(func() {
			for range 20 {
				if _, err := e.Search(ctx, Request{Text: "鼠标", Sort: rank.SortSales, Facets: true}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	live := map[string]string{}
	for _, id := range []string{"p31", "p99"} {
		if p, ok := e.Store().Get(id); ok {
			live[id] = productJSON(t, p)
		}
	}
	e.Close()
	e = reopen(t, dir)
	for _, id := range []string{"p31", "p99"} {
		p, ok := e.Store().Get(id)
		got := ""
		if ok {
			got = productJSON(t, p)
		}
		if got != live[id] {
			t.Errorf("%s: in memory %s, replayed %s", id, live[id], got)
		}
	}
}

func TestPatchEmptyCall(t *testing.T) {
	t.Parallel()
	e, _ := openCatalog(t, catalog())
	res, err := e.Patch(context.Background(), nil)
	if err != nil || res.Applied != 0 || res.Rejected == nil || len(res.Rejected) != 0 {
		t.Errorf("empty: %+v %v", res, err)
	}
	b, _ := json.Marshal(res)
	if string(b) != `{"applied":0,"rejected":[]}` {
		t.Errorf("empty result encodes as %s", b)
	}
}
