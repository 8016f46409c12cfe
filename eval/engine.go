package eval

import (
	"fmt"
	"io"
	"os"

	"shopsearch/dict"
	"shopsearch/indexer"
	"shopsearch/models"
	"shopsearch/query"
)

// BuildEngine imports the catalog file into a fresh index under dir and
// opens an engine over it. Rejected lines are counted in the returned stats.
func BuildEngine(catalog, dir string, progress io.Writer) (*query.Engine, indexer.ImportStats, indexer.BuildStats, error) {
	f, err := os.Open(catalog)
	if err != nil {
		return nil, indexer.ImportStats{}, indexer.BuildStats{}, err
	}
	defer f.Close()
	var products []models.Product
	st, err := indexer.ReadCatalog(f, indexer.FormatFromPath(catalog), func(p models.Product) error {
		products = append(products, p)
		return nil
	}, nil)
	if err != nil {
		return nil, st, indexer.BuildStats{}, fmt.Errorf("read %s: %w", catalog, err)
	}
	bs, err := indexer.Build(dir, products, indexer.BuildOptions{Progress: progress})
	if err != nil {
		return nil, st, bs, err
	}
	e, err := query.Open(dir, dict.Default(), query.DefaultConfig())
	return e, st, bs, err
}
