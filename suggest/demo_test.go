package suggest

import (
	"slices"
	"strings"
	"testing"

	"shopsearch/indexer"
	"shopsearch/models"
)

// demoProducts reads the demo catalog serve builds on first start, with
// its synthetic commercial fields (seed 42, serve's default).
func demoProducts(t *testing.T) []models.Product {
	t.Helper()
	var products []models.Product
	_, err := indexer.ReadCatalog(indexer.DemoCatalog(), indexer.FormatJSONL, func(p models.Product) error {
		indexer.Synthesize(&p, 42, testNow)
		products = append(products, p)
		return nil
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return products
}

// TestDemoLatinNames: on the fresh demo (no search log), Latin prefixes of
// the model and brand names its titles share suggest them, the name itself
// first, its models after it; units do not; the README's mixed example
// completes.
func TestDemoLatinNames(t *testing.T) {
	s := newBuilt(t, Config{}, Deps{Words: lexiconWords}, demoProducts(t))
	for _, tc := range []struct{ q, first string }{
		{"iphone", "iphone"},
		{"ipho", "iphone"},
		{"iPhone", "iphone"},
		{"ipa", "ipad"},
		{"maxig", "maxigenes"},
	} {
		r := mustSuggest(t, s, Request{Q: tc.q, N: 10})
		if len(r.Suggestions) == 0 || r.Suggestions[0].Text != tc.first {
			t.Errorf("%q: %s; want %s first", tc.q, join(texts(r)), tc.first)
		}
		for _, sg := range r.Suggestions {
			if len(sg.Categories) == 0 && strings.HasPrefix(sg.Text, "iphone") {
				t.Errorf("%q: %s has no categories", tc.q, sg.Text)
			}
		}
	}
	// README's mixed example. 苹果手机壳 (the demo's Apple-branded cases,
	// whose titles name 手机壳) may come before 苹果手机.
	for _, q := range []string{"苹果sj", "苹果s"} {
		if r := mustSuggest(t, s, Request{Q: q, N: 5}); !slices.Contains(texts(r)[:min(2, len(r.Suggestions))], "苹果手机") {
			t.Errorf("%q: %s; want 苹果手机 in the first two", q, join(texts(r)))
		}
	}
	r := mustSuggest(t, s, Request{Q: "iphone", N: 10})
	if _, ok := find(r, "iphone13"); !ok {
		t.Errorf("iphone: %s; want the model iphone13 among them", join(texts(r)))
	}
	for _, q := range []string{"mah", "ml"} {
		if r := mustSuggest(t, s, Request{Q: q, N: 10}); len(r.Suggestions) > 0 && r.Suggestions[0].Text == q {
			t.Errorf("%q: %s; a unit is no name", q, join(texts(r)))
		}
	}
	for _, h := range s.Hot().Hot {
		if h == "iphone" || h == "ipad" {
			t.Errorf("hot %v: a title name with no searches fills the hot list", s.Hot().Hot)
		}
	}
}

// TestTitleTerms: the Latin names titles share, with their model numbers
// written either way; units after numbers, two-letter runs, names in too
// few items and names the catalog already suggests are not added.
func TestTitleTerms(t *testing.T) {
	titles := []string{
		"Apple iPhone 13 手机壳 256GB", "iphone13 钢化膜 500ml", "IPHONE13Pro 保护套 kg", "蓝牙耳机 for iPhone xr",
		"华为 Mate40 手机壳", "mate40pro 钢化膜", "小米 ABC123 数据线", "OPPOA9 手机壳", "oppoa5 钢化膜",
		"手机壳 适用 OPPO", "钢化膜 oppo",
	}
	var products []models.Product
	for i, title := range titles {
		products = append(products, models.Product{ID: string(rune('a' + i)), Title: title, Brand: "Apple/苹果", Category: "数码>配件"})
	}
	products = append(products, models.Product{ID: "z", Title: "OPPO 手机", Brand: "OPPO", Category: "数码>手机"})
	s := newBuilt(t, Config{MinTitleItems: 2}, Deps{}, products)
	got := map[string]bool{}
	for _, q := range []string{"i", "m", "a", "g", "k", "x", "p", "f", "o"} {
		for _, sg := range mustSuggest(t, s, Request{Q: q, N: 20}).Suggestions {
			got[sg.Text] = true
		}
	}
	for _, want := range []string{"iphone", "iphone13", "mate", "mate40", "apple", "apple iphone", "苹果iphone13"} {
		if !got[want] {
			t.Errorf("%s not suggested; got %v", want, got)
		}
	}
	for _, not := range []string{"gb", "ml", "kg", "xr", "pro", "abc", "abc123", "for", "苹果apple", "apple apple", "oppoa", "苹果oppo", "apple oppo"} {
		if got[not] {
			t.Errorf("%s suggested; got %v", not, got)
		}
	}
}
