package recall

import (
	"context"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"shopsearch/models"
	"shopsearch/rank"
)

// The catalog's coherent fallbacks, for when behaviour is thin (a new
// shopper, a cold item, the demo): what a person would put in each slot.
//
//   - similar (看了又看): the best sellers of the item's leaf category —
//     every path ending in its leaf name, as catalogs file one kind of
//     product under several — within its price band (half to twice its
//     price) first, then the rest of the leaf by closeness of price, then
//     the best sellers of its sibling categories, band first.
//   - complement (买了还买, order complete): the best sellers of the
//     categories that complement the cart's (Complements: pairs
//     mined from co-purchase when the recall model has them, else the
//     reviewed table), taken in turns from each, the newest cart item's
//     first. Never a best seller of an unrelated category.
//   - spread (猜你喜欢): two best sellers of each of the shopper's newest
//     three leaf categories, then one of each of the site's top leaf
//     categories (by units sold), in turns.

// leafIndex is the catalog's best-seller lists by leaf name, made with
// the lists of every category path (catalogHot.refresh).
type leafIndex struct {
	lists   map[string][]string // catalogHot's: category path or prefix → best sellers
	byLeaf  map[string][]string // leaf name → best sellers over every path ending in it
	parents map[string][]string // leaf name → parent paths of those paths
	top     []string            // leaf names, most units sold first
	sales   map[string]int64    // item → units sold (of the listed items)

	kwMu sync.Mutex
	kw   map[string][]string // complement keyword → leaf names containing it (memo)
}

func newLeafIndex(lists map[string][]string, paths map[string]bool, sales map[string]int64) *leafIndex {
	x := &leafIndex{lists: lists, byLeaf: map[string][]string{}, parents: map[string][]string{}, sales: sales, kw: map[string][]string{}}
	for path := range paths {
		leaf := LeafOf(path)
		x.byLeaf[leaf] = append(x.byLeaf[leaf], lists[path]...)
		if i := strings.LastIndexByte(path, '>'); i >= 0 && !slices.Contains(x.parents[leaf], path[:i]) {
			x.parents[leaf] = append(x.parents[leaf], path[:i])
		}
	}
	leafSales := map[string]int64{}
	for leaf, ids := range x.byLeaf {
		slices.SortStableFunc(ids, func(a, b string) int { // best sellers first, as each path's list is
			if sales[a] != sales[b] {
				if sales[a] > sales[b] {
					return -1
				}
				return 1
			}
			return strings.Compare(a, b)
		})
		ids = slices.Compact(ids)
		if len(ids) > hotListSize {
			ids = ids[:hotListSize]
		}
		x.byLeaf[leaf] = ids
		for _, id := range ids {
			leafSales[leaf] += sales[id]
		}
		x.top = append(x.top, leaf)
	}
	slices.SortFunc(x.top, func(a, b string) int {
		if leafSales[a] != leafSales[b] {
			if leafSales[a] > leafSales[b] {
				return -1
			}
			return 1
		}
		return strings.Compare(a, b)
	})
	for _, ps := range x.parents {
		slices.Sort(ps)
	}
	return x
}

// keywordLeaves returns the leaf names that contain kw.
func (x *leafIndex) keywordLeaves(kw string) []string {
	x.kwMu.Lock()
	defer x.kwMu.Unlock()
	if l, ok := x.kw[kw]; ok {
		return l
	}
	var out []string
	for _, leaf := range x.top { // most sold first
		if strings.Contains(leaf, kw) {
			out = append(out, leaf)
		}
	}
	x.kw[kw] = out
	return out
}

// deps are the scenes' recallers over the catalog and model.
func (h *catalogHot) deps(model *Model, cfg SceneConfig) SceneDeps {
	return SceneDeps{Model: model, Content: h.content, Hot: h.recall,
		Similar: h.similar, Complement: h.complement, Spread: h.spread, Config: cfg}
}

// collector gathers up to n candidates that req does not exclude, scored
// by the order they came in.
type collector struct {
	req    Request
	source string
	seen   map[string]bool
	out    []Candidate
}

func newCollector(req Request, source string) *collector {
	return &collector{req: req, source: source, seen: map[string]bool{}}
}

func (c *collector) full() bool { return len(c.out) >= c.req.N }

// add takes id unless excluded or taken, scored by its order; it reports
// whether it did.
func (c *collector) add(id string) bool { return c.addScored(id, 1/float64(1+len(c.out))) }

// addScored is add with the score given.
func (c *collector) addScored(id string, score float64) bool {
	if c.full() || c.seen[id] || c.req.Exclude != nil && c.req.Exclude(id) {
		return false
	}
	c.seen[id] = true
	c.out = append(c.out, Candidate{Item: id, Score: score, Source: c.source})
	return true
}

// similar is the Similar recaller: like the newest of req.Items (the
// detail page's item).
func (h *catalogHot) similar(_ context.Context, req Request) []Candidate {
	if len(req.Items) == 0 || req.N <= 0 {
		return nil
	}
	anchor, ok := h.store.Get(req.Items[len(req.Items)-1])
	if !ok || anchor.Category == "" {
		return nil
	}
	_, x := h.current()
	if x == nil {
		return nil
	}
	leaf, price := LeafOf(anchor.Category), anchor.EffectivePrice()
	c := newCollector(req, SourceSimilar)
	c.seen[anchor.ID] = true
	inBand := func(id string) (bool, float64) {
		p, ok := h.store.Get(id)
		if !ok || price <= 0 || p.EffectivePrice() <= 0 {
			return false, math.Inf(1)
		}
		d := math.Abs(math.Log(p.EffectivePrice() / price))
		return d <= math.Ln2, d
	}
	// takeBanded adds ids in the band first (in their order: best
	// sellers), then the others, the closest in price first. The scores
	// fall by tier — the leaf in the band, the leaf, siblings in the
	// band, siblings — so that the blend with commercial factors (rerank)
	// reorders within a tier, not across.
	tier := 0
	score := func() float64 { // 1, 0.75, 0.5, 0.25 by tier, less up to 0.05 by order
		return float64(4-tier)/4 - 0.05*min(float64(len(c.out))/float64(3*max(req.N, 1)), 1)
	}
	takeBanded := func(ids []string) {
		type far struct {
			id string
			d  float64
		}
		var rest []far
		for _, id := range ids {
			if c.full() {
				return
			}
			if ok, d := inBand(id); ok {
				c.addScored(id, score())
			} else {
				rest = append(rest, far{id, d})
			}
		}
		tier++
		slices.SortStableFunc(rest, func(a, b far) int {
			switch {
			case a.d < b.d:
				return -1
			case a.d > b.d:
				return 1
			}
			return 0
		})
		for _, f := range rest {
			c.addScored(f.id, score())
		}
		tier++
	}
	takeBanded(x.byLeaf[leaf])
	var siblings []string
	for _, par := range x.parents[leaf] {
		for _, id := range x.lists[par] {
			if p, ok := h.store.Get(id); ok && LeafOf(p.Category) != leaf {
				siblings = append(siblings, id)
			}
		}
	}
	takeBanded(siblings)
	return c.out
}

// newCatalogHot returns the catalog recallers over st, with the reviewed
// complement table until a model's co-purchases are mined.
func newCatalogHot(st *rank.Store, now func() time.Time) *catalogHot {
	h := &catalogHot{store: st, now: now}
	h.comp.Store(DefaultComplements())
	return h
}

// complements returns the complement table in use.
func (h *catalogHot) complements() *Complements { return h.comp.Load() }

// complement is the Complement recaller: the best sellers of the cart's
// complement categories, in turns.
func (h *catalogHot) complement(_ context.Context, req Request) []Candidate {
	if len(req.Cart) == 0 || req.N <= 0 {
		return nil
	}
	_, x := h.current()
	if x == nil {
		return nil
	}
	comp := h.complements()
	own := map[string]bool{}
	var cats []string
	for i := len(req.Cart) - 1; i >= 0 && i >= len(req.Cart)-5; i-- { // the newest five
		if p, ok := h.store.Get(req.Cart[i]); ok && p.Category != "" {
			cats = append(cats, p.Category)
			own[LeafOf(p.Category)] = true
		}
	}
	var lists [][]string
	taken := map[string]bool{}
	use := func(leaf string) {
		if !own[leaf] && !taken[leaf] && len(x.byLeaf[leaf]) > 0 {
			taken[leaf] = true
			lists = append(lists, x.byLeaf[leaf])
		}
	}
	for _, cat := range cats {
		mined, kws := comp.Of(cat)
		for _, l := range mined {
			use(l)
		}
		for _, k := range kws {
			for _, l := range x.keywordLeaves(k) {
				use(l)
			}
		}
	}
	c := newCollector(req, SourceComplement)
	roundRobin(c, lists, req.N)
	return c.out
}

// roundRobin offers c the first item of each list, then the second…,
// until c is full or each list has had per turns. A turn whose item is
// excluded or taken is spent: a list whose best item another recaller (or
// an earlier call) already took gives its turn to the next list, so that
// repeated calls spread over more categories rather than deeper into the
// same ones.
func roundRobin(c *collector, lists [][]string, per int) {
	for turn := 0; turn < per && !c.full(); turn++ {
		for _, l := range lists {
			if turn < len(l) {
				c.add(l[turn])
			}
		}
	}
}

// spreadTop is how many of the site's top leaf categories spread takes
// turns over.
const spreadTop = 40

// spread is the Spread recaller.
func (h *catalogHot) spread(_ context.Context, req Request) []Candidate {
	if req.N <= 0 {
		return nil
	}
	_, x := h.current()
	if x == nil {
		return nil
	}
	c := newCollector(req, SourceSpread)
	var mine [][]string
	used := map[string]bool{}
	for i := len(req.Items) - 1; i >= 0 && len(mine) < 3; i-- {
		if p, ok := h.store.Get(req.Items[i]); ok && p.Category != "" {
			if leaf := LeafOf(p.Category); !used[leaf] {
				used[leaf] = true
				mine = append(mine, x.byLeaf[leaf])
			}
		}
	}
	roundRobin(c, mine, 2)
	var site [][]string
	for _, leaf := range x.top {
		if len(site) == spreadTop {
			break
		}
		if !used[leaf] {
			site = append(site, x.byLeaf[leaf])
		}
	}
	roundRobin(c, site, 3) // a second and third turn only when the slot wants more than the categories
	return c.out
}

// Mining complements from the recall model: at most minedItems of the
// model's items (those the catalog has) each pair their leaf with the
// leaves of their minedPeers best co-purchased items; a pair seen
// minedSupport times is a complement.
const (
	minedItems   = 200_000
	minedPeers   = 10
	minedSupport = 3
)

// minedComplements returns the reviewed table with the category pairs of
// mod's bought-together table over the catalog st (Complements);
// nil when the model shares no item with the catalog, or has no pairs.
func minedComplements(mod *Model, st interface {
	Get(id string) (models.Product, bool)
}) *Complements {
	if mod == nil {
		return nil
	}
	var baskets []Basket
	n := 0
	mod.ItemIDs(func(id string) {
		if n >= minedItems {
			return
		}
		p, ok := st.Get(id)
		if !ok || p.Category == "" {
			return
		}
		n++
		leaf := LeafOf(p.Category)
		for _, c := range mod.BoughtTogether([]string{id}, minedPeers, nil) {
			if q, ok := st.Get(c.Item); ok && q.Category != "" {
				baskets = append(baskets, Basket{leaf, LeafOf(q.Category)})
			}
		}
	})
	if len(baskets) == 0 {
		return nil
	}
	c := DefaultComplements().MineComplements(baskets, minedSupport)
	if c.Mined() == 0 {
		return nil
	}
	return c
}
