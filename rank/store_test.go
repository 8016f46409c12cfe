package rank

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"shopsearch/models"
)

// brandKey names a brand by each part of "Lancome/兰蔻", lower-cased.
func brandKey(brand string) []string {
	var out []string
	for _, part := range strings.Split(brand, "/") {
		if part = strings.ToLower(strings.TrimSpace(part)); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// all is every id of the store as candidates, tier 0, score 1.
func all(s *Store) []Candidate {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []Candidate
	for id := range s.ords {
		out = append(out, Candidate{ID: id, Score: 1})
	}
	return out
}

// hitIDs returns the ids of the hits, sorted when sorted is true.
func hitIDs(r Result, sorted bool) []string {
	out := make([]string, len(r.Hits))
	for i, h := range r.Hits {
		out[i] = h.Product.ID
	}
	if sorted {
		slices.Sort(out)
	}
	return out
}

func TestStoreLenLiveGet(t *testing.T) {
	s := NewStore([]models.Product{
		{ID: "a", Title: "格力 空调", Brand: "格力", Price: 2999},
		{ID: "b", Title: "美的 空调", Brand: "美的", Price: 2599},
	}, nil)
	if s.Len() != 2 || s.Live() != 2 {
		t.Fatalf("len %d live %d", s.Len(), s.Live())
	}
	p, ok := s.Get("a")
	if !ok || p.Title != "格力 空调" {
		t.Fatalf("get a: %+v %v", p, ok)
	}
	p.Title = "changed"
	if q, _ := s.Get("a"); q.Title != "格力 空调" {
		t.Errorf("Get returned the stored product, not a copy")
	}
	if _, ok := s.Get("nope"); ok {
		t.Errorf("unknown id found")
	}

	s.Put(models.Product{ID: "c", Title: "海尔 冰箱", Brand: "海尔"})
	if s.Len() != 3 || s.Live() != 3 {
		t.Errorf("after put: len %d live %d", s.Len(), s.Live())
	}
	s.Delete("b", "nope")
	if s.Len() != 3 || s.Live() != 2 {
		t.Errorf("after delete: len %d live %d", s.Len(), s.Live())
	}
	if _, ok := s.Get("b"); ok {
		t.Errorf("deleted item found")
	}
	// Put again after delete: a new ordinal, live again.
	s.Put(models.Product{ID: "b", Title: "美的 空调 新款", Brand: "美的"})
	if p, ok := s.Get("b"); !ok || p.Title != "美的 空调 新款" || s.Len() != 4 || s.Live() != 3 {
		t.Errorf("re-put: %+v %v len %d live %d", p, ok, s.Len(), s.Live())
	}
}

func TestStoreDeletedNeverReturned(t *testing.T) {
	s := NewStore([]models.Product{{ID: "a", Title: "a", Price: 1}, {ID: "b", Title: "b", Price: 2}, {ID: "c", Title: "c", Price: 3}}, nil)
	cands := []Candidate{{ID: "a", Score: 3}, {ID: "b", Score: 2}, {ID: "c", Score: 1}}
	s.Delete("b")
	for _, sort := range []Sort{SortRelevance, SortSales, SortPriceAsc, SortPriceDesc, SortNewest} {
		r := s.Rank(cands, Request{Sort: sort, Limit: 10, Facets: true})
		if got := hitIDs(r, true); !slices.Equal(got, []string{"a", "c"}) || r.Total != 2 {
			t.Errorf("sort %d: %v total %d", sort, got, r.Total)
		}
		if n := bandTotal(r.Facets.Price); n != 2 {
			t.Errorf("sort %d: price facet counts %d items: %v", sort, n, r.Facets.Price)
		}
	}
	// Re-added, it is found again, once.
	s.Put(models.Product{ID: "b", Title: "b", Price: 2})
	if got := hitIDs(s.Rank(cands, Request{Limit: 10}), true); !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Errorf("after re-put: %v", got)
	}
}

func TestStorePutReplacesColumns(t *testing.T) {
	s := NewStore([]models.Product{
		{ID: "a", Title: "格力 空调", Brand: "格力", Category: "家用电器>空调", Price: 2999, Stock: 10, HasStock: true,
			Platform: models.PlatformSelf, Regions: []string{"bj"}, Sales30d: 10},
		{ID: "b", Title: "美的 空调", Brand: "美的", Category: "家用电器>空调", Price: 2599, Sales30d: 20},
	}, nil)
	s.Put(models.Product{ID: "a", Title: "格力 空调", Brand: "美的", Category: "家用电器>冰箱", Price: 3999, PromoPrice: 1999,
		Stock: 0, HasStock: true, Platform: models.PlatformPOP, Regions: []string{"sh"}, Sales30d: 30})
	if s.Len() != 2 {
		t.Fatalf("replacing added an ordinal: len %d", s.Len())
	}
	cands := []Candidate{{ID: "a", Score: 1}, {ID: "b", Score: 1}}
	tests := []struct {
		name   string
		filter Filter
		want   []string
	}{
		{"price is the new promotion price", Filter{PriceMax: 2000}, []string{"a"}},
		{"old price gone", Filter{PriceMin: 2900, PriceMax: 3000}, nil},
		{"brand", Filter{Brands: []string{"格力"}}, nil},
		{"new brand", Filter{Brands: []string{"美的"}}, []string{"a", "b"}},
		{"category", Filter{CategoryPrefix: "家用电器>冰箱"}, []string{"a"}},
		{"stock", Filter{InStock: true}, []string{"b"}},
		{"platform", Filter{Platform: models.PlatformSelf}, nil},
		{"old region", Filter{Region: "bj"}, []string{"b"}},
		{"new region", Filter{Region: "sh"}, []string{"a", "b"}},
	}
	for _, tt := range tests {
		if got := hitIDs(s.Rank(cands, Request{Filter: tt.filter, Limit: 10}), true); !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
	// a sells more now, but is out of stock now: it goes last.
	if got := hitIDs(s.Rank(cands, Request{Sort: SortSales, Limit: 10}), false); !slices.Equal(got, []string{"b", "a"}) {
		t.Errorf("sales order after replace: %v", got)
	}
	s.Put(models.Product{ID: "a", Title: "格力 空调", Sales30d: 30})
	if got := hitIDs(s.Rank(cands, Request{Sort: SortSales, Limit: 10}), false); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("sales order after restock: %v", got)
	}
}

func TestStoreIsBrand(t *testing.T) {
	s := NewStore([]models.Product{
		{ID: "a", Title: "x", Brand: "Lancome/兰蔻"},
		{ID: "b", Title: "x", Brand: " 格力 "},
		{ID: "c", Title: "x"},
	}, brandKey)
	for term, want := range map[string]bool{"lancome": true, "兰蔻": true, "格力": true, "lancome/兰蔻": false, "美的": false, "": false} {
		if got := s.IsBrand(term); got != want {
			t.Errorf("IsBrand(%q) = %v, want %v", term, got, want)
		}
	}
	s.Put(models.Product{ID: "d", Title: "x", Brand: "美的"})
	if !s.IsBrand("美的") {
		t.Errorf("a brand put later is not recognised")
	}
	if NewStore([]models.Product{{ID: "a", Title: "x", Brand: "格力"}}, nil).IsBrand("格力") {
		t.Errorf("nil brandKey recognises brands")
	}
}

func TestStoreCategoryNormalised(t *testing.T) {
	s := NewStore([]models.Product{
		{ID: "a", Title: "x", Category: " 家用电器 > 空调 >挂壁式空调"},
		{ID: "b", Title: "x", Category: "家用电器>空调扇"},
	}, nil)
	r := s.Rank(all(s), Request{Filter: Filter{CategoryPrefix: "家用电器>空调"}, Limit: 10, Facets: true})
	if got := hitIDs(r, true); !slices.Equal(got, []string{"a"}) {
		t.Errorf("got %v", got)
	}
	if want := []Bucket{{"家用电器>空调>挂壁式空调", 1}}; !slices.Equal(r.Facets.Category, want) {
		t.Errorf("category facet %v, want %v", r.Facets.Category, want)
	}
}

func TestStoreManyRegions(t *testing.T) {
	// More region codes than bits: the codes past the 64th still restrict
	// delivery.
	var ps []models.Product
	for i := range 70 {
		ps = append(ps, models.Product{ID: fmt.Sprintf("r%02d", i), Title: "x", Regions: []string{fmt.Sprintf("city%02d", i)}})
	}
	ps = append(ps, models.Product{ID: "everywhere", Title: "x"},
		models.Product{ID: "two", Title: "x", Regions: []string{"city00", "city69"}})
	s := NewStore(ps, nil)
	tests := []struct {
		region string
		want   []string
	}{
		{"city00", []string{"everywhere", "r00", "two"}},
		{"city63", []string{"everywhere", "r63"}},
		{"city65", []string{"everywhere", "r65"}},
		{"city69", []string{"everywhere", "r69", "two"}},
		{"nowhere", []string{"everywhere"}},
	}
	for _, tt := range tests {
		r := s.Rank(all(s), Request{Filter: Filter{Region: tt.region}, Limit: 100})
		if got := hitIDs(r, true); !slices.Equal(got, tt.want) {
			t.Errorf("region %s: got %v, want %v", tt.region, got, tt.want)
		}
	}
	// Replacing an item drops its old overflow regions.
	s.Put(models.Product{ID: "r66", Title: "x", Regions: []string{"city00"}})
	if got := hitIDs(s.Rank(all(s), Request{Filter: Filter{Region: "city66"}, Limit: 100}), true); !slices.Equal(got, []string{"everywhere"}) {
		t.Errorf("after replace: %v", got)
	}
}

func TestStoreConcurrentUse(t *testing.T) {
	s := NewStore(nil, brandKey)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				id := fmt.Sprintf("w%d-%d", w, i%20)
				switch i % 4 {
				case 0, 1:
					s.Put(models.Product{ID: id, Title: "x", Brand: fmt.Sprintf("品牌%d", i%7), Price: float64(i), Category: "a>b"})
				case 2:
					s.Delete(id)
				case 3:
					r := s.Rank(all(s), Request{Sort: SortPriceAsc, Limit: 5, Facets: true})
					if len(r.Hits) > 5 || r.Total < len(r.Hits) {
						t.Errorf("total %d hits %d", r.Total, len(r.Hits))
					}
					s.IsBrand("品牌1")
					s.Get(id)
				}
			}
		}()
	}
	wg.Wait()
	if s.Live() > 80 || s.Len() < s.Live() {
		t.Errorf("len %d live %d", s.Len(), s.Live())
	}
}
