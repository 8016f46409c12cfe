// Package suggest is the drop-down under the search box: it turns what a
// shopper has typed so far — a Chinese prefix (手 → 手机), full pinyin with an
// unfinished last syllable (shouj → 手机), pinyin initials (sjk → 手机壳),
// a mix (苹果sj → 苹果手机), traditional characters (蘋果 → 苹果) or Latin
// text with one typo — into completions ranked by real searches, and serves
// the hot searches and the search-box hint (底纹) that merchandisers curate.
//
// It is its own package because it builds and serves its own index, an FST
// (github.com/blevesearch/vellum) of query completions, from sources no
// other stage combines: the catalog's brands, category levels, the product
// nouns its titles name (Deps.Words; never a source's annotated product
// word) and brand + product-noun pairs, the searches shoppers ran (a pluggable
// QueryLog with daily decay), and the merchandisers' allow and deny lists.
// It fits none of cmd, indexer, query, rank, recall, models or dict; it uses
// dict.Normalize so that its keys and inputs are normalised exactly as search
// normalises queries.
//
// The index is rebuilt in the background (Suggester.Run, on a schedule and
// on demand) and swapped in atomically; a lookup reads one immutable index
// from start to end. Its keys are, for each candidate, the normalised text
// ("T" namespace), its full pinyin ("P") and its pinyin initials ("I"); the
// value of a key locates the candidates that share it. A lookup is a few FST
// range scans over [prefix, prefix+0xFF); prefixes shared by too many keys
// to scan are answered from a table of their best candidates computed at
// build time, so every lookup visits a bounded number of keys.
//
// Pinyin here is for suggest (and later "did you mean") only, never for
// matching titles in search. It is go-pinyin's first reading of each
// character, overridden for whole words by a small embedded phrase table
// (assets/phrases.txt: 银行 yinhang, 重庆 chongqing, 长裙 changqun).
package suggest
