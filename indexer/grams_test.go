package indexer

import (
	"testing"

	"github.com/blevesearch/bleve/v2"
	bq "github.com/blevesearch/bleve/v2/search/query"

	"shopsearch/models"
)

// TestGramsScore checks that a match on the bigram field scores: with its
// frequencies and norms skipped, Bleve scored every gram match 0, so an item
// found only by a rare bigram (接发片 for 粉色发片, which the analyzer cuts
// 接发|片) tied with the worst partial matches and fell below every item
// with a common query word at the partial matches' cut.
func TestGramsScore(t *testing.T) {
	dir := t.TempDir()
	products := []models.Product{
		{ID: "a", Title: "接发片"},
		{ID: "b", Title: "粉色笔筒 发夹"},
		{ID: "c", Title: "假发片 接发 一片式"},
	}
	if _, err := Build(dir, products, BuildOptions{}); err != nil {
		t.Fatal(err)
	}
	c, _, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	q := bq.NewTermQuery("发片")
	q.SetField(FieldGrams)
	res, err := c.Index().Search(bleve.NewSearchRequest(q))
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != 2 {
		t.Fatalf("发片 matched %d titles, want 2 (a, c)", res.Total)
	}
	for _, h := range res.Hits {
		if h.Score <= 0 {
			t.Errorf("%s scored %v on the bigram field, want > 0", h.ID, h.Score)
		}
	}
}
