package query

import (
	"slices"

	bq "github.com/blevesearch/bleve/v2/search/query"

	"shopsearch/dict"
)

// SynonymBoost is the weight of a synonym relative to the query's own term
// (1): a title with the word the shopper typed ranks above one that has
// only its synonym, other things equal.
const SynonymBoost = 0.7

// Expansion says how synonyms widened one part of a query: the query's own
// leaves (Terms, in order; one, or several for a multi-word source such as
// "mobile phone") may match as they are or as any of Synonyms.
type Expansion struct {
	Terms    []string      `json:"terms"`
	Synonyms []SynonymTerm `json:"synonyms"`
}

// SynonymTerm is one alternative: the text of the rule and its analysed
// leaves, which match as a phrase when there are several.
type SynonymTerm struct {
	Text  string   `json:"text"`
	Terms []string `json:"terms"`
}

// expandSynonyms finds the synonym rules of lex whose source phrase occurs
// in leaves (a plain clause's leaves, in order) — the longest first at each
// leaf, not overlapping — and adds them to p.Synonyms, once each.
func (p *Plan) expandSynonyms(lex *dict.Lexicon, leaves []string) {
	for i := 0; i < len(leaves); {
		n, alts := lex.Synonyms(leaves[i:])
		if n == 0 {
			i++
			continue
		}
		terms := leaves[i : i+n]
		i += n
		if slices.ContainsFunc(p.Synonyms, func(x Expansion) bool { return slices.Equal(x.Terms, terms) }) {
			continue
		}
		x := Expansion{Terms: slices.Clone(terms), Synonyms: make([]SynonymTerm, len(alts))}
		for j, a := range alts {
			x.Synonyms[j] = SynonymTerm{Text: a.Text, Terms: slices.Clone(a.Leaves)}
		}
		p.Synonyms = append(p.Synonyms, x)
	}
}

// expanded reports whether the required leaf t is matched through an
// expansion (so that the strict query requires the expansion, not t).
func (p Plan) expanded(t string) bool {
	for _, x := range p.Synonyms {
		if slices.Contains(x.Terms, t) {
			return true
		}
	}
	return false
}

// synonymQueries are the strict query's clauses for the expansions, one
// each: the disjunction of the query's own terms (a conjunction when there
// are several) and every synonym (a phrase when it has several leaves).
func (p Plan) synonymQueries(field string) []bq.Query {
	out := make([]bq.Query, 0, len(p.Synonyms))
	for _, x := range p.Synonyms {
		out = append(out, x.query(field))
	}
	return out
}

// termOrSynonyms is the query for one required leaf of a relaxed match: its
// expansion when t alone has synonyms, else the term itself.
func (p Plan) termOrSynonyms(field, t string) bq.Query {
	for _, x := range p.Synonyms {
		if len(x.Terms) == 1 && x.Terms[0] == t {
			return x.query(field)
		}
	}
	q := bq.NewTermQuery(t)
	q.SetField(field)
	return q
}

// query is the disjunction of x's own terms and its synonyms. Bleve
// multiplies a disjunction's score by the share of its clauses that
// matched (coord), so every clause is boosted by their number: a title that
// has the shopper's word scores as it would without synonyms, and one that
// has only a synonym scores about SynonymBoost of that (the terms' own
// rarity, idf, still counts, as it does between any two words).
func (x Expansion) query(field string) bq.Query {
	n := float64(1 + len(x.Synonyms))
	clauses := make([]bq.Query, 0, 1+len(x.Synonyms))
	clauses = append(clauses, leavesQuery(field, x.Terms, n, false))
	for _, s := range x.Synonyms {
		clauses = append(clauses, leavesQuery(field, s.Terms, n*SynonymBoost, true))
	}
	d := bq.NewDisjunctionQuery(clauses)
	d.SetMin(1)
	return d
}

// leavesQuery matches leaves with the given boost: a term for one leaf;
// for several, a phrase (phrase true) or a conjunction of them. Bleve sums
// the scores of a phrase's or a conjunction's terms, so each term of
// several gets its share of the boost: a two-word synonym weighs about as
// much as a one-word one.
func leavesQuery(field string, leaves []string, boost float64, phrase bool) bq.Query {
	boost /= float64(len(leaves))
	term := func(t string) *bq.TermQuery {
		q := bq.NewTermQuery(t)
		q.SetField(field)
		q.SetBoost(boost)
		return q
	}
	if len(leaves) == 1 {
		return term(leaves[0])
	}
	if phrase {
		q := bq.NewPhraseQuery(leaves, field)
		q.SetBoost(boost)
		return q
	}
	qs := make([]bq.Query, len(leaves))
	for i, t := range leaves {
		qs[i] = term(t)
	}
	return bq.NewConjunctionQuery(qs)
}

// synonymTerms are the leaves of every synonym of the plan, for
// highlighting them in titles.
func (p Plan) synonymTerms() []string {
	var out []string
	for _, x := range p.Synonyms {
		for _, s := range x.Synonyms {
			out = append(out, s.Terms...)
		}
	}
	return out
}
