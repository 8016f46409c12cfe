// Package indexer turns a catalog into a published, searchable generation: it
// reads and validates catalog files, builds the Bleve (scorch) index with the
// shopsearch analyzer, writes the product snapshot next to it, publishes the
// pair atomically, and applies upserts and deletes to the live generation.
package indexer

import (
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/registry"

	"shopsearch/dict"
)

// AnalyzerName is the Bleve analyzer that runs dict's chain.
const AnalyzerName = "shopsearch"

// This is the one init in the module: Bleve finds analyzers by name in a
// global registry (an index's stored mapping refers to them by name), so the
// shopsearch analyzer must be registered before any index is opened.
func init() {
	registry.RegisterAnalyzer(AnalyzerName, func(map[string]any, *registry.Cache) (analysis.Analyzer, error) {
		return bleveAnalyzer{dict.Default()}, nil
	})
}

// bleveAnalyzer adapts dict.Analyzer to Bleve. Leaves, compounds and subs are
// all indexed; Bleve positions are dict's, so phrase queries over leaves work.
type bleveAnalyzer struct{ a *dict.Analyzer }

func (b bleveAnalyzer) Analyze(text []byte) analysis.TokenStream {
	toks := b.a.Analyze(string(text))
	out := make(analysis.TokenStream, len(toks))
	backing := make([]analysis.Token, len(toks))
	for i, t := range toks {
		backing[i] = analysis.Token{
			Term:     []byte(t.Term),
			Start:    t.Start,
			End:      t.End,
			Position: t.Pos,
			Type:     analysis.Ideographic,
		}
		out[i] = &backing[i]
	}
	return out
}
