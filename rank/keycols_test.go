package rank

import (
	"cmp"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"

	"shopsearch/models"
)

// TestBigCandidateSetsReadTheKeyColumns: phase 2 over more than
// bigCandidates candidates reads filters, facets and orders from the key
// columns; they must say what the feature rows say, after writes too.
func TestBigCandidateSetsReadTheKeyColumns(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	n := bigCandidates + 5000
	ps := make([]models.Product, n)
	regions := []string{"bj", "sh", "gz"}
	for i := range ps {
		ps[i] = models.Product{ID: fmt.Sprintf("k%05d", i), Title: "t", Brand: fmt.Sprintf("b%d", r.IntN(20)),
			Category: fmt.Sprintf("c%d>d%d", r.IntN(4), r.IntN(3)), Price: float64(1 + r.IntN(1000)),
			Stock: int64(r.IntN(3)), HasStock: true, Sales30d: int64(r.IntN(10000))}
		if i%2 == 0 {
			ps[i].Platform = models.PlatformSelf
		}
		if i%3 == 0 {
			ps[i].Regions = []string{regions[r.IntN(3)]}
		}
	}
	s := NewStore(ps, nil)
	// Writes after the load: the columns follow them.
	zero, cheap := int64(0), 0.5
	for i := 0; i < n; i += 7 {
		if err := s.Patch(ps[i].ID, models.ProductPatch{Stock: &zero, Price: &cheap}); err != nil {
			t.Fatal(err)
		}
	}
	cands := make([]Candidate, n)
	for i := range cands {
		cands[i] = Candidate{ID: ps[i].ID, Score: 1}
	}
	resolve(s, cands)
	filters := []Filter{
		{Brands: []string{"b3", "b7"}},
		{CategoryPrefix: "c1"},
		{PriceMin: 100, PriceMax: 300},
		{PriceMax: 1},
		{Platform: models.PlatformSelf},
		{InStock: true},
		{Region: "sh"},
		{Region: "sh", InStock: true, Brands: []string{"b1"}},
	}
	for _, f := range filters {
		for _, by := range []Sort{SortRelevance, SortPriceAsc, SortSales} {
			want := s.Rank(cands[:bigCandidates/2], Request{Filter: f, Sort: by, Limit: 10, Facets: true}) // from the feature rows
			// The big run over every candidate, against the sum of two
			// small runs over its halves.
			big := s.Rank(cands, Request{Filter: f, Sort: by, Limit: 10, Facets: true})
			rest := s.Rank(cands[bigCandidates/2:], Request{Filter: f, Sort: by, Limit: 10, Facets: true})
			if len(cands[bigCandidates/2:]) > bigCandidates {
				t.Fatal("the second half is big too")
			}
			if big.Total != want.Total+rest.Total {
				t.Errorf("%+v sort %d: big total %d, halves %d + %d", f, by, big.Total, want.Total, rest.Total)
			}
			if got, sum := brandCounts(big.Facets), addCounts(brandCounts(want.Facets), brandCounts(rest.Facets)); !maps.Equal(got, sum) {
				t.Errorf("%+v: brand facets %v, halves %v", f, got, sum)
			}
			if by == SortPriceAsc && len(big.Hits) > 0 {
				first := big.Hits[0].Product.EffectivePrice()
				for _, h := range append(want.Hits, rest.Hits...) {
					if p := h.Product.EffectivePrice(); p > 0 && p < first && h.Product.Stock != 0 && big.Hits[0].Product.Stock != 0 {
						t.Errorf("%+v: big run's cheapest is %v, a half has %v", f, first, p)
					}
				}
			}
		}
	}
}

func brandCounts(f Facets) map[string]int {
	m := map[string]int{}
	for _, b := range f.Brand {
		m[b.Value] = b.Count
	}
	return m
}

func addCounts(a, b map[string]int) map[string]int {
	out := map[string]int{}
	for k, v := range a {
		out[k] += v
	}
	for k, v := range b {
		out[k] += v
	}
	return out
}

// TestNarrow: the pre-pass counts what passes (less the hidden items and,
// by policy, the ones out of stock) and keeps the best by the order, with
// buried and out-of-stock items after the rest.
func TestNarrow(t *testing.T) {
	var ps []models.Product
	for i := range 100 {
		ps = append(ps, models.Product{ID: fmt.Sprintf("n%03d", i), Title: "t", Brand: "b", Price: float64(1 + i), Stock: 5, HasStock: true})
	}
	ps[0].Stock = 0 // the cheapest is out of stock
	s := NewStore(ps, nil)
	refs, scores := make([]uint32, 100), make([]float64, 100)
	for i := range refs {
		refs[i], scores[i] = uint32(i+1), float64(i%7)
	}
	rules := []models.Rule{{Action: models.RuleHide, ItemID: "n001"}, {Action: models.RuleBury, ItemID: "n002"}}
	n := s.Narrow(refs, scores, Request{Sort: SortPriceAsc, Rules: rules, Facets: true, Filter: Filter{PriceMax: 50}}, 5)
	var got []string
	for _, c := range n.Cands {
		got = append(got, ps[c.Ref-1].ID)
	}
	slices.Sort(got)
	// n000 (no stock) and n002 (buried) go last; n001 is hidden.
	if want := []string{"n003", "n004", "n005", "n006", "n007"}; !slices.Equal(got, want) || n.Passed != 49 || !n.Truncated() {
		t.Errorf("kept %v of %d, want %v of 49", got, n.Passed, want)
	}
	if len(n.Facets.Brand) != 1 || n.Facets.Brand[0].Count != 49 {
		t.Errorf("facets %+v, want b: 49", n.Facets.Brand)
	}
	// Out of stock filtered by the profile: not counted at all.
	p := DefaultProfile()
	p.OutOfStock = "filter"
	if n := s.Narrow(refs, scores, Request{Sort: SortPriceAsc, Profile: &p, Filter: Filter{PriceMax: 50}}, 5); n.Passed != 49 {
		t.Errorf("out of stock filtered: %d passed, want 49 (50 in the band, n000 out)", n.Passed)
	}
	// Relevance keeps the best by text.
	n = s.Narrow(refs, scores, Request{}, 10)
	for _, c := range n.Cands {
		if scores[c.Ref-1] != 6 {
			t.Errorf("relevance kept a text score %v, want only the best (6)", scores[c.Ref-1])
		}
	}
}

// TestNarrowKeepsTheSameBestEitherWay: keeping a few in order as they come
// and selecting many agree on the best.
func TestNarrowKeepsTheSameBestEitherWay(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	ps := make([]models.Product, 2000)
	refs, scores := make([]uint32, len(ps)), make([]float64, len(ps))
	for i := range ps {
		ps[i] = models.Product{ID: fmt.Sprintf("m%04d", i), Title: "t", Price: float64(1 + r.IntN(300)), Stock: int64(r.IntN(4)), HasStock: true, Sales30d: int64(r.IntN(50))}
		refs[i], scores[i] = uint32(i+1), float64(r.IntN(5))
	}
	s := NewStore(ps, nil)
	for _, by := range []Sort{SortRelevance, SortPriceAsc, SortSales} {
		few := s.Narrow(refs, scores, Request{Sort: by}, 10)
		many := s.Narrow(refs, scores, Request{Sort: by}, smallKeep+100)
		if few.Passed != many.Passed || len(few.Cands) != 10 {
			t.Fatalf("sort %d: passed %d and %d, kept %d", by, few.Passed, many.Passed, len(few.Cands))
		}
		if by == SortRelevance {
			// Relevance keeps the best by text; the blend comes after.
			top := slices.Clone(many.Cands)
			slices.SortFunc(top, func(a, b Candidate) int {
				if a.Score != b.Score {
					return cmp.Compare(b.Score, a.Score)
				}
				return cmp.Compare(a.Ref, b.Ref)
			})
			refsOf := func(cs []Candidate) []uint32 {
				var out []uint32
				for _, c := range cs {
					out = append(out, c.Ref)
				}
				slices.Sort(out)
				return out
			}
			if got, want := refsOf(few.Cands), refsOf(top[:10]); !slices.Equal(got, want) {
				t.Errorf("relevance: kept %v, want %v", got, want)
			}
			continue
		}
		best := s.Rank(many.Cands, Request{Sort: by, Limit: 10})
		for i, h := range s.Rank(few.Cands, Request{Sort: by, Limit: 10}).Hits {
			if h.Product.ID != best.Hits[i].Product.ID {
				t.Errorf("sort %d: hit %d is %s from the few, %s from the many", by, i, h.Product.ID, best.Hits[i].Product.ID)
			}
		}
	}
}

// TestNarrowPinsAndPriceBands: a pinned match that passes is kept wherever
// it ranks, so that the total phase 2 reports with Narrow's is counted
// once; a selective filter still gets price bands.
func TestNarrowPinsAndPriceBands(t *testing.T) {
	ps := make([]models.Product, 12_000)
	refs, scores := make([]uint32, len(ps)), make([]float64, len(ps))
	for i := range ps {
		ps[i] = models.Product{ID: fmt.Sprintf("q%05d", i), Title: "t", Brand: "common", Price: float64(1 + i%500), Sales30d: int64(i)}
		if i%1000 == 7 {
			ps[i].Brand = "rare"
		}
		refs[i], scores[i] = uint32(i+1), 1
	}
	s := NewStore(ps, nil)
	// q00000 sells least: pinned first, it is still one item of the total.
	req := Request{Sort: SortSales, Limit: 20, Rules: []models.Rule{{Action: models.RulePin, ItemID: "q00000", Position: 1}}}
	n := s.Narrow(refs[:500], scores[:500], req, req.Limit+len(req.Rules))
	res := s.Rank(n.Cands, req)
	if total := res.Total + n.Passed - len(n.Cands); total != 500 || res.Hits[0].Product.ID != "q00000" {
		t.Errorf("total %d, first %s; want 500 and the pinned q00000", total, res.Hits[0].Product.ID)
	}
	// 12 of 12,000 pass: their prices make the bands.
	n = s.Narrow(refs, scores, Request{Facets: true, Filter: Filter{Brands: []string{"rare"}}}, 10)
	if n.Passed != 12 || len(n.Facets.Price) == 0 {
		t.Errorf("passed %d, price bands %+v; want 12 and some bands", n.Passed, n.Facets.Price)
	}
	// Every one of 12,000 passes: the sample stays bounded.
	n = s.Narrow(refs, scores, Request{Facets: true}, 10)
	if len(n.Facets.Price) == 0 || n.Passed != 12_000 {
		t.Errorf("passed %d, price bands %+v", n.Passed, n.Facets.Price)
	}
}
