package suggest

import (
	"cmp"
	"context"
	"fmt"
	"iter"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"shopsearch/models"
)

// Recent returns the category paths a shopper looked at recently, for the
// personal boost. The behaviour store will supply it.
type Recent func(user string) []string

// Deps are what a Suggester reads from the rest of the service. Every field
// is optional.
type Deps struct {
	// Products yields the catalog at every build (nil: no catalog
	// candidates). It is called from the build goroutine.
	Products iter.Seq[models.Product]
	// Words returns the product nouns a title names (手机壳, 蓝牙耳机), given
	// the title normalised as dict.Normalize does: they are candidates, and
	// each pairs with the product's brand (苹果数据线). The service backs it
	// with its lexicon's product nouns (dict.Lexicon.Products). Nil: no
	// product-noun candidates; brands, category levels, brand + leaf
	// category pairs, title names and searches still are. It is called from
	// the build goroutine, once per product.
	Words func(title string) []string
	// Count checks that a logged query finds items (nil: trust the result
	// counts the log recorded, and drop queries whose count is unknown).
	Count Count
	// Log is where searches are counted (nil: a MemLog sized by Config).
	Log    QueryLog
	Recent Recent
	// Now is the clock (nil: time.Now); Logf reports failed scheduled
	// builds (nil: they go unreported but for the next build's retry).
	Now  func() time.Time
	Logf func(format string, args ...any)
}

// Suggester serves suggestions from its current index and rebuilds it.
// All methods are safe for concurrent use.
type Suggester struct {
	cfg  Config
	deps Deps
	log  QueryLog
	z    *romanizer

	ix    atomic.Pointer[index]
	merch atomic.Pointer[merch]

	buildMu sync.Mutex // one build at a time; guards counts
	counts  map[string]countMemo
	merchMu sync.Mutex    // one configuration change at a time
	kick    chan struct{} // asks Run for a build
	pool    sync.Pool     // *lookup
}

// New returns a Suggester with no index yet (Suggest returns nothing until
// Rebuild or Run has built one). It reads the merchandisers' configuration
// from cfg.DataDir.
func New(cfg Config, deps Deps) (*Suggester, error) {
	cfg = cfg.withDefaults()
	z, err := defaultRomanizer()
	if err != nil {
		return nil, err
	}
	m, err := loadMerch(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	if err := m.validate(cfg.MaxQueryRunes); err != nil {
		return nil, fmt.Errorf("suggest config in %s: %w", cfg.DataDir, err)
	}
	s := &Suggester{cfg: cfg, deps: deps, log: deps.Log, z: z, kick: make(chan struct{}, 1)}
	if s.log == nil {
		s.log = NewMemLog(cfg.LogCapacity, cfg.HalfLifeDays)
	}
	s.merch.Store(compileMerch(m))
	s.pool.New = func() any { return &lookup{} }
	return s, nil
}

// Observe counts one search that returned results (-1: unknown; the next
// build checks the query with Count). Empty, over-long, quoted and
// excluding (-word) queries are not suggestion material and are skipped.
func (s *Suggester) Observe(query string, results int, at time.Time) {
	if results == 0 {
		return
	}
	if d, ok := loggable(query, s.cfg.MaxQueryRunes); ok {
		s.log.Observe(d, results, at)
	}
}

// loggable returns a searched query as a log keeps it (its display form),
// or false when it is no suggestion material: empty, over maxRunes, quoted
// or excluding (-word).
func loggable(query string, maxRunes int) (string, bool) {
	if strings.ContainsRune(query, '"') {
		return "", false
	}
	d := displayOf(query)
	if d == "" || utf8.RuneCountInString(d) > maxRunes || strings.HasPrefix(d, "-") || strings.Contains(d, " -") {
		return "", false
	}
	return d, true
}

// Rebuild builds a new index from the catalog, the log and the
// merchandisers' lists and swaps it in; lookups running meanwhile finish on
// the old one. Builds are serialised.
func (s *Suggester) Rebuild(ctx context.Context) (BuildStats, error) {
	s.buildMu.Lock()
	defer s.buildMu.Unlock()
	start := time.Now()
	now := nowOf(s.deps.Now)
	g := &gatherer{cfg: s.cfg, merch: s.merch.Load(), by: map[string]*agg{}}
	if s.deps.Products != nil {
		if err := g.catalog(ctx, s.deps.Products, s.deps.Words); err != nil {
			return BuildStats{}, fmt.Errorf("suggest: read catalog: %w", err)
		}
	}
	top := s.log.Top(s.cfg.MaxLogged, now)
	if err := g.logged(ctx, top, s.memoCount(now)); err != nil {
		return BuildStats{}, fmt.Errorf("suggest: check logged queries: %w", err)
	}
	g.allowed()
	cands := g.table()
	ix, err := buildIndex(cands, s.z, s.cfg)
	if err != nil {
		return BuildStats{}, err
	}
	ix.hot = hotIDs(cands, 2*s.cfg.HotSize)
	ix.stats.Logged = len(top)
	ix.stats.TookMs = float64(time.Since(start).Microseconds()) / 1000
	ix.stats.BuiltAt = now.UTC()
	s.ix.Store(ix)
	return ix.stats, nil
}

// countMemo is what Count said of a query, and when.
type countMemo struct {
	n  int
	at time.Time
}

// memoCount is Deps.Count remembered for Config.CountTTL, so that a build
// asks again only about new queries and old answers; queries the build does
// not ask about are forgotten. Called with buildMu held. Nil when there is
// no Count.
func (s *Suggester) memoCount(now time.Time) Count {
	if s.deps.Count == nil {
		return nil
	}
	old := s.counts
	s.counts = make(map[string]countMemo, len(old))
	return func(q string) int {
		m, ok := old[q]
		if !ok || now.Sub(m.at) >= s.cfg.CountTTL || m.at.After(now) {
			m = countMemo{s.deps.Count(q), now}
		}
		s.counts[q] = m
		return m.n
	}
}

// hotIDs returns up to n candidates, the most searched first, then the
// best by score (candidate ids are in score order) that are not only a
// category name or a title term.
func hotIDs(cands []candidate, n int) []uint32 {
	var ids []uint32
	for id := range cands {
		if cands[id].pop > 0 {
			ids = append(ids, uint32(id))
		}
	}
	slices.SortStableFunc(ids, func(a, b uint32) int { return cmp.Compare(cands[b].pop, cands[a].pop) })
	ids = ids[:min(len(ids), n)]
	for id := 0; len(ids) < n && id < len(cands); id++ {
		if cands[id].pop == 0 && !onlyNames(cands[id].kinds) {
			ids = append(ids, uint32(id))
		}
	}
	return ids
}

// Run builds the index now, then every Config.Interval and whenever the
// configuration changes, until ctx is done. Failed builds are reported
// through Deps.Logf and leave the previous index serving.
func (s *Suggester) Run(ctx context.Context) {
	t := time.NewTicker(s.cfg.Interval)
	defer t.Stop()
	for {
		if _, err := s.Rebuild(ctx); err != nil && ctx.Err() == nil && s.deps.Logf != nil {
			s.deps.Logf("suggest: rebuild: %v", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.kick:
		}
	}
}

// Stats describes the index being served (zero before the first build).
func (s *Suggester) Stats() BuildStats {
	if ix := s.ix.Load(); ix != nil {
		return ix.stats
	}
	return BuildStats{}
}

// Hot is the hot-search list and the search-box hint.
type Hot struct {
	Hot  []string `json:"hot"`
	Hint string   `json:"hint"`
}

// Hot returns the hot searches: the merchandisers' pins, then the most
// searched queries (the best candidates while few were searched), without
// denied texts; and the hint, the merchandisers' or the top hot search.
func (s *Suggester) Hot() Hot {
	resp := s.hotResponse(Response{Suggestions: []Suggestion{}}, s.ix.Load(), s.merch.Load(), s.cfg.HotSize)
	h := Hot{Hot: make([]string, len(resp.Suggestions)), Hint: s.merch.Load().cfg.Hint}
	for i, sg := range resp.Suggestions {
		h.Hot[i] = sg.Text
	}
	if h.Hint == "" && len(h.Hot) > 0 {
		h.Hint = h.Hot[0]
	}
	return h
}

// hotResponse fills resp with up to n hot searches.
func (s *Suggester) hotResponse(resp Response, ix *index, m *merch, n int) Response {
	seen := map[string]bool{}
	for _, p := range m.cfg.HotPins {
		if k := keyOf(p); len(resp.Suggestions) < n && !seen[k] && !m.denied(k) {
			seen[k] = true
			resp.Suggestions = appendPins(resp.Suggestions, []string{displayOf(p)}, ix, n, 1)
		}
	}
	if ix == nil {
		return resp
	}
	for _, id := range ix.hot {
		c := &ix.cands[id]
		if len(resp.Suggestions) == n {
			break
		}
		if !seen[c.key] && !m.denied(c.key) {
			seen[c.key] = true
			resp.Suggestions = append(resp.Suggestions, Suggestion{Text: c.text, Categories: c.cats, Score: round4(float64(c.static)), Match: MatchHot})
		}
	}
	return resp
}

// Merch returns the merchandisers' configuration.
func (s *Suggester) Merch() Merch { return s.merch.Load().cfg.withLists() }

// SetMerch validates, saves (atomically, in Config.DataDir) and applies a
// new configuration, and returns it as saved. Deny lists, pins and the hint
// apply at once; the allow list with the next build, which it requests
// from Run.
func (s *Suggester) SetMerch(m Merch) (Merch, error) {
	m = m.cloned()
	if err := m.validate(s.cfg.MaxQueryRunes); err != nil {
		return Merch{}, err
	}
	s.merchMu.Lock()
	defer s.merchMu.Unlock()
	m.Version = s.merch.Load().cfg.Version + 1
	m.UpdatedAt = nowOf(s.deps.Now).UTC()
	if err := saveMerch(s.cfg.DataDir, m); err != nil {
		return Merch{}, err
	}
	s.merch.Store(compileMerch(m))
	select {
	case s.kick <- struct{}{}:
	default: // a build is already asked for
	}
	return m.withLists(), nil
}

// cloned is m with lists of its own.
func (m Merch) cloned() Merch {
	m.HotPins, m.Allow = slices.Clone(m.HotPins), slices.Clone(m.Allow)
	m.Deny, m.DenyContains, m.Pins = slices.Clone(m.Deny), slices.Clone(m.DenyContains), slices.Clone(m.Pins)
	return m
}

// withLists is m with empty lists rather than nil ones, so that they show
// as [] in JSON.
func (m Merch) withLists() Merch {
	m = m.cloned()
	for _, l := range []*[]string{&m.HotPins, &m.Allow, &m.Deny, &m.DenyContains} {
		if *l == nil {
			*l = []string{}
		}
	}
	if m.Pins == nil {
		m.Pins = []Pin{}
	}
	return m
}
