package query

import (
	"fmt"
	"testing"

	"shopsearch/dict"
	"shopsearch/indexer"
	"shopsearch/models"
	"shopsearch/rank"
)

// TestFiltersSeeEveryMatch: with more matches than MaxCandidates (and at
// most MaxMatches), filters, totals, facets and business orders are still
// over every match, not over the best by text.
func TestFiltersSeeEveryMatch(t *testing.T) {
	t.Parallel()
	var ps []models.Product
	// 280 items name 手机 twice (better by text), 20 once; the cheapest
	// item is among the 20.
	for i := range 280 {
		ps = append(ps, models.Product{ID: fmt.Sprintf("a%03d", i), Title: fmt.Sprintf("手机 手机 型号%d", i), Brand: "甲", Price: float64(100 + i)})
	}
	for i := range 20 {
		ps = append(ps, models.Product{ID: fmt.Sprintf("b%03d", i), Title: fmt.Sprintf("手机 款式%d", i), Brand: "乙", Price: float64(50 + i)})
	}
	dir := t.TempDir()
	if _, err := indexer.Build(dir, ps, indexer.BuildOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, all := range []bool{true, false} {
		cfg := DefaultConfig()
		cfg.MaxCandidates = 20
		if !all {
			cfg.MaxMatches = 299 // 手机 is in 300 items: above it
		}
		e, err := Open(dir, dict.Default(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		brand := search(t, e, Request{Text: "手机", Filter: rank.Filter{Brands: []string{"乙"}}, Facets: true})
		cheap := search(t, e, Request{Text: "手机", Sort: rank.SortPriceAsc, Facets: true})
		band := search(t, e, Request{Text: "手机", Filter: rank.Filter{PriceMin: 100, PriceMax: 149}})
		e.Close()
		if !all {
			// Above MaxMatches: the best 20 by text, all 甲's.
			if brand.Total != 0 || cheap.Total != 20 || cheap.Items[0].ID == "b000" {
				t.Errorf("above MaxMatches: brand total %d, price total %d first %s; want 0, 20 and not b000", brand.Total, cheap.Total, cheap.Items[0].ID)
			}
			continue
		}
		if brand.Total != 20 || brand.Matched != 300 || len(brand.Items) != 20 || brand.Items[0].Brand != "乙" {
			t.Errorf("brand 乙: total %d matched %d items %d; want 20 of 300", brand.Total, brand.Matched, len(brand.Items))
		}
		if cheap.Total != 300 || cheap.Items[0].ID != "b000" || cheap.Items[0].Price != 50 {
			t.Errorf("price order: total %d, first %+v; want 300 and b000 at 50", cheap.Total, cheap.Items[0])
		}
		if got := facetCount(cheap.Facets.Brand, "甲"); got != 280 || facetCount(cheap.Facets.Brand, "乙") != 20 {
			t.Errorf("brand facets %+v, want 甲 280 and 乙 20", cheap.Facets.Brand)
		}
		if band.Total != 50 {
			t.Errorf("price 100-149: total %d, want 50", band.Total)
		}
		for _, it := range band.Items {
			if it.Price < 100 || it.Price > 149 {
				t.Errorf("price 100-149: %s at %v", it.ID, it.Price)
			}
		}
	}
}

func facetCount(bs []rank.Bucket, v string) int {
	for _, b := range bs {
		if b.Value == v {
			return b.Count
		}
	}
	return 0
}

// TestNarrowedResultsAreNotRelaxed: a business order over many exact
// matches keeps only its page for phase 2; that is no reason to relax.
func TestNarrowedResultsAreNotRelaxed(t *testing.T) {
	t.Parallel()
	var ps []models.Product
	for i := range 150 {
		title := fmt.Sprintf("蓝牙 耳机 %d", i)
		switch { // better by text, and not the best sellers
		case i < 10:
			title = fmt.Sprintf("蓝牙 耳机 耳机 耳机 %d", i)
		case i < 25:
			title = fmt.Sprintf("蓝牙 耳机 耳机 %d", i)
		}
		ps = append(ps, models.Product{ID: fmt.Sprintf("e%03d", i), Title: title, Sales30d: int64(i)})
	}
	for i := range 50 {
		ps = append(ps, models.Product{ID: fmt.Sprintf("s%03d", i), Title: fmt.Sprintf("蓝牙 音箱 %d", i)})
	}
	dir := t.TempDir()
	if _, err := indexer.Build(dir, ps, indexer.BuildOptions{}); err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.MaxCandidates = 20
	e, err := Open(dir, dict.Default(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	resp := search(t, e, Request{Text: "蓝牙 耳机", Sort: rank.SortSales})
	if resp.Total != 150 || resp.Relaxed != nil || resp.Items[0].ID != "e149" {
		t.Errorf("total %d, relaxed %+v, first %s; want 150 exact, not relaxed, e149 first", resp.Total, resp.Relaxed, resp.Items[0].ID)
	}
}
