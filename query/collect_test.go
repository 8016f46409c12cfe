package query

import (
	"context"
	"fmt"
	"testing"

	bq "github.com/blevesearch/bleve/v2/search/query"

	"shopsearch/indexer"
	"shopsearch/models"
)

// TestTieAtTheCutByCatalogOrder checks that when more items tie than phase
// 1 keeps, the ones kept are the first in the catalog, whichever order the
// build's concurrent batches put them in the index: the same items, build
// after build (and replica after replica).
func TestTieAtTheCutByCatalogOrder(t *testing.T) {
	t.Parallel()
	var ps []models.Product
	for i := range 60 {
		ps = append(ps, models.Product{ID: fmt.Sprintf("p%02d", i), Title: "保温杯 不锈钢"})
	}
	for build := range 4 {
		dir := t.TempDir()
		// A batch per product: the two batches in flight reach the index
		// in either order.
		if _, err := indexer.Build(dir, ps, indexer.BuildOptions{BatchSize: 1}); err != nil {
			t.Fatal(err)
		}
		e := reopen(t, dir)
		q := bq.NewTermQuery("保温杯")
		q.SetField(e.cfg.Field)
		cands, matched, err := e.collect(context.Background(), q, 5, 0, false)
		if err != nil {
			t.Fatal(err)
		}
		e.store.FillIDs(cands)
		var got []string
		for _, c := range cands {
			got = append(got, c.ID)
		}
		if want := "[p00 p01 p02 p03 p04]"; fmt.Sprint(got) != want || matched != len(ps) {
			t.Fatalf("build %d: kept %v of %d matches, want %s of %d", build, got, matched, want, len(ps))
		}
	}
}
