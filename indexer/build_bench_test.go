package indexer

import (
	"os"
	"path/filepath"
	"testing"

	"shopsearch/models"
)

// BenchmarkBuildShared builds the index of the shared catalog (72,687
// titles in ../shared/data), as `shopsearch index` does: go test ./indexer
// -run XXX -bench BuildShared -benchtime 2x.
func BenchmarkBuildShared(b *testing.B) {
	f, err := os.Open(filepath.Join("..", "..", "shared", "data", "catalog", "titles.jsonl"))
	if err != nil {
		b.Skipf("the shared catalog is not here (%v): this benchmark needs ../shared/data", err)
	}
	var products []models.Product
	_, err = ReadCatalog(f, FormatJSONL, func(p models.Product) error { products = append(products, p); return nil }, nil)
	f.Close()
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		if _, err := Build(b.TempDir(), products, BuildOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(products)*b.N)/b.Elapsed().Seconds(), "docs/s")
}
