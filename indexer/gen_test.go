package indexer

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"shopsearch/dict"
	"shopsearch/models"
)

// genTitles is a sample of real titles from the shared catalog (see
// testdata/gen-titles.md).
const genTitles = "testdata/gen-titles.jsonl"

// sharedTitles is the whole shared catalog, beside the repository.
const sharedTitles = "../../shared/data/catalog/titles.jsonl"

func learnFixture(t *testing.T, path string) *Vocabulary {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	v, err := LearnVocabulary(f, dict.Default())
	if err != nil {
		t.Fatal(err)
	}
	return v
}

type genFiles struct{ catalog, queries, events bytes.Buffer }

func generate(t *testing.T, v *Vocabulary, cfg GenConfig) (*genFiles, GenStats) {
	t.Helper()
	var out genFiles
	st, err := Generate(v, dict.Default(), cfg, GenOutput{Catalog: &out.catalog, Queries: &out.queries, Events: &out.events})
	if err != nil {
		t.Fatal(err)
	}
	return &out, st
}

func smallGenConfig(n int, seed int64) GenConfig {
	return GenConfig{N: n, Seed: seed, Queries: 200, Searches: 5000, Events: 3000, Users: 50}
}

func TestGenerateDeterministic(t *testing.T) {
	v := learnFixture(t, genTitles)
	a, _ := generate(t, v, smallGenConfig(300, 7))
	b, _ := generate(t, v, smallGenConfig(300, 7))
	for name, pair := range map[string][2]*bytes.Buffer{
		"catalog": {&a.catalog, &b.catalog}, "queries": {&a.queries, &b.queries}, "events": {&a.events, &b.events},
	} {
		if pair[0].Len() == 0 || !bytes.Equal(pair[0].Bytes(), pair[1].Bytes()) {
			t.Errorf("%s: two runs with seed 7 differ (or are empty: %d bytes)", name, pair[0].Len())
		}
	}
	// A product depends only on the seed and its position: a shorter run
	// writes the same first lines.
	short, _ := generate(t, v, smallGenConfig(120, 7))
	first := lines(a.catalog.String())[:120]
	if got := lines(short.catalog.String()); strings.Join(got, "\n") != strings.Join(first, "\n") {
		t.Errorf("the first 120 products of n=300 and n=120 differ")
	}
	other, _ := generate(t, v, smallGenConfig(120, 8))
	if other.catalog.String() == short.catalog.String() {
		t.Errorf("seeds 7 and 8 gave the same catalog")
	}
}

func lines(s string) []string { return strings.Split(strings.TrimSuffix(s, "\n"), "\n") }

func TestGenerateDistributions(t *testing.T) {
	v := learnFixture(t, genTitles)
	cfg := smallGenConfig(10_000, 1)
	cfg.Events = 20_000
	out, st := generate(t, v, cfg)

	// The catalog reads back whole, as ReadCatalog sees it.
	var products []models.Product
	is, err := ReadCatalog(&out.catalog, FormatJSONL, func(p models.Product) error {
		products = append(products, p)
		return nil
	}, func(r Reject) { t.Errorf("line %d rejected: %s", r.Line, r.Reason) })
	if err != nil || is.Accepted != cfg.N {
		t.Fatalf("read back %s, %v; want %d accepted", is, err, cfg.N)
	}
	out0, promo, brand := 0, 0, 0
	for _, p := range products {
		n := utf8.RuneCountInString(p.Title)
		if n < 2 || n > 250 {
			t.Errorf("%s: title of %d runes: %q", p.ID, n, p.Title)
		}
		if p.ProductWord == "" || !strings.Contains(p.Title, p.ProductWord) {
			t.Errorf("%s: product word %q not in title %q", p.ID, p.ProductWord, p.Title)
		}
		if levels := strings.Split(p.Category, ">"); len(levels) != 2 || levels[0] == "" || levels[1] == "" {
			t.Errorf("%s: category %q, want top>leaf", p.ID, p.Category)
		}
		if p.HasStock && p.Stock == 0 {
			out0++
		}
		if p.PromoPrice > 0 {
			promo++
		}
		if p.Brand != "" {
			brand++
		}
	}
	share := func(k int) float64 { return float64(k) / float64(len(products)) }
	if s := share(out0); s < 0.05 || s > 0.10 {
		t.Errorf("out of stock: %.1f%%, want 5–10%%", 100*s)
	}
	if s := share(out0); s != float64(st.OutOfStock)/float64(cfg.N) {
		t.Errorf("stats say %d out of stock, the catalog %d", st.OutOfStock, out0)
	}
	if s := share(promo); s < 0.15 || s > 0.35 {
		t.Errorf("on promotion: %.1f%%, want about 25%%", 100*s)
	}
	if s, want := share(brand), v.pBrand; s < want-0.05 || s > want+0.05 {
		t.Errorf("with a brand: %.1f%%, the real titles %.1f%%", 100*s, 100*want)
	}
	// Lengths follow the real titles'.
	if d := st.Runes.Mean - v.RealRunes.Mean; d < -0.15*v.RealRunes.Mean || d > 0.15*v.RealRunes.Mean {
		t.Errorf("mean title length %.1f runes, real %.1f", st.Runes.Mean, v.RealRunes.Mean)
	}
	if d := st.Tokens.Mean - v.RealTokens.Mean; d < -0.25*v.RealTokens.Mean || d > 0.25*v.RealTokens.Mean {
		t.Errorf("mean title length %.1f tokens, real %.1f", st.Tokens.Mean, v.RealTokens.Mean)
	}

	checkQueries(t, out.queries.String(), st)
	checkEvents(t, out.events.String(), cfg)
}

// checkQueries checks queries.tsv: qid, text, count; most searched first;
// the counts add up to the searches.
func checkQueries(t *testing.T, tsv string, st GenStats) {
	t.Helper()
	prev, sum, n := int(^uint(0)>>1), 0, 0
	for _, line := range lines(tsv) {
		cols := strings.Split(line, "\t")
		if len(cols) != 3 || !strings.HasPrefix(cols[0], "q") || cols[1] == "" {
			t.Fatalf("queries.tsv line %q: want qid<TAB>text<TAB>count", line)
		}
		c, err := strconv.Atoi(cols[2])
		if err != nil || c < 1 || c > prev {
			t.Fatalf("queries.tsv line %q: count not a positive number in decreasing order", line)
		}
		prev, sum, n = c, sum+c, n+1
	}
	if n != st.Queries || sum != st.Searches || n == 0 {
		t.Errorf("queries.tsv: %d queries, %d searches; stats say %d, %d", n, sum, st.Queries, st.Searches)
	}
}

// checkEvents checks events.jsonl: the count, the schema, the funnel and
// that time never goes back within a session.
func checkEvents(t *testing.T, jsonl string, cfg GenConfig) {
	t.Helper()
	counts := map[string]int{}
	last := map[string]time.Time{}
	sc := bufio.NewScanner(strings.NewReader(jsonl))
	for sc.Scan() {
		var e genEvent
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("event %q: %v", sc.Text(), err)
		}
		ts, err := time.Parse(time.RFC3339, e.TS)
		if err != nil || e.User == "" || e.Item == "" || e.Session == "" {
			t.Fatalf("event %q: missing field or bad time", sc.Text())
		}
		if ts.Before(last[e.Session]) {
			t.Fatalf("event %q goes back in time within its session", sc.Text())
		}
		last[e.Session] = ts
		want, has := e.Type == EventImpression || e.Type == EventClick, e.Query != "" && e.Pos > 0
		if want != has {
			t.Errorf("event %q: query and pos are for impressions and clicks", sc.Text())
		}
		counts[e.Type]++
	}
	total := 0
	for _, c := range counts {
		total += c
	}
	if total != cfg.Events {
		t.Errorf("%d events, want %d", total, cfg.Events)
	}
	imp, click, cart, buy := counts[EventImpression], counts[EventClick], counts[EventAddToCart], counts[EventPurchase]
	if !(imp > click && click > cart && cart > 0 && buy > 0 && buy < click && counts[EventFavorite] > 0) {
		t.Errorf("implausible funnel: %v", counts)
	}
	if ctr := float64(click) / float64(imp); ctr < 0.02 || ctr > 0.10 {
		t.Errorf("click-through %.1f%%, want 2–10%%", 100*ctr)
	}
}

func TestLearnVocabularyNoTitles(t *testing.T) {
	for _, in := range []string{"", "\n\n", `{"title":"x"}` + "\n", "not json\n"} {
		if _, err := LearnVocabulary(strings.NewReader(in), dict.Default()); err == nil {
			t.Errorf("%q: learned a vocabulary, want an error", in)
		}
	}
}

func TestLearnVocabularySkipsProductLines(t *testing.T) {
	in := `{"title":"韩国AHC黄金套盒正品蜗牛玻尿酸水乳","brand":"AHC","product_word":"AHC 黄金面霜","source":"product1m_dev"}
{"title":"晨光可水洗水彩笔软头绘画24色儿童美术","brand":"晨光","product_word":"水彩笔","source":"gaiic2022_track2"}
{"title":"得力文件袋旅行收纳袋单色随机","brand":"其他","product_word":"文件袋","source":"gaiic2022_track2"}
{"title":"得\u007f力 中性笔 0.5mm","brand":"得\u007f力","product_word":"中性笔","source":"gaiic2022_track2"}
`
	v, err := LearnVocabulary(strings.NewReader(in), dict.Default())
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(v.words.items, ","); got != "中性笔,文件袋,水彩笔" {
		t.Errorf("product words %s, want 中性笔,文件袋,水彩笔 (no Product1M line labels)", got)
	}
	if got := strings.Join(v.brands.items, ","); got != "AHC,得力,晨光" {
		t.Errorf("brands %s, want AHC,得力,晨光 (no placeholders, no control characters)", got)
	}
	if !strings.Contains(strings.Join(v.units.items, ","), "24色") {
		t.Errorf("units %v lack 24色", v.units.items)
	}
}

// TestGenerateLikeSharedCatalog compares generated titles with the whole
// shared catalog's.
func TestGenerateLikeSharedCatalog(t *testing.T) {
	if testing.Short() {
		t.Skip("learns from 72,687 titles; skipped with -short")
	}
	if _, err := os.Stat(sharedTitles); err != nil {
		t.Skipf("shared catalog not found (%v): this test needs ../shared/data beside the repository", err)
	}
	v := learnFixture(t, sharedTitles)
	cfg := smallGenConfig(5000, 1)
	_, st := generate(t, v, cfg)
	t.Logf("runes: real %s; generated %s", v.RealRunes, st.Runes)
	t.Logf("tokens: real %s; generated %s", v.RealTokens, st.Tokens)
	near := func(got, want, tol float64) bool { return got >= want*(1-tol) && got <= want*(1+tol) }
	if !near(st.Runes.Mean, v.RealRunes.Mean, 0.05) || !near(float64(st.Runes.Median), float64(v.RealRunes.Median), 0.1) ||
		!near(float64(st.Runes.P90), float64(v.RealRunes.P90), 0.1) {
		t.Errorf("title length in runes: generated %s, real %s", st.Runes, v.RealRunes)
	}
	if !near(st.Tokens.Mean, v.RealTokens.Mean, 0.1) || !near(float64(st.Tokens.P90), float64(v.RealTokens.P90), 0.15) {
		t.Errorf("title length in tokens: generated %s, real %s", st.Tokens, v.RealTokens)
	}
}
