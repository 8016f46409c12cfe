package query

import (
	"context"
	"testing"

	"shopsearch/models"
	"shopsearch/rank"
)

func behaviour(id string, imp, clk, units int64, amount float64) models.ItemStats {
	return models.ItemStats{ItemWindows: models.ItemWindows{ID: id,
		Day30: models.ItemCounts{Impressions: imp, Clicks: clk, Units: units, Amount: amount}}}
}

// TestBehaviorSinkBlends: pushed behaviour adds to the catalog's figures
// (never replaces them); a repeated push changes nothing; an emptied
// window restores the catalog's figures; a catalog PATCH is the new base;
// a compaction writes the catalog's figures, not the blend; unknown items
// are skipped.
func TestBehaviorSinkBlends(t *testing.T) {
	t.Parallel()
	e, dir := openCatalog(t, catalog())
	k := NewBehaviorSink(e)
	base := mustGet(t, e, "p01")
	check := func(e *Engine, what string, imp, clk, sales int64, amount float64) {
		t.Helper()
		p := mustGet(t, e, "p01")
		if p.Impressions != imp || p.Clicks != clk || p.Sales30d != sales || p.SalesAmount30d != amount {
			t.Errorf("%s: impressions %d clicks %d sales %d amount %v, want %d %d %d %v", what,
				p.Impressions, p.Clicks, p.Sales30d, p.SalesAmount30d, imp, clk, sales, amount)
		}
	}
	n, err := k.Apply([]models.ItemStats{behaviour("p01", 100, 10, 0, 0), behaviour("not-in-catalog", 1, 1, 1, 1)})
	if err != nil || n != 1 {
		t.Fatalf("Apply: %d, %v; want 1 item changed", n, err)
	}
	check(e, "impressions and clicks", base.Impressions+100, base.Clicks+10, base.Sales30d, base.SalesAmount30d)
	k.Apply([]models.ItemStats{behaviour("p01", 100, 10, 2, 15000)})
	check(e, "then a purchase", base.Impressions+100, base.Clicks+10, base.Sales30d+2, base.SalesAmount30d+15000)
	if n, _ := k.Apply([]models.ItemStats{behaviour("p01", 100, 10, 2, 15000)}); n != 0 {
		t.Errorf("the same push again changed %d items", n)
	}
	// A compaction writes the catalog's figures: a restart starts from them.
	if _, err := e.Compact(context.Background()); err != nil {
		t.Fatal(err)
	}
	check(e, "after a compaction (serving)", base.Impressions+100, base.Clicks+10, base.Sales30d+2, base.SalesAmount30d+15000)
	// The catalog writes sales: its figure is the new base.
	sales := int64(500)
	if _, err := e.PatchOne(context.Background(), "p01", models.ProductPatch{Sales30d: &sales}); err != nil {
		t.Fatal(err)
	}
	k.Apply([]models.ItemStats{behaviour("p01", 100, 10, 2, 15000)})
	check(e, "after a catalog PATCH", base.Impressions+100, base.Clicks+10, 502, base.SalesAmount30d+15000)
	k.Apply([]models.ItemStats{behaviour("p01", 0, 0, 0, 0)})
	check(e, "an emptied window", base.Impressions, base.Clicks, 500, base.SalesAmount30d)
	k.Apply([]models.ItemStats{behaviour("p01", 7, 1, 0, 0)})
	e.Close()
	e2 := reopen(t, dir)
	check(e2, "after a restart", base.Impressions, base.Clicks, 500, base.SalesAmount30d)
	// The sales order sees the pushed sales.
	k2 := NewBehaviorSink(e2)
	k2.Apply([]models.ItemStats{behaviour("p05", 0, 0, 1_000_000, 1)})
	resp, err := e2.Search(context.Background(), Request{Text: "手机", Sort: rank.SortSales, Size: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Items) == 0 || resp.Items[0].ID != "p05" {
		t.Errorf("sales order after the push: %v", ids(resp.Items))
	}
}
