package query

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"shopsearch/models"
	"shopsearch/rank"
)

func TestUpsertIsSearchableAndDurable(t *testing.T) {
	t.Parallel()
	e, dir := openCatalog(t, catalog())
	vacuum := models.Product{ID: "p50", Title: "小米 无线吸尘器 G10 手持", Brand: "小米", Category: "家用电器>清洁电器>吸尘器", Price: 1299, Stock: 5, HasStock: true}
	if err := e.Upsert([]models.Product{vacuum}); err != nil {
		t.Fatal(err)
	}
	if got := matchSet(t, e, "吸尘器"); !slices.Equal(got, []string{"p43", "p50"}) {
		t.Fatalf("right after upsert: %v", got)
	}
	if got := matchSet(t, e, "小米 吸尘器"); !slices.Equal(got, []string{"p50"}) {
		t.Errorf("小米 吸尘器: %v", got)
	}
	// Its columns are in the store too: filters and facets see it.
	resp := search(t, e, Request{Text: "吸尘器", Filter: rank.Filter{Brands: []string{"小米"}, PriceMax: 1500}, Facets: true})
	if !slices.Equal(ids(resp.Items), []string{"p50"}) || resp.Facets.Brand[0] != (rank.Bucket{Value: "小米", Count: 1}) {
		t.Errorf("filtered: %v %+v", ids(resp.Items), resp.Facets.Brand)
	}

	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	e = reopen(t, dir)
	if got := matchSet(t, e, "吸尘器"); !slices.Equal(got, []string{"p43", "p50"}) {
		t.Fatalf("after reopening: %v", got)
	}

	if err := e.Delete([]string{"p50", "no-such-id"}); err != nil {
		t.Fatal(err)
	}
	if got := matchSet(t, e, "吸尘器"); !slices.Equal(got, []string{"p43"}) {
		t.Errorf("after delete: %v", got)
	}
	if _, ok := e.Store().Get("p50"); ok {
		t.Errorf("deleted item still in the store")
	}
	e.Close()
	e = reopen(t, dir)
	if got := matchSet(t, e, "吸尘器"); !slices.Equal(got, []string{"p43"}) {
		t.Errorf("after delete and reopening: %v", got)
	}
	if e.Store().Live() != len(catalog()) {
		t.Errorf("live %d, want %d", e.Store().Live(), len(catalog()))
	}
}

func TestUpsertReplacesAnItem(t *testing.T) {
	t.Parallel()
	e, dir := openCatalog(t, catalog())
	p := catalog()[slices.IndexFunc(catalog(), func(p models.Product) bool { return p.ID == "p10" })]
	p.Title = "格力 KFR-35GW 1.5匹 变频空调 冷暖 挂机 新风"
	p.PromoPrice = 1999
	if err := e.Upsert([]models.Product{p}); err != nil {
		t.Fatal(err)
	}
	check := func(e *Engine) {
		t.Helper()
		if got := matchSet(t, e, "新风 空调"); !slices.Equal(got, []string{"p10"}) {
			t.Errorf("new words: %v", got)
		}
		if got := matchSet(t, e, "一级能效"); slices.Contains(got, "p10") {
			t.Errorf("old words still match: %v", got)
		}
		// p14 is out of stock, so it comes last.
		resp := search(t, e, Request{Text: "空调", Filter: rank.Filter{PriceMin: 1000, PriceMax: 2000}})
		if !slices.Equal(ids(resp.Items), []string{"p10", "p14"}) {
			t.Errorf("new price not filtered on: %v", ids(resp.Items))
		}
		if e.Store().Len() != len(catalog()) {
			t.Errorf("replacing added an item: len %d", e.Store().Len())
		}
	}
	check(e)
	e.Close()
	check(reopen(t, dir))
}

func TestUpsertInvalidAppliesNothing(t *testing.T) {
	t.Parallel()
	e, dir := openCatalog(t, catalog())
	err := e.Upsert([]models.Product{
		{ID: "p60", Title: "松下 电动牙刷 声波"},
		{ID: "p61", Title: "   "},
	})
	if models.ErrorCode(err) != models.EINVALID {
		t.Fatalf("error %v, want code %s", err, models.EINVALID)
	}
	if !strings.Contains(err.Error(), "p61") {
		t.Errorf("error %q does not name the bad product", err)
	}
	check := func(e *Engine) {
		t.Helper()
		if got := matchSet(t, e, "电动牙刷"); len(got) != 0 {
			t.Errorf("the valid product of a failed batch was applied: %v", got)
		}
		if _, ok := e.Store().Get("p60"); ok || e.Store().Len() != len(catalog()) {
			t.Errorf("store changed: len %d", e.Store().Len())
		}
	}
	check(e)
	e.Close()
	check(reopen(t, dir))
}

func TestSearchValidation(t *testing.T) {
	t.Parallel()
	e, _ := openCatalog(t, catalog())
	long := strings.Repeat("手", DefaultConfig().MaxQueryRunes+1)
	bad := []struct {
		name string
		req  Request
	}{
		{"size over the maximum", Request{Text: "手机", Size: 101}},
		{"negative size", Request{Text: "手机", Size: -1}},
		{"negative page", Request{Text: "手机", Page: -1}},
		{"page past the candidates", Request{Text: "手机", Page: 501, Size: 20}},
		{"query too long", Request{Text: long}},
		{"invalid UTF-8", Request{Text: "手机\xff"}},
		{"price min over max", Request{Text: "手机", Filter: rank.Filter{PriceMin: 500, PriceMax: 100}}},
		{"negative price", Request{Text: "手机", Filter: rank.Filter{PriceMin: -1}}},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.Search(context.Background(), tt.req)
			var me *models.Error
			if !errors.As(err, &me) || me.Code != models.EINVALID || me.Message == "" {
				t.Errorf("error %v, want a *models.Error with code %s", err, models.EINVALID)
			}
		})
	}
	good := []struct {
		name       string
		req        Request
		page, size int
	}{
		{"page 0 is page 1, size 0 the default", Request{Text: "手机"}, 1, 20},
		{"largest size", Request{Text: "手机", Size: 100}, 1, 100},
		{"longest query", Request{Text: strings.Repeat("手", DefaultConfig().MaxQueryRunes)}, 1, 20},
		{"last page that can be shown", Request{Text: "手机", Page: 500, Size: 20}, 500, 20},
		{"price min alone", Request{Text: "手机", Filter: rank.Filter{PriceMin: 500}}, 1, 20},
		{"price min equals max", Request{Text: "手机", Filter: rank.Filter{PriceMin: 5999, PriceMax: 5999}}, 1, 20},
	}
	for _, tt := range good {
		t.Run(tt.name, func(t *testing.T) {
			resp := search(t, e, tt.req)
			if resp.Page != tt.page || resp.Size != tt.size {
				t.Errorf("page %d size %d, want %d %d", resp.Page, resp.Size, tt.page, tt.size)
			}
		})
	}
}

func TestSearchEmptyQuery(t *testing.T) {
	t.Parallel()
	e, _ := openCatalog(t, catalog())
	for _, text := range []string{"", "   ", "　", `""`, "-", "的", "-二手", "！？"} {
		resp := search(t, e, Request{Text: text, Facets: true})
		if resp.Items == nil || len(resp.Items) != 0 || resp.Total != 0 || resp.Relaxed != nil {
			t.Errorf("%q: %+v", text, resp)
		}
		if resp.Query != text || resp.Page != 1 || resp.Size != 20 {
			t.Errorf("%q: query %q page %d size %d", text, resp.Query, resp.Page, resp.Size)
		}
	}
}

func TestSearchCancelled(t *testing.T) {
	t.Parallel()
	e, _ := openCatalog(t, catalog())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := e.Search(ctx, Request{Text: "手机"}); !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want context.Canceled", err)
	}
}

func TestSearchDuringUpserts(t *testing.T) {
	t.Parallel()
	e, _ := openCatalog(t, catalog())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range 20 {
			id := fmt.Sprintf("n%02d", i)
			if err := e.Upsert([]models.Product{{ID: id, Title: fmt.Sprintf("格力 变频空调 新款%d", i), Brand: "格力", Price: float64(1000 + i)}}); err != nil {
				t.Error(err)
			}
			if i%2 == 0 {
				if err := e.Delete([]string{id}); err != nil {
					t.Error(err)
				}
			}
		}
	}()
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				resp, err := e.Search(context.Background(), Request{Text: "格力 变频空调", Sort: rank.SortPriceAsc, Facets: true})
				if err != nil {
					t.Error(err)
					return
				}
				if resp.Total < len(resp.Items) {
					t.Errorf("total %d < %d items", resp.Total, len(resp.Items))
				}
			}
		}()
	}
	wg.Wait()
	if got := len(matchSet(t, e, "格力 变频空调")); got != 2+10 {
		t.Errorf("%d exact matches at the end, want 12", got)
	}
}

func TestConcurrentWritesAgreeWithTheLog(t *testing.T) {
	t.Parallel()
	e, dir := openCatalog(t, catalog())
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 10 {
				p := models.Product{ID: "p99", Title: "索尼 降噪耳机", Price: float64(100*w + i + 1)}
				if err := e.Upsert([]models.Product{p}); err != nil {
					t.Error(err)
				}
				if i == 5 && w == 0 {
					if err := e.Delete([]string{"p99"}); err != nil {
						t.Error(err)
					}
				}
			}
		}()
	}
	wg.Wait()
	live, _ := e.Store().Get("p99")
	e.Close()
	replayed, ok := reopen(t, dir).Store().Get("p99")
	// What searches saw before the restart is what the log replays.
	if !ok || replayed.Price != live.Price {
		t.Errorf("in memory price %v; after reopening %v (found %v)", live.Price, replayed.Price, ok)
	}
}

func TestEngineCloseTwice(t *testing.T) {
	t.Parallel()
	e, _ := openCatalog(t, catalog())
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Errorf("second close: %v", err)
	}
}
