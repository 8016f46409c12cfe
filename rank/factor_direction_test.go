package rank

import (
	"math"
	"slices"
	"testing"

	"shopsearch/models"
	"shopsearch/models/clocktest"
)

// TestFactorDirections: each factor moves results in the direction
// doc/ranking.md gives. Every case is a pair of items equal in text score
// and in every other factor; the better one has the higher ordinal, so a
// tie would put it second. With a positive weight on the factor alone the
// better item comes first; with the weight negated, second.
func TestFactorDirections(t *testing.T) {
	now := clocktest.Date(2025, 6, 1, 0, 0)
	base := func(id string) models.Product {
		return models.Product{ID: id, Title: "x", Brand: "Acme", Category: "数码>手机", Price: 100, Stock: 50, HasStock: true,
			Platform: models.PlatformPOP, ListedAt: now.AddDate(0, -6, 0), Sales30d: 100, SalesAmount30d: 10_000,
			Impressions: 1000, Clicks: 20}
	}
	tests := []struct {
		factor string
		worse  func(p *models.Product)
		better func(p *models.Product)
		filter Filter
		boost  func(wp *models.WeightProfile)
	}{
		{factor: models.FactorStock, worse: func(p *models.Product) { p.Stock = 3 }, better: func(p *models.Product) { p.Stock = 500 }},
		{factor: models.FactorNew, worse: func(p *models.Product) { p.ListedAt = now.AddDate(-1, 0, 0) }, better: func(p *models.Product) { p.ListedAt = now.AddDate(0, 0, -2) }},
		{factor: models.FactorSales, worse: func(p *models.Product) { p.Sales30d = 5 }, better: func(p *models.Product) { p.Sales30d = 5000 }},
		{factor: models.FactorAmount, worse: func(p *models.Product) { p.SalesAmount30d = 500 }, better: func(p *models.Product) { p.SalesAmount30d = 900_000 }},
		{factor: models.FactorPromo, worse: func(p *models.Product) {}, better: func(p *models.Product) { p.PromoPrice = 60 }},
		{factor: models.FactorCTR, worse: func(p *models.Product) { p.Clicks = 2 }, better: func(p *models.Product) { p.Clicks = 90 }},
		{factor: models.FactorCVR, worse: func(p *models.Product) { p.Sales30d = 1 }, better: func(p *models.Product) { p.Sales30d = 18 }},
		{factor: models.FactorSelf, worse: func(p *models.Product) {}, better: func(p *models.Product) { p.Platform = models.PlatformSelf }},
		{factor: models.FactorRegion, filter: Filter{Region: "bj"},
			worse:  func(p *models.Product) { p.RegionStock = map[string]int64{"bj": 0, "sh": 9} },
			better: func(p *models.Product) { p.RegionStock = map[string]int64{"bj": 9} }},
		{factor: models.FactorBrand, worse: func(p *models.Product) {}, better: func(p *models.Product) { p.Brand = "华为" },
			boost: func(wp *models.WeightProfile) { wp.BrandBoost = map[string]float64{"华为": 1} }},
		{factor: models.FactorCatBoost, worse: func(p *models.Product) {}, better: func(p *models.Product) { p.Category = "数码>手机>智能手机" },
			boost: func(wp *models.WeightProfile) {
				wp.CategoryBoost = map[string]float64{"数码>手机>智能手机": 0.8}
			}},
		// Query–category match: the filler items make 数码>手机 the query's
		// category; the worse item is a case.
		{factor: models.FactorCategory, worse: func(p *models.Product) { p.Category = "数码>手机配件>手机壳" }, better: func(p *models.Product) {}},
	}
	for _, tt := range tests {
		t.Run(tt.factor, func(t *testing.T) {
			worse, better := base("worse"), base("better")
			tt.worse(&worse)
			tt.better(&better)
			products := []models.Product{worse, better}
			for _, id := range []string{"f1", "f2", "f3"} { // fillers in 数码>手机, scoring lower
				products = append(products, base(id))
			}
			s := NewStore(products, nil)
			cands := []Candidate{{ID: "worse", Score: 2}, {ID: "better", Score: 2}, {ID: "f1", Score: 1}, {ID: "f2", Score: 1}, {ID: "f3", Score: 1}}
			for _, sign := range []float64{1, -1} {
				wp := models.WeightProfile{Name: "t", Weights: map[string]float64{models.FactorText: 1, tt.factor: sign * 0.5},
					OutOfStock: "last", NewHalfLifeDays: 30}
				if tt.boost != nil {
					tt.boost(&wp)
				}
				res := s.Rank(cands, Request{Profile: &wp, Filter: tt.filter, Now: now, Limit: 10, Explain: true})
				got := hitIDs(res, false)
				bi, wi := slices.Index(got, "better"), slices.Index(got, "worse")
				if bi < 0 || wi < 0 {
					t.Fatalf("results %v", got)
				}
				if (sign > 0) != (bi < wi) {
					t.Errorf("weight %+g: order %v", sign*0.5, got)
				}
				fb, fw := res.Hits[bi].Explain.Factors[tt.factor], res.Hits[wi].Explain.Factors[tt.factor]
				if fb <= fw {
					t.Errorf("factor %s: better %g, worse %g", tt.factor, fb, fw)
				}
				if c := res.Hits[bi].Explain.Contributions[tt.factor]; math.Abs(c-sign*0.5*fb) > 1e-4 {
					t.Errorf("contribution %g, want %g × %g", c, sign*0.5, fb)
				}
			}
		})
	}
}

// TestOutOfStockTreatments: last puts an out-of-stock item after in-stock
// ones whatever its score, filter drops it, keep leaves it to the score.
func TestOutOfStockTreatments(t *testing.T) {
	s := NewStore([]models.Product{
		{ID: "gone", Title: "x", Stock: 0, HasStock: true},
		{ID: "here", Title: "x", Stock: 9, HasStock: true},
	}, nil)
	cands := []Candidate{{ID: "gone", Score: 10}, {ID: "here", Score: 1}}
	for _, tt := range []struct {
		mode string
		want []string
	}{{"last", []string{"here", "gone"}}, {"filter", []string{"here"}}, {"keep", []string{"gone", "here"}}} {
		wp := models.WeightProfile{Name: "t", Weights: map[string]float64{"text": 1}, OutOfStock: tt.mode}
		if got := hitIDs(s.Rank(cands, Request{Profile: &wp, Limit: 10}), false); !slices.Equal(got, tt.want) {
			t.Errorf("%s: %v, want %v", tt.mode, got, tt.want)
		}
	}
}
