package query

import (
	"path/filepath"

	"shopsearch/indexer"
	"shopsearch/models"
)

// BuildNext builds and publishes a new generation of the engine's data
// directory from the products read returns, while the engine goes on
// serving and writing: every write acknowledged from the start of the
// build is in the new generation's change log (indexer.Catalog.BuildNext).
// The engine keeps searching the generation it opened; the new one serves
// from the next start.
func (e *Engine) BuildNext(read func() ([]models.Product, error), opts indexer.BuildOptions) (indexer.BuildStats, error) {
	return e.cat.BuildNext(filepath.Dir(e.cat.Dir()), read, opts)
}
