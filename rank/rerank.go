package rank

import (
	"slices"
	"strings"
	"time"

	"shopsearch/models"
	"shopsearch/recall/ctr"
)

// Recommendation slots are ranked here as search results are: recalled
// items (package recall) are blended with the same commercial factors
// under a weight profile — the recall score standing where the text score
// stands in search — and then reranked for the slot: items that cannot be
// bought here and now are dropped, and no two items of one leaf category
// (or brand) sit within a window of each other.

// RecCandidate is one recalled item.
type RecCandidate struct {
	ID     string
	Score  float64 // the recaller's, higher is better; any scale
	Source string  // which recaller found it
}

// RerankRequest says how to rank one slot.
type RerankRequest struct {
	N       int                   // items wanted
	Region  string                // the shopper's: items that do not deliver there are dropped
	Profile *models.WeightProfile // commercial weights; nil: the default profile
	Now     time.Time             // for new-item decay; zero: time.Now
	// KeepOutOfStock keeps items without stock (at the end); by default a
	// slot shows only what can be bought.
	KeepOutOfStock bool
	// Exclude drops items: already bought, in the cart, shown recently in
	// this slot. Nil drops nothing.
	Exclude func(id string) bool
	// CategoryWindow: no two items of one leaf category within this many
	// consecutive positions (0: no scatter). BrandWindow: the same for
	// brands. When the candidates cannot satisfy them the window is relaxed
	// rather than the slot left short.
	CategoryWindow, BrandWindow int
	// Pins puts item ids at 1-based positions of the slot (merchandiser
	// slot pins), unless a filter above drops them.
	Pins    map[int]string
	Explain bool
	// CTR, when set, ranks by the model's predicted CTR in the place of the
	// recall score (under the profile's text weight, rescaled by the
	// slot's best as text is); the commercial weights still apply.
	CTR *ctr.Model
	// Shopper is the shopper's recent behaviour for the CTR features; nil:
	// none.
	Shopper *ctr.ShopperContext
	// Features sets every item's RecItem.Features (for the sample log);
	// they are computed anyway when CTR is set.
	Features bool
}

// RecItem is one item of a ranked slot.
type RecItem struct {
	Product models.Product
	Score   float64 // blended
	Recall  float64 // the recaller's score
	Source  string
	Pinned  bool
	Explain *Explanation
	// Features are the item's CTR features (RerankRequest.Features or CTR).
	Features *ctr.Features
	// PCTR is the CTR model's prediction (0 without a model).
	PCTR float64
	// CTR explains PCTR (with RerankRequest.Explain and CTR).
	CTR *ctr.Explanation
}

// Rerank blends, filters, scatters and pins candidates into a slot of up to
// req.N items. Duplicate ids keep their best recall score; unknown ids are
// skipped.
func (s *Store) Rerank(cands []RecCandidate, req RerankRequest) []RecItem {
	if req.N <= 0 {
		return nil
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	profile, now := orDefaults(req.Profile, req.Now)
	match := s.filter(Filter{Region: req.Region, InStock: !req.KeepOutOfStock}, s.keyReader(false))
	keep := func(o Ord, id string) bool { return match(o) && (req.Exclude == nil || !req.Exclude(id)) }

	var rows []scored
	source := map[Ord]string{}
	for _, c := range cands {
		o, ok := s.ords[c.ID]
		if !ok || !keep(o, c.ID) {
			continue
		}
		if _, dup := source[o]; dup {
			for i := range rows {
				if rows[i].ord == o && c.Score > rows[i].score {
					rows[i].score, source[o] = c.Score, c.Source
				}
			}
			continue
		}
		source[o] = c.Source
		rows = append(rows, scored{ord: o, score: c.Score})
	}
	recallScore := map[Ord]float64{}
	var feats map[Ord]*ctr.Features
	pctr := map[Ord]float64{}
	var pre *scorer
	if req.CTR != nil || req.Features {
		pre = s.newScorer(rows, profile, req.Region, now, nil, nil)
		feats = make(map[Ord]*ctr.Features, len(rows))
		for i := range rows {
			o := rows[i].ord
			f := s.ctrFeatures(pre, o, rows[i].score, source[o], req.Shopper, now)
			feats[o] = &f
			if req.CTR != nil {
				recallScore[o] = rows[i].score
				p := req.CTR.Predict(&f)
				pctr[o] = p
				rows[i].score = p
			}
		}
	}
	sc := pre
	if sc == nil || req.CTR != nil { // the scores changed: their best rescales them
		sc = s.newScorer(rows, profile, req.Region, now, nil, nil)
	}
	for i := range rows {
		rows[i].rank = sc.score(rows[i].ord, rows[i].score)
		if s.feat[rows[i].ord].stock == 0 {
			rows[i].last = 1
		}
	}
	s.order(rows, SortRelevance, len(rows), s.keyReader(false))
	rows = s.scatter(rows, req.N, req.CategoryWindow, req.BrandWindow)

	out := make([]RecItem, 0, req.N)
	for _, r := range rows {
		it := RecItem{Product: s.products.get(r.ord), Score: r.rank, Recall: r.score, Source: source[r.ord], Features: feats[r.ord]}
		if req.CTR != nil {
			it.Recall, it.PCTR = recallScore[r.ord], pctr[r.ord]
		}
		if req.Explain {
			it.Explain = sc.explain(r.ord, r.score, 0)
			if req.CTR != nil && it.Features != nil {
				it.CTR = req.CTR.Explain(it.Features, 5)
			}
		}
		out = append(out, it)
	}
	return s.pinSlot(out, req, keep)
}

// scatter picks up to n rows in order such that no leaf category repeats
// within catWindow positions and no brand within brandWindow; when no
// remaining row fits, the best remaining one is taken (a full slot beats a
// perfectly scattered short one).
func (s *Store) scatter(rows []scored, n, catWindow, brandWindow int) []scored {
	if catWindow <= 1 && brandWindow <= 1 {
		return rows[:min(n, len(rows))]
	}
	leaf := func(o Ord) string {
		p := s.interner.strs[s.feat[o].catPath]
		return p[strings.LastIndexByte(p, '>')+1:]
	}
	clash := func(picked []scored, o Ord) bool {
		for back := 1; back <= len(picked); back++ {
			q := picked[len(picked)-back].ord
			if back < catWindow && s.feat[o].catPath != 0 && leaf(q) == leaf(o) {
				return true
			}
			if back < brandWindow && s.feat[o].brandID != 0 && s.feat[q].brandID == s.feat[o].brandID {
				return true
			}
			if back >= catWindow && back >= brandWindow {
				break
			}
		}
		return false
	}
	picked := make([]scored, 0, n)
	used := make([]bool, len(rows))
	for len(picked) < n {
		best := -1
		for i, r := range rows {
			if used[i] {
				continue
			}
			if best < 0 {
				best = i // the fallback: the best remaining
			}
			if !clash(picked, r.ord) {
				best = i
				break
			}
		}
		if best < 0 {
			break
		}
		used[best] = true
		picked = append(picked, rows[best])
	}
	return picked
}

// pinSlot puts the request's pinned items at their positions: a pinned
// item already in the slot moves there; one that is not is added (when
// known and kept by the filters), and the slot is cut back to N.
func (s *Store) pinSlot(items []RecItem, req RerankRequest, keep func(Ord, string) bool) []RecItem {
	if len(req.Pins) == 0 {
		return items
	}
	positions := make([]int, 0, len(req.Pins))
	for pos := range req.Pins {
		positions = append(positions, pos)
	}
	slices.Sort(positions)
	var pinned []RecItem
	for _, pos := range positions {
		id := req.Pins[pos]
		if i := slices.IndexFunc(items, func(it RecItem) bool { return it.Product.ID == id }); i >= 0 {
			it := items[i]
			items = slices.Delete(items, i, i+1)
			it.Pinned = true
			pinned = append(pinned, it)
			continue
		}
		if o, ok := s.ords[id]; ok && keep(o, id) {
			pinned = append(pinned, RecItem{Product: s.products.get(o), Source: "pin", Pinned: true})
		} else {
			pinned = append(pinned, RecItem{}) // dropped: keeps the positions of the later pins
		}
	}
	for k, pos := range positions {
		if pinned[k].Product.ID == "" {
			continue
		}
		items = slices.Insert(items, min(max(pos-1, 0), len(items)), pinned[k])
	}
	return items[:min(len(items), req.N)]
}

// ctrFeatures are the CTR features of candidate o recalled with score
// recall from source; sc gives the catalog factors.
func (s *Store) ctrFeatures(sc *scorer, o Ord, recall float64, source string, shopper *ctr.ShopperContext, now time.Time) ctr.Features {
	fv := sc.factors(o, 0)
	x := &s.feat[o]
	f := ctr.Features{
		Source: source, Recall: recall, ItemCTR: fv[fCTR], Sales: fv[fSales], New: fv[fNew],
		Popularity: saturate(float64(x.clicks), ctr.PopularityRef), PriceBand: ctr.PriceBand(x.price),
	}
	shopper.ShopperFeatures(&f, s.products.id(o), s.interner.strs[x.catPath], now)
	return f
}
