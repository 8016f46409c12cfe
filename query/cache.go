package query

import (
	"container/list"
	"context"
	"encoding/json"
	"strconv"
	"sync"
	"sync/atomic"

	bq "github.com/blevesearch/bleve/v2/search/query"

	"shopsearch/rank"
)

// The phase-1 cache keeps what Bleve returned for a query — the
// candidates' ordinals and text scores, 12 bytes a candidate — so that a
// repeated query (storefront
// traffic is Zipf-shaped: the top few hundred queries are most searches)
// skips Bleve and pays only phase 2. Phase 2 reads the live feature columns,
// so stock, price and every commercial factor stay exactly as fresh as
// without the cache; filters, orders and pages are applied after it. Only
// text changes (upserts, deletes) make an entry stale: they bump the
// engine's text generation, and an entry from an older one is a miss.

// CacheConfig bounds the phase-1 cache.
type CacheConfig struct {
	Entries    int // queries kept; 0 takes the default, < 0 turns the cache off
	Candidates int // candidates kept over all entries (12 bytes each)
}

// DefaultCacheConfig returns the defaults: 8,192 queries and 6 million
// candidates (about 72 MB at most).
func DefaultCacheConfig() CacheConfig {
	return CacheConfig{Entries: 8192, Candidates: 6_000_000}
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
	key  string
	gen  uint64 // the engine's text generation it was retrieved at
	tier uint8
	// matched is how many documents matched in all (collect).
	matched int
	// The candidates, in collect's order: ordinal + 1 (rank.Candidate.Ref)
	// and text score.
	refs   []uint32
	scores []float64
	// partial, when set, marks the candidates of tier 1 (an entry of
	// graded matches, whose tiers are mixed); else every one is of tier.
	partial []bool
}

// compact returns the entry of cands (all of one tier, as collect
// returned them).
func compact(key string, gen uint64, tier uint8, matched int, cands []rank.Candidate) *cacheEntry {
	en := &cacheEntry{key: key, gen: gen, tier: tier, matched: matched, refs: make([]uint32, len(cands)), scores: make([]float64, len(cands))}
	for i, c := range cands {
		en.refs[i], en.scores[i] = c.Ref, c.Score
	}
	return en
}

// expand appends the entry's candidates to dst, as collect returned them.
func (en *cacheEntry) expand(dst []rank.Candidate) []rank.Candidate {
	for i, r := range en.refs {
		c := rank.Candidate{Score: en.scores[i], Tier: en.tier, Ref: r}
		if en.partial != nil && en.partial[i] {
			c.Tier = 1
		}
		dst = append(dst, c)
	}
	return dst
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

func (c *candCache) get(key string, gen uint64) (*cacheEntry, bool) {
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
	return en, true
}

func (c *candCache) put(en *cacheEntry) {
	if len(en.refs) > c.maxCands/4 {
		return // one query may not push out most of the others
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byKey[en.key]; ok {
		c.remove(el)
	}
	c.byKey[en.key] = c.ll.PushFront(en)
	c.cands += len(en.refs)
	for c.ll.Len() > c.maxEntries || c.cands > c.maxCands {
		c.remove(c.ll.Back())
	}
}

func (c *candCache) remove(el *list.Element) {
	en := c.ll.Remove(el).(*cacheEntry)
	delete(c.byKey, en.key)
	c.cands -= len(en.refs)
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

// phase1 runs q on Bleve for the top k candidates, through the cache, and
// says how many documents matched in all (anyOrder: see collect). The
// slice returned is the caller's; a cache hit's comes from bufs (see
// candBufs), which Search recycles when it is done.
func (e *Engine) phase1(ctx context.Context, q bq.Query, k int, tier uint8, anyOrder bool, bufs *candBufs) ([]rank.Candidate, int, error) {
	var key string
	if e.cache != nil {
		b, err := json.Marshal(q)
		if err == nil {
			key = strconv.Itoa(k) + "\x00" + strconv.Itoa(int(tier)) + "\x00" + strconv.FormatBool(anyOrder) + "\x00" + string(b)
			if en, ok := e.cache.get(key, e.textGen.Load()); ok {
				return en.expand(bufs.get(len(en.refs))), en.matched, nil
			}
		}
	}
	gen := e.textGen.Load()                                   // before the search: a write during it leaves the entry stale
	out, matched, err := e.collect(ctx, q, k, tier, anyOrder) // collect.go
	if err != nil {
		return nil, 0, err
	}
	if key != "" {
		e.cache.put(compact(key, gen, tier, matched, out))
	}
	return out, matched, nil
}

// phase1All returns every match of q (collectAll), through the cache.
// The entry is shared with the cache: read it, never write it.
func (e *Engine) phase1All(ctx context.Context, q bq.Query) (*cacheEntry, error) {
	var key string
	if e.cache != nil {
		if b, err := json.Marshal(q); err == nil {
			key = "all\x00" + string(b)
			if en, ok := e.cache.get(key, e.textGen.Load()); ok {
				return en, nil
			}
		}
	}
	gen := e.textGen.Load() // before the search: a write during it leaves the entry stale
	en, err := e.collectAll(ctx, q, key, gen)
	if err != nil {
		return nil, err
	}
	if key != "" {
		e.cache.put(en)
	}
	return en, nil
}

// candBufs lends the candidate slices of one search's cache hits and
// takes them back when the search is done; nil lends fresh ones.
type candBufs struct{ held []*[]rank.Candidate }

var candPool sync.Pool

func (b *candBufs) get(n int) []rank.Candidate {
	if b == nil {
		return make([]rank.Candidate, 0, n)
	}
	p, _ := candPool.Get().(*[]rank.Candidate)
	if p == nil || cap(*p) < n {
		s := make([]rank.Candidate, 0, max(n, 1024))
		p = &s
	}
	b.held = append(b.held, p)
	return (*p)[:0]
}

// release returns the slices lent: none of them may be used after.
func (b *candBufs) release() {
	for _, p := range b.held {
		if cap(*p) <= 1<<16 {
			clear((*p)[:cap(*p)]) // no ids kept alive
			candPool.Put(p)
		}
	}
	b.held = b.held[:0]
}
