package query

import (
	"context"

	"shopsearch/dict"
)

// TokenView is one token of an analysed query, as a preview shows it.
type TokenView struct {
	Term string `json:"term"`
	Role string `json:"role"` // leaf, compound or sub
}

// AnalysisView is how an analyzer reads a query: its tokens, the leaves a
// match needs and the synonym expansions.
type AnalysisView struct {
	Tokens   []TokenView `json:"tokens"`
	Required []string    `json:"required"`
	Synonyms []Expansion `json:"synonyms"`
}

// Analysis returns how an (the engine's analyzer when nil) reads text.
func (e *Engine) Analysis(an *dict.Analyzer, text string) AnalysisView {
	if an == nil {
		an = e.an
	}
	v := AnalysisView{Tokens: []TokenView{}, Required: []string{}, Synonyms: []Expansion{}}
	for _, t := range an.Analyze(text) {
		v.Tokens = append(v.Tokens, TokenView{Term: t.Term, Role: t.Role.String()})
	}
	p := Analyze(Parse(text), an, e.store.IsBrand)
	v.Required = append(v.Required, p.Required...)
	v.Synonyms = append(v.Synonyms, p.Synonyms...)
	return v
}

// SearchWith runs req as Search does, but analysing the query with an (a
// draft lexicon) over the same index, products, profiles and rules, and
// without counting the query in the query log or caching the response:
// the lexicon preview's two sides. (The phase-1 cache is shared: it is
// keyed by the Bleve query the analysis produced.)
func (e *Engine) SearchWith(ctx context.Context, an *dict.Analyzer, req Request) (*Response, error) {
	req.preview, req.analyzer = true, an
	return e.Search(ctx, req)
}

// GenerationDir is the directory of the catalog generation the engine
// serves (where the lexicon manager records what its index reflects).
func (e *Engine) GenerationDir() string { return e.cat.Dir() }
