package query

import (
	"slices"

	bq "github.com/blevesearch/bleve/v2/search/query"

	"shopsearch/dict"
	"shopsearch/indexer"
)

// Plan is an analysed query: what must match, what adds to the score, what
// must not match.
type Plan struct {
	Required []string // leaves; every one must match (deduplicated)
	// Brands holds the query's brand: the first required leaf, or compound
	// (sk2 over sk + 2), that names a brand of the catalog. It is one term
	// at most: the catalog's brand list also holds common words (阳光, 白金)
	// that some seller used as a brand, and a later one in a query that
	// already named its brand is a product-line word ("泊泉雅 阳光舒护乳液"),
	// which must not stay required when the query is relaxed.
	Brands []string
	// BrandLeaves are the leaves inside a brand compound: a relaxed match
	// needs the compound, not each of them.
	BrandLeaves []string
	Bonus       []string // compounds and sub-words: reward, never required
	// Subs are the bonus terms that are sub-words of a required leaf
	// (洗面 of 洗面奶): every full match has them with the leaf, so only
	// a relaxed query ranks by them.
	Subs     []string
	Phrases  [][]string // leaves of each quoted phrase, in order
	Excluded [][]string // leaves of each excluded clause
	// Synonyms are the lexicon's synonyms of plain (unquoted, not excluded)
	// leaves: each expanded part matches as typed or as a synonym
	// (synonym.go).
	Synonyms []Expansion
}

// Empty reports whether the plan has nothing to search for.
func (p Plan) Empty() bool { return len(p.Required) == 0 && len(p.Phrases) == 0 }

// Analyze turns a parsed query into a plan with the shared analysis chain.
// isBrand (may be nil) recognises brand terms, which stay required when
// the query is relaxed. Optional words of the lexicon (正品, 旗舰店) in plain
// clauses are bonus terms, unless the query has nothing else to require.
func Analyze(q Query, a *dict.Analyzer, isBrand func(string) bool) Plan {
	var p Plan
	var optionals []string
	lex := a.Lexicon()
	for _, c := range plainRuns(q.Clauses) {
		toks := a.Analyze(c.Text)
		var leaves []string
		var required dict.Token // the last leaf, if it is required
		for i, t := range toks {
			optional := t.Role == dict.Leaf && !c.Phrase && !c.Negated && lex.Optional(t.Term)
			if t.Role == dict.Leaf {
				required = dict.Token{}
				if !optional && !c.Negated {
					required = t
				}
			}
			if optional {
				if !slices.Contains(optionals, t.Term) {
					optionals = append(optionals, t.Term)
				}
				continue
			}
			if t.Role == dict.Leaf {
				leaves = append(leaves, t.Term)
				continue
			}
			if c.Negated {
				continue
			}
			if !slices.Contains(p.Bonus, t.Term) {
				p.Bonus = append(p.Bonus, t.Term)
				if t.Role == dict.Sub && required.Term != "" && required.Start <= t.Start && t.End <= required.End {
					p.Subs = append(p.Subs, t.Term)
				}
			}
			if t.Role == dict.Compound && !c.Phrase && isBrand != nil && len(p.Brands) == 0 && isBrand(t.Term) {
				p.Brands = append(p.Brands, t.Term)
				for _, u := range toks[i+1:] {
					if u.Start >= t.End {
						break
					}
					if u.Role == dict.Leaf {
						p.BrandLeaves = append(p.BrandLeaves, u.Term)
					}
				}
			}
		}
		if len(leaves) == 0 {
			continue
		}
		switch {
		case c.Negated:
			p.Excluded = append(p.Excluded, leaves)
		case c.Phrase && len(leaves) > 1:
			p.Phrases = append(p.Phrases, leaves)
			fallthrough
		default:
			for _, l := range leaves {
				if !slices.Contains(p.Required, l) {
					p.Required = append(p.Required, l)
					if isBrand != nil && len(p.Brands) == 0 && isBrand(l) {
						p.Brands = append(p.Brands, l)
					}
				}
			}
			if !c.Phrase {
				p.expandSynonyms(lex, leaves)
			}
		}
	}
	if len(p.Required) == 0 && len(p.Phrases) == 0 {
		p.Required = optionals // "正品": nothing else to search for
	} else {
		for _, t := range optionals {
			if !slices.Contains(p.Bonus, t) {
				p.Bonus = append(p.Bonus, t)
			}
		}
	}
	return p
}

// plainRuns joins each run of consecutive plain words (neither quoted nor
// negated) into one clause, so that the analyzer sees them as typed: "256 GB"
// is one token (256g), as it is in the titles, not 256 and gb.
func plainRuns(cs []Clause) []Clause {
	out := make([]Clause, 0, len(cs))
	for _, c := range cs {
		if n := len(out); n > 0 && isPlain(c) && isPlain(out[n-1]) {
			out[n-1].Text += " " + c.Text
			continue
		}
		out = append(out, c)
	}
	return out
}

func isPlain(c Clause) bool { return !c.Phrase && !c.Negated }

// others are the required leaves that are neither a brand nor inside one:
// the terms a relaxed match may lack.
func (p Plan) others() []string {
	var out []string
	for _, t := range p.Required {
		if !slices.Contains(p.Brands, t) && !slices.Contains(p.BrandLeaves, t) {
			out = append(out, t)
		}
	}
	return out
}

// relaxStep is one relaxation: the relaxed query keeps every brand term and
// at least min of the other terms, not counting the common ones.
type relaxStep struct {
	min    int
	common []string
}

// bleveQuery is the phase-1 query. Strict (step nil): every required leaf
// and phrase. Relaxed: every brand leaf and at least step.min of the other
// leaves. Either way bonus terms add to the score and exclusions are applied.
func (p Plan) bleveQuery(field string, step *relaxStep) bq.Query {
	relaxed := step != nil
	term := func(t string) bq.Query {
		q := bq.NewTermQuery(t)
		q.SetField(field)
		return q
	}
	var must []bq.Query
	if !relaxed {
		for _, t := range p.Required {
			if !p.expanded(t) {
				must = append(must, term(t))
			}
		}
		must = append(must, p.synonymQueries(field)...)
		for _, ph := range p.Phrases {
			must = append(must, bq.NewPhraseQuery(ph, field))
		}
	} else {
		var rest []bq.Query
		for _, t := range p.Brands {
			must = append(must, p.termOrSynonyms(field, t))
		}
		for _, t := range p.others() {
			if !slices.Contains(step.common, t) {
				rest = append(rest, p.termOrSynonyms(field, t))
			}
		}
		minShould := step.min
		if len(rest) > 0 && (minShould > 0 || len(must) == 0) {
			d := bq.NewDisjunctionQuery(rest)
			d.SetMin(float64(max(1, min(minShould, len(rest)))))
			must = append(must, d)
		}
	}
	b := bq.NewBooleanQuery([]bq.Query{bq.NewConjunctionQuery(must)}, nil, nil)
	var should []bq.Query
	if relaxed {
		// The terms a partial match may lack still rank the ones that have them.
		for _, t := range p.others() {
			should = append(should, term(t))
		}
	}
	for _, t := range p.Bonus {
		if !relaxed && slices.Contains(p.Subs, t) {
			continue
		}
		should = append(should, term(t))
	}
	if len(should) > 0 {
		b.AddShould(should...)
		b.SetMinShould(0)
	}
	for _, ex := range p.Excluded {
		if len(ex) == 1 {
			b.AddMustNot(term(ex[0]))
		} else {
			b.AddMustNot(bq.NewPhraseQuery(ex, field))
		}
	}
	return b
}

// partialQuery matches any of terms (each as itself or its synonyms) or
// of parts (plain terms, half the weight) or of grams (character bigrams of
// the title, half the weight); the bonus terms add to the score and
// exclusions apply, as in bleveQuery.
func (p Plan) partialQuery(field string, terms, parts []string, grams []string) bq.Query {
	var any []bq.Query
	for _, t := range terms {
		any = append(any, p.termOrSynonyms(field, t))
	}
	for _, t := range parts {
		q := bq.NewTermQuery(t)
		q.SetField(field)
		q.SetBoost(0.5)
		any = append(any, q)
	}
	for _, t := range grams {
		q := bq.NewTermQuery(t)
		q.SetField(indexer.FieldGrams)
		q.SetBoost(0.5)
		any = append(any, q)
	}
	d := bq.NewDisjunctionQuery(any)
	d.SetMin(1)
	b := bq.NewBooleanQuery([]bq.Query{d}, nil, nil)
	var should []bq.Query
	for _, t := range p.Bonus {
		q := bq.NewTermQuery(t)
		q.SetField(field)
		should = append(should, q)
	}
	if len(should) > 0 {
		b.AddShould(should...)
		b.SetMinShould(0)
	}
	for _, ex := range p.Excluded {
		if len(ex) == 1 {
			q := bq.NewTermQuery(ex[0])
			q.SetField(field)
			b.AddMustNot(q)
		} else {
			b.AddMustNot(bq.NewPhraseQuery(ex, field))
		}
	}
	return b
}
