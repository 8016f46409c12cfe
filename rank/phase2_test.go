package rank

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"shopsearch/models"
	"shopsearch/models/clocktest"
)

func month(m int) time.Time { return time.Date(2023, time.Month(m), 1, 0, 0, 0, 0, time.UTC) }

// shop is a small store: air conditioners, an air-conditioner fan (空调扇,
// a sibling category of 空调) and a face cream.
func shop() *Store {
	self, pop := models.PlatformSelf, models.PlatformPOP
	return NewStore([]models.Product{
		{ID: "a1", Title: "格力 变频空调", Brand: "格力", Category: "家用电器>空调>挂壁式空调", Price: 3299, PromoPrice: 2999, Stock: 100, HasStock: true, Platform: self, Regions: []string{"bj", "sh"}, Sales30d: 1200, ListedAt: month(3)},
		{ID: "a2", Title: "美的 变频空调", Brand: "美的", Category: "家用电器>空调>挂壁式空调", Price: 2799, PromoPrice: 2499, Platform: pop, Regions: []string{"sh"}, Sales30d: 2100, ListedAt: month(5)},
		{ID: "a3", Title: "美的 立式空调", Brand: "美的", Category: "家用电器>空调>立式空调", Price: 6999, Stock: 4, HasStock: true, Platform: self, Sales30d: 150, ListedAt: month(2)},
		{ID: "a4", Title: "海尔 定频空调", Brand: "海尔", Category: "家用电器>空调>挂壁式空调", Price: 1899, Stock: 0, HasStock: true, Platform: pop, Sales30d: 40, ListedAt: month(1)},
		{ID: "a5", Title: "美的 空调扇", Brand: "美的", Category: "家用电器>空调扇", Price: 299, Stock: 300, HasStock: true, Platform: self, Sales30d: 3300, ListedAt: month(4)},
		{ID: "a6", Title: "格力 空调遥控器", Brand: "格力", Category: "家用电器>空调>空调配件", Stock: 10, HasStock: true, Sales30d: 60, ListedAt: month(7)},
		{ID: "a7", Title: "兰蔻 菁纯面霜", Brand: "Lancome/兰蔻", Category: "美妆护肤>面部护肤>面霜", Price: 1500, Regions: []string{"gz"}, Sales30d: 300, ListedAt: month(8)},
	}, brandKey)
}

func TestRankFilters(t *testing.T) {
	s := shop()
	tests := []struct {
		name   string
		filter Filter
		want   []string
	}{
		{"none", Filter{}, []string{"a1", "a2", "a3", "a4", "a5", "a6", "a7"}},
		{"brand", Filter{Brands: []string{"格力"}}, []string{"a1", "a6"}},
		{"brand case-insensitive", Filter{Brands: []string{"LANCOME/兰蔻"}}, []string{"a7"}},
		{"brands", Filter{Brands: []string{"格力", "海尔"}}, []string{"a1", "a4", "a6"}},
		{"unknown brand", Filter{Brands: []string{"大金"}}, nil},
		{"category whole levels", Filter{CategoryPrefix: "家用电器>空调"}, []string{"a1", "a2", "a3", "a4", "a6"}},
		{"category sibling", Filter{CategoryPrefix: "家用电器>空调扇"}, []string{"a5"}},
		{"category leaf", Filter{CategoryPrefix: "家用电器>空调>立式空调"}, []string{"a3"}},
		{"category half a level", Filter{CategoryPrefix: "家用"}, nil},
		{"category trailing separator", Filter{CategoryPrefix: "家用电器>"}, []string{"a1", "a2", "a3", "a4", "a5", "a6"}},
		{"price on the promotion price", Filter{PriceMin: 2900, PriceMax: 3000}, []string{"a1"}},
		{"price min", Filter{PriceMin: 3000}, []string{"a3"}},
		{"price max skips unpriced items", Filter{PriceMax: 1000}, []string{"a5"}},
		{"price inclusive", Filter{PriceMin: 299, PriceMax: 1500}, []string{"a5", "a7"}},
		{"self-run", Filter{Platform: models.PlatformSelf}, []string{"a1", "a3", "a5"}},
		{"marketplace includes unknown platform", Filter{Platform: models.PlatformPOP}, []string{"a2", "a4", "a6", "a7"}},
		{"in stock: unknown stock counts", Filter{InStock: true}, []string{"a1", "a2", "a3", "a5", "a6", "a7"}},
		{"region", Filter{Region: "bj"}, []string{"a1", "a3", "a4", "a5", "a6"}},
		{"region sh", Filter{Region: "sh"}, []string{"a1", "a2", "a3", "a4", "a5", "a6"}},
		{"unknown region", Filter{Region: "xz"}, []string{"a3", "a4", "a5", "a6"}},
		{"all at once", Filter{Brands: []string{"美的", "格力"}, CategoryPrefix: "家用电器>空调", PriceMax: 3000, InStock: true, Region: "sh"}, []string{"a1", "a2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := s.Rank(all(s), Request{Filter: tt.filter, Limit: 100})
			if got := hitIDs(r, true); !slices.Equal(got, tt.want) || r.Total != len(tt.want) {
				t.Errorf("got %v (total %d), want %v", got, r.Total, tt.want)
			}
		})
	}
}

func TestRankCandidates(t *testing.T) {
	s := shop()
	// Unknown ids are skipped; a duplicate keeps its best tier.
	r := s.Rank([]Candidate{{ID: "a1", Score: 2, Tier: 1}, {ID: "nope", Score: 9}, {ID: "a2", Score: 1}, {ID: "a1", Score: 1, Tier: 0}}, Request{Limit: 10})
	if r.Total != 2 || len(r.Hits) != 2 {
		t.Fatalf("total %d hits %v", r.Total, hitIDs(r, false))
	}
	for _, h := range r.Hits {
		if h.Tier != 0 {
			t.Errorf("%s tier %d, want 0", h.Product.ID, h.Tier)
		}
	}
	if r := s.Rank(nil, Request{Limit: 10, Facets: true}); r.Total != 0 || r.Hits != nil ||
		r.Facets.Brand == nil || r.Facets.Category == nil || r.Facets.Price == nil {
		t.Errorf("no candidates: %+v", r)
	}
}

func TestRankSorts(t *testing.T) {
	s := shop()
	cands := []Candidate{{ID: "a1", Score: 5}, {ID: "a2", Score: 4}, {ID: "a3", Score: 3}, {ID: "a4", Score: 2}, {ID: "a5", Score: 1}, {ID: "a6", Score: 6}}
	tests := []struct {
		sort Sort
		want []string
	}{
		// a4 is out of stock: last in every order. a6 has no price.
		{SortSales, []string{"a5", "a2", "a1", "a3", "a6", "a4"}},
		{SortPriceAsc, []string{"a5", "a2", "a1", "a3", "a6", "a4"}},
		{SortPriceDesc, []string{"a3", "a1", "a2", "a5", "a6", "a4"}},
		{SortNewest, []string{"a6", "a2", "a5", "a1", "a3", "a4"}},
	}
	for _, tt := range tests {
		if got := hitIDs(s.Rank(cands, Request{Sort: tt.sort, Limit: 10}), false); !slices.Equal(got, tt.want) {
			t.Errorf("sort %d: got %v, want %v", tt.sort, got, tt.want)
		}
	}
}

func TestRankRelevanceFollowsTextScore(t *testing.T) {
	// Identical items but for the text score: the blended order is the
	// text order.
	var ps []models.Product
	var cands []Candidate
	for i := range 5 {
		id := fmt.Sprintf("p%d", i)
		ps = append(ps, models.Product{ID: id, Title: "x", Price: 10})
		cands = append(cands, Candidate{ID: id, Score: float64(i)})
	}
	s := NewStore(ps, nil)
	if got := hitIDs(s.Rank(cands, Request{Limit: 10}), false); !slices.Equal(got, []string{"p4", "p3", "p2", "p1", "p0"}) {
		t.Errorf("got %v", got)
	}
}

func TestRankTies(t *testing.T) {
	s := NewStore([]models.Product{
		{ID: "first", Title: "x", Price: 10, Sales30d: 5},
		{ID: "second", Title: "x", Price: 10, Sales30d: 5},
		{ID: "better", Title: "x", Price: 10, Sales30d: 5},
	}, nil)
	cands := []Candidate{{ID: "second", Score: 1}, {ID: "better", Score: 2}, {ID: "first", Score: 1}}
	// Same key: the text score, then the order the store got them in.
	for _, sort := range []Sort{SortSales, SortPriceAsc, SortPriceDesc, SortNewest} {
		if got := hitIDs(s.Rank(cands, Request{Sort: sort, Limit: 10}), false); !slices.Equal(got, []string{"better", "first", "second"}) {
			t.Errorf("sort %d: got %v", sort, got)
		}
	}
}

func TestRankTiersInEveryOrder(t *testing.T) {
	// The partial matches win on every key: best score, most sales, lowest
	// price, newest. The out-of-stock exact match still comes first.
	s := NewStore([]models.Product{
		{ID: "exact", Title: "x", Price: 900, Sales30d: 1, ListedAt: month(1), Stock: 20, HasStock: true},
		{ID: "exact-sold-out", Title: "x", Price: 800, Sales30d: 2, ListedAt: month(2), Stock: 0, HasStock: true},
		{ID: "half", Title: "x", Price: 500, Sales30d: 50, ListedAt: month(6)},
		{ID: "brand-only", Title: "x", Price: 100, Sales30d: 500, ListedAt: month(9)},
	}, nil)
	cands := []Candidate{
		{ID: "brand-only", Score: 9, Tier: 2},
		{ID: "half", Score: 8, Tier: 1},
		{ID: "exact-sold-out", Score: 2, Tier: 0},
		{ID: "exact", Score: 1, Tier: 0},
	}
	want := []string{"exact", "exact-sold-out", "half", "brand-only"}
	for _, sort := range []Sort{SortRelevance, SortSales, SortPriceAsc, SortPriceDesc, SortNewest} {
		r := s.Rank(cands, Request{Sort: sort, Limit: 10})
		if got := hitIDs(r, false); !slices.Equal(got, want) {
			t.Errorf("sort %d: got %v, want %v", sort, got, want)
		}
		for i, tier := range []uint8{0, 0, 1, 2} {
			if r.Hits[i].Tier != tier {
				t.Errorf("sort %d: %s tier %d, want %d", sort, r.Hits[i].Product.ID, r.Hits[i].Tier, tier)
			}
		}
	}
}

func TestRankPaging(t *testing.T) {
	s := shop()
	full := hitIDs(s.Rank(all(s), Request{Sort: SortPriceDesc, Limit: 100}), false)
	tests := []struct {
		offset, limit int
		want          []string
	}{
		{0, 3, full[:3]},
		{3, 3, full[3:6]},
		{6, 3, full[6:]},
		{7, 3, nil},
		{100, 3, nil},
		{0, 0, nil},
		{-1, 2, full[:2]},
		{2, -1, nil},
	}
	for _, tt := range tests {
		r := s.Rank(all(s), Request{Sort: SortPriceDesc, Offset: tt.offset, Limit: tt.limit})
		if got := hitIDs(r, false); !slices.Equal(got, tt.want) || r.Total != 7 {
			t.Errorf("offset %d limit %d: got %v total %d, want %v", tt.offset, tt.limit, got, r.Total, tt.want)
		}
	}
}

func TestRankFacets(t *testing.T) {
	s := shop()
	tests := []struct {
		name     string
		filter   Filter
		brand    []Bucket
		category []Bucket
	}{
		{"top level", Filter{},
			[]Bucket{{"美的", 3}, {"格力", 2}, {"Lancome/兰蔻", 1}, {"海尔", 1}},
			[]Bucket{{"家用电器", 6}, {"美妆护肤", 1}}},
		{"next level under the prefix", Filter{CategoryPrefix: "家用电器"},
			[]Bucket{{"美的", 3}, {"格力", 2}, {"海尔", 1}},
			[]Bucket{{"家用电器>空调", 5}, {"家用电器>空调扇", 1}}},
		{"two levels down", Filter{CategoryPrefix: "家用电器>空调"},
			[]Bucket{{"格力", 2}, {"美的", 2}, {"海尔", 1}},
			[]Bucket{{"家用电器>空调>挂壁式空调", 3}, {"家用电器>空调>空调配件", 1}, {"家用电器>空调>立式空调", 1}}},
		{"a leaf has no next level", Filter{CategoryPrefix: "家用电器>空调扇"},
			[]Bucket{{"美的", 1}}, []Bucket{}},
		{"over the filtered results", Filter{Brands: []string{"美的"}},
			[]Bucket{{"美的", 3}},
			[]Bucket{{"家用电器", 3}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := s.Rank(all(s), Request{Filter: tt.filter, Limit: 1, Facets: true})
			if !slices.Equal(r.Facets.Brand, tt.brand) {
				t.Errorf("brand %v, want %v", r.Facets.Brand, tt.brand)
			}
			if !slices.Equal(r.Facets.Category, tt.category) {
				t.Errorf("category %v, want %v", r.Facets.Category, tt.category)
			}
		})
	}
	if r := s.Rank(all(s), Request{Limit: 10}); r.Facets.Brand != nil || r.Facets.Price != nil {
		t.Errorf("facets computed without asking: %+v", r.Facets)
	}
}

func TestRankFacetsCountEveryTier(t *testing.T) {
	s := shop()
	r := s.Rank([]Candidate{{ID: "a1", Tier: 0}, {ID: "a2", Tier: 1}, {ID: "a5", Tier: 2}}, Request{Limit: 1, Facets: true})
	if want := []Bucket{{"美的", 2}, {"格力", 1}}; !slices.Equal(r.Facets.Brand, want) || bandTotal(r.Facets.Price) != 3 {
		t.Errorf("brand %v, price %v", r.Facets.Brand, r.Facets.Price)
	}
}

func TestRankBrandFacetTop20(t *testing.T) {
	var ps []models.Product
	for b := range 25 {
		for range 25 - b {
			ps = append(ps, models.Product{ID: fmt.Sprintf("p%d", len(ps)), Title: "x", Brand: fmt.Sprintf("Brand%02d", b)})
		}
	}
	// The display name is the brand as first written; case folds together.
	ps = append(ps, models.Product{ID: "upper", Title: "x", Brand: "BRAND00"})
	s := NewStore(ps, nil)
	f := s.Rank(all(s), Request{Limit: 1, Facets: true}).Facets
	if len(f.Brand) != 20 {
		t.Fatalf("%d brand buckets, want 20", len(f.Brand))
	}
	if f.Brand[0] != (Bucket{"Brand00", 26}) || f.Brand[19] != (Bucket{"Brand19", 6}) {
		t.Errorf("first %v, last %v", f.Brand[0], f.Brand[19])
	}
	// Items without a brand or category are in no bucket.
	s.Put(models.Product{ID: "plain", Title: "x"})
	if f := s.Rank([]Candidate{{ID: "plain"}}, Request{Limit: 1, Facets: true}).Facets; len(f.Brand) != 0 || len(f.Category) != 0 {
		t.Errorf("plain item facets %+v", f)
	}
}

func bandTotal(bands []PriceBand) int {
	n := 0
	for _, b := range bands {
		n += b.Count
	}
	return n
}

// checkBands checks the invariants of priceBands over prices.
func checkBands(t *testing.T, prices []float64, bands []PriceBand) {
	t.Helper()
	priced := 0
	for _, p := range prices {
		if p > 0 {
			priced++
		}
	}
	if priced == 0 {
		if len(bands) != 0 {
			t.Errorf("%v: bands %v for no prices", prices, bands)
		}
		return
	}
	if len(bands) == 0 || len(bands) > 5 || bands[0].From != 0 || bands[len(bands)-1].To != 0 {
		t.Fatalf("%v: bad bands %v", prices, bands)
	}
	if bandTotal(bands) != priced {
		t.Errorf("%v: bands %v count %d, want %d", prices, bands, bandTotal(bands), priced)
	}
	for i, b := range bands {
		if b.Count == 0 {
			t.Errorf("%v: empty band %v in %v", prices, b, bands)
		}
		if i+1 < len(bands) {
			if b.To <= b.From || b.To != bands[i+1].From {
				t.Errorf("%v: cuts not increasing or not contiguous: %v", prices, bands)
			}
			if nice(b.To) != b.To {
				t.Errorf("%v: cut %v is not a nice number", prices, b.To)
			}
		}
		n := 0
		for _, p := range prices {
			if p > 0 && p >= b.From && (b.To == 0 || p < b.To) {
				n++
			}
		}
		if n != b.Count {
			t.Errorf("%v: band %v holds %d prices", prices, b, n)
		}
	}
}

func TestPriceBands(t *testing.T) {
	tests := []struct {
		name   string
		prices []float64
		want   []PriceBand // nil: check the invariants only
	}{
		{"none", nil, []PriceBand{}},
		{"single price", []float64{99}, []PriceBand{{0, 0, 1}}},
		{"one price many times", []float64{50, 50, 50, 50}, []PriceBand{{0, 0, 4}}},
		{"two prices", []float64{10, 1000}, []PriceBand{{0, 0, 2}}},
		{"spread", []float64{19, 29, 39, 99, 199, 299, 399, 999, 1999, 2999}, nil},
		{"quantile on a nice number", []float64{100, 100, 100, 100, 1000}, []PriceBand{{0, 0, 5}}},
		{"nice numbers", []float64{10, 20, 20, 50, 50, 100, 100, 200, 500, 1000}, nil},
		{"cents", []float64{0.5, 0.8, 1.2, 3.5, 9.9}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := priceBands(slices.Clone(tt.prices))
			if got == nil {
				t.Fatal("nil bands; want an empty list")
			}
			if tt.want != nil && !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
			checkBands(t, tt.prices, got)
		})
	}
}

func TestPriceBandsInvariants(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	nicePrices := []float64{1, 2, 5, 10, 20, 50, 100, 200, 500, 1000}
	for i := range 500 {
		n := 1 + r.IntN(60)
		prices := make([]float64, n)
		for j := range prices {
			if i%2 == 0 {
				prices[j] = nicePrices[r.IntN(len(nicePrices))]
			} else {
				prices[j] = float64(r.IntN(500000)) / 100
			}
		}
		checkBands(t, prices, priceBands(slices.Clone(prices)))
	}
}

func TestRankPriceFacetSkipsUnpriced(t *testing.T) {
	s := shop()
	f := s.Rank(all(s), Request{Limit: 1, Facets: true}).Facets
	// a6 has no price; the rest are priced 2999, 2499, 6999, 1899, 299, 1500.
	if bandTotal(f.Price) != 6 {
		t.Errorf("price bands %v", f.Price)
	}
	checkBands(t, []float64{2999, 2499, 6999, 1899, 299, 1500}, f.Price)
}

func TestNice(t *testing.T) {
	tests := []struct{ in, want float64 }{
		{-3, 0}, {0, 0}, {0.3, 0.5}, {0.07, 0.1}, {1, 1}, {1.5, 2}, {2, 2}, {3, 5}, {5, 5}, {7, 10},
		{10, 10}, {11, 20}, {99, 100}, {100, 100}, {101, 200}, {250, 500}, {999, 1000},
		{1000, 1000}, {2999, 5000}, {6000, 10000}, {1e6, 1e6},
	}
	for _, tt := range tests {
		if got := nice(tt.in); got != tt.want {
			t.Errorf("nice(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestParseSort(t *testing.T) {
	tests := []struct {
		in   string
		want Sort
		ok   bool
	}{
		{"", SortRelevance, true}, {"relevance", SortRelevance, true}, {"sales", SortSales, true},
		{"price_asc", SortPriceAsc, true}, {"price_desc", SortPriceDesc, true}, {"newest", SortNewest, true},
		{"price", 0, false}, {"Sales", 0, false},
	}
	for _, tt := range tests {
		if got, ok := ParseSort(tt.in); got != tt.want || ok != tt.ok {
			t.Errorf("ParseSort(%q) = %v, %v", tt.in, got, ok)
		}
	}
}

func TestCategoryPaths(t *testing.T) {
	prefix := []struct {
		path, prefix string
		want         bool
	}{
		{"数码>手机>智能手机", "数码>手机", true},
		{"数码>手机", "数码>手机", true},
		{"数码>手机壳", "数码>手机", false},
		{"数码", "数码>手机", false},
		{"", "数码", false},
	}
	for _, tt := range prefix {
		if got := categoryHasPrefix(tt.path, tt.prefix); got != tt.want {
			t.Errorf("categoryHasPrefix(%q, %q) = %v", tt.path, tt.prefix, got)
		}
	}
	level := []struct {
		path  string
		depth int
		want  string
	}{
		{"a>b>c", 0, "a"}, {"a>b>c", 1, "a>b"}, {"a>b>c", 2, "a>b>c"}, {"a>b>c", 3, ""}, {"", 0, ""},
	}
	for _, tt := range level {
		if got := string(models.Category(tt.path).Cut(tt.depth + 1)); got != tt.want {
			t.Errorf("Cut(%q, %d) = %q", tt.path, tt.depth+1, got)
		}
	}
	norm := map[string]string{
		"": "", "数码>手机": "数码>手机", " 数码 > 手机 ": "数码>手机", "数码>手机>": "数码>手机",
		">数码>>手机": "数码>手机", "数码　>手机": "数码>手机", "  ": "",
	}
	for in, want := range norm {
		if got := normCategory(in); got != want {
			t.Errorf("normCategory(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRankRules(t *testing.T) {
	s := NewStore([]models.Product{
		{ID: "e1", Title: "x", Price: 10}, {ID: "e2", Title: "x", Price: 10}, {ID: "e3", Title: "x", Price: 10},
		{ID: "p1", Title: "x", Price: 10}, {ID: "other", Title: "x", Price: 10},
	}, nil)
	cands := []Candidate{{ID: "e1", Score: 3}, {ID: "e2", Score: 2}, {ID: "e3", Score: 1}, {ID: "p1", Score: 9, Tier: 1}}
	now := clocktest.Date(2026, 1, 1, 0, 0)
	tests := []struct {
		name  string
		rules []models.Rule
		want  []string
	}{
		{"none", nil, []string{"e1", "e2", "e3", "p1"}},
		{"bury stays in its tier", []models.Rule{{ID: "r", Action: models.RuleBury, ItemID: "e1"}}, []string{"e2", "e3", "e1", "p1"}},
		{"hide", []models.Rule{{ID: "r", Action: models.RuleHide, ItemID: "e2"}}, []string{"e1", "e3", "p1"}},
		{"pin a partial match first", []models.Rule{{ID: "r", Action: models.RulePin, ItemID: "p1", Position: 1}}, []string{"p1", "e1", "e2", "e3"}},
		{"pin an item that did not match", []models.Rule{{ID: "r", Action: models.RulePin, ItemID: "other", Position: 2}}, []string{"e1", "other", "e2", "e3", "p1"}},
		{"expired rule", []models.Rule{{ID: "r", Action: models.RuleHide, ItemID: "e2", End: now.Add(-time.Hour)}}, []string{"e1", "e2", "e3", "p1"}},
	}
	for _, tt := range tests {
		r := s.Rank(cands, Request{Rules: tt.rules, Now: now, Limit: 10})
		if got := hitIDs(r, false); !slices.Equal(got, tt.want) || r.Total != len(tt.want) {
			t.Errorf("%s: got %v (total %d), want %v", tt.name, got, r.Total, tt.want)
		}
	}
}

// TestRankBlendTop: the total and the facets count every row that passes
// the filters; only the BlendTop best by text (and the pinned) are blended
// and shown, however well the others sell.
func TestRankBlendTop(t *testing.T) {
	var ps []models.Product
	var cands []Candidate
	for i := range 10 {
		id := fmt.Sprintf("p%d", i)
		brand := "甲"
		if i%2 == 1 {
			brand = "乙"
		}
		// The worse the text, the better it sells.
		ps = append(ps, models.Product{ID: id, Title: "x", Brand: brand, Price: 10, Sales30d: int64(1000 * (10 - i))})
		cands = append(cands, Candidate{ID: id, Score: float64(10 + i)})
	}
	s := NewStore(ps, nil)
	req := Request{Filter: Filter{Brands: []string{"甲"}}, Limit: 3, Facets: true, BlendTop: 3}
	res := s.Rank(cands, req)
	if res.Total != 5 {
		t.Errorf("total %d, want the 5 of brand 甲", res.Total)
	}
	if len(res.Facets.Brand) != 1 || res.Facets.Brand[0].Count != 5 {
		t.Errorf("brand facet %+v, want 甲: 5", res.Facets.Brand)
	}
	if got := hitIDs(res, true); !slices.Equal(got, []string{"p4", "p6", "p8"}) {
		t.Errorf("hits %v, want the three best texts p4 p6 p8, not the better sellers", got)
	}
	// A pinned item is kept whatever its text.
	req.Rules = []models.Rule{{ID: "r", Query: "x", Action: models.RulePin, ItemID: "p0", Position: 1}}
	if got := hitIDs(s.Rank(cands, req), false); len(got) != 3 || got[0] != "p0" {
		t.Errorf("with p0 pinned: %v", got)
	}
	// A page past BlendTop still fills: the blend covers the page.
	req.Offset, req.Limit, req.Rules = 3, 3, nil
	if got := hitIDs(s.Rank(cands, req), false); len(got) != 2 {
		t.Errorf("second page %v, want the last 2 of 5", got)
	}
}
