package query

import (
	"cmp"
	"context"
	"hash/fnv"
	"math"
	"slices"
	"strings"

	bq "github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"

	"shopsearch/rank"
)

// Relaxation: when fewer than RelaxBelow items match every term, partial
// matches follow them, in tiers (relaxSteps), each retrieved by phase 1
// like the strict query (retrieve) and cut the same way on every build
// (cutTies).

// retrieve returns the k best matches of the strict query (step nil) or of
// a relaxation step.
//
// Relaxed matches tie often: titles are not normalised by length (see
// indexer.BM25LengthNorm), so every item that matches the brand and the same
// other terms scores alike, and Bleve breaks ties at its cut-off by index
// layout, which segment merges change from one build to the next. So when
// the k-th and the next match of a relaxation tie, the tied group is fetched
// whole (up to tieFetch×k matches, MaxCandidates at most) and cut by a hash
// of the ids: the same catalog gives the same results on every build. (Strict
// matches are cut at Candidates, a thousand, far below any page a shopper
// sees, so they are left as Bleve returns them.)
func (e *Engine) retrieve(ctx context.Context, plan Plan, step *relaxStep, k int, tier uint8, bufs *candBufs) ([]rank.Candidate, int, error) {
	q := plan.bleveQuery(e.cfg.Field, step)
	if step == nil || k <= 0 {
		// The strict matches go to phase 2 alone, which orders them itself.
		return e.phase1(ctx, q, k, tier, true, bufs) // cache.go
	}
	return e.retrieveCut(ctx, q, k, tieFetch, tier, bufs)
}

// retrieveCut returns the k best matches of q, a tie at the cut settled
// by a hash of the ids (see retrieve) among up to fetch×k matches.
func (e *Engine) retrieveCut(ctx context.Context, q bq.Query, k, fetch int, tier uint8, bufs *candBufs) ([]rank.Candidate, int, error) {
	// One pass fetches the tied group too: a second one would run the
	// relaxed query, whose matches can be a good part of the catalog, again.
	n := max(min(e.cfg.MaxCandidates, fetch*k), k+1)
	cands, matched, err := e.phase1(ctx, q, n, tier, false, bufs)
	if err != nil || len(cands) <= k {
		return cands, matched, err
	}
	if cands[k].Score != cands[k-1].Score {
		return cands[:k], matched, nil
	}
	return e.cutTies(cands, k, len(cands) < n), matched, nil
}

// tieFetch bounds the matches fetched to settle a tie at a relaxation's cut
// (see retrieve). Fetching all 1,567 items of the shared catalog's largest
// brand instead of 201 costs 0.3–1.3 ms more (measured on a busy 2-core
// machine); the phase-1 cache serves repeats.
const tieFetch = 10

// cutTies returns the first k of cands (ordered by score, best first; more
// than k of them) when the k-th ties with the next: every candidate that
// scores better, then the tied ones in the order of a hash of their ids (not
// of the ids themselves, whose order often follows where the items came
// from). complete says cands holds every match; if it does not and the tie
// runs to its end, the tied group is left out, as its members cannot be
// chosen the same way every time.
func (e *Engine) cutTies(cands []rank.Candidate, k int, complete bool) []rank.Candidate {
	s := cands[k-1].Score
	i := k - 1
	for i > 0 && cands[i-1].Score == s {
		i--
	}
	j := k
	for j < len(cands) && cands[j].Score == s {
		j++
	}
	out := slices.Clone(cands[:i])
	if j == len(cands) && !complete {
		return out
	}
	tied := slices.Clone(cands[i:j])
	e.store.FillIDs(tied) // phase 1's candidates have none
	slices.SortFunc(tied, func(a, b rank.Candidate) int {
		if c := cmp.Compare(idHash(a.ID), idHash(b.ID)); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return append(out, tied[:k-i]...)
}

// idHash is the 64-bit FNV-1a hash of id.
func idHash(id string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(id))
	return h.Sum64()
}

// reader opens an index reader for term statistics.
func (e *Engine) reader() (index.IndexReader, error) {
	adv, err := e.idx.Advanced()
	if err != nil {
		return nil, err
	}
	return adv.Reader()
}

// docFreq is how many documents of r have term (0 on error).
func (e *Engine) docFreq(ctx context.Context, r index.IndexReader, term string) uint64 {
	return e.fieldFreq(ctx, r, term, e.cfg.Field)
}

// fieldFreq is how many items have term in field.
func (e *Engine) fieldFreq(ctx context.Context, r index.IndexReader, term, field string) uint64 {
	tr, err := r.TermFieldReader(ctx, []byte(term), field, false, false, false)
	if err != nil {
		return 0
	}
	defer tr.Close()
	return tr.Count()
}

// fewMatches reports whether the strict query of plan matches at most
// MaxMatches items, going by its rarest required word (a document
// frequency read from the term dictionary, a few µs a word).
func (e *Engine) fewMatches(ctx context.Context, plan Plan) bool {
	if e.cfg.MaxMatches <= 0 || len(plan.Required) == 0 {
		return false
	}
	r, err := e.reader()
	if err != nil {
		return false
	}
	defer r.Close()
	for _, t := range plan.Required {
		// A word with synonyms matches more than its own items.
		if !plan.expanded(t) && e.docFreq(ctx, r, t) <= uint64(e.cfg.MaxMatches) {
			return true
		}
	}
	return false
}

// relaxSteps returns, for each relaxation step in order, how many of the
// non-brand terms a partial match needs (brand terms stay required): about
// half of them, then none when the query names a brand (any item of the
// brand), or one when it does not. common are the non-brand terms too
// common to stand for the query (commonTerms): they do not count towards
// a relaxed match, though they still rank one.
func (e *Engine) relaxSteps(plan Plan, common []string) []relaxStep {
	if len(plan.Phrases) > 0 || len(plan.Required) < 2 {
		return nil
	}
	all := plan.others()
	others := 0 // the terms that count towards a partial match
	for _, t := range all {
		if !slices.Contains(common, t) {
			others++
		}
	}
	if others == 0 {
		return nil
	}
	var steps []relaxStep
	// Without a brand, needing one term is the last step already.
	if m := int(math.Ceil(e.cfg.RelaxShould * float64(others))); m < others && (m > 1 || len(plan.Brands) > 0) {
		steps = append(steps, relaxStep{min: m, common: common})
	}
	if len(plan.Brands) > 0 {
		if !slices.Contains(common, plan.Brands[0]) {
			steps = append(steps, relaxStep{min: 0})
		}
	} else if others > 1 || others < len(all) {
		steps = append(steps, relaxStep{min: 1, common: common})
	}
	return steps
}

// commonTerms returns the non-brand terms of plan that more than
// RelaxCommon of the catalog's items have (and more than RelaxCommonMin) — 套装, 黑色, 手机 in a general
// store — except the rarest of them when every such term is that common.
// An item that has one of them but none of the query's other words is
// not a partial match of the query, and relaxing on them would also have
// phase 1 go through a good part of the catalog (100 ms and more at a
// million items).
func (e *Engine) commonTerms(ts *termStats, plan Plan) []string {
	others := plan.others()
	if e.cfg.RelaxCommon <= 0 || len(others) == 0 || len(others) == 1 && len(plan.Brands) == 0 || !ts.ok() {
		return nil
	}
	limit := ts.commonLimit()
	var common []string
	rarest, rarestDF := "", uint64(math.MaxUint64)
	for _, t := range others {
		df := ts.df(t)
		if df < rarestDF {
			rarest, rarestDF = t, df
		}
		if float64(df) > limit {
			common = append(common, t)
		}
	}
	if len(common) == len(others) {
		common = slices.DeleteFunc(common, func(t string) bool { return t == rarest })
	}
	// A brand that common (a store's own label) is no fallback either:
	// its items alone are not a partial match.
	if len(plan.Brands) > 0 {
		if df := ts.df(plan.Brands[0]); float64(df) > limit {
			common = append(common, plan.Brands[0])
		}
	}
	return common
}
