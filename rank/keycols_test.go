package rank

import (
	"fmt"
	"math/rand/v2"
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
			if got, sum := brandCounts(big.Facets), addCounts(brandCounts(want.Facets), brandCounts(rest.Facets)); !mapsEqual(got, sum) {
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

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
