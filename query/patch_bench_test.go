package query

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"shopsearch/indexer"
	"shopsearch/models"
	"shopsearch/models/clocktest"
	"shopsearch/rank"
)

// Sizes of BenchmarkPatchBulk: a store of patchBenchProducts products and
// batches of patchBenchBatch updates (the HTTP cap).
const (
	patchBenchProducts = 100_000
	patchBenchBatch    = 10_000
)

// patchBench is the set-up shared by the sub-benchmarks: a 100k-product
// store over a catalog whose Bleve index holds only the first 1,000
// (indexing 100k documents takes longer than the benchmark, and patches
// never touch the index; replaying the log skips patches of ids the index
// lacks, so the catalog stays consistent).
type patchBench struct {
	products []models.Product
	engine   *Engine
	cat      *indexer.Catalog
	batches  [][]Update
}

func newPatchBench(b *testing.B) *patchBench {
	b.Helper()
	now := clocktest.Date(2025, 6, 1, 0, 0)
	words := []string{"手机", "手机壳", "耳机", "空调", "面霜", "鼠标", "零食", "羽绒服", "图书", "玩具"}
	brands := []string{"华为", "小米", "Apple", "格力", "美的", "兰蔻", "罗技", "三只松鼠", "", "安踏"}
	products := make([]models.Product, patchBenchProducts)
	for i := range products {
		p := models.Product{ID: fmt.Sprintf("b%06d", i), Brand: brands[i%len(brands)],
			Title:    fmt.Sprintf("%s 测试商品 %d 号 %s", brands[i%len(brands)], i, words[i%len(words)]),
			Category: "测试>" + words[i%len(words)]}
		indexer.Synthesize(&p, 1, now)
		products[i] = p
	}
	dir := b.TempDir()
	if _, err := indexer.Build(dir, products[:1000], indexer.BuildOptions{}); err != nil {
		b.Fatal(err)
	}
	cat, _, err := indexer.Open(dir, nil)
	if err != nil {
		b.Fatal(err)
	}
	e := NewEngine(cat, rank.NewStore(products, nil), Config{})
	b.Cleanup(func() { e.Close() })

	// Eight different batches, round-robin: random items, new stock and a
	// price at or above the list price (so never under a promotion price);
	// one update in ten also carries sales, impressions and clicks.
	r := rand.New(rand.NewPCG(1, 2))
	batches := make([][]Update, 8)
	for k := range batches {
		batch := make([]Update, patchBenchBatch)
		for i := range batch {
			p := &products[r.IntN(len(products))]
			pt := models.ProductPatch{Stock: pp(int64(r.IntN(500))), Price: pp(p.Price * (1 + r.Float64()/5))}
			if r.IntN(10) == 0 {
				pt.Sales30d = pp(p.Sales30d + int64(r.IntN(10)))
				pt.Impressions = pp(p.Impressions + 100)
				pt.Clicks = pp(p.Clicks + int64(r.IntN(5)))
			}
			batch[i] = Update{ID: p.ID, Patch: pt}
		}
		batches[k] = batch
	}
	return &patchBench{products: products, engine: e, cat: cat, batches: batches}
}

// BenchmarkPatchBulk applies batches of 10,000 updates to a 100,000-product
// store and reports updates/s. Sub-benchmark engine is Engine.Patch end to
// end (validation against the current items, one log write and fsync, the
// store update, the debounced statistics refresh); store is
// rank.Store.PatchBatch alone (columns recomputed under the lock); log is
// indexer.Catalog.Patch alone (encode, write, fsync).
//
//	go test -run XXX -bench BenchmarkPatchBulk -benchtime 20x ./query/
func BenchmarkPatchBulk(b *testing.B) {
	pb := newPatchBench(b)
	split := func(batch []Update) ([]string, []models.ProductPatch) {
		ids := make([]string, len(batch))
		patches := make([]models.ProductPatch, len(batch))
		for i, u := range batch {
			ids[i], patches[i] = u.ID, u.Patch
		}
		return ids, patches
	}
	report := func(b *testing.B, n int, start time.Time) {
		b.ReportMetric(float64(n)/time.Since(start).Seconds(), "updates/s")
	}
	b.Run("engine", func(b *testing.B) {
		ctx := context.Background()
		n, k := 0, 0
		start := time.Now()
		for b.Loop() {
			res, err := pb.engine.Patch(ctx, pb.batches[k%len(pb.batches)])
			if err != nil {
				b.Fatal(err)
			}
			if len(res.Rejected) > 0 {
				b.Fatalf("rejected: %+v", res.Rejected[0])
			}
			n += res.Applied
			k++
		}
		report(b, n, start)
	})
	b.Run("store", func(b *testing.B) {
		n, k := 0, 0
		start := time.Now()
		for b.Loop() {
			ids, patches := split(pb.batches[k%len(pb.batches)])
			if errs := pb.engine.Store().PatchBatch(ids, patches); errs != nil {
				b.Fatal(errs)
			}
			n += len(ids)
			k++
		}
		report(b, n, start)
	})
	b.Run("log", func(b *testing.B) {
		n, k := 0, 0
		start := time.Now()
		for b.Loop() {
			ids, patches := split(pb.batches[k%len(pb.batches)])
			if err := pb.cat.Patch(ids, patches); err != nil {
				b.Fatal(err)
			}
			n += len(ids)
			k++
		}
		report(b, n, start)
	})
}
