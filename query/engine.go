package query

import (
	"context"
	"fmt"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"

	"shopsearch/dict"
	"shopsearch/indexer"
	"shopsearch/models"
	"shopsearch/rank"
)

// Config bounds and tunes search. Defaults live in DefaultConfig, in one place.
type Config struct {
	Candidates int // phase-1 candidates when ordering by relevance without filters
	// MaxCandidates bounds the candidates phase 2 ranks when filtering or
	// ordering by a business field, for a query with more matches than
	// MaxMatches: the best by text, filtered after. A filtered relevance
	// order then blends the best Candidates of those that pass
	// (rank.Request.BlendTop).
	MaxCandidates int
	// MaxMatches is how many matches a filtered or business-ordered search
	// goes through whole: when the query's rarest word is in at most
	// MaxMatches items, its filters, total, facets and order are exact
	// over every match (rank.Store.Narrow). 0 turns that off.
	MaxMatches int
	// MaxResults is how deep a shopper may page: (page-1)*size stays under it.
	MaxResults      int
	MaxQueryRunes   int
	DefaultPageSize int
	MaxPageSize     int
	Field           string
	// When fewer than RelaxBelow items match every term, partial matches
	// follow them: items with every brand term and at least RelaxShould
	// (a fraction) of the other terms.
	RelaxBelow  int
	RelaxShould float64
	// RelaxCommon is the share of the catalog above which a term is too
	// common to count towards a partial match (Engine.commonTerms); 0
	// counts every term.
	RelaxCommon float64
	// RelaxCommonMin is how many items a term must have, whatever the
	// share, to be too common: in a small catalog every word is in a good
	// share of it.
	RelaxCommonMin int
	// QueryLog is how many distinct queries the query log keeps (merch.go).
	QueryLog int
	// Cache bounds the phase-1 cache (cache.go); zero: the defaults.
	Cache CacheConfig
	// Results tunes the result cache (results.go); zero: off.
	Results ResultCacheConfig
	// Now is the engine's clock: rule windows, item age and the result
	// cache's expiry read it (time.Now when nil). A request's own Now
	// (a preview's) overrides it.
	Now func() time.Time
	// Grade tunes graded matching (grade.go).
	Grade GradeConfig
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{
		Candidates:      1000,
		MaxCandidates:   10_000,
		MaxMatches:      30_000,
		MaxResults:      10_000,
		MaxQueryRunes:   200,
		DefaultPageSize: 20,
		MaxPageSize:     100,
		Field:           "text",
		RelaxBelow:      100,
		RelaxShould:     0.5,
		RelaxCommon:     0.05,
		RelaxCommonMin:  1000,
		QueryLog:        1000,
		Grade:           DefaultGradeConfig(),
	}
}

// Request is one search.
type Request struct {
	Text   string
	Page   int // 1-based; 0 means 1
	Size   int // 0 means the default
	Filter rank.Filter
	Sort   rank.Sort
	Facets bool

	// Ranking (merch.go): the shopper's device (mobile, pc) and user id
	// choose the weight profile; Profile names one explicitly (debug).
	Device, UserID, Profile string
	Explain                 bool      // each item's factors and rules
	Now                     time.Time // for rule windows and item age; zero: the engine's clock (Config.Now)
	// A preview's drafts: a profile, and rules added to the published ones.
	Draft      *models.WeightProfile
	DraftRules []models.Rule
	preview    bool // not counted in the query log
	// analyzer analyses the query instead of the engine's (a draft
	// lexicon's, SearchWith); nil: the engine's.
	analyzer *dict.Analyzer
}

// Item is one result as the API returns it.
type Item struct {
	ID         string  `json:"id"`
	Title      string  `json:"title"`
	Highlight  string  `json:"highlight"`
	Price      float64 `json:"price"`
	PromoPrice float64 `json:"promo_price,omitempty"`
	PromoTag   string  `json:"promo_tag,omitempty"`
	Brand      string  `json:"brand,omitempty"`
	Category   string  `json:"category,omitempty"`
	Platform   string  `json:"platform,omitempty"`
	Stock      string  `json:"stock"` // in_stock, low_stock or out_of_stock
	Image      string  `json:"image,omitempty"`
	Score      float64 `json:"score"`             // the text score (BM25), which phase 1 ranks by
	RankScore  float64 `json:"rank_score"`        // the blended score of text and commercial factors that the relevance order sorts by
	Partial    bool    `json:"partial,omitempty"` // lacks some query terms (see Relaxed)

	Explain *rank.Explanation `json:"explain,omitempty"` // with Request.Explain
}

// Relaxed says which terms were dropped because all of them found nothing.
type Relaxed struct {
	Exact   int      `json:"exact"`   // items that have every term; they come first
	Dropped []string `json:"dropped"` // terms the best partial match lacks
	Message string   `json:"message"`
}

// Response is one page of results.
type Response struct {
	Query string `json:"query"`
	// Total is how many items the ranking kept: the phase-1 candidates
	// (Candidates by relevance, MaxCandidates with a filter or a business
	// order) that pass the filters, and any relaxed matches.
	Total int `json:"total"`
	// Matched is how many items match every query term, counted in full
	// by phase 1 before filters: at a million products a broad query
	// matches far more items than it ranks.
	Matched int          `json:"matched"`
	Page    int          `json:"page"`
	Size    int          `json:"size"`
	Items   []Item       `json:"items"`
	Facets  *rank.Facets `json:"facets,omitempty"`
	Relaxed *Relaxed     `json:"relaxed,omitempty"`
	TookMs  float64      `json:"took_ms"`

	// What ranked the results (merch.go), for logging.
	Profile        string `json:"profile"`
	ProfileVersion int    `json:"profile_version"`
	Arm            string `json:"arm,omitempty"`

	// Phases is how long phase 1 and phase 2 took and how many candidates
	// phase 2 ranked, for metrics; zero for a result-cache hit. Not part of
	// the API response.
	Phases Phases `json:"-"`
}

// Phases times one search's two phases (see Response.Phases).
type Phases struct {
	Retrieve   time.Duration // phase 1: Bleve, graded matching, relaxation
	Rank       time.Duration // phase 2: filters, facets, business ranking, the page
	Candidates int           // what phase 2 ranked
}

// Engine runs searches over one index and its product store.
type Engine struct {
	cat   *indexer.Catalog
	idx   bleve.Index
	store *rank.Store
	an    *dict.Analyzer
	cfg   Config

	// wmu serialises writers, so that the catalog (its log and index) and
	// the store apply concurrent writes of one id in the same order.
	wmu       sync.Mutex
	closeOnce sync.Once
	closeErr  error
	stats     statsRefresher // debounces Store.RefreshStats after patches (patch.go)

	// The phase-1 cache (cache.go; nil: off) and the text generation
	// that makes its entries stale, bumped by every upsert and delete.
	cache   *candCache
	textGen atomic.Uint64
	docs    *docMap      // Bleve document numbers → ordinals (docmap.go)
	results *resultCache // whole responses for a moment (results.go; nil: off)
	grams   *gramStats   // character-gram statistics of the titles (grams.go)

	merch   atomic.Pointer[merch] // profiles and rules (merch.go)
	queries *QueryLog             // searched queries, for previews (querylog.go)

	behavior atomic.Pointer[BehaviorSink] // the behaviour blended into the columns (stats.go); nil: none
}

// Open opens the published catalog of dataDir and returns an engine over it.
// Close the engine to close the catalog. an is the engine's own analyzer,
// of its queries and of the documents it writes (nil: a new one over the
// built-in lexicon, dict.Default): swapping its lexicon (the lexicon
// manager does) changes this engine's analysis and no other's, so give
// each engine its own.
func Open(dataDir string, an *dict.Analyzer, cfg Config) (*Engine, error) {
	if an == nil {
		an = dict.Default()
	}
	cat, products, err := indexer.Open(dataDir, an)
	if err != nil {
		return nil, err
	}
	store := rank.NewStore(products, BrandTerms(an))
	if n := len(products); n >= bigCatalog {
		// The decoded snapshot (about 1 KB a product) is garbage now that
		// the store holds its compact copy; hand its pages back to the
		// system at once rather than carry them as RSS.
		products = nil
		debug.FreeOSMemory()
	}
	return NewEngine(cat, store, cfg), nil
}

// bigCatalog is the size from which Open returns the memory of loading.
const bigCatalog = 100_000

// BrandTerms returns the function that finds the query terms naming a
// brand: each part of "Lancome/兰蔻" or "晨光（M&G）" that analyses to a
// single leaf of two or more characters.
func BrandTerms(an *dict.Analyzer) func(string) []string {
	return func(brand string) []string {
		var out []string
		for _, part := range strings.FieldsFunc(brand, func(r rune) bool {
			return strings.ContainsRune("/|,，、()（）[]【】", r)
		}) {
			var leaves []string
			for _, t := range an.Analyze(part) {
				if t.Role == dict.Leaf {
					leaves = append(leaves, t.Term)
				}
			}
			switch {
			case len(leaves) == 1 && utf8.RuneCountInString(leaves[0]) >= 2:
				out = append(out, leaves[0])
			case len(leaves) > 1:
				// A brand written as a code (SK-II, 3M): its compound.
				if c := wholeCompound(an.Analyze(part)); c != "" {
					out = append(out, c)
				}
			}
		}
		return out
	}
}

// wholeCompound returns the compound that spans every leaf of toks, if any.
func wholeCompound(toks []dict.Token) string {
	if len(toks) == 0 || toks[0].Role != dict.Compound {
		return ""
	}
	c := toks[0]
	for _, t := range toks[1:] {
		if t.Role == dict.Leaf && (t.Start < c.Start || t.End > c.End) {
			return ""
		}
	}
	return c.Term
}

// Close closes the catalog. Later calls return the first call's result
// (closing a Bleve index twice panics).
func (e *Engine) Close() error {
	e.closeOnce.Do(func() {
		e.docs.close()
		e.closeErr = e.cat.Close()
	})
	return e.closeErr
}

// Upsert validates products, makes them durable in the catalog and visible
// to the next search. Nothing is applied if any product is invalid.
func (e *Engine) Upsert(products []models.Product) error {
	for i := range products {
		if err := indexer.ValidateProduct(&products[i]); err != nil {
			return fmt.Errorf("product %d (%q): %w", i+1, products[i].ID, err)
		}
	}
	e.wmu.Lock()
	defer e.wmu.Unlock()
	if err := e.cat.Upsert(products); err != nil {
		return err
	}
	e.grams.replace(products, e.title)
	e.store.Put(products...)
	e.textChanged()
	return nil
}

// Delete removes products by id.
func (e *Engine) Delete(ids []string) error {
	e.wmu.Lock()
	defer e.wmu.Unlock()
	if err := e.cat.Delete(ids); err != nil {
		return err
	}
	for _, id := range ids {
		if t, ok := e.title(id); ok {
			e.grams.add(t, -1)
		}
	}
	e.store.Delete(ids...)
	e.textChanged()
	return nil
}

// NewEngine returns an engine over cat, analysing queries with the
// catalog's analyzer (indexer.Open's); cfg zero fields take their defaults.
func NewEngine(cat *indexer.Catalog, store *rank.Store, cfg Config) *Engine {
	def := DefaultConfig()
	if cfg.Candidates <= 0 {
		cfg.Candidates = def.Candidates
	}
	if cfg.MaxCandidates <= 0 {
		cfg.MaxCandidates = def.MaxCandidates
	}
	if cfg.MaxResults <= 0 {
		cfg.MaxResults = def.MaxResults
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxQueryRunes <= 0 {
		cfg.MaxQueryRunes = def.MaxQueryRunes
	}
	if cfg.DefaultPageSize <= 0 {
		cfg.DefaultPageSize = def.DefaultPageSize
	}
	if cfg.MaxPageSize <= 0 {
		cfg.MaxPageSize = def.MaxPageSize
	}
	if cfg.Field == "" {
		cfg.Field = def.Field
	}
	if cfg.RelaxBelow < 0 {
		cfg.RelaxBelow = 0
	} else if cfg.RelaxBelow == 0 {
		cfg.RelaxBelow = def.RelaxBelow
	}
	if cfg.RelaxShould <= 0 || cfg.RelaxShould > 1 {
		cfg.RelaxShould = def.RelaxShould
	}
	if cfg.QueryLog <= 0 {
		cfg.QueryLog = def.QueryLog
	}
	if cfg.Grade == (GradeConfig{}) {
		cfg.Grade = def.Grade
	}
	e := &Engine{cat: cat, idx: cat.Index(), store: store, an: cat.Analyzer(), cfg: cfg, queries: NewQueryLog(cfg.QueryLog),
		cache: newCandCache(cfg.Cache), docs: newDocMap(cat.Index(), store), results: newResultCache(cfg.Results),
		grams: newGramStats()}
	_ = store.Scan(func(p *models.Product) error { // never fails: fn does not
		e.grams.add(p.Title, +1)
		return nil
	})
	return e
}

// title is the title of the live product id.
func (e *Engine) title(id string) (string, bool) {
	p, ok := e.store.Get(id)
	return p.Title, ok
}

// Store is the product store behind the engine.
func (e *Engine) Store() *rank.Store { return e.store }

// validate checks and completes a request.
func (e *Engine) validate(req *Request) error {
	if n := utf8.RuneCountInString(req.Text); n > e.cfg.MaxQueryRunes {
		return models.Errorf(models.EINVALID, "query is %d characters long; the limit is %d", n, e.cfg.MaxQueryRunes)
	}
	if !utf8.ValidString(req.Text) {
		return models.Errorf(models.EINVALID, "query is not valid UTF-8")
	}
	if req.Page == 0 {
		req.Page = 1
	}
	if req.Size == 0 {
		req.Size = e.cfg.DefaultPageSize
	}
	if req.Page < 1 {
		return models.Errorf(models.EINVALID, "page must be 1 or more")
	}
	if req.Size < 1 || req.Size > e.cfg.MaxPageSize {
		return models.Errorf(models.EINVALID, "size must be between 1 and %d", e.cfg.MaxPageSize)
	}
	if (req.Page-1)*req.Size >= e.cfg.MaxResults {
		return models.Errorf(models.EINVALID, "page %d is beyond the last page that can be shown (%d results at most)", req.Page, e.cfg.MaxResults)
	}
	if req.Filter.PriceMin < 0 || req.Filter.PriceMax < 0 || (req.Filter.PriceMax > 0 && req.Filter.PriceMin > req.Filter.PriceMax) {
		return models.Errorf(models.EINVALID, "price range %g–%g is not valid", req.Filter.PriceMin, req.Filter.PriceMax)
	}
	return nil
}

// Search runs one search.
func (e *Engine) Search(ctx context.Context, req Request) (*Response, error) {
	start, now := time.Now(), e.cfg.Now()
	if err := e.validate(&req); err != nil {
		return nil, err
	}
	// What a cached result depends on, read before it is computed.
	an := e.an
	if req.analyzer != nil {
		an = req.analyzer
	}
	gen, m, lex := e.textGen.Load(), e.merch.Load(), an.Lexicon()
	isBrand, release := e.brandGuard(ctx)
	plan := Analyze(Parse(req.Text), an, isBrand)
	release()
	resp := &Response{Query: req.Text, Page: req.Page, Size: req.Size, Items: []Item{}}
	chosen, err := e.ranking(&req, plan)
	if err != nil {
		return nil, err
	}
	chosen.echo(resp)
	var key string
	over := resultEntry{textGen: gen, merch: m, rules: chosen.set, lex: lex}
	if e.results != nil && !plan.Empty() {
		if key = resultKey(&req, chosen); key != "" {
			if r := e.results.get(key, over, now); r != nil {
				e.logQuery(req)
				r.TookMs = ms(time.Since(start))
				return r, nil
			}
		}
	}
	if req.Now.IsZero() { // after the cache key: a request's own time is not cached
		req.Now = now
	}
	if plan.Empty() {
		if chosen.browse {
			e.browse(req, chosen, resp)
		}
		resp.TookMs = ms(time.Since(start))
		return resp, nil
	}
	k := e.cfg.Candidates
	every := req.Sort != rank.SortRelevance || filtered(req.Filter)
	if every {
		k = e.cfg.MaxCandidates
	}
	// Relevance needs the page plus whatever phase 2 might drop.
	k = max(k, req.Page*req.Size)
	rreq := rank.Request{
		Filter: req.Filter,
		Sort:   req.Sort,
		Offset: (req.Page - 1) * req.Size,
		Limit:  req.Size,
		Facets: req.Facets,

		Profile: chosen.profile,
		Rules:   chosen.rules,
		Now:     req.Now,
		Explain: req.Explain,
	}
	if req.Sort == rank.SortRelevance && filtered(req.Filter) {
		rreq.BlendTop = max(e.cfg.Candidates, req.Page*req.Size)
	}

	p1 := time.Now()
	var bufs candBufs // the cache hits' candidates, recycled at the end
	defer bufs.release()
	var cands []rank.Candidate
	var matched int
	var narrowed *rank.Narrowed // every match narrowed down (MaxMatches)
	if every && e.fewMatches(ctx, plan) {
		en, err := e.phase1All(ctx, plan.bleveQuery(e.cfg.Field, nil)) // cache.go
		if err != nil {
			return nil, err
		}
		matched = en.matched
		// At most k (and never fewer than relaxing needs): phase 2 takes
		// them all. A narrowed result thus has RelaxBelow strict matches
		// and more, and is never relaxed (below).
		if len(en.refs) <= max(k, e.cfg.RelaxBelow) {
			cands = en.expand(bufs.get(len(en.refs)))
		} else {
			// Phase 2 then needs what it would look at of every match: a
			// filtered relevance order blends the best BlendTop by text, a
			// business order shows its page (and the pins placed in it).
			keep := rreq.BlendTop
			if req.Sort != rank.SortRelevance {
				keep = rreq.Offset + rreq.Limit + len(rreq.Rules)
			}
			n := e.store.Narrow(en.refs, en.scores, rreq, keep)
			narrowed, cands = &n, n.Cands
		}
	} else {
		var err error
		if cands, matched, err = e.retrieve(ctx, plan, nil, k, 0, &bufs); err != nil {
			return nil, err
		}
	}
	exact := cands
	graded := !every && !e.cfg.Grade.Off && len(plan.Phrases) == 0
	if graded {
		var err error
		if cands, err = e.graded(ctx, plan, req.Text, cands, &bufs); err != nil {
			return nil, err
		}
	}
	// Relaxed matches only fill up a short result: without filters or a
	// business order, a few hundred of them are all a shopper pages through.
	rk := k
	if req.Sort == rank.SortRelevance && !filtered(req.Filter) {
		rk = max(2*e.cfg.RelaxBelow, req.Page*req.Size)
	}
	// Whether to relax goes by the strict matches before any filter; a
	// narrowed result has enough of them, though it holds only what phase
	// 2 needs.
	var steps []relaxStep
	if narrowed == nil && !graded && len(cands) < e.cfg.RelaxBelow {
		ts := e.termStats(ctx)
		steps = e.relaxSteps(plan, e.commonTerms(ts, plan))
		ts.Close()
	}
	for i, step := range steps {
		if len(cands) >= e.cfg.RelaxBelow {
			break
		}
		partial, _, err := e.retrieve(ctx, plan, &step, rk, uint8(i+1), &bufs)
		if err != nil {
			return nil, err
		}
		cands = appendNew(cands, partial)
	}
	p2 := time.Now()
	resp.Phases.Retrieve, resp.Phases.Candidates = p2.Sub(p1), len(cands)
	res := e.store.Rank(cands, rreq)
	resp.Phases.Rank = time.Since(p2)
	if narrowed != nil && narrowed.Truncated() {
		// Phase 2 ranked the best of what passed; the rest counts too.
		res.Total += narrowed.Passed - len(narrowed.Cands)
		res.Facets = narrowed.Facets
	}
	if graded {
		exact = exact[:0:0]
		for _, c := range cands {
			if c.Tier == 0 {
				exact = append(exact, c)
			}
		}
		if len(exact) >= e.cfg.RelaxBelow {
			cands = exact // enough whole matches: no partial one shows, as before
		}
	}
	if len(cands) > len(exact) {
		resp.Relaxed = e.relaxed(an, plan, exact, cands[len(exact):], rreq, res.Total)
	}
	resp.Total, resp.Matched = res.Total, matched
	if req.Facets {
		resp.Facets = &res.Facets
	}
	terms := highlightTerms(plan)
	for _, h := range res.Hits {
		it := item(h, e.highlight(h.Product.Title, terms))
		it.Partial = h.Tier > 0
		it.Explain = h.Explain
		resp.Items = append(resp.Items, it)
	}
	e.logQuery(req)
	resp.TookMs = ms(time.Since(start))
	if key != "" {
		cached := *resp
		cached.Facets = snapshotFacets(resp.Facets)
		over.resp = &cached
		e.results.put(key, over, now)
	}
	return resp, nil
}

// appendNew appends the candidates of b not already in a (phase 1's
// candidates all have a Ref).
func appendNew(a, b []rank.Candidate) []rank.Candidate {
	seen := make(map[uint32]bool, len(a))
	for _, c := range a {
		seen[c.Ref] = true
	}
	for _, c := range b {
		if !seen[c.Ref] {
			a = append(a, c)
		}
	}
	return a
}

// relaxed describes a relaxed result as the shopper sees it, after the
// filters: how many items are exact matches (they come first) and which
// terms the best partial match lacks. It is nil when the filters left no
// partial match. total is the number of filtered results, exact and partial;
// exact holds fewer than RelaxBelow candidates, so counting its filtered
// items is cheap.
func (e *Engine) relaxed(an *dict.Analyzer, plan Plan, exact, partial []rank.Candidate, req rank.Request, total int) *Relaxed {
	req.Offset, req.Facets, req.Explain = 0, false, false
	req.Limit = 0
	n := 0
	if len(exact) > 0 {
		n = e.store.Rank(exact, req).Total
	}
	if total <= n {
		return nil
	}
	r := &Relaxed{Exact: n, Dropped: []string{}}
	// The best partial match that passes the filters: among the best few by
	// text first, which is all it takes unless the filters are narrow.
	req.Sort, req.Limit = rank.SortRelevance, 1
	const few = 16
	best := e.store.Rank(partial[:min(few, len(partial))], req).Hits
	if len(best) == 0 && len(partial) > few {
		best = e.store.Rank(partial[few:], req).Hits
	}
	if len(best) > 0 {
		have := indexedTerms(an, best[0].Product)
		for _, t := range plan.Required {
			if !have[t] {
				r.Dropped = append(r.Dropped, t)
			}
		}
	}
	if r.Exact == 0 {
		r.Message = fmt.Sprintf("没有找到完全匹配的商品，为您推荐部分匹配的结果（不含：%s）", strings.Join(r.Dropped, " "))
	} else {
		r.Message = fmt.Sprintf("完全匹配的商品有 %d 件，其后为部分匹配的结果", r.Exact)
	}
	return r
}

// indexedTerms are the terms of what the index holds of p (see
// indexer.searchText): title, subtitle, brand, the last category level and
// the attribute values.
func indexedTerms(an *dict.Analyzer, p models.Product) map[string]bool {
	parts := []string{p.Title, p.Subtitle, p.Brand, models.Category(p.Category).IndexedLeaf()}
	for _, v := range p.Attrs {
		parts = append(parts, v)
	}
	have := map[string]bool{}
	for _, t := range an.Analyze(strings.Join(parts, " \n ")) {
		have[t.Term] = true
	}
	return have
}

func filtered(f rank.Filter) bool {
	return len(f.Brands) > 0 || f.CategoryPrefix != "" || f.PriceMin > 0 || f.PriceMax > 0 ||
		f.Platform != "" || f.InStock || f.Region != ""
}

func item(h rank.Hit, highlight string) Item {
	p := h.Product
	it := Item{
		ID: p.ID, Title: p.Title, Highlight: highlight,
		Price: p.Price, PromoTag: p.PromoTag, Brand: p.Brand, Category: p.Category,
		Platform: string(p.Platform), Stock: StockState(p), Image: p.Image, Score: h.Score, RankScore: h.Rank,
	}
	if p.EffectivePrice() < p.Price {
		it.PromoPrice = p.EffectivePrice()
	}
	return it
}

// lowStock is the stock level at or under which an item shows "low stock".
const lowStock = 5

// StockState is an item's stock label as the storefront shows it:
// in_stock (also when the stock is unknown), low_stock or out_of_stock.
func StockState(p models.Product) string {
	switch {
	case !p.HasStock:
		return "in_stock"
	case p.Stock == 0:
		return "out_of_stock"
	case p.Stock <= lowStock:
		return "low_stock"
	}
	return "in_stock"
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
