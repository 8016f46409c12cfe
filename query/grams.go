package query

import (
	"math"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"shopsearch/dict"
	"shopsearch/models"
)

// Character grams: graded matching (grade.go) scores each candidate's
// title by BM25 over the character unigrams and bigrams it shares with the
// query, as well as by the words it covers. Grams match where the words do
// not: a title the analyzer cut differently (鸡胸碎肉 and 鸡碎肉胸肉), a word
// outside the lexicon (爱立舍), a typo'd query that still shares most of its
// characters with the product. The statistics BM25 needs — how many titles
// have each gram, and their mean length — are kept here, in memory, as the
// catalog changes; the titles themselves are read from the store.
//
// The document frequencies live in a fixed table of gramSlots counters,
// indexed by a hash of the gram, rather than in a map of strings: a
// million titles have millions of distinct grams, and a colliding gram can
// only look more common than it is (a slightly lower IDF), never rarer.
// This is why the table is written here rather than taken from a library:
// it is twenty lines, and a count-min sketch or a map would cost more
// memory for no better ranking.
const gramSlots = 1 << 21 // 8 MiB of counters

type gramStats struct {
	mu   sync.RWMutex
	df   []uint32
	docs int64 // live titles counted
	sum  int64 // their grams, all told
}

func newGramStats() *gramStats {
	return &gramStats{df: make([]uint32, gramSlots)}
}

// slot is the gram's counter: FNV-1a, the same in every process, so that
// rankings are too.
func (g *gramStats) slot(gram string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(gram); i++ {
		h ^= uint32(gram[i])
		h *= 16777619
	}
	return h & (gramSlots - 1)
}

// add counts title's distinct grams (sign +1) or removes them (−1).
func (g *gramStats) add(title string, sign int) {
	grams := titleGrams(dict.Normalize(title))
	seen := make(map[uint32]bool, len(grams))
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, gr := range grams {
		s := g.slot(gr)
		if seen[s] {
			continue
		}
		seen[s] = true
		if sign > 0 {
			g.df[s]++
		} else if g.df[s] > 0 {
			g.df[s]--
		}
	}
	g.docs += int64(sign)
	g.sum += int64(sign * len(grams))
}

// replace updates the statistics for products about to replace what the
// store holds of them (old reports a live product's current title).
func (g *gramStats) replace(products []models.Product, old func(id string) (string, bool)) {
	for i := range products {
		if t, ok := old(products[i].ID); ok {
			g.add(t, -1)
		}
		g.add(products[i].Title, +1)
	}
}

// titleGrams are the character unigrams and bigrams of the letters and
// digits of a normalised text; bigrams only across adjacent characters.
func titleGrams(s string) []string {
	var out []string
	prev, prevAt := rune(-1), 0
	for i, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			prev = -1
			continue
		}
		n := utf8.RuneLen(r)
		out = append(out, s[i:i+n])
		if prev >= 0 {
			out = append(out, s[prevAt:i+n])
		}
		prev, prevAt = r, i
	}
	return out
}

// gramQuery is a query's grams with their IDFs, ready to score titles.
type gramQuery struct {
	grams []string
	idf   []float64
	avg   float64 // mean title length in grams
}

// query weighs the grams of a normalised query text. A gram repeated in the
// query counts once per repetition, as the words of a BM25 query do.
func (g *gramStats) query(text string) gramQuery {
	q := gramQuery{grams: titleGrams(text)}
	g.mu.RLock()
	defer g.mu.RUnlock()
	n := float64(g.docs)
	if n <= 0 {
		return gramQuery{}
	}
	q.avg = float64(g.sum) / n
	for _, gr := range q.grams {
		df := float64(g.df[g.slot(gr)])
		q.idf = append(q.idf, math.Log(1+(n-df+0.5)/(df+0.5)))
	}
	return q
}

// score is the BM25 (k1 1.2, length normalisation b) of a normalised
// title for the query.
func (q *gramQuery) score(title string, b float64) float64 {
	if len(q.grams) == 0 || q.avg <= 0 {
		return 0
	}
	const k1 = 1.2
	n := 0
	for _, r := range title {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			n += 2 // a unigram and, mostly, a bigram
		}
	}
	norm := k1 * (1 - b + b*float64(n)/q.avg)
	var s float64
	for i, gr := range q.grams {
		tf := float64(strings.Count(title, gr))
		if tf > 0 {
			s += q.idf[i] * tf * (k1 + 1) / (tf + norm)
		}
	}
	return s
}
