package main

import (
	"context"
	"fmt"
	"iter"

	"github.com/blevesearch/bleve/v2"
	bq "github.com/blevesearch/bleve/v2/search/query"

	"shopsearch/dict"
	"shopsearch/indexer"
	"shopsearch/models"
	"shopsearch/query"
	"shopsearch/rank"
	"shopsearch/suggest"
)

// suggestCatalog is what suggest reads of the opened catalog: the Bleve
// index, to check that logged queries find items, and the ids of the
// products, to walk the catalog through the engine's store (rank.Store has
// no iterator yet, so products added after start are not walked until a
// restart; updates and deletes of the others are).
type suggestCatalog struct {
	index bleve.Index
	ids   []string
}

// openEngine is query.Open, also returning what suggest needs.
func openEngine(dataDir string, an *dict.Analyzer, cfg query.Config) (*query.Engine, suggestCatalog, error) {
	cat, products, err := indexer.Open(dataDir)
	if err != nil {
		return nil, suggestCatalog{}, err
	}
	ids := make([]string, len(products))
	for i := range products {
		ids[i] = products[i].ID
	}
	e := query.NewEngine(cat, rank.NewStore(products, query.BrandTerms(an)), an, cfg)
	return e, suggestCatalog{index: cat.Index(), ids: ids}, nil
}

// startSuggest makes the suggester over the engine's catalog (its
// merchandiser configuration in the data directory) and starts its
// background builds, which stop with ctx or when the server stops.
func (m *Main) startSuggest(ctx context.Context, sc suggestCatalog) (*suggest.Suggester, error) {
	ctx, cancel := context.WithCancel(ctx)
	store := m.engine.Store()
	products := func(yield func(models.Product) bool) {
		for _, id := range sc.ids {
			if p, ok := store.Get(id); ok && !yield(p) {
				return
			}
		}
	}
	sg, err := suggest.New(suggest.Config{DataDir: m.cfg.DataDir}, suggest.Deps{
		Products: iter.Seq[models.Product](products),
		Count:    bleveCount(ctx, sc.index, dict.Default()),
		Logf: func(format string, args ...any) {
			fmt.Fprintf(m.cfg.Stderr, format+"\n", args...)
		},
	})
	if err != nil {
		cancel()
		return nil, err
	}
	go func() {
		select {
		case <-ctx.Done():
		case <-m.stopped:
		}
		cancel()
	}()
	go sg.Run(ctx)
	return sg, nil
}

// bleveCount counts the items that have every word of q, as the strict
// phase 1 of search finds them: cheaper than a search, and it leaves the
// engine's own query log alone.
func bleveCount(ctx context.Context, idx bleve.Index, an *dict.Analyzer) suggest.Count {
	return func(q string) int {
		var must []bq.Query
		for _, t := range an.Analyze(q) {
			if t.Role == dict.Leaf {
				tq := bq.NewTermQuery(t.Term)
				tq.SetField(indexer.FieldText)
				must = append(must, tq)
			}
		}
		if len(must) == 0 {
			return 0
		}
		res, err := idx.SearchInContext(ctx, bleve.NewSearchRequestOptions(bq.NewConjunctionQuery(must), 0, 0, false))
		if err != nil {
			return 0
		}
		return int(res.Total)
	}
}
