package rank

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"shopsearch/models"
)

func pv[T any](v T) *T { return &v }

func patchStore() *Store {
	return NewStore([]models.Product{
		{ID: "a", Title: "格力 空调", Brand: "格力", Price: 2999, Stock: 10, HasStock: true, Regions: []string{"bj", "sh"}, Sales30d: 10},
		{ID: "b", Title: "美的 空调", Brand: "美的", Price: 2599, Stock: 5, HasStock: true, RegionStock: map[string]int64{"bj": 5}},
		{ID: "c", Title: "海尔 空调", Brand: "海尔", Price: 1999},
	}, nil)
}

func TestStorePatchUpdatesColumns(t *testing.T) {
	s := patchStore()
	order := func(req Request) []string { req.Limit = 10; return hitIDs(s.Rank(all(s), req), false) }
	if got := order(Request{Sort: SortPriceAsc}); !slices.Equal(got, []string{"c", "b", "a"}) {
		t.Fatalf("before: %v", got)
	}
	if err := s.Patch("a", models.ProductPatch{Price: pv(1500.0)}); err != nil {
		t.Fatal(err)
	}
	if got := order(Request{Sort: SortPriceAsc}); !slices.Equal(got, []string{"a", "c", "b"}) {
		t.Errorf("price patch: %v", got)
	}
	// A promotion price counts as the effective price.
	if err := s.Patch("b", models.ProductPatch{PromoPrice: pv(999.0)}); err != nil {
		t.Fatal(err)
	}
	if got := order(Request{Sort: SortPriceAsc}); !slices.Equal(got, []string{"b", "a", "c"}) {
		t.Errorf("promo patch: %v", got)
	}
	if got := order(Request{Filter: Filter{PriceMax: 1000}}); !slices.Equal(got, []string{"b"}) {
		t.Errorf("price filter after promo patch: %v", got)
	}
	// Out of stock: the in-stock filter drops it.
	if err := s.Patch("a", models.ProductPatch{Stock: pv[int64](0)}); err != nil {
		t.Fatal(err)
	}
	if got := hitIDs(s.Rank(all(s), Request{Filter: Filter{InStock: true}, Limit: 10}), true); !slices.Equal(got, []string{"b", "c"}) {
		t.Errorf("in stock after stock=0: %v", got)
	}
	// Region stock: b had stock only in bj; now only in sh.
	if err := s.Patch("b", models.ProductPatch{RegionStock: map[string]int64{"bj": 0, "sh": 2}}); err != nil {
		t.Fatal(err)
	}
	p, _ := s.Get("b")
	if p.Stock != 2 || p.RegionStock["sh"] != 2 || p.RegionStock["bj"] != 0 {
		t.Errorf("b after region patch: %+v", p)
	}
	if err := s.Patch("c", models.ProductPatch{Platform: pv(models.PlatformSelf), Sales30d: pv[int64](500)}); err != nil {
		t.Fatal(err)
	}
	if got := order(Request{Filter: Filter{Platform: models.PlatformSelf}}); !slices.Equal(got, []string{"c"}) {
		t.Errorf("platform filter after patch: %v", got)
	}
	if got := order(Request{Sort: SortSales}); got[0] != "c" {
		t.Errorf("sales order after patch: %v", got)
	}
	// Text fields and the rest stay as they were.
	if p, _ := s.Get("c"); p.Title != "海尔 空调" || p.Brand != "海尔" || p.Price != 1999 {
		t.Errorf("c: %+v", p)
	}
}

func TestStorePatchUnknownID(t *testing.T) {
	s := patchStore()
	s.Delete("c")
	for _, id := range []string{"nope", "c"} {
		if err := s.Patch(id, models.ProductPatch{Stock: pv[int64](1)}); models.ErrorCode(err) != models.ENOTFOUND {
			t.Errorf("%s: %v, want not_found", id, err)
		}
	}
	if s.Len() != 3 || s.Live() != 2 {
		t.Errorf("len %d live %d", s.Len(), s.Live())
	}
	errs := s.PatchBatch([]string{"a", "nope", "b"}, []models.ProductPatch{{Stock: pv[int64](1)}, {Stock: pv[int64](1)}, {Stock: pv[int64](2)}})
	if len(errs) != 3 || errs[0] != nil || models.ErrorCode(errs[1]) != models.ENOTFOUND || errs[2] != nil {
		t.Errorf("batch errors: %v", errs)
	}
	if a, _ := s.Get("a"); a.Stock != 1 {
		t.Errorf("a: %+v", a)
	}
	if errs := s.PatchBatch([]string{"a"}, []models.ProductPatch{{Stock: pv[int64](3)}}); errs != nil {
		t.Errorf("clean batch: %v", errs)
	}
}

// A patch never writes into a map a reader may hold: Get's copies share
// the region stock map with the store.
func TestStorePatchDoesNotMutateSharedMaps(t *testing.T) {
	s := patchStore()
	before, _ := s.Get("b")
	if err := s.Patch("b", models.ProductPatch{RegionStock: map[string]int64{"bj": 1}}); err != nil {
		t.Fatal(err)
	}
	if before.RegionStock["bj"] != 5 {
		t.Errorf("a copy taken before the patch changed: %v", before.RegionStock)
	}
}

func TestStorePatchBatchChunks(t *testing.T) {
	var products []models.Product
	for i := range 3*patchChunk + 7 {
		products = append(products, models.Product{ID: fmt.Sprint(i), Title: "t", Price: 10})
	}
	s := NewStore(products, nil)
	ids := make([]string, len(products))
	patches := make([]models.ProductPatch, len(products))
	for i := range products {
		ids[i], patches[i] = products[i].ID, models.ProductPatch{Price: pv(float64(i))}
	}
	// Searches run while the batch applies (run with -race).
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
				s.Rank(all(s), Request{Sort: SortPriceAsc, Limit: 5})
			}
		}
	})
	if errs := s.PatchBatch(ids, patches); errs != nil {
		t.Fatal(errs)
	}
	close(stop)
	wg.Wait()
	for i := range products {
		if p, _ := s.Get(ids[i]); p.Price != float64(i) {
			t.Fatalf("%s: price %v", ids[i], p.Price)
		}
	}
}
