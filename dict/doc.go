// Package dict is the one text-analysis chain shared by indexing, queries and
// suggest: normalisation (NFKC, lowercase, traditional → simplified), gse
// segmentation with an e-commerce lexicon, mixed-script and unit handling, and
// the stop list.
//
// The chain is Normalize, then one pass of Lexicon.Tokenize over the
// normalised text (analyzer.go), which emits tokens as it goes rather than
// composing separate tokenizer and filter stages:
//
//	Normalize → split into CJK and alphanumeric runs → segment CJK runs with gse
//	(words plus search-mode sub-words) → split/join alphanumeric runs (model
//	codes, units) → drop stop words and punctuation
//
// Every token carries a Role: a Leaf is the finest unit a query must match; a
// Compound is a whole word whose leaves were also emitted at the same
// positions (变频空调 over 变频 + 空调, iphone15pro over iphone + 15 + pro). Index
// both; queries require the leaves and reward the compounds.
package dict
