package query

import (
	"context"
	"testing"
	"time"

	"shopsearch/models"
	"shopsearch/models/clocktest"
	"shopsearch/rank"
)

// TestResultCache: a repeated search is served from the cache until its
// TTL ends on the engine's clock; a text change, a published rule and
// another request are not.
func TestResultCache(t *testing.T) {
	t.Parallel()
	f := openMerch(t)
	e := f.e
	const ttl = 300 * time.Millisecond
	now := clocktest.Date(2026, 12, 1, 8, 0)
	e.cfg.Now = func() time.Time { return now }
	e.results = newResultCache(ResultCacheConfig{TTL: ttl})
	req := Request{Text: "空调", Size: 5, Facets: true}
	first := search(t, e, req)
	again := search(t, e, req)
	if len(first.Items) == 0 || &again.Items[0] != &first.Items[0] {
		t.Fatal("the repeated search was not served from the cache")
	}
	again.Facets.Brand = nil // the caller's copy: the cache keeps its own
	if search(t, e, req).Facets.Brand == nil {
		t.Fatal("a caller's change reached the cached facets")
	}
	if other := search(t, e, Request{Text: "空调", Size: 5, Facets: true, Sort: rank.SortPriceAsc}); len(other.Items) > 0 && &other.Items[0] == &first.Items[0] {
		t.Fatal("another order was served the cached page")
	}
	for _, r := range []Request{{Text: "空调", Size: 5, Explain: true}, {Text: "空调", Size: 5, Now: now}} {
		a, b := search(t, e, r), search(t, e, r)
		if len(a.Items) > 0 && &a.Items[0] == &b.Items[0] {
			t.Errorf("%+v was cached", r)
		}
	}

	// A stock change shows once the entry expires, not before.
	top := first.Items[0].ID
	if _, err := e.PatchOne(context.Background(), top, models.ProductPatch{Stock: pp(int64(0))}); err != nil {
		t.Fatal(err)
	}
	if got := search(t, e, req).Items[0]; got.ID != top || got.Stock == "out_of_stock" {
		t.Logf("patched item at once: %s %s", got.ID, got.Stock) // allowed, never required
	}
	now = now.Add(ttl)
	if got := search(t, e, req); &got.Items[0] != &first.Items[0] {
		t.Error("the entry expired at its TTL, not after it")
	}
	now = now.Add(time.Millisecond)
	if got := search(t, e, req); got.Items[0].ID == top {
		t.Errorf("after the TTL the out-of-stock %s still leads: %v", top, ids(got.Items))
	}

	// A published rule shows at once.
	cur := search(t, e, req)
	f.putRule(t, models.Rule{Query: "空调", Action: models.RulePin, ItemID: "p42", Position: 1})
	if got := search(t, e, req); got.Items[0].ID != "p42" {
		t.Errorf("after pinning p42: %v (before %v)", ids(got.Items), ids(cur.Items))
	}
	// So does a text change.
	before := search(t, e, req).Total
	if err := e.Upsert([]models.Product{{ID: "n9", Title: "空调 新品 挂机", Category: catWallAC, Price: 1}}); err != nil {
		t.Fatal(err)
	}
	if got := search(t, e, req).Total; got != before+1 {
		t.Errorf("after an upsert %d match, want %d", got, before+1)
	}
}

// TestResultCacheBound: the cache keeps its newest Entries responses,
// the least recently used going first, and an entry computed over another
// state is a miss.
func TestResultCacheBound(t *testing.T) {
	t.Parallel()
	now := clocktest.Date(2026, 12, 1, 8, 0)
	c := newResultCache(ResultCacheConfig{TTL: time.Second, Entries: 2})
	en := func(gen uint64) resultEntry { return resultEntry{resp: &Response{Query: "q"}, textGen: gen} }
	c.put("a", en(1), now)
	c.put("b", en(1), now)
	if c.get("a", en(1), now) == nil { // a is now the most recent
		t.Fatal("a missed")
	}
	c.put("c", en(1), now)
	if c.get("b", en(1), now) != nil {
		t.Error("b, the least recently used, was kept over a bound of 2")
	}
	if c.get("a", en(1), now) == nil || c.get("c", en(1), now) == nil {
		t.Error("a or c was pushed out")
	}
	if c.get("a", en(2), now) != nil {
		t.Error("an entry of another text generation was served")
	}
	if c.get("c", en(1), now.Add(time.Second+time.Nanosecond)) != nil {
		t.Error("an expired entry was served")
	}
	if h, m := c.hits.Load(), c.misses.Load(); h != 3 || m != 3 {
		t.Errorf("hits %d, misses %d; want 3 and 3", h, m)
	}
}

// TestMatchedCountsEveryMatch: with fewer candidates than matches, total
// counts what was ranked and matched every item the text matches.
func TestMatchedCountsEveryMatch(t *testing.T) {
	t.Parallel()
	e, _ := openCatalog(t, catalog())
	e.cfg.Candidates = 2
	e.cfg.RelaxBelow = 0
	resp := search(t, e, Request{Text: "手机", Size: 1})
	if resp.Total != 2 || resp.Matched < 5 {
		t.Fatalf("total %d, matched %d; want 2 and every phone", resp.Total, resp.Matched)
	}
	again := search(t, e, Request{Text: "手机", Size: 1}) // a phase-1 cache hit
	if again.Matched != resp.Matched {
		t.Errorf("cached: matched %d, want %d", again.Matched, resp.Matched)
	}
}

// TestFilteredSearchCountsEveryMatch: a filter is applied to every match,
// not to the best Candidates by text, so the total and the facets are the
// same however few candidates an unfiltered search ranks.
func TestFilteredSearchCountsEveryMatch(t *testing.T) {
	t.Parallel()
	e, _ := openCatalog(t, catalog())
	req := Request{Text: "空调", Filter: rank.Filter{InStock: true}, Facets: true, Size: 3}
	want := search(t, e, req)
	e.cfg.Candidates, e.cache = 1, nil
	got := search(t, e, req)
	if got.Total != want.Total || got.Total < 3 || len(got.Items) != 3 {
		t.Fatalf("total %d (%d items), want %d", got.Total, len(got.Items), want.Total)
	}
	if len(got.Facets.Brand) != len(want.Facets.Brand) {
		t.Errorf("brand facets %v, want %v", got.Facets.Brand, want.Facets.Brand)
	}
}

// TestItemsCarryBothScores: score is the text's, rank_score the blend the
// relevance order sorts by, in that order.
func TestItemsCarryBothScores(t *testing.T) {
	t.Parallel()
	e, _ := openCatalog(t, catalog())
	items := search(t, e, Request{Text: "空调", Size: 10}).Items
	for i, it := range items {
		if it.Score <= 0 || it.RankScore == 0 {
			t.Errorf("%s: score %v, rank_score %v", it.ID, it.Score, it.RankScore)
		}
		if i > 0 && !it.Partial && !items[i-1].Partial && it.Stock != "out_of_stock" && items[i-1].Stock != "out_of_stock" && it.RankScore > items[i-1].RankScore {
			t.Errorf("%s (rank_score %v) after %s (%v)", it.ID, it.RankScore, items[i-1].ID, items[i-1].RankScore)
		}
	}
}
