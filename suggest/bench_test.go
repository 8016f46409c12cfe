package suggest

import (
	"bufio"
	"fmt"
	"iter"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"shopsearch/dict"
	"shopsearch/models"
)

// benchProducts are synthetic products over real words: the brands and
// nouns of the embedded e-commerce lexicon (dict/assets/lexicon.txt, from
// the shared catalog and the MultiDigraph lexicons), one product per brand
// + noun pair (360,000 of them), titled "brand noun 新款", so that the
// build, finding the nouns in the titles with the lexicon as the service
// does (lexiconWords), makes about 370,000 candidates (brands, nouns,
// pairs) and a million keys. Categories and sales are made up.
func benchProducts(pairs int) iter.Seq[models.Product] {
	var brands, nouns []string
	sc := bufio.NewScanner(strings.NewReader(dict.DefaultAssets().Lexicon))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 3 || strings.HasPrefix(f[0], "#") || utf8.RuneCountInString(f[0]) < 2 {
			continue
		}
		if f[2] == "brand" {
			brands = append(brands, f[0])
		} else {
			nouns = append(nouns, f[0])
		}
	}
	return func(yield func(models.Product) bool) {
		r := rand.New(rand.NewPCG(1, 2))
		for i := range pairs {
			b, w := brands[r.IntN(len(brands))], nouns[r.IntN(len(nouns))]
			p := models.Product{
				ID: fmt.Sprint("b", i), Title: b + " " + w + " 新款", Brand: b,
				Category: fmt.Sprintf("类目%d>子类%d", r.IntN(30), r.IntN(400)), Sales30d: int64(r.ExpFloat64() * 100),
			}
			if !yield(p) {
				return
			}
		}
	}
}

var bench = struct {
	once    sync.Once
	s       *Suggester
	queries []string
}{}

// benchSetup builds the benchmark index once and makes the queries: for
// random candidates, a Chinese prefix, a full-pinyin prefix (often cut
// inside a syllable), an initials prefix, a mixed input, and a pinyin input
// with two letters swapped (fuzzy).
func benchSetup(b *testing.B) (*Suggester, []string) {
	bench.once.Do(func() {
		log := NewMemLog(0, 7)
		s, err := New(Config{}, Deps{Products: benchProducts(360_000), Log: log, Words: lexiconWords})
		if err != nil {
			b.Fatal(err)
		}
		dict.DefaultLexicon() // loaded before the build, so its time is the build's own
		start := time.Now()
		st, err := s.Rebuild(b.Context())
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("bench index: %d candidates, %d keys, %d heavy prefixes, FST %d bytes, built in %v",
			st.Candidates, st.Keys, st.Prefixes, st.FSTBytes, time.Since(start).Round(time.Millisecond))
		ix := s.ix.Load()
		r := rand.New(rand.NewPCG(3, 4))
		var qs []string
		for len(qs) < 5000 {
			c := ix.cands[r.IntN(len(ix.cands))]
			runes := []rune(c.key)
			full, ini, han := s.z.pinyinKeys(c.key)
			if !han || len(runes) < 2 || len(full) < 4 {
				continue
			}
			cut := 1 + r.IntN(len(runes))
			qs = append(qs, string(runes[:cut]))             // prefix
			qs = append(qs, full[:2+r.IntN(len(full)-1)])    // pinyin
			qs = append(qs, ini[:1+r.IntN(len(ini))])        // initials
			qs = append(qs, string(runes[:1])+ini[1:])       // mixed
			sw := []byte(full[:min(len(full), 3+r.IntN(6))]) // fuzzy
			sw[1], sw[2] = sw[2], sw[1]
			qs = append(qs, string(sw))
		}
		bench.s, bench.queries = s, qs
		runtime.GC() // the build's garbage is not the lookups' cost
	})
	if bench.s == nil {
		b.Fatal("bench setup failed")
	}
	return bench.s, bench.queries
}

// BenchmarkSuggest measures one lookup over about a million keys and
// reports the 50th and 99th percentile latency of single lookups.
func BenchmarkSuggest(b *testing.B) {
	s, qs := benchSetup(b)
	lat := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		start := time.Now()
		if _, err := s.Suggest(Request{Q: qs[i%len(qs)]}); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds())/1e3, "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds())/1e3, "p99-µs")
	b.ReportMetric(float64(lat[len(lat)-1].Nanoseconds())/1e3, "max-µs")
}

// BenchmarkSuggestParallel is BenchmarkSuggest from every core at once.
func BenchmarkSuggestParallel(b *testing.B) {
	s, qs := benchSetup(b)
	b.ReportAllocs()
	b.ResetTimer()
	var next sync.Mutex
	i := 0
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			next.Lock()
			q := qs[i%len(qs)]
			i++
			next.Unlock()
			if _, err := s.Suggest(Request{Q: q}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
