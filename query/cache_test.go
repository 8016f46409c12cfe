package query

import (
	"context"
	"slices"
	"testing"

	"shopsearch/models"
	"shopsearch/rank"
)

func TestCacheHitsAndStaysFresh(t *testing.T) {
	t.Parallel()
	e, _ := openCatalog(t, catalog())
	ctx := context.Background()
	req := Request{Text: "鼠标", Sort: rank.SortPriceAsc}
	first := ids(search(t, e, req).Items)
	st := e.CacheStats()
	if st.Misses == 0 || st.Entries == 0 {
		t.Fatalf("after one search: %+v, want a miss and an entry", st)
	}
	again := ids(search(t, e, req).Items)
	if st2 := e.CacheStats(); st2.Hits <= st.Hits {
		t.Errorf("a repeated search did not hit the cache: %+v then %+v", st, st2)
	}
	if !slices.Equal(first, again) {
		t.Fatalf("cached search %v, first %v", again, first)
	}

	// A partial update changes phase 2 only: the cached candidates are
	// reordered by the new price at once.
	last := first[len(first)-1]
	if _, err := e.Patch(ctx, []Update{{ID: last, Patch: models.ProductPatch{Price: pp(0.5), PromoPrice: pp(0.0), Stock: pp[int64](10)}}}); err != nil {
		t.Fatal(err)
	}
	if got := ids(search(t, e, req).Items); got[0] != last {
		t.Errorf("after making %s cheapest: %v", last, got)
	}

	// Text changes make the cached candidates stale.
	if err := e.Upsert([]models.Product{{ID: "new-mouse", Title: "雷蛇 无线鼠标 新品", Price: 0.1}}); err != nil {
		t.Fatal(err)
	}
	if got := ids(search(t, e, req).Items); len(got) == 0 || got[0] != "new-mouse" {
		t.Errorf("upserted item missing from a cached query: %v", got)
	}
	if err := e.Delete([]string{"new-mouse", last}); err != nil {
		t.Fatal(err)
	}
	got := ids(search(t, e, req).Items)
	if slices.Contains(got, "new-mouse") || slices.Contains(got, last) {
		t.Errorf("deleted items still found through the cache: %v", got)
	}
	// Deleted and upserted again: a new ordinal, found by id, not by the
	// stale one a cached candidate may hold.
	if err := e.Upsert([]models.Product{{ID: last, Title: "罗技 鼠标 复活", Price: 0.2}}); err != nil {
		t.Fatal(err)
	}
	if got := ids(search(t, e, req).Items); len(got) == 0 || got[0] != last {
		t.Errorf("re-upserted item: %v", got)
	}
}

func TestCacheBounds(t *testing.T) {
	t.Parallel()
	c := newCandCache(CacheConfig{Entries: 2, Candidates: 100})
	entry := func(key string, n int) *cacheEntry {
		cs := make([]rank.Candidate, n)
		for i := range cs {
			cs[i].Ref = uint32(i + 1)
		}
		return compact(key, 1, 0, n, cs)
	}
	c.put(entry("a", 10))
	c.put(entry("b", 10))
	c.put(entry("c", 10)) // pushes out a
	if _, ok := c.get("a", 1); ok {
		t.Error("a kept past 2 entries")
	}
	if _, ok := c.get("b", 1); !ok {
		t.Error("b lost")
	}
	c.put(entry("big", 26)) // over a quarter of the candidates: not kept
	if _, ok := c.get("big", 1); ok {
		t.Error("an entry of over a quarter of the bound was kept")
	}
	if _, ok := c.get("b", 2); ok {
		t.Error("an entry from an older text generation was a hit")
	}
	if _, ok := c.get("b", 1); ok {
		t.Error("a stale entry was not dropped")
	}
	if newCandCache(CacheConfig{Entries: -1}) != nil {
		t.Error("Entries < 0 should turn the cache off")
	}
	c2 := newCandCache(CacheConfig{Entries: 10, Candidates: 40})
	for _, k := range []string{"1", "2", "3", "4", "5"} {
		c2.put(entry(k, 10))
	}
	if c2.cands > 40 || c2.ll.Len() != 4 {
		t.Errorf("candidate bound: %d candidates in %d entries, want at most 40", c2.cands, c2.ll.Len())
	}
}
