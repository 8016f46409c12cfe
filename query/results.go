package query

import (
	"fmt"
	"sync/atomic"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"

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
//
// Storage is github.com/hashicorp/golang-lru/v2's bounded LRU. Its
// expirable variant is not used because it reads time.Now itself (and
// sweeps with a goroutine of its own): expiry here follows the engine's
// injected clock (Config.Now), so each entry carries the time it expires
// by that clock and get treats an expired entry as a miss. An expired entry
// stays until it is replaced or pushed out by newer ones; it costs memory
// within the bound, never a stale answer.

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
	ttl time.Duration
	lru *lru.Cache[string, resultEntry] // safe for concurrent use

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
	c, err := lru.New[string, resultEntry](cfg.Entries)
	if err != nil { // only for a size ≤ 0, excluded above
		panic(fmt.Sprintf("query: result cache of %d entries: %v", cfg.Entries, err))
	}
	return &resultCache{ttl: cfg.TTL, lru: c}
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

// get returns a copy of the cached response for key, or nil when there is
// none, or it expired by now, or it was computed over another state.
func (c *resultCache) get(key string, want resultEntry, now time.Time) *Response {
	en, ok := c.lru.Get(key)
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

// put keeps en for key until the TTL, read on the engine's clock, ends.
func (c *resultCache) put(key string, en resultEntry, now time.Time) {
	en.expires = now.Add(c.ttl)
	c.lru.Add(key, en)
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
