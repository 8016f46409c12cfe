package query

import (
	"context"
	"slices"
	"testing"

	"shopsearch/dict"
	"shopsearch/indexer"
	"shopsearch/models"
)

// TestReindexAfterLexiconChange: a new word changes how queries segment at
// once; the titles that contain it match again once Reindex has re-analysed
// them, and the others are left alone.
func TestReindexAfterLexiconChange(t *testing.T) {
	t.Parallel()
	an := dict.Default() // the engine's, of queries and of the index
	products := []models.Product{
		{ID: "c1", Title: "网红猫咖体验券 双人", Price: 99},
		{ID: "c2", Title: "猫粮 咖啡色 包装", Price: 59},
		{ID: "c3", Title: "美的 空调 挂机", Price: 2999},
	}
	dir := t.TempDir()
	if _, err := indexer.Build(dir, products, indexer.BuildOptions{}); err != nil {
		t.Fatal(err)
	}
	e, err := Open(dir, an, DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	find := func() []string { return ids(exact(search(t, e, Request{Text: "猫咖"}).Items)) }
	if got := find(); !slices.Contains(got, "c1") {
		t.Fatalf("before the change 猫咖 finds %v, want c1 (by its characters)", got)
	}
	a := dict.DefaultAssets()
	a.Lexicon = "猫咖 100000 n\n" + a.Lexicon
	if err := an.Reload(a); err != nil {
		t.Fatal(err)
	}
	// The new word is this engine's alone: another analyzer, as another
	// engine of the process has, still cuts 猫咖 apart.
	for _, tk := range dict.Default().Analyze("猫咖") {
		if tk.Term == "猫咖" {
			t.Errorf("another analyzer has the new word: %+v", tk)
		}
	}
	if got := find(); slices.Contains(got, "c1") {
		t.Logf("after the swap, before re-indexing, 猫咖 still finds c1: %v", got)
	}
	var last [2]int
	n, err := e.Reindex(context.Background(), []string{"猫咖"}, func(done, total int) { last = [2]int{done, total} })
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 || last != [2]int{1, 1} {
		t.Errorf("Reindex re-indexed %d (progress %v), want only c1", n, last)
	}
	if got := find(); !slices.Equal(got, []string{"c1"}) {
		t.Errorf("after re-indexing 猫咖 finds %v, want [c1]", got)
	}
	if got := ids(exact(search(t, e, Request{Text: "空调"}).Items)); !slices.Equal(got, []string{"c3"}) {
		t.Errorf("空调 finds %v", got)
	}
	if n, err := e.Reindex(context.Background(), nil, nil); n != 0 || err != nil {
		t.Errorf("Reindex of no words: %d, %v", n, err)
	}
}
