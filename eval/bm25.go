package eval

import (
	"context"
	"fmt"
	"math"
	"os"
	"slices"
	"unicode"

	"shopsearch/dict"
	"shopsearch/indexer"
	"shopsearch/models"
	"shopsearch/query"
)

// BM25 is the reference lexical baseline the relevance sets quote: BM25
// (k1 1.2, b 0.75) over the character unigrams and bigrams of each title,
// OR semantics, over the whole catalog. It is written here, in thirty
// lines of scoring, because it is a yardstick, not a search engine: the
// engine must beat it, and it must not change when the engine does.
type BM25 struct {
	ids      []string
	lens     []float64
	avgLen   float64
	postings map[string][]posting
}

type posting struct {
	doc uint32
	tf  float32
}

// NewBM25 indexes the titles of products.
func NewBM25(products []models.Product) *BM25 {
	b := &BM25{postings: map[string][]posting{}}
	var total float64
	for i, p := range products {
		grams := charGrams(p.Title)
		tf := map[string]float32{}
		for _, g := range grams {
			tf[g]++
		}
		for g, n := range tf {
			b.postings[g] = append(b.postings[g], posting{uint32(i), n})
		}
		b.ids = append(b.ids, p.ID)
		b.lens = append(b.lens, float64(len(grams)))
		total += float64(len(grams))
	}
	if len(products) > 0 {
		b.avgLen = total / float64(len(products))
	}
	return b
}

// charGrams are the unigrams and bigrams of the letters and digits of the
// normalised text, bigrams only across adjacent characters.
func charGrams(s string) []string {
	rs := []rune(dict.Normalize(s))
	var out []string
	for i, r := range rs {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			continue
		}
		out = append(out, string(r))
		if i+1 < len(rs) && (unicode.IsLetter(rs[i+1]) || unicode.IsDigit(rs[i+1])) {
			out = append(out, string(rs[i:i+2]))
		}
	}
	return out
}

// Search returns the best req.Size items by BM25, ties by catalog order.
func (b *BM25) Search(_ context.Context, req query.Request) (*query.Response, error) {
	const k1, bb = 1.2, 0.75
	n := float64(len(b.ids))
	score := map[uint32]float64{}
	for _, g := range charGrams(req.Text) {
		ps := b.postings[g]
		if len(ps) == 0 {
			continue
		}
		idf := math.Log(1 + (n-float64(len(ps))+0.5)/(float64(len(ps))+0.5))
		for _, p := range ps {
			tf := float64(p.tf)
			score[p.doc] += idf * tf * (k1 + 1) / (tf + k1*(1-bb+bb*b.lens[p.doc]/b.avgLen))
		}
	}
	docs := make([]uint32, 0, len(score))
	for d := range score {
		docs = append(docs, d)
	}
	slices.SortFunc(docs, func(x, y uint32) int {
		if score[x] != score[y] {
			if score[x] > score[y] {
				return -1
			}
			return 1
		}
		return int(x) - int(y)
	})
	size := req.Size
	if size <= 0 {
		size = 20
	}
	resp := &query.Response{Query: req.Text}
	for _, d := range docs[:min(size, len(docs))] {
		resp.Items = append(resp.Items, query.Item{ID: b.ids[d], Score: score[d]})
	}
	return resp, nil
}

// BuildBM25 reads a catalog file and indexes it for the baseline.
func BuildBM25(catalog string) (*BM25, error) {
	f, err := os.Open(catalog)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var products []models.Product
	if _, err := indexer.ReadCatalog(f, indexer.FormatFromPath(catalog), func(p models.Product) error {
		products = append(products, p)
		return nil
	}, nil); err != nil {
		return nil, fmt.Errorf("read %s: %w", catalog, err)
	}
	return NewBM25(products), nil
}
