package query

import (
	"context"

	index "github.com/blevesearch/bleve_index_api"

	"shopsearch/indexer"
)

// termStats reads document frequencies for one search over one index
// reader: graded matching and relaxation weigh the query's terms, and drop
// the too common ones, by how many items have them.
type termStats struct {
	ctx  context.Context
	e    *Engine
	r    index.IndexReader // nil: the index could not be read
	docs uint64            // items in the index
}

// termStats opens the statistics of one search; Close them after.
func (e *Engine) termStats(ctx context.Context) *termStats {
	ts := &termStats{ctx: ctx, e: e}
	docs, err := e.idx.DocCount()
	if err != nil {
		return ts
	}
	if ts.r, err = e.reader(); err == nil {
		ts.docs = docs
	}
	return ts
}

func (ts *termStats) Close() {
	if ts.r != nil {
		ts.r.Close()
	}
}

// ok reports whether the index could be read and holds items.
func (ts *termStats) ok() bool { return ts.r != nil && ts.docs > 0 }

// df is how many items have term in the word field (0 on error).
func (ts *termStats) df(term string) uint64 {
	if ts.r == nil {
		return 0
	}
	return ts.e.fieldFreq(ts.ctx, ts.r, term, ts.e.cfg.Field)
}

// gramDF is how many titles have the character bigram g (FieldGrams).
func (ts *termStats) gramDF(g string) uint64 {
	if ts.r == nil {
		return 0
	}
	return ts.e.fieldFreq(ts.ctx, ts.r, g, indexer.FieldGrams)
}

// commonLimit is the document frequency above which a term is too common
// to stand for a query (Config.RelaxCommon, RelaxCommonMin).
func (ts *termStats) commonLimit() float64 {
	return max(ts.e.cfg.RelaxCommon*float64(ts.docs), float64(ts.e.cfg.RelaxCommonMin))
}
