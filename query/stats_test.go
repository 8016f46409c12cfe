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

// TestBehaviorSinkSetsTheColumns: pushed behaviour replaces the catalog's
// values, by pair (impressions and clicks; sales and amount) once it has
// any; a repeated push changes nothing; unknown items are skipped.
func TestBehaviorSinkSetsTheColumns(t *testing.T) {
	e, _ := openCatalog(t, catalog())
	k := NewBehaviorSink(e)
	base := mustGet(t, e, "p01")
	check := func(what string, imp, clk, sales int64, amount float64) {
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
	check("impressions and clicks", 100, 10, base.Sales30d, base.SalesAmount30d)
	k.Apply([]models.ItemStats{behaviour("p01", 100, 10, 2, 15000)})
	check("then a purchase", 100, 10, 2, 15000)
	if n, _ := k.Apply([]models.ItemStats{behaviour("p01", 100, 10, 2, 15000)}); n != 0 {
		t.Errorf("the same push again changed %d items", n)
	}
	k.Apply([]models.ItemStats{behaviour("p01", 0, 0, 0, 0)})
	check("an emptied window", 0, 0, 0, 0)
	// The sales order sees the pushed sales.
	k.Apply([]models.ItemStats{behaviour("p05", 0, 0, 1_000_000, 1)})
	resp, err := e.Search(context.Background(), Request{Text: "手机", Sort: rank.SortSales, Size: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Items) == 0 || resp.Items[0].ID != "p05" {
		t.Errorf("sales order after the push: %v", ids(resp.Items))
	}
}
