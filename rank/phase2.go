package rank

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"shopsearch/models"
)

// Sort orders the results of a search.
type Sort int

// The sort tabs of a storefront (综合 / 销量 / 价格 / 新品).
const (
	SortRelevance Sort = iota
	SortSales
	SortPriceAsc
	SortPriceDesc
	SortNewest
)

// ParseSort maps the API's sort names to a Sort.
func ParseSort(s string) (Sort, bool) {
	switch s {
	case "", "relevance":
		return SortRelevance, true
	case "sales":
		return SortSales, true
	case "price_asc":
		return SortPriceAsc, true
	case "price_desc":
		return SortPriceDesc, true
	case "newest":
		return SortNewest, true
	}
	return 0, false
}

// Filter restricts results. Zero values mean "no restriction".
type Filter struct {
	Brands         []string // any of these brands (case-insensitive)
	CategoryPrefix string   // a category path prefix, whole levels: 数码>手机
	PriceMin       float64  // inclusive; 0 = none
	PriceMax       float64  // inclusive; 0 = none
	Platform       models.Platform
	InStock        bool
	Region         string // deliverable to this region
}

// Candidate is a phase-1 match: the product (by Ref, or by ID), its text
// score, and its tier: 0 for items that match every query term, 1 for
// relaxed (partial) matches, which every ordering puts after the full
// matches.
type Candidate struct {
	ID    string // may be empty when Ref is set (Store.FillIDs fills it)
	Score float64
	Tier  uint8
	// Ref is the item's ordinal plus one (Store.Refs), so that Rank skips
	// the look-up by id; 0 when unknown. A stale Ref is detected (ordinals
	// are never reused for another id) and falls back to the look-up by
	// the Ref's id.
	Ref uint32
}

// Request is what phase 2 does with the candidates.
type Request struct {
	Filter Filter
	Sort   Sort
	Offset int
	Limit  int
	Facets bool

	// Profile weighs the factors of the relevance order (nil: DefaultProfile).
	Profile *models.WeightProfile
	// Rules are the merchandiser rules that apply to this search (already
	// selected by query or category; Rank checks their validity windows).
	Rules   []models.Rule
	Now     time.Time // for rule windows and item age; zero: time.Now()
	Explain bool
	// BlendTop, when positive, bounds the relevance order's blending: of
	// the rows that pass the filters, only the BlendTop best by text (and
	// the pinned ones) are scored and ordered. A filtered search sees
	// every match (through Narrow, up to query.Config.MaxMatches) or the
	// best MaxCandidates by text, so that the filters, the total and the
	// facets are exact over them; the blend then works on the best of what
	// passed, as an unfiltered search works on the best Candidates. It
	// must cover the page (Offset+Limit).
	BlendTop int
}

// Hit is one ranked result.
type Hit struct {
	Product models.Product
	Score   float64 // the text score
	Tier    uint8
	Rank    float64      // the blended score the relevance order uses
	Explain *Explanation // with Request.Explain
}

// Bucket is one facet value and how many results have it.
type Bucket struct {
	Value string `json:"value"`
	Count int    `json:"count"`
}

// PriceBand is a price facet bucket [From, To); To = 0 means no upper bound.
type PriceBand struct {
	From  float64 `json:"from"`
	To    float64 `json:"to,omitempty"`
	Count int     `json:"count"`
}

// Facets are counts over all filtered results, not only the page.
type Facets struct {
	Brand    []Bucket    `json:"brand"`
	Category []Bucket    `json:"category"`
	Price    []PriceBand `json:"price"`
}

// Result is one page of ranked results.
type Result struct {
	Total  int
	Hits   []Hit
	Facets Facets
}

// maxFacetValues caps the buckets of one facet.
const maxFacetValues = 20

type scored struct {
	ord    Ord
	score  float64 // text score
	tier   uint8
	rank   float64 // blended score
	last   uint8   // 0, 1 out of stock (pushed last), 2 buried
	pinned int     // 1-based pinned position, 0 = none
}

// Rank filters, facets, orders and pages the candidates.
func (s *Store) Rank(cands []Candidate, req Request) Result {
	s.mu.RLock()
	defer s.mu.RUnlock()
	profile, now := orDefaults(req.Profile, req.Now)
	rs := s.compileRules(req.Rules, now)
	big := len(cands) > bigCandidates
	keys := s.keyReader(big)
	match := s.filter(req.Filter, keys)
	buf := getRows(len(cands) + len(rs.pins))
	defer putRows(buf)
	rows := (*buf)[:0]
	seen := s.seenSet()
	dups := false
	for _, c := range cands {
		o, ok := s.ord(&c)
		if !ok || !match(o) || rs.hide[o] {
			continue
		}
		if seen.add(o) {
			dups = true // rare: merged below
		}
		rows = append(rows, scored{ord: o, score: c.Score, tier: c.Tier})
	}
	if dups {
		rows = mergeDuplicates(rows)
	}
	// A pinned item is shown at its position for the query even when its
	// text does not match, unless a filter excludes it.
	for o, pos := range rs.pins {
		if !match(o) || rs.hide[o] {
			continue
		}
		if !seen.add(o) {
			rows = append(rows, scored{ord: o, pinned: pos})
			continue
		}
		for i := range rows { // pins are few
			if rows[i].ord == o {
				rows[i].pinned = pos
				break
			}
		}
	}
	s.releaseSeen(seen, rows)
	if profile.OutOfStock == "filter" {
		kept := rows[:0]
		for _, r := range rows {
			if !keys.noStock(r.ord) || r.pinned > 0 {
				kept = append(kept, r)
			}
		}
		rows = kept
	}
	// The blended score orders by relevance only; a business order needs
	// it for the page's hits alone (below).
	blend := req.Sort == SortRelevance
	var res Result
	res.Total = len(rows)
	if req.Facets {
		res.Facets = s.facets(rows, req.Filter.CategoryPrefix, keys)
	}
	if n := max(req.BlendTop, req.Offset+req.Limit); blend && req.BlendTop > 0 && len(rows) > n {
		rows = bestByText(rows, n)
	}
	sc := s.newScorer(rows, profile, req.Filter.Region, now, rs.catBoost, rs.brandBoost)
	for i := range rows {
		r := &rows[i]
		if blend {
			r.rank = sc.score(r.ord, r.score)
		}
		if profile.OutOfStock != "keep" && s.keyReader(big && !blend).noStock(r.ord) {
			r.last = 1
		}
		if rs.bury[r.ord] {
			r.last = 2
		}
	}
	lo := min(max(req.Offset, 0), len(rows))
	hi := min(lo+max(req.Limit, 0), len(rows))
	s.order(rows, req.Sort, hi+len(rs.pins), keys)
	rows = placePins(rows)
	for _, r := range rows[lo:hi] {
		if !blend {
			r.rank = sc.score(r.ord, r.score)
		}
		h := Hit{Product: s.products.get(r.ord), Score: r.score, Tier: r.tier, Rank: r.rank}
		if req.Explain {
			h.Explain = sc.explain(r.ord, r.score, r.tier)
			h.Explain.Rules = rs.applied(r.ord)
		}
		res.Hits = append(res.Hits, h)
	}
	return res
}

// bestByText keeps the n rows a relevance order would consider first by
// text — pinned ones, then full matches before partial ones, by text score
// — in no particular order.
func bestByText(rows []scored, n int) []scored {
	SelectTop(rows, n, func(a, b scored) int {
		if (a.pinned > 0) != (b.pinned > 0) {
			if a.pinned > 0 {
				return -1
			}
			return 1
		}
		if a.tier != b.tier {
			return cmp.Compare(a.tier, b.tier)
		}
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		return cmp.Compare(a.ord, b.ord)
	})
	return rows[:n]
}

// bigCandidates is how many candidates make phase 2 read the filter keys
// from their columns rather than from the feature rows (keyCols).
const bigCandidates = 20_000

// keyReader reads the filter keys from the key columns when big, else
// from the feature rows, which scoring reads anyway.
func (s *Store) keyReader(big bool) keyReader {
	if big {
		return keyReader{cols: &s.keys}
	}
	return keyReader{feat: s.feat}
}

// filter compiles f into a predicate over ordinals, reading keys.
func (s *Store) filter(f Filter, keys keyReader) func(Ord) bool {
	cf := s.compileFilter(f, keys)
	if cf.none && keys.cols != nil {
		return func(o Ord) bool { return s.live[o] }
	}
	return cf.pass
}

// compiledFilter is a Filter resolved against the store: brand and region
// ids, the normalised category prefix.
type compiledFilter struct {
	s      *Store
	keys   keyReader
	f      Filter
	brands []uint32 // any of them; an unknown brand is MaxUint32, which none has
	prefix string
	priced bool
	region uint64 // the region's bit, 0 when unknown
	// regionUnknown: the region has no bit (more than 64 codes seen).
	regionUnknown bool
	none          bool // f restricts nothing
}

func (s *Store) compileFilter(f Filter, keys keyReader) *compiledFilter {
	cf := &compiledFilter{s: s, keys: keys, f: f, prefix: normCategory(f.CategoryPrefix), priced: f.PriceMin > 0 || f.PriceMax > 0}
	for _, b := range f.Brands {
		id, ok := s.interner.ids[strings.ToLower(strings.TrimSpace(b))]
		if !ok {
			id = math.MaxUint32 // an unknown brand matches nothing
		}
		cf.brands = append(cf.brands, id)
	}
	if f.Region != "" {
		if id, ok := s.regionID[f.Region]; ok {
			cf.region = 1 << id
		} else {
			cf.regionUnknown = true
		}
	}
	cf.none = len(cf.brands) == 0 && cf.prefix == "" && !cf.priced && f.Platform == "" && !f.InStock && f.Region == ""
	return cf
}

// pass reports whether o is live and passes the filter.
func (cf *compiledFilter) pass(o Ord) bool {
	s, keys, f := cf.s, cf.keys, &cf.f
	if !s.live[o] {
		return false
	}
	if len(cf.brands) > 0 && !slices.Contains(cf.brands, keys.brand(o)) {
		return false
	}
	if cf.prefix != "" && !categoryHasPrefix(s.interner.strs[keys.cat(o)], cf.prefix) {
		return false
	}
	// An item without a price is in no price range. (The price is read
	// even without a range: from a feature row, that brings the row in for
	// the facets and the scoring after, in a loop whose cache misses
	// overlap; measured: 10 % of the search QPS.)
	if p := keys.price(o); cf.priced && (p <= 0 || f.PriceMin > 0 && p < f.PriceMin || f.PriceMax > 0 && p > f.PriceMax) {
		return false
	}
	if f.Platform != "" && (f.Platform == models.PlatformSelf) != keys.selfRun(o) {
		return false
	}
	if f.InStock && keys.noStock(o) {
		return false
	}
	if f.Region != "" && !s.delivers(o, keys.regions(o), f.Region, cf.region, cf.regionUnknown) {
		return false
	}
	return true
}

// delivers reports whether item o delivers to region code, whose bit is
// region (unknown: the code has no bit). An item with no regions delivers
// everywhere; codes past the 64 that have bits are checked by name.
func (s *Store) delivers(o Ord, regions uint64, code string, region uint64, unknown bool) bool {
	if !unknown && regions&region != 0 {
		return true
	}
	var more []string
	if len(s.moreRegions) > 0 {
		more = s.moreRegions[o]
	}
	if regions == 0 && len(more) == 0 {
		return true
	}
	if unknown {
		return slices.Contains(more, code)
	}
	return false
}

// normCategory is a category path normalised (models.Category.Normalize):
// " 数码 > 手机> " → 数码>手机.
func normCategory(path string) string { return string(models.Category(path).Normalize()) }

// categoryHasPrefix matches whole levels (models.Category.Under).
func categoryHasPrefix(path, prefix string) bool {
	return models.Category(path).Under(models.Category(prefix))
}

// order sorts rows — or, when top is well below len(rows), puts the top
// first in order and leaves the rest after them unordered (a page needs no
// more; pinned rows are moved by placePins wherever they are).
func (s *Store) order(rows []scored, by Sort, top int, keys keyReader) {
	// A business order's key goes into rank (relevance has its blended
	// score there already), higher first, so that comparing two rows
	// touches no feature row: sorting 10,000 candidates otherwise costs a
	// cache miss or two a comparison. Rank is unused by a business order
	// until the page's hits, which get their blended score after it.
	if key := sortKey(by, keys); key != nil {
		for i := range rows {
			rows[i].rank = key(rows[i].ord)
		}
	}
	// Full matches before partial ones in every order (the response says
	// "N exact items, then partial ones", and a phone out of stock is still
	// a better answer to "小米 5g手机" than a wristband in stock); within a
	// tier, buried items last, then out-of-stock ones before them; ties fall
	// back to the text score, then the ordinal, so pages are stable.
	full := func(a, b scored) int {
		if a.tier != b.tier {
			return cmp.Compare(a.tier, b.tier)
		}
		if a.last != b.last {
			return cmp.Compare(a.last, b.last)
		}
		if c := cmp.Compare(b.rank, a.rank); c != 0 {
			return c
		}
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		return cmp.Compare(a.ord, b.ord)
	}
	if top < len(rows)/4 {
		SelectTop(rows, top, full)
		rows = rows[:top]
	}
	slices.SortFunc(rows, full)
}

// sortKey returns a business order's key, higher first; nil for relevance.
func sortKey(by Sort, keys keyReader) func(o Ord) float64 {
	switch by {
	case SortSales:
		return func(o Ord) float64 { return float64(keys.sales(o)) }
	case SortPriceAsc:
		// Items without a price (0) go after the priced ones, not first.
		return func(o Ord) float64 {
			if p := keys.price(o); p > 0 {
				return -p
			}
			return math.Inf(-1)
		}
	case SortPriceDesc:
		return keys.price
	case SortNewest:
		return func(o Ord) float64 { return float64(keys.listed(o)) }
	}
	return nil
}

// placePins moves every pinned row to its position (1-based), in position
// order; a position past the end puts the item last.
func placePins(rows []scored) []scored {
	if !slices.ContainsFunc(rows, func(r scored) bool { return r.pinned > 0 }) {
		return rows
	}
	var pins []scored
	rest := make([]scored, 0, len(rows))
	for _, r := range rows {
		if r.pinned > 0 {
			pins = append(pins, r)
		} else {
			rest = append(rest, r)
		}
	}
	slices.SortStableFunc(pins, func(a, b scored) int { return cmp.Compare(a.pinned, b.pinned) })
	for _, p := range pins {
		i := min(p.pinned-1, len(rest))
		rest = slices.Insert(rest, i, p)
	}
	return rest
}

func (s *Store) facets(rows []scored, catPrefix string, keys keyReader) Facets {
	return s.facetsOf(len(rows), func(i int) Ord { return rows[i].ord }, catPrefix, keys)
}

// facetsOf counts the facets of n ordinals, the i-th ordAt(i).
func (s *Store) facetsOf(n int, ordAt func(i int) Ord, catPrefix string, keys keyReader) Facets {
	t := s.newTally(n)
	for i := range n {
		o := ordAt(i)
		t.add(keys.brand(o), keys.cat(o), i, keys, o)
	}
	return t.facets(catPrefix)
}

// tally counts facets: brands and category paths are interned ids,
// counted in a dense array (pooled) rather than a map, a tenth of the time
// over 10,000 candidates; price bands are quantiles, and a strided sample
// of maxPriceSample prices gives the same nice-number cuts without
// sorting them all.
type tally struct {
	s             *Store
	cnt           *facetCounts
	brands, paths []uint32
	prices        []float64
	step          int
}

// newTally returns a tally for about n items.
func (s *Store) newTally(n int) *tally {
	return &tally{s: s, cnt: getCounts(len(s.interner.strs)), step: max(1, n/maxPriceSample),
		prices: make([]float64, 0, min(n, maxPriceSample+1))}
}

// add counts the i-th item, o, of brand b and category path c (i counts
// from 0 by one, for the price sample's stride).
func (t *tally) add(b, c uint32, i int, keys keyReader, o Ord) {
	counts := t.cnt.n
	if b != 0 {
		if counts[b].brand == 0 {
			t.brands = append(t.brands, b)
		}
		counts[b].brand++
	}
	if c != 0 {
		if counts[c].path == 0 {
			t.paths = append(t.paths, c)
		}
		counts[c].path++
	}
	if i%t.step == 0 {
		if p := keys.price(o); p > 0 {
			t.prices = append(t.prices, p)
		}
		// Counted without knowing how many will come (Narrow): past twice
		// the sample, keep every other price and double the stride.
		if len(t.prices) >= 2*maxPriceSample {
			for j := range len(t.prices) / 2 {
				t.prices[j] = t.prices[2*j]
			}
			t.prices = t.prices[:len(t.prices)/2]
			t.step *= 2
		}
	}
}

// facets returns the counted facets (categories one level below
// catPrefix) and returns the counters to the pool.
func (t *tally) facets(catPrefix string) Facets {
	s, counts := t.s, t.cnt.n
	defer putCounts(t.cnt)
	catPrefix = normCategory(catPrefix)
	depth := models.Category(catPrefix).Depth()
	var f Facets
	for _, b := range t.brands {
		f.Brand = append(f.Brand, Bucket{Value: s.display[b], Count: int(counts[b].brand)})
		counts[b].brand = 0
	}
	catCount := map[string]int{}
	for _, c := range t.paths {
		if l := string(models.Category(s.interner.strs[c]).Cut(depth + 1)); l != "" {
			catCount[l] += int(counts[c].path)
		}
		counts[c].path = 0
	}
	for c, n := range catCount {
		f.Category = append(f.Category, Bucket{Value: c, Count: n})
	}
	f.Brand = topBuckets(f.Brand)
	f.Category = topBuckets(f.Category)
	f.Price = priceBands(t.prices)
	return f
}

// maxPriceSample bounds the prices the price bands are computed from.
const maxPriceSample = 2048

// facetCounts are per interned id counters, all zero between uses.
type facetCounts struct{ n []struct{ brand, path int32 } }

var countsPool sync.Pool

func getCounts(n int) *facetCounts {
	c, _ := countsPool.Get().(*facetCounts)
	if c == nil {
		c = &facetCounts{}
	}
	if len(c.n) < n {
		c.n = make([]struct{ brand, path int32 }, n+n/4)
	}
	return c
}

func putCounts(c *facetCounts) { countsPool.Put(c) }

func topBuckets(b []Bucket) []Bucket {
	slices.SortFunc(b, func(x, y Bucket) int {
		if c := cmp.Compare(y.Count, x.Count); c != 0 {
			return c
		}
		return strings.Compare(x.Value, y.Value)
	})
	if len(b) > maxFacetValues {
		b = b[:maxFacetValues]
	}
	if b == nil {
		b = []Bucket{}
	}
	return b
}

// priceBands splits the prices into up to five bands at quantiles, rounded
// to "nice" numbers (1, 2, 5 × 10ⁿ) as storefronts show them. No band is
// empty: a cut that would leave no price below it (a quantile that is a
// nice number itself, such as 100, rounds to itself) is skipped.
func priceBands(prices []float64) []PriceBand {
	if len(prices) == 0 {
		return []PriceBand{}
	}
	slices.Sort(prices)
	var cuts []float64
	below := 0 // prices under the last cut
	for _, q := range []float64{0.2, 0.4, 0.6, 0.8} {
		c := nice(prices[int(q*float64(len(prices)-1))])
		if c <= 0 || c >= prices[len(prices)-1] || len(cuts) > 0 && c <= cuts[len(cuts)-1] {
			continue
		}
		if i, _ := slices.BinarySearch(prices, c); i > below {
			cuts = append(cuts, c)
			below = i
		}
	}
	bands := make([]PriceBand, len(cuts)+1)
	for i := range bands {
		if i > 0 {
			bands[i].From = cuts[i-1]
		}
		if i < len(cuts) {
			bands[i].To = cuts[i]
		}
	}
	for _, p := range prices {
		i, _ := slices.BinarySearch(cuts, p)
		if i < len(cuts) && cuts[i] == p {
			i++
		}
		bands[i].Count++
	}
	return bands
}

func nice(x float64) float64 {
	if x <= 0 {
		return 0
	}
	p := math.Pow(10, math.Floor(math.Log10(x)))
	for _, m := range []float64{1, 2, 5, 10} {
		if x <= m*p {
			return m * p
		}
	}
	return 10 * p
}

// orDefaults returns profile, or the default profile when it is nil, and
// now, or the current time when it is zero.
func orDefaults(profile *models.WeightProfile, now time.Time) (*models.WeightProfile, time.Time) {
	if profile == nil {
		def := DefaultProfile()
		profile = &def
	}
	if now.IsZero() {
		now = time.Now()
	}
	return profile, now
}
