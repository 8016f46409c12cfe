package indexer

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"shopsearch/dict"
)

// Vocabulary is what the generator learns from real titles (LearnVocabulary):
// the words it recombines, each weighted by how often real titles use it,
// and the distributions generated titles should follow. Read-only once
// learned.
type Vocabulary struct {
	Titles int // real titles read

	brands    wordList            // brand field values
	words     wordList            // product words (Product1M's line labels left out)
	modifiers wordList            // other words of the titles, 2–4 Han characters
	attrs     wordList            // modifiers that name a variant: 白色, 新款, 大号, 套装
	codes     wordList            // model codes: HS319D, ADB-98377
	units     wordList            // quantities with a unit: 500ml, 24色
	brandsOf  map[string]wordList // product word → the brands seen with it
	modsOf    map[string]wordList // product word → the modifiers of its titles

	pBrand, pCode, pUnit, pAttr, pSpace float64 // shares of real titles that have one

	runeLens []int // real title lengths in runes, sorted
	// RealRunes and RealTokens are the real titles' lengths in runes and in
	// leaf tokens of dict's analyzer.
	RealRunes, RealTokens LengthDist
}

// LengthDist summarises a distribution of lengths.
type LengthDist struct {
	N                     int
	Mean                  float64
	P10, Median, P90, Max int
	Min                   int
}

func (d LengthDist) String() string {
	return fmt.Sprintf("n=%d mean=%.1f p10=%d median=%d p90=%d min=%d max=%d", d.N, d.Mean, d.P10, d.Median, d.P90, d.Min, d.Max)
}

// lengthHist counts small non-negative integers; larger ones land in the
// last bucket.
type lengthHist []int

func newLengthHist(max int) lengthHist { return make(lengthHist, max+1) }

func (h lengthHist) add(n int) { h[min(max(n, 0), len(h)-1)]++ }

func (h lengthHist) dist() LengthDist {
	var d LengthDist
	sum := 0
	for v, c := range h {
		d.N += c
		sum += v * c
		if c > 0 {
			d.Max = v
		}
	}
	if d.N == 0 {
		return d
	}
	d.Mean = float64(sum) / float64(d.N)
	at := func(q float64) int {
		rank := int(q * float64(d.N-1))
		seen := 0
		for v, c := range h {
			if seen += c; seen > rank {
				return v
			}
		}
		return d.Max
	}
	d.Min, d.P10, d.Median, d.P90 = at(0), at(0.1), at(0.5), at(0.9)
	return d
}

// histMaxRunes bounds the length histograms (longer titles are counted as
// this long).
const histMaxRunes = 400

// wordList is a list of strings drawn in proportion to their weights.
type wordList struct {
	items []string
	cum   []float64 // running sums of the weights
}

// newWordList builds a list from counts, keeping entries with at
// least minCount, in a fixed (sorted) order so that draws are reproducible.
func newWordList(counts map[string]int, minCount int) wordList {
	keys := make([]string, 0, len(counts))
	for k, c := range counts {
		if c >= minCount {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	w := wordList{items: keys, cum: make([]float64, len(keys))}
	sum := 0.0
	for i, k := range keys {
		sum += float64(counts[k])
		w.cum[i] = sum
	}
	return w
}

func (w wordList) empty() bool { return len(w.items) == 0 }

// pick draws one item; the list must not be empty.
func (w wordList) pick(r *rand.Rand) string {
	x := r.Float64() * w.cum[len(w.cum)-1]
	return w.items[sort.SearchFloat64s(w.cum, x)%len(w.items)]
}

// Model codes and quantities with a unit, as they are written in titles.
var (
	codeRe = regexp.MustCompile(`[A-Za-z]{1,6}-?\d{2,}[A-Za-z0-9-]*`)
	unitRe = regexp.MustCompile(`\d+(\.\d+)?(ml|ML|mm|cm|kg|g|G|GB|W|L|寸|英寸|升|克|支|只|个|片|包|盒|瓶|罐|张|本|色|米|件|套|抽|码|号)`)
)

// placeholderBrands are brand values that name no brand (as in mkdemo).
var placeholderBrands = map[string]bool{
	"other/其他": true, "其他/other": true, "other其他": true, "其他品牌": true, "无品牌": true,
	"其他": true, "other": true, "无": true,
}

// attrSuffixes end the modifiers that name a variant (colour, style, size,
// pack) rather than describe the item.
const attrSuffixes = "色款型式码号装版"

// titleRow is one line of the shared catalog of real titles.
type titleRow struct {
	Title       string `json:"title"`
	Brand       string `json:"brand"`
	ProductWord string `json:"product_word"`
	Source      string `json:"source"`
}

// LearnVocabulary reads real titles, one JSON object a line with title and
// optionally brand, product_word and source (the shared catalog's
// titles.jsonl), and learns from them, segmenting each title with an:
// brands from the brand field (placeholders such as 其他 left out); product
// words from the product_word field, except Product1M's (source product1m_*),
// which label a product line ("AHC 黄金面霜") rather than name a product;
// modifiers, the other leaf words of 2–4 Han characters (attributes are the
// modifiers ending in 色, 款, 型, 式, 码, 号, 装 or 版); model codes and
// quantities with a unit; which brands and modifiers go with each product
// word; how often a title has a brand, code, unit, attribute or space; and
// the title lengths in runes and in tokens.
func LearnVocabulary(r io.Reader, an *dict.Analyzer) (*Vocabulary, error) {
	brands, words := map[string]int{}, map[string]int{}
	mods, attrs, codes, units := map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}
	brandsOf, modsOf := map[string]map[string]int{}, map[string]map[string]int{}
	runes, tokens := newLengthHist(histMaxRunes), newLengthHist(histMaxRunes)
	var nBrand, nCode, nUnit, nAttr, nSpace int
	v := &Vocabulary{}

	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxLineBytes)
	for line := 1; sc.Scan(); line++ {
		if len(strings.TrimSpace(sc.Text())) == 0 {
			continue
		}
		var row titleRow
		if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
			return nil, fmt.Errorf("titles line %d: %w", line, err)
		}
		title := cleanText(row.Title)
		if title == "" {
			continue
		}
		v.Titles++
		n := utf8.RuneCountInString(title)
		runes.add(n)
		v.runeLens = append(v.runeLens, n)
		if strings.ContainsRune(title, ' ') {
			nSpace++
		}
		brand := cleanText(row.Brand)
		if placeholderBrands[strings.ToLower(brand)] {
			brand = ""
		}
		word := cleanText(row.ProductWord)
		if strings.HasPrefix(row.Source, "product1m") || strings.ContainsRune(word, ' ') || utf8.RuneCountInString(word) > 12 {
			word = ""
		}
		if brand != "" {
			nBrand++
			brands[brand]++
		}
		if word != "" {
			words[word]++
			if brand != "" {
				bumpPair(brandsOf, word, brand)
			}
		}
		if m := codeRe.FindAllString(title, -1); len(m) > 0 {
			nCode++
			for _, c := range m {
				codes[c]++
			}
		}
		if m := unitRe.FindAllString(title, -1); len(m) > 0 {
			nUnit++
			for _, u := range m {
				units[u]++
			}
		}
		skip := termsOf(an, brand+" "+word)
		leaves, hasAttr := 0, false
		for _, t := range an.Analyze(title) {
			if t.Role != dict.Leaf {
				continue
			}
			leaves++
			if skip[t.Term] || !modifierLike(t.Term) {
				continue
			}
			mods[t.Term]++
			if last, _ := utf8.DecodeLastRuneInString(t.Term); strings.ContainsRune(attrSuffixes, last) {
				attrs[t.Term]++
				hasAttr = true
			}
			if word != "" {
				bumpPair(modsOf, word, t.Term)
			}
		}
		if hasAttr {
			nAttr++
		}
		tokens.add(leaves)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read titles: %w", err)
	}
	if len(words) == 0 || len(mods) == 0 {
		return nil, errors.New("read titles: no usable titles (want JSONL with title and product_word)")
	}
	slices.Sort(v.runeLens)
	v.RealRunes, v.RealTokens = runes.dist(), tokens.dist()
	t := float64(v.Titles)
	v.pBrand, v.pCode, v.pUnit, v.pAttr, v.pSpace = float64(nBrand)/t, float64(nCode)/t, float64(nUnit)/t, float64(nAttr)/t, float64(nSpace)/t
	v.brands, v.words = newWordList(brands, 1), newWordList(words, 1)
	// A modifier seen once is as likely a segmentation accident as a word.
	v.modifiers, v.attrs = newWordList(mods, 2), newWordList(attrs, 2)
	v.codes, v.units = newWordList(codes, 1), newWordList(units, 1)
	v.brandsOf, v.modsOf = compileLists(brandsOf, 1), compileLists(modsOf, 1)
	if v.modifiers.empty() {
		v.modifiers = newWordList(mods, 1)
	}
	return v, nil
}

// Words is the number of distinct brands, product words, modifiers,
// attributes, codes and units learned.
func (v *Vocabulary) Words() (brands, words, modifiers, attrs, codes, units int) {
	return len(v.brands.items), len(v.words.items), len(v.modifiers.items), len(v.attrs.items), len(v.codes.items), len(v.units.items)
}

func bumpPair(m map[string]map[string]int, k, v string) {
	inner := m[k]
	if inner == nil {
		inner = map[string]int{}
		m[k] = inner
	}
	inner[v]++
}

func compileLists(m map[string]map[string]int, minCount int) map[string]wordList {
	out := make(map[string]wordList, len(m))
	for k, counts := range m {
		if w := newWordList(counts, minCount); !w.empty() {
			out[k] = w
		}
	}
	return out
}

// termsOf is the set of analysed terms of s.
func termsOf(an *dict.Analyzer, s string) map[string]bool {
	set := map[string]bool{}
	for _, t := range an.Analyze(s) {
		set[t.Term] = true
	}
	return set
}

// cleanText trims s and drops its control characters (a few real titles
// hold a stray DEL), which no shopper types and the API refuses.
func cleanText(s string) string {
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s))
}

// modifierLike reports whether a term is 2–4 Han characters.
func modifierLike(term string) bool {
	n := 0
	for _, r := range term {
		if !unicode.Is(unicode.Han, r) {
			return false
		}
		n++
	}
	return n >= 2 && n <= 4
}
