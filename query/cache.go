package query

import (
	"container/list"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/blevesearch/bleve/v2"
	bq "github.com/blevesearch/bleve/v2/search/query"

	"shopsearch/rank"
)

// The phase-1 cache keeps what Bleve returned for a query — candidate ids,
// text scores and their ordinals — so that a repeated query (storefront
// traffic is Zipf-shaped: the top few hundred queries are most searches)
// skips Bleve and pays only phase 2. Phase 2 reads the live feature columns,
// so stock, price and every commercial factor stay exactly as fresh as
// without the cache; filters, orders and pages are applied after it. Only
// text changes (upserts, deletes) make an entry stale: they bump the
// engine's text generation, and an entry from an older one is a miss.

// CacheConfig bounds the phase-1 cache.
type CacheConfig struct {
	Entries    int // queries kept; 0 takes the default, < 0 turns the cache off
	Candidates int // candidates kept over all entries (about 40 bytes each)
}

// DefaultCacheConfig returns the defaults: 4,096 queries and 2 million
// candidates (about 80 MB at most).
func DefaultCacheConfig() CacheConfig {
	return CacheConfig{Entries: 4096, Candidates: 2_000_000}
}

// candCache is an LRU of phase-1 results, safe for concurrent use.
type candCache struct {
	maxEntries, maxCands int

	mu    sync.Mutex
	ll    *list.List // of *cacheEntry, most recent first
	byKey map[string]*list.Element
	cands int // held over all entries

	hits, misses atomic.Uint64
}

type cacheEntry struct {
	key   string
	gen   uint64 // the engine's text generation it was retrieved at
	cands []rank.Candidate
}

// newCandCache returns a cache, or nil (no caching) when cfg turns it off.
func newCandCache(cfg CacheConfig) *candCache {
	def := DefaultCacheConfig()
	if cfg.Entries < 0 || cfg.Candidates < 0 {
		return nil
	}
	if cfg.Entries == 0 {
		cfg.Entries = def.Entries
	}
	if cfg.Candidates == 0 {
		cfg.Candidates = def.Candidates
	}
	return &candCache{maxEntries: cfg.Entries, maxCands: cfg.Candidates, ll: list.New(), byKey: map[string]*list.Element{}}
}

func (c *candCache) get(key string, gen uint64) ([]rank.Candidate, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byKey[key]
	if !ok {
		c.misses.Add(1)
		return nil, false
	}
	en := el.Value.(*cacheEntry)
	if en.gen != gen {
		c.remove(el)
		c.misses.Add(1)
		return nil, false
	}
	c.ll.MoveToFront(el)
	c.hits.Add(1)
	return en.cands, true
}

func (c *candCache) put(key string, gen uint64, cands []rank.Candidate) {
	if len(cands) > c.maxCands/4 {
		return // one query may not push out most of the others
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byKey[key]; ok {
		c.remove(el)
	}
	c.byKey[key] = c.ll.PushFront(&cacheEntry{key: key, gen: gen, cands: cands})
	c.cands += len(cands)
	for c.ll.Len() > c.maxEntries || c.cands > c.maxCands {
		c.remove(c.ll.Back())
	}
}

func (c *candCache) remove(el *list.Element) {
	en := c.ll.Remove(el).(*cacheEntry)
	delete(c.byKey, en.key)
	c.cands -= len(en.cands)
}

// CacheStats are the phase-1 cache's counters since the engine opened.
type CacheStats struct {
	Hits, Misses uint64
	Entries      int
	Candidates   int
}

// CacheStats returns the phase-1 cache's counters (zero without a cache).
func (e *Engine) CacheStats() CacheStats {
	c := e.cache
	if c == nil {
		return CacheStats{}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return CacheStats{Hits: c.hits.Load(), Misses: c.misses.Load(), Entries: c.ll.Len(), Candidates: c.cands}
}

// textChanged makes every cached phase-1 result stale; writers call it
// after a change to the index's text is visible to searches.
func (e *Engine) textChanged() { e.textGen.Add(1) }

// phase1 runs q on Bleve for the top k candidates, through the cache. The
// returned slice is shared with the cache: callers may append to it (its
// capacity is clipped) but must not change its elements.
func (e *Engine) phase1(ctx context.Context, q bq.Query, k int, tier uint8) ([]rank.Candidate, error) {
	var key string
	if e.cache != nil {
		b, err := json.Marshal(q)
		if err == nil {
			key = strconv.Itoa(k) + "\x00" + strconv.Itoa(int(tier)) + "\x00" + string(b)
			if cands, ok := e.cache.get(key, e.textGen.Load()); ok {
				return cands, nil
			}
		}
	}
	gen := e.textGen.Load() // before the search: a write during it leaves the entry stale
	res, err := e.idx.SearchInContext(ctx, bleve.NewSearchRequestOptions(q, k, 0, false))
	if err != nil {
		return nil, fmt.Errorf("phase 1: %w", err)
	}
	out := make([]rank.Candidate, len(res.Hits))
	for i, h := range res.Hits {
		out[i] = rank.Candidate{ID: h.ID, Score: h.Score, Tier: tier}
	}
	if key != "" {
		e.store.Resolve(out)
		e.cache.put(key, gen, out)
	}
	return slices.Clip(out), nil
}
