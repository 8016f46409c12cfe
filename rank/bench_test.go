package rank

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"shopsearch/models"
	"shopsearch/models/clocktest"
)

// benchStore is a store of n products with spread commercial fields.
func benchStore(b *testing.B, n int) *Store {
	b.Helper()
	r := rand.New(rand.NewPCG(1, 2))
	ps := make([]models.Product, n)
	now := clocktest.Date(2026, 1, 1, 0, 0)
	for i := range ps {
		ps[i] = models.Product{
			ID: fmt.Sprintf("g%07d", i), Title: "t", Brand: fmt.Sprintf("b%d", r.IntN(5000)),
			Category: fmt.Sprintf("c%d>d%d", r.IntN(30), r.IntN(20)), Price: float64(1 + r.IntN(5000)),
			Stock: int64(r.IntN(50)), HasStock: true, Sales30d: int64(r.ExpFloat64() * 100),
			SalesAmount30d: r.ExpFloat64() * 10000, Impressions: int64(r.IntN(10000)), ListedAt: now.Add(-time.Duration(r.IntN(1000)) * time.Hour),
		}
		ps[i].Clicks = ps[i].Impressions / int64(10+r.IntN(50))
	}
	return NewStore(ps, nil)
}

// BenchmarkRank is phase 2 over a million-product store: 1,000 relevance
// candidates (the default K), and 10,000 ordered by price (a business
// order's K), each with facets and a page of 20; then every match of a
// broad query (250,000, in index order, as phase 1 hands them over)
// filtered by a price band and ordered by relevance or by price.
//
//	go test ./rank -run XXX -bench BenchmarkRank
func BenchmarkRank(b *testing.B) {
	s := benchStore(b, 1_000_000)
	r := rand.New(rand.NewPCG(3, 4))
	band := Filter{PriceMin: 100, PriceMax: 500}
	for _, tc := range []struct {
		name    string
		k       int
		sort    Sort
		filter  Filter
		ordered bool
	}{
		{"relevance-1k", 1000, SortRelevance, Filter{}, false},
		{"price-10k", 10_000, SortPriceAsc, Filter{}, false},
		{"filtered-relevance-250k", 250_000, SortRelevance, band, true},
		{"filtered-price-250k", 250_000, SortPriceAsc, band, true},
	} {
		cands := make([]Candidate, tc.k)
		for i := range cands {
			cands[i] = Candidate{ID: fmt.Sprintf("g%07d", r.IntN(1_000_000)), Score: r.Float64() * 10}
		}
		if tc.ordered {
			slices.SortFunc(cands, func(a, b Candidate) int { return strings.Compare(a.ID, b.ID) })
		}
		resolve(s, cands)
		req := Request{Sort: tc.sort, Limit: 20, Facets: true, Filter: tc.filter}
		if tc.sort == SortRelevance && tc.ordered {
			req.BlendTop = 1000
		}
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				s.Rank(cands, req)
			}
		})
	}
}

// BenchmarkNarrow is the pre-pass over every match of a broad query
// (250,000 of a million, in index order) that a filtered or business-ordered
// search takes: filter by a price band, count, facet, keep what phase 2
// looks at (the best 1,000 by text for relevance, the page for a business
// order), then phase 2 over those.
//
//	go test ./rank -run XXX -bench BenchmarkNarrow
func BenchmarkNarrow(b *testing.B) {
	s := benchStore(b, 1_000_000)
	r := rand.New(rand.NewPCG(3, 4))
	refs, scores := make([]uint32, 250_000), make([]float64, 250_000)
	for i := range refs {
		refs[i], scores[i] = uint32(1+r.IntN(1_000_000)), r.Float64()*10
	}
	slices.Sort(refs)
	for _, by := range []Sort{SortRelevance, SortPriceAsc} {
		req := Request{Sort: by, Limit: 20, Facets: true, Filter: Filter{PriceMin: 100, PriceMax: 2000}}
		if by == SortRelevance {
			req.BlendTop = 1000
		}
		b.Run(fmt.Sprint("sort-", by), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				n := s.Narrow(refs, scores, req, max(req.BlendTop, req.Offset+req.Limit))
				s.Rank(n.Cands, req)
			}
		})
	}
}
