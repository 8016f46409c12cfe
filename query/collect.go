package query

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"sync"

	"github.com/blevesearch/bleve/v2"
	bsearch "github.com/blevesearch/bleve/v2/search"
	bq "github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"

	"shopsearch/rank"
)

// Phase 1 collects its own matches. Bleve's top-N collector keeps a heap
// of full DocumentMatch values and then reads every kept hit's external id
// from the stored fields — a few microseconds each, and cold queries with
// a business order or a filter keep 10,000 of them. Phase 2 needs neither:
// it wants ordinals. So phase 1 passes Bleve a document-match handler
// (Bleve's own extension point) that records each hit's document number
// and score and hands the match straight back to Bleve's pool; the best k
// are chosen by quickselect, and their numbers are turned into ordinals
// through per-segment tables (docmap.go) while the index reader is still
// open.

// hit is one match: its document number in the reader's snapshot and its
// text score.
type hit struct {
	doc   uint64
	score float64
}

var hitPool = sync.Pool{New: func() any { s := make([]hit, 0, 1024); return &s }}

// collect returns the k best matches of q (k must be positive), best text
// score first, with their ordinals resolved; a tie at the cut keeps the
// first items in catalog order (cutByOrdinal), other ties come in index
// order; and how many documents matched in all. With anyOrder, when every
// match is returned they stay in index order, which follows the catalog's
// by batches, so that phase 2 reads their feature rows nearly in sequence
// rather than at random (phase 2's orders do not depend on the
// candidates', and break their ties by ordinal).
func (e *Engine) collect(ctx context.Context, q bq.Query, k int, tier uint8, anyOrder bool) ([]rank.Candidate, int, error) {
	var out []rank.Candidate
	var matched int
	err := e.eachMatch(ctx, q, func(r index.IndexReader, hits []hit) (err error) {
		matched = len(hits)
		top := hits
		if !anyOrder || k < len(hits) {
			top = topHits(hits, k)
			if k < len(hits) {
				if err := e.cutByOrdinal(r, hits, k); err != nil {
					return err
				}
			}
		}
		out, err = e.docs.resolve(r, top, tier)
		return err
	})
	return out, matched, err
}

// cutByOrdinal settles a tie at the cut of the k best hits (hits[:k], as
// topHits left them, the others after them) by the items' ordinals, the
// catalog's order, rather than by document numbers: Bleve numbers a
// batch's documents in the order of a map, and a build indexes two batches
// at a time, so document numbers follow no fixed order, and the items a
// tie let in varied from build to build — from one run, and one replica,
// to the next (TestTieAtTheCutByCatalogOrder). Only the tied group is resolved,
// and selected rather than sorted.
func (e *Engine) cutByOrdinal(r index.IndexReader, hits []hit, k int) error {
	s := hits[k-1].score
	in := k
	for in > 0 && hits[in-1].score == s {
		in--
	}
	tied := hits[in:k:k]
	for _, h := range hits[k:] {
		if h.score == s {
			tied = append(tied, h)
		}
	}
	if len(tied) == k-in {
		return nil // no tie across the cut
	}
	refs, err := e.docs.refs(r, tied)
	if err != nil {
		return err
	}
	type tie struct {
		h   hit
		ref uint32
	}
	ts := make([]tie, len(tied))
	for i, h := range tied {
		ref := refs[i]
		if ref == 0 {
			ref = math.MaxUint32 // not in the store: dropped by resolve anyway
		}
		ts[i] = tie{h, ref}
	}
	byRef := func(a, b tie) int { return cmp.Compare(a.ref, b.ref) }
	rank.SelectTop(ts, k-in, byRef)
	kept := ts[:k-in]
	slices.SortFunc(kept, byRef)
	for i, t := range kept {
		hits[in+i] = t.h
	}
	return nil
}

// collectAll returns every match of q, in index order, compactly (as
// the phase-1 cache keeps them), for a filtered or business-ordered search
// that goes through every match (rank.Store.Narrow).
func (e *Engine) collectAll(ctx context.Context, q bq.Query, key string, gen uint64) (*cacheEntry, error) {
	en := &cacheEntry{key: key, gen: gen}
	err := e.eachMatch(ctx, q, func(r index.IndexReader, hits []hit) error {
		en.matched = len(hits)
		refs, err := e.docs.refs(r, hits)
		if err != nil {
			return err
		}
		en.refs, en.scores = make([]uint32, 0, len(refs)), make([]float64, 0, len(refs))
		for i, ref := range refs {
			if ref != 0 {
				en.refs = append(en.refs, ref)
				en.scores = append(en.scores, hits[i].score)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return en, nil
}

// eachMatch runs q on Bleve, records every match's document number and
// text score, and calls end with them, in index order, while the reader is
// still open.
func (e *Engine) eachMatch(ctx context.Context, q bq.Query, end func(index.IndexReader, []hit) error) error {
	buf := hitPool.Get().(*[]hit)
	hits := (*buf)[:0]
	defer func() {
		if cap(hits) <= 1<<20 { // a huge one is left to the collector
			*buf = hits[:0]
			hitPool.Put(buf)
		}
	}()
	handler := func(sctx *bsearch.SearchContext) (bsearch.DocumentMatchHandler, bool, error) {
		return func(d *bsearch.DocumentMatch) error {
			if d != nil {
				hits = append(hits, hit{doc: d.IndexInternalID.Value(), score: quantize(d.Score)})
				sctx.DocumentMatchPool.Put(d)
				return nil
			}
			return end(sctx.IndexReader, hits) // the end of the matches
		}, false, nil
	}
	req := bleve.NewSearchRequestOptions(q, 0, 0, false)
	if _, err := e.idx.SearchInContext(context.WithValue(ctx, bsearch.MakeDocumentMatchHandlerKey,
		bsearch.MakeDocumentMatchHandler(handler)), req); err != nil {
		return fmt.Errorf("phase 1: %w", err)
	}
	return nil
}

// quantize rounds a text score to nine decimals. Bleve's BM25 of the same
// document differs in its last bits from build to build
// (5.7181149285404427 and …436: its statistics are summed in the order the
// documents reached the index, which varies), which let near ties fall
// either way — different items at a cut, from one build or replica to the
// next. Rounded, they tie, and ties go by catalog order (cutByOrdinal,
// phase 2).
func quantize(s float64) float64 { return math.Round(s*1e9) / 1e9 }

// topHits returns the k best of hits (reordering hits), best first, ties
// by document number. hits come in document order.
func topHits(hits []hit, k int) []hit {
	better := func(a, b hit) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		return cmp.Compare(a.doc, b.doc)
	}
	if k < len(hits) {
		rank.SelectTop(hits, k, better)
		hits = hits[:k]
		slices.SortFunc(hits, better)
		return hits
	}
	if !byScoreBuckets(hits) {
		slices.SortFunc(hits, better)
	}
	return hits
}

// maxScoreBuckets bounds the distinct scores byScoreBuckets sorts by.
const maxScoreBuckets = 256

// byScoreBuckets orders hits (in document order) by score, best first, by
// a stable counting sort — linear, where a comparison sort of every match
// of a broad query costs milliseconds. Text scores take few distinct
// values (titles are short and not normalised by length); it reports false
// and leaves hits alone when they take more than maxScoreBuckets.
func byScoreBuckets(hits []hit) bool {
	if len(hits) < 2048 {
		return false
	}
	var scores []float64
	count := map[float64]int{}
	for _, h := range hits {
		if _, ok := count[h.score]; !ok {
			if len(count) == maxScoreBuckets {
				return false
			}
			scores = append(scores, h.score)
		}
		count[h.score]++
	}
	slices.SortFunc(scores, func(a, b float64) int { return cmp.Compare(b, a) })
	start := make(map[float64]int, len(scores))
	at := 0
	for _, sc := range scores {
		start[sc] = at
		at += count[sc]
	}
	out := make([]hit, len(hits))
	for _, h := range hits {
		out[start[h.score]] = h
		start[h.score]++
	}
	copy(hits, out)
	return true
}
