// Package indexer turns a catalog into a published, searchable generation: it
// reads and validates catalog files, builds the Bleve (scorch) index with the
// shopsearch analyzer, writes the product snapshot next to it, publishes the
// pair atomically, and applies upserts and deletes to the live generation.
package indexer

import (
	"slices"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/registry"
	"github.com/blevesearch/bleve/v2/search"

	"shopsearch/dict"
)

// AnalyzerName is the Bleve analyzer that runs dict's chain.
const AnalyzerName = "shopsearch"

// BM25LengthNorm is BM25's b, how much a longer text is penalised. Product
// titles are keyword lists, not prose: a title that also names the other
// items of a set, or the sizes and uses of one, is no less about each word,
// and the catalog mixes conventions (JD titles run about twice as long as
// Taobao's), so length normalisation would rank by a title's origin rather
// than its match. Measured on product1m-dev: b 0.75 → 0 raises MRR@10 by
// 0.04 and NDCG@10 by 0.03, on both halves of the queries and whatever the
// catalog order (see doc/design.md, "Relevance").
//
// It is the process's, not an engine's: Bleve (v2.6.3) has BM25's
// parameters only as the package variables search.BM25_b and BM25_k1,
// read by every term scorer of every index, with no per-index or
// per-request setting. So phase 1 has one b, this constant, set once in
// init below and nowhere else. The length normalisation that is tuned per
// engine is graded matching's, in our own scoring (query.GradeConfig.CharsB,
// BM25 over the character grams of the title).
const BM25LengthNorm = 0.0

// This is the one init in the module, Bleve's registration. Bleve finds
// analyzers by name in a global registry (an index's stored mapping refers
// to them by name, and creating or opening an index checks that each
// name resolves), so the names must be registered before any index is
// opened; and Bleve keeps BM25's b in a package variable (BM25LengthNorm),
// so it is set here, once, before any search can read it.
//
// The analyzer that counts is not the registry's. Each mapping's registry
// cache builds its own from the constructor, which gets only the mapping's
// name (and an empty config), so it cannot know an engine's lexicon:
// it is the built-in lexicon's (dict.Default), and used only if Bleve is
// asked to analyse by itself (a match or query-string query), which
// shopsearch never does. Documents are built with the catalog's own
// analyzer (Build's BuildOptions.Analyzer, Open's an; newDocument and
// IndexAdvanced), and queries are analysed by the engine's, the same one,
// so each engine has its own lexicon and the lexicon manager swaps one
// engine's.
func init() {
	registry.RegisterAnalyzer(AnalyzerName, func(map[string]any, *registry.Cache) (analysis.Analyzer, error) {
		return bleveAnalyzer{dict.Default()}, nil
	})
	registry.RegisterAnalyzer(GramAnalyzerName, func(map[string]any, *registry.Cache) (analysis.Analyzer, error) {
		return GramAnalyzer{}, nil
	})
	search.BM25_b = BM25LengthNorm
}

// bleveAnalyzer adapts dict.Analyzer to Bleve. Leaves, compounds and subs are
// all indexed; Bleve positions are dict's, so phrase queries over leaves work.
// It reads the analyzer's lexicon at each call, so a swap applies to the
// next document analysed.
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

// GramAnalyzerName is the Bleve analyzer of FieldGrams.
const GramAnalyzerName = "shopsearch-grams"

// GramAnalyzer cuts a text into the bigrams of its adjacent Chinese
// characters, once each, after dict's normalisation (full width, case,
// traditional forms): 测试纸狗狗 → 测试 试纸 纸狗 狗狗. It needs no lexicon,
// so a query finds titles the word analyzer cut differently. Letters and
// digits are left to the word analyzer, which keeps codes whole (iphone15,
// 256g): their bigrams (ip, ph) would match half the catalog.
type GramAnalyzer struct{}

func (GramAnalyzer) Analyze(text []byte) analysis.TokenStream {
	grams := HanBigrams(dict.Normalize(string(text)))
	out := make(analysis.TokenStream, len(grams))
	backing := make([]analysis.Token, len(grams))
	for i, g := range grams {
		backing[i] = analysis.Token{Term: []byte(g), Position: i + 1, Type: analysis.Ideographic}
		out[i] = &backing[i]
	}
	return out
}

// HanBigrams are the distinct bigrams of adjacent Chinese characters of a
// normalised text (of its first maxGrams), sorted.
func HanBigrams(s string) []string {
	var out []string
	prevAt := -1
	for i, r := range s {
		if len(out) >= maxGrams {
			break
		}
		if !unicode.Is(unicode.Han, r) {
			prevAt = -1
			continue
		}
		if prevAt >= 0 {
			out = append(out, s[prevAt:i+utf8.RuneLen(r)])
		}
		prevAt = i
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// maxGrams bounds the bigrams taken of a text: the first ones, where a
// title names the product; a query has fewer.
const maxGrams = 32
