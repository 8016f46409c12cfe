package indexer

import (
	"fmt"

	"shopsearch/models"
)

// ProductText is the text the index holds of p (title, subtitle, brand, leaf
// category, attribute values), as the analyzer sees it.
func ProductText(p *models.Product) string { return searchText(p) }

// Reindex analyses products again with the current analyzer and replaces
// their documents in the index, without writing the change log: their
// products have not changed, only how their text segments (a lexicon
// change). Bleve persists the batch before it returns; opening the
// generation later replays the log's upserts with the analyzer in use
// then, so serve loads the lexicon before it opens the catalog.
func (c *Catalog) Reindex(products []models.Product) error {
	if len(products) == 0 {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	b := c.idx.NewBatch()
	for i := range products {
		if err := b.IndexAdvanced(newDocument(&products[i], c.an)); err != nil {
			return fmt.Errorf("reindex %s: %w", products[i].ID, err)
		}
	}
	if err := c.idx.Batch(b); err != nil {
		return fmt.Errorf("reindex batch: %w", err)
	}
	return nil
}
