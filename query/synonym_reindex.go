package query

import (
	"context"
	"fmt"
	"strings"

	"shopsearch/dict"
	"shopsearch/indexer"
	"shopsearch/models"
)

// reindexBatch is how many products Reindex re-analyses per hold of the
// engine's write lock: upserts and patches wait for one batch at most.
const reindexBatch = 256

// Reindex re-analyses, with the analyzer's current lexicon, every product
// whose indexed text contains one of words (normalised, as substrings), and
// replaces their documents in the index: after a lexicon change only text
// containing a changed word can segment differently, as the segmenter's
// choice over a run of characters changes only through a dictionary word
// inside it. Products are read from the store under the write lock, batch
// by batch, so a concurrent upsert is never overwritten by an older text.
// progress (may be nil) hears the products done and the total; Reindex
// returns how many were re-indexed and stops early when ctx is done.
func (e *Engine) Reindex(ctx context.Context, words []string, progress func(done, total int)) (int, error) {
	norm := make([]string, 0, len(words))
	for _, w := range words {
		if w = dict.Normalize(w); w != "" {
			norm = append(norm, w)
		}
	}
	if len(norm) == 0 {
		return 0, nil
	}
	var ids []string
	err := e.store.Scan(func(p *models.Product) error {
		text := dict.Normalize(indexer.ProductText(p))
		for _, w := range norm {
			if strings.Contains(text, w) {
				ids = append(ids, p.ID)
				break
			}
		}
		return ctx.Err()
	})
	if err != nil {
		return 0, fmt.Errorf("reindex: find the affected products: %w", err)
	}
	if progress != nil {
		progress(0, len(ids))
	}
	done := 0
	for start := 0; start < len(ids); start += reindexBatch {
		if err := ctx.Err(); err != nil {
			return done, err
		}
		if err := e.reindexIDs(ids[start:min(start+reindexBatch, len(ids))]); err != nil {
			return done, err
		}
		done = min(start+reindexBatch, len(ids))
		if progress != nil {
			progress(done, len(ids))
		}
	}
	return done, nil
}

// reindexIDs re-indexes the live products of ids under the write lock.
func (e *Engine) reindexIDs(ids []string) error {
	e.wmu.Lock()
	defer e.wmu.Unlock()
	products := make([]models.Product, 0, len(ids))
	for _, id := range ids {
		if p, ok := e.store.Get(id); ok {
			products = append(products, p)
		}
	}
	if err := e.cat.Reindex(products); err != nil {
		return err
	}
	e.textChanged()
	return nil
}

// Analyzer is the engine's analyzer, of its queries and of the documents
// it writes (the catalog's): the lexicon manager swaps its lexicon.
func (e *Engine) Analyzer() *dict.Analyzer { return e.an }

// ExplainQuery analyses text as Search does and returns the plan: the
// required leaves, bonus terms, phrases, exclusions and synonym expansions.
func (e *Engine) ExplainQuery(text string) Plan {
	return Analyze(Parse(text), e.an, e.store.IsBrand)
}
