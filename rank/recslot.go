package rank

import (
	"time"

	"shopsearch/models"
	"shopsearch/recall/ctr"
)

// Recommendation slots are ranked here as search results are: recalled
// items (package recall) are blended with the same commercial factors
// under a weight profile — the recall score standing where the text score
// stands in search, or the CTR model's prediction in its place — and items
// that cannot be bought here and now are dropped. The slot's rerank
// (scatter, pins, the cut) is the recommendation service's (package
// recall), over the ranked items and their Leaf and BrandKey.

// RecCandidate is one recalled item.
type RecCandidate struct {
	ID     string
	Score  float64 // the recaller's, higher is better; any scale
	Source string  // which recaller found it
}

// RankSlotRequest says how to rank one slot's candidates.
type RankSlotRequest struct {
	Region  string                // the shopper's: items that do not deliver there are dropped
	Profile *models.WeightProfile // commercial weights; nil: the default profile
	Now     time.Time             // for new-item decay; zero: time.Now
	// KeepOutOfStock keeps items without stock (at the end); by default a
	// slot shows only what can be bought.
	KeepOutOfStock bool
	// Exclude drops items: already bought, in the cart, shown recently in
	// this slot. Nil drops nothing.
	Exclude func(id string) bool
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
	// Leaf and BrandKey are the item's leaf category and brand as the
	// store normalises them ("": none), for the slot's scatter.
	Leaf, BrandKey string
	Explain        *Explanation
	// Features are the item's CTR features (RankSlotRequest.Features or CTR).
	Features *ctr.Features
	// PCTR is the CTR model's prediction (0 without a model).
	PCTR float64
	// CTR explains PCTR (with RankSlotRequest.Explain and CTR).
	CTR *ctr.Explanation
}

// RankSlot blends and filters a slot's candidates and returns those kept,
// best first. Duplicate ids keep their best recall score; unknown ids are
// skipped.
func (s *Store) RankSlot(cands []RecCandidate, req RankSlotRequest) []RecItem {
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

	out := make([]RecItem, 0, len(rows))
	for _, r := range rows {
		it := s.recItem(r.ord)
		it.Score, it.Recall, it.Source, it.Features = r.rank, r.score, source[r.ord], feats[r.ord]
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
	return out
}

// recItem is the item of ordinal o with its slot keys; callers hold mu.
func (s *Store) recItem(o Ord) RecItem {
	leaf := models.Category(s.interner.strs[s.feat[o].catPath]).Leaf()
	return RecItem{Product: s.products.get(o), Leaf: leaf, BrandKey: s.interner.strs[s.feat[o].brandID]}
}

// PinItem returns the item id as a slot pin places it: known, and kept by
// the filters of req (region, stock, Exclude); false otherwise.
func (s *Store) PinItem(id string, req RankSlotRequest) (RecItem, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	match := s.filter(Filter{Region: req.Region, InStock: !req.KeepOutOfStock}, s.keyReader(false))
	o, ok := s.ords[id]
	if !ok || !match(o) || req.Exclude != nil && req.Exclude(id) {
		return RecItem{}, false
	}
	it := s.recItem(o)
	it.Source, it.Pinned = "pin", true
	return it, true
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
