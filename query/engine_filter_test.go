package query

import (
	"slices"
	"testing"

	"shopsearch/models"
	"shopsearch/rank"
)

func TestSearchFilters(t *testing.T) {
	t.Parallel()
	e, _ := openCatalog(t, catalog())
	allAC := []string{"p10", "p11", "p12", "p13", "p14", "p15", "p16", "p17"}
	tests := []struct {
		name   string
		text   string
		filter rank.Filter
		want   []string // sorted
	}{
		{"no filter", "空调", rank.Filter{}, allAC},
		{"brand", "空调", rank.Filter{Brands: []string{"格力"}}, []string{"p10", "p11", "p16", "p17"}},
		{"brand, other case and spaces", "手机", rank.Filter{Brands: []string{" APPLE "}}, []string{"p01", "p02", "p38"}},
		{"brand as written with two names", "面霜", rank.Filter{Brands: []string{"lancome/兰蔻"}}, []string{"p23"}},
		{"several brands", "空调", rank.Filter{Brands: []string{"格力", "美的"}}, []string{"p10", "p11", "p12", "p13", "p15", "p16", "p17"}},
		{"unknown brand", "空调", rank.Filter{Brands: []string{"大金"}}, nil},
		{"known and unknown brand", "空调", rank.Filter{Brands: []string{"大金", "海尔"}}, []string{"p14"}},
		{"category prefix, whole levels", "空调", rank.Filter{CategoryPrefix: "家用电器>空调"}, []string{"p10", "p11", "p12", "p13", "p14", "p17"}},
		{"category 空调扇 is its own level", "空调", rank.Filter{CategoryPrefix: "家用电器>空调扇"}, []string{"p15", "p16"}},
		{"category top level", "空调", rank.Filter{CategoryPrefix: "家用电器"}, allAC},
		{"category full path", "空调", rank.Filter{CategoryPrefix: catFloorAC}, []string{"p13"}},
		{"category part of a level", "空调", rank.Filter{CategoryPrefix: "家用电器>空"}, nil},
		{"category with a trailing separator", "空调", rank.Filter{CategoryPrefix: "家用电器>空调>"}, []string{"p10", "p11", "p12", "p13", "p14", "p17"}},
		{"category with spaced levels", "空调", rank.Filter{CategoryPrefix: " 家用电器 > 空调 "}, []string{"p10", "p11", "p12", "p13", "p14", "p17"}},
		{"price range on the promotion price", "空调", rank.Filter{PriceMin: 2500, PriceMax: 3000}, []string{"p10", "p11"}},
		{"price min excludes a list price above it on promotion below", "空调", rank.Filter{PriceMin: 3000}, []string{"p13"}},
		{"price max leaves out items without a price", "空调", rank.Filter{PriceMax: 300}, []string{"p15"}},
		{"price bounds inclusive", "空调", rank.Filter{PriceMin: 299, PriceMax: 399}, []string{"p15", "p16"}},
		{"self-run", "空调", rank.Filter{Platform: models.PlatformSelf}, []string{"p10", "p11", "p13", "p15"}},
		{"marketplace", "空调", rank.Filter{Platform: models.PlatformPOP}, []string{"p12", "p14", "p16", "p17"}},
		{"in stock keeps unknown stock", "空调", rank.Filter{InStock: true}, []string{"p10", "p11", "p12", "p13", "p15", "p16", "p17"}},
		{"region: listed or everywhere", "空调", rank.Filter{Region: "bj"}, []string{"p10", "p11", "p13", "p14", "p15", "p16", "p17"}},
		{"region sh", "空调", rank.Filter{Region: "sh"}, allAC},
		{"unknown region: items delivered everywhere", "空调", rank.Filter{Region: "xz"}, []string{"p11", "p13", "p14", "p15", "p16", "p17"}},
		{"combined", "空调", rank.Filter{Brands: []string{"格力"}, InStock: true, PriceMax: 3000, Platform: models.PlatformSelf}, []string{"p10", "p11"}},
		{"region on mice", "鼠标", rank.Filter{Region: "gz"}, []string{"p30", "p31", "p32", "p39"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := search(t, e, Request{Text: tt.text, Filter: tt.filter, Size: 100})
			got := ids(resp.Items)
			slices.Sort(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
			if resp.Total != len(tt.want) {
				t.Errorf("total %d, want %d", resp.Total, len(tt.want))
			}
		})
	}
}

func TestSearchSorts(t *testing.T) {
	t.Parallel()
	e, _ := openCatalog(t, catalog())
	// p14 is out of stock and goes last in every order; p17 has no price.
	tests := []struct {
		sort rank.Sort
		want []string
	}{
		{rank.SortSales, []string{"p15", "p12", "p10", "p11", "p16", "p13", "p17", "p14"}},
		{rank.SortPriceAsc, []string{"p15", "p16", "p12", "p11", "p10", "p13", "p17", "p14"}},
		{rank.SortPriceDesc, []string{"p13", "p10", "p11", "p12", "p16", "p15", "p17", "p14"}},
		{rank.SortNewest, []string{"p17", "p12", "p16", "p15", "p11", "p10", "p13", "p14"}},
	}
	for _, tt := range tests {
		got := ids(search(t, e, Request{Text: "空调", Sort: tt.sort}).Items)
		if !slices.Equal(got, tt.want) {
			t.Errorf("sort %d: got %v, want %v", tt.sort, got, tt.want)
		}
	}
	rel := ids(search(t, e, Request{Text: "空调"}).Items)
	if len(rel) != 8 || rel[7] != "p14" {
		t.Errorf("relevance: got %v, want 8 items with the out-of-stock p14 last", rel)
	}
}

func TestSearchSortByPriceUsesThePromotionPrice(t *testing.T) {
	t.Parallel()
	e, _ := openCatalog(t, catalog())
	// p31 is 99 with a promotion at 79, p33 is 119.
	got := ids(exact(search(t, e, Request{Text: "办公 鼠标", Sort: rank.SortPriceAsc}).Items))
	if want := []string{"p31", "p33"}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	got = ids(search(t, e, Request{Text: "手机", Sort: rank.SortPriceDesc, Size: 3}).Items)
	if want := []string{"p01", "p03", "p02"}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v (7499 after promotion, 6999, 5999)", got, want)
	}
}

func TestSearchPagination(t *testing.T) {
	t.Parallel()
	e, _ := openCatalog(t, catalog())
	for _, sort := range []rank.Sort{rank.SortRelevance, rank.SortSales, rank.SortPriceAsc, rank.SortNewest} {
		all := ids(search(t, e, Request{Text: "空调", Sort: sort, Size: 100}).Items)
		var paged []string
		for page := 1; page <= 4; page++ {
			resp := search(t, e, Request{Text: "空调", Sort: sort, Page: page, Size: 3})
			if resp.Total != len(all) || resp.Page != page || resp.Size != 3 {
				t.Errorf("sort %d page %d: total %d page %d size %d", sort, page, resp.Total, resp.Page, resp.Size)
			}
			if want := min(3, max(0, len(all)-(page-1)*3)); len(resp.Items) != want {
				t.Errorf("sort %d page %d: %d items, want %d", sort, page, len(resp.Items), want)
			}
			paged = append(paged, ids(resp.Items)...)
		}
		if !slices.Equal(paged, all) {
			t.Errorf("sort %d: pages %v, want %v (no gap, no overlap)", sort, paged, all)
		}
	}
}

func TestSearchPaginationAcrossTiers(t *testing.T) {
	t.Parallel()
	e, _ := openCatalog(t, catalog())
	all := search(t, e, Request{Text: "罗技 无线鼠标", Size: 100}).Items
	var paged []Item
	for page := 1; page <= len(all); page++ {
		paged = append(paged, search(t, e, Request{Text: "罗技 无线鼠标", Page: page, Size: 1}).Items...)
	}
	if !slices.Equal(ids(paged), ids(all)) {
		t.Errorf("pages %v, want %v", ids(paged), ids(all))
	}
	for i := range paged {
		if paged[i].Partial != all[i].Partial {
			t.Errorf("%s: partial %v on its page, %v in one page", paged[i].ID, paged[i].Partial, all[i].Partial)
		}
	}
}

func bk(value string, count int) rank.Bucket { return rank.Bucket{Value: value, Count: count} }

func sumBuckets(bs []rank.Bucket) int {
	n := 0
	for _, b := range bs {
		n += b.Count
	}
	return n
}

func TestSearchFacets(t *testing.T) {
	t.Parallel()
	e, _ := openCatalog(t, catalog())
	tests := []struct {
		name     string
		filter   rank.Filter
		brand    []rank.Bucket
		category []rank.Bucket
		priced   int // items with a price
	}{
		{"whole result", rank.Filter{},
			[]rank.Bucket{bk("格力", 4), bk("美的", 3), bk("海尔", 1)},
			[]rank.Bucket{bk("家用电器", 8)}, 7},
		{"under a category: its next level", rank.Filter{CategoryPrefix: "家用电器"},
			[]rank.Bucket{bk("格力", 4), bk("美的", 3), bk("海尔", 1)},
			[]rank.Bucket{bk("家用电器>空调", 6), bk("家用电器>空调扇", 2)}, 7},
		{"two levels down", rank.Filter{CategoryPrefix: "家用电器>空调"},
			[]rank.Bucket{bk("格力", 3), bk("美的", 2), bk("海尔", 1)},
			[]rank.Bucket{bk(catWallAC, 4), bk("家用电器>空调>空调配件", 1), bk(catFloorAC, 1)}, 5},
		{"facets count the filtered results", rank.Filter{Brands: []string{"格力"}},
			[]rank.Bucket{bk("格力", 4)},
			[]rank.Bucket{bk("家用电器", 4)}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := search(t, e, Request{Text: "空调", Filter: tt.filter, Facets: true, Size: 2})
			f := resp.Facets
			if f == nil {
				t.Fatal("no facets")
			}
			if !slices.Equal(f.Brand, tt.brand) {
				t.Errorf("brand facet %v, want %v", f.Brand, tt.brand)
			}
			if !slices.Equal(f.Category, tt.category) {
				t.Errorf("category facet %v, want %v", f.Category, tt.category)
			}
			// Every item has a brand and a category below the prefix here,
			// so both facets add up to the total, not to the page.
			if sumBuckets(f.Brand) != resp.Total || sumBuckets(f.Category) != resp.Total {
				t.Errorf("facet sums %d and %d, total %d", sumBuckets(f.Brand), sumBuckets(f.Category), resp.Total)
			}
			n := 0
			for _, b := range f.Price {
				n += b.Count
			}
			if n != tt.priced {
				t.Errorf("price bands %v count %d, want %d", f.Price, n, tt.priced)
			}
		})
	}
	if resp := search(t, e, Request{Text: "空调"}); resp.Facets != nil {
		t.Errorf("facets without asking: %+v", resp.Facets)
	}
}

func TestSearchFacetsIncludePartialMatches(t *testing.T) {
	t.Parallel()
	e, _ := openCatalog(t, catalog())
	resp := search(t, e, Request{Text: "罗技 无线鼠标", Facets: true})
	branded := 0
	for _, it := range resp.Items {
		if it.Brand != "" {
			branded++
		}
	}
	if resp.Relaxed == nil || sumBuckets(resp.Facets.Brand) != branded || resp.Total != len(resp.Items) {
		t.Errorf("total %d, brand facet %v, items %v", resp.Total, resp.Facets.Brand, ids(resp.Items))
	}
}
