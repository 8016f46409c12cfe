package query

import (
	"bufio"
	"context"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"shopsearch/indexer"
	"shopsearch/models"
	"shopsearch/models/clocktest"
	"shopsearch/rank"
)

// The shared data, relative to this package's directory.
const (
	benchQueries = "../../shared/data/relevance/product1m-dev/queries.tsv"
	benchCatalog = "../../shared/data/catalog/titles.jsonl"
)

// BenchmarkSearch runs the product1m-dev queries round-robin over the whole
// shared catalog (its commercial fields synthesised, as the demo does), as
// the server asks: page 1, 20 items, facets. It reports the per-search
// latency percentiles besides the mean.
//
//	go test -run XXX -bench BenchmarkSearch -benchtime 2000x ./query/
func BenchmarkSearch(b *testing.B) {
	for _, path := range []string{benchQueries, benchCatalog} {
		if _, err := os.Stat(path); err != nil {
			b.Skipf("shared data not found (%v): BenchmarkSearch needs ../shared/data beside the repository", err)
		}
	}
	queries := readQueries(b, benchQueries)
	products := readCatalog(b, benchCatalog)
	e, _ := openCatalog(b, products)
	runSearches(b, e, queries)
}

// BenchmarkSearchSmall runs a few shopper queries over the hand-made test
// catalog; it needs no shared data.
func BenchmarkSearchSmall(b *testing.B) {
	e, _ := openCatalog(b, catalog())
	runSearches(b, e, []string{
		"格力 变频空调", "苹果手机 -二手", "蘋果手機", "罗技 无线鼠标", "35gw", "256GB", `"变频 空调"`,
		"兰蔻 眼霜", "雅诗兰黛 精华", "記憶體", "手机", "空调",
	})
}

// runSearches times each search and reports p50_ms and p99_ms.
func runSearches(b *testing.B, e *Engine, queries []string) {
	ctx := context.Background()
	var took []time.Duration
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		req := Request{Text: queries[i%len(queries)], Facets: true, Sort: rank.SortRelevance}
		start := time.Now()
		if _, err := e.Search(ctx, req); err != nil {
			b.Fatalf("%q: %v", req.Text, err)
		}
		took = append(took, time.Since(start))
		i++
	}
	slices.Sort(took)
	pct := func(q float64) float64 {
		return float64(took[int(q*float64(len(took)-1))]) / float64(time.Millisecond)
	}
	b.ReportMetric(pct(0.50), "p50_ms")
	b.ReportMetric(pct(0.99), "p99_ms")
}

// readQueries reads the texts of "qid<TAB>text" lines.
func readQueries(b testing.TB, path string) []string {
	b.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	var out []string
	for line := range strings.Lines(string(data)) {
		if _, text, ok := strings.Cut(line, "\t"); ok && strings.TrimSpace(text) != "" {
			out = append(out, strings.TrimSpace(text))
		}
	}
	if len(out) == 0 {
		b.Fatalf("%s: no queries", path)
	}
	return out
}

// readCatalog imports a catalog file and synthesises the commercial fields
// the shared data lacks, with a fixed seed and date.
func readCatalog(b testing.TB, path string) []models.Product {
	b.Helper()
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	now := clocktest.Date(2026, 1, 1, 0, 0)
	var products []models.Product
	_, err = indexer.ReadCatalog(bufio.NewReader(f), indexer.FormatFromPath(path), func(p models.Product) error {
		indexer.Synthesize(&p, 1, now)
		products = append(products, p)
		return nil
	}, nil)
	if err != nil {
		b.Fatal(err)
	}
	return products
}
