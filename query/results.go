package query

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"shopsearch/dict"
	"shopsearch/rank"
)

// The result cache keeps whole responses for a short time. Storefront
// traffic repeats its head queries many times a second, and a phase-1 hit
// still pays phase 2 over up to MaxCandidates items; a response a few
// hundred milliseconds old is as good, since stock, price and statistics
// may lag by up to a second anyway (see the ranking issue: "visible to the
// next search, ≤ 1 s"). What must show at once invalidates it: a text
// change (upsert, delete), a published profile or rule, a lexicon reload.
// Requests that are not the shopper's plain search — explain, drafts,
// previews, an explicit profile or a fixed "now" — are never cached.

// ResultCacheConfig tunes the result cache.
type ResultCacheConfig struct {
	// TTL is how long a response is served again; 0 turns the cache off.
	TTL time.Duration
	// Entries bounds the responses kept; 0 takes the default.
	Entries int
}

// defaultResultEntries bounds the result cache (a response of 20 items
// and its facets is about 10 KB).
const defaultResultEntries = 4096

type resultCache struct {
	ttl     time.Duration
	entries int

	mu sync.Mutex
	m  map[string]resultEntry

	hits, misses atomic.Uint64 // of get, for ResultCacheStats (opstats.go)
}

type resultEntry struct {
	resp    *Response
	expires time.Time
	// What it was computed over: any change of these makes it stale.
	textGen uint64
	merch   *merch
	rules   *rank.RuleSet
	lex     *dict.Lexicon
}

func newResultCache(cfg ResultCacheConfig) *resultCache {
	if cfg.TTL <= 0 {
		return nil
	}
	if cfg.Entries <= 0 {
		cfg.Entries = defaultResultEntries
	}
	return &resultCache{ttl: cfg.TTL, entries: cfg.Entries, m: map[string]resultEntry{}}
}

// resultKey is the cache key of req ranked by rk, or "" when req is not
// cached. The profile chosen (by device and A/B arm) stands for the
// device and the user.
func resultKey(req *Request, rk ranking) string {
	if req.Explain || req.Draft != nil || req.DraftRules != nil || req.preview || req.Profile != "" || !req.Now.IsZero() {
		return ""
	}
	f := req.Filter
	return fmt.Sprintf("%s\x00%d\x00%d\x00%q\x00%s\x00%g\x00%g\x00%s\x00%t\x00%s\x00%d\x00%t\x00%s\x00%d\x00%s",
		req.Text, req.Page, req.Size, f.Brands, f.CategoryPrefix, f.PriceMin, f.PriceMax, f.Platform, f.InStock, f.Region,
		req.Sort, req.Facets, rk.profile.Name, rk.profile.Version, rk.arm)
}

// get returns a copy of the cached response for key, or nil.
func (c *resultCache) get(key string, want resultEntry, now time.Time) *Response {
	c.mu.Lock()
	en, ok := c.m[key]
	c.mu.Unlock()
	if !ok || now.After(en.expires) || en.textGen != want.textGen || en.merch != want.merch || en.rules != want.rules || en.lex != want.lex {
		c.misses.Add(1)
		return nil
	}
	c.hits.Add(1)
	// Callers may set the response's fields (the server fills empty
	// facets): a copy of the struct and of its facets, the items shared
	// read-only.
	r := *en.resp
	r.Facets = snapshotFacets(r.Facets)
	return &r
}

func (c *resultCache) put(key string, en resultEntry, now time.Time) {
	en.expires = now.Add(c.ttl)
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= c.entries {
		for k, e := range c.m {
			if now.After(e.expires) {
				delete(c.m, k)
			}
		}
		if len(c.m) >= c.entries {
			clear(c.m) // every entry is fresh: traffic wider than the cache
		}
	}
	c.m[key] = en
}

// snapshotFacets copies facets (not their buckets, which nobody changes)
// so that a cached response and its callers never share them.
func snapshotFacets(f *rank.Facets) *rank.Facets {
	if f == nil {
		return nil
	}
	c := *f
	return &c
}
