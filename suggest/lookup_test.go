package suggest

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"shopsearch/models"
)

// TestSuggestModes checks every way of matching on real product words and
// brands of the catalog sample.
func TestSuggestModes(t *testing.T) {
	s := newBuilt(t, Config{}, Deps{Words: sampleWords}, sampleProducts(t))
	tests := []struct {
		name, q, want, match string
	}{
		{"prefix one character", "手", "手机", MatchPrefix},
		{"prefix longer", "手机", "手机壳", MatchPrefix},
		{"prefix brand", "雅诗", "雅诗兰黛", MatchPrefix},
		{"prefix brand pair", "华为", "华为手机", MatchPrefix},
		{"prefix latin brand", "viv", "vivo", MatchPrefix},
		{"full pinyin, unfinished syllable", "shouj", "手机", MatchPinyin},
		{"full pinyin of a longer word", "shoujik", "手机壳", MatchPinyin},
		{"full pinyin with a space", "shou ji ke", "手机壳", MatchPinyin},
		{"full pinyin upper case", "LanYa", "蓝牙耳机", MatchPinyin},
		{"full pinyin of a brand", "yashilan", "雅诗兰黛", MatchPinyin},
		{"initials", "sjk", "手机壳", MatchInitials},
		{"initials of four", "lyej", "蓝牙耳机", MatchInitials},
		{"initials with a polyphone", "cwj", "长尾夹", MatchInitials},
		{"mixed initials", "苹果sj", "苹果手机", MatchMixed},
		{"mixed pinyin", "华为shou", "华为手机", MatchMixed},
		{"mixed polyphone", "延chang", "延长线", MatchMixed},
		{"traditional brand", "蘋果", "苹果", MatchPrefix},
		{"traditional word", "藍牙耳", "蓝牙耳机", MatchPrefix},
		{"traditional polyphone", "長尾", "长尾夹", MatchPrefix},
		{"full-width latin", "ｖｉｖｏ", "vivo", MatchPrefix},
		{"polyphone 行 hang", "yinhang", "银行卡套", MatchPinyin},
		{"polyphone 长 chang", "changwei", "长尾夹", MatchPinyin},
		{"polyphone 长 inside", "yanchang", "延长线", MatchPinyin},
		{"polyphone 行 xing", "xinglix", "行李箱", MatchPinyin},
		{"polyphone 重 zhong", "tizhong", "体重秤", MatchPinyin},
		{"polyphone 调 tiao", "kongt", "空调", MatchPinyin},
		{"polyphone 长裤", "changk", "长裤", MatchPinyin},
		{"fuzzy transposition", "shuoji", "手机", MatchFuzzy},
		{"fuzzy substitution", "xiaomo", "小米", MatchFuzzy},
		{"fuzzy latin brand", "appel", "apple", MatchFuzzy},
		{"fuzzy unfinished", "lanyaer", "蓝牙耳机", MatchPinyin},
		{"fuzzy unfinished with typo", "lnayaer", "蓝牙耳机", MatchFuzzy},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := mustSuggest(t, s, Request{Q: tc.q})
			got, ok := find(r, tc.want)
			if !ok {
				t.Fatalf("%q: %s; want %s among them", tc.q, join(texts(r)), tc.want)
			}
			if got.Match != tc.match {
				t.Errorf("%q → %s matched by %s; want %s", tc.q, tc.want, got.Match, tc.match)
			}
			if r.Q != tc.q {
				t.Errorf("response q = %q; want %q", r.Q, tc.q)
			}
		})
	}
}

// TestSuggestBrandChineseName: a brand with a Chinese name gets pairs
// under it even when the titles write only its Latin name, so a Chinese
// head then pinyin (苹果sj) completes; the name the title writes keeps its
// own pair. A product whose title names no product noun pairs its brand
// with its leaf category when the title names it, and with nothing else.
func TestSuggestBrandChineseName(t *testing.T) {
	products := []models.Product{
		{ID: "a1", Title: "Apple iPhone 15 Pro 手机 256GB 黑色", Brand: "Apple/苹果", Category: "数码>手机", Sales30d: 50},
		{ID: "a2", Title: "Apple 数据线 USB-C 1米", Brand: "Apple/苹果", Category: "数码>配件", Sales30d: 20},
		{ID: "v1", Title: "vivo X100 手机 蔡司影像", Brand: "vivo", Category: "数码>手机", Sales30d: 30},
		// No product noun in the title (sampleWords): the leaf category the
		// title names stands for one.
		{ID: "h1", Title: "华为 MatePad 11 平板电脑 8+128GB", Brand: "Huawei/华为", Category: "数码>平板电脑", Sales30d: 10},
		{ID: "h2", Title: "华为 智能手表 GT4", Brand: "华为", Category: "数码>穿戴>运动手环", Sales30d: 10},
	}
	s := newBuilt(t, Config{}, Deps{Words: sampleWords}, products)
	for _, tc := range []struct{ q, want, match string }{
		{"苹果sj", "苹果手机", MatchMixed},
		{"苹果s", "苹果数据线", MatchMixed},
		{"苹果", "苹果手机", MatchPrefix},
		{"apple", "apple手机", MatchPrefix},
		{"vivos", "vivo手机", MatchPinyin},
		{"华为pb", "华为平板电脑", MatchMixed},
	} {
		r := mustSuggest(t, s, Request{Q: tc.q})
		if got, ok := find(r, tc.want); !ok || got.Match != tc.match {
			t.Errorf("%q: %s; want %s by %s", tc.q, join(texts(r)), tc.want, tc.match)
		}
	}
	if r := mustSuggest(t, s, Request{Q: "华为"}); slices.ContainsFunc(r.Suggestions, func(s Suggestion) bool {
		return strings.HasPrefix(s.Text, "华为数码") || s.Text == "华为运动手环"
	}) {
		t.Errorf("a pair with a category level the title does not name: %s", join(texts(r)))
	}
}

// TestSuggestNoWords: without Deps.Words there are no product-noun
// candidates nor pairs with them (suggest reads no annotated product word);
// brands, category levels and brand + leaf-category pairs still come.
func TestSuggestNoWords(t *testing.T) {
	products := []models.Product{
		{ID: "a1", Title: "Apple iPhone 15 Pro 手机 256GB 黑色", Brand: "Apple/苹果", Category: "数码>手机", ProductWord: "手机", Sales30d: 50},
		{ID: "a2", Title: "Apple 数据线 USB-C 1米", Brand: "Apple/苹果", Category: "数码>配件", ProductWord: "数据线", Sales30d: 20},
	}
	s := newBuilt(t, Config{}, Deps{}, products)
	for _, q := range []string{"数据", "sjx", "苹果s"} {
		if r := mustSuggest(t, s, Request{Q: q}); slices.ContainsFunc(texts(r), func(x string) bool { return strings.Contains(x, "数据线") }) {
			t.Errorf("%q: %s; no Words, yet a product noun", q, join(texts(r)))
		}
	}
	for q, want := range map[string]string{"苹果": "苹果", "数码": "数码", "苹果sj": "苹果手机"} {
		if _, ok := find(mustSuggest(t, s, Request{Q: q}), want); !ok {
			t.Errorf("%q: want %s", q, want)
		}
	}
}

// TestSuggestNoMatch checks inputs that must not match: fuzzy is for
// Latin input of three letters or more only, and pinyin is not for Chinese
// input.
func TestSuggestNoMatch(t *testing.T) {
	s := newBuilt(t, Config{}, Deps{Words: sampleWords}, sampleProducts(t))
	tests := []struct {
		q, notWant string
	}{
		{"sx", "手机"},     // two letters: no fuzzy (sj would be initials)
		{"手鸡", "手机"},     // a homophone is not a prefix
		{"qqqqqq", "手机"}, // nothing near
		{"苹果zz", "苹果手机"}, // mixed needs the pinyin to fit
	}
	for _, tc := range tests {
		r := mustSuggest(t, s, Request{Q: tc.q})
		if _, ok := find(r, tc.notWant); ok {
			t.Errorf("%q: %s; want no %s", tc.q, join(texts(r)), tc.notWant)
		}
	}
}

func TestSuggestCategories(t *testing.T) {
	s := newBuilt(t, Config{}, Deps{Words: sampleWords}, sampleProducts(t))
	tests := []struct {
		q, text string
		cats    []string
	}{
		{"手机壳", "手机壳", []string{"手机配件"}},
		{"手机", "手机", []string{"智能手机"}},
		{"长尾", "长尾夹", []string{"办公用品"}},
	}
	for _, tc := range tests {
		r := mustSuggest(t, s, Request{Q: tc.q})
		got, ok := find(r, tc.text)
		if !ok {
			t.Fatalf("%q: %s; want %s", tc.q, join(texts(r)), tc.text)
		}
		if len(got.Categories) == 0 || got.Categories[0] != tc.cats[0] || len(got.Categories) > 2 {
			t.Errorf("%s categories = %v; want %v first, at most two", tc.text, got.Categories, tc.cats)
		}
	}
}

func TestSuggestValidation(t *testing.T) {
	s := newBuilt(t, Config{}, Deps{Words: sampleWords}, sampleProducts(t))
	tests := []struct {
		name string
		req  Request
		ok   bool
		n    int // suggestions at most
	}{
		{"default n", Request{Q: "手"}, true, 10},
		{"n 1", Request{Q: "手", N: 1}, true, 1},
		{"n max", Request{Q: "手", N: 20}, true, 20},
		{"n over max", Request{Q: "手", N: 21}, false, 0},
		{"n negative", Request{Q: "手", N: -1}, false, 0},
		{"50 runes", Request{Q: strings.Repeat("手", 50)}, true, 10},
		{"51 runes", Request{Q: strings.Repeat("手", 51)}, false, 0},
		{"invalid UTF-8", Request{Q: "手\xff"}, false, 0},
	}
	for _, tc := range tests {
		r, err := s.Suggest(tc.req)
		if tc.ok != (err == nil) {
			t.Errorf("%s: err = %v; want ok %v", tc.name, err, tc.ok)
			continue
		}
		if err != nil {
			var me *models.Error
			if !errors.As(err, &me) || me.Code != models.EINVALID {
				t.Errorf("%s: err = %v; want an invalid error", tc.name, err)
			}
			continue
		}
		if len(r.Suggestions) > tc.n {
			t.Errorf("%s: %d suggestions; want at most %d", tc.name, len(r.Suggestions), tc.n)
		}
	}
}

// TestSuggestOddInputs runs inputs that must neither panic nor fail.
func TestSuggestOddInputs(t *testing.T) {
	s := newBuilt(t, Config{}, Deps{Words: sampleWords}, sampleProducts(t))
	for _, q := range []string{"", " ", "'", "''", "\x00", "😀", "手😀", "!!!", "手机!!", "a", "1", "12345",
		"-", "\"", "ａ", strings.Repeat("a", 50), strings.Repeat("sj", 25), "苹果" + strings.Repeat("s", 48),
		"shou'ji", "\u200b", "ǖ", "ß", "한국", "カメラ", "手机 壳 ", "sj k"} {
		if _, err := s.Suggest(Request{Q: q}); err != nil {
			t.Errorf("Suggest(%q): %v", q, err)
		}
	}
}

// FuzzSuggest checks that no input panics or fails validation-free.
func FuzzSuggest(f *testing.F) {
	s := newBuilt(f, Config{}, Deps{Words: sampleWords}, sampleProducts(f))
	for _, q := range []string{"手", "shouj", "sjk", "苹果sj", "蘋果", "shuoji", "", "长q", "xi'an"} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, q string) {
		r, err := s.Suggest(Request{Q: q})
		if err != nil {
			var me *models.Error
			if !errors.As(err, &me) || me.Code != models.EINVALID {
				t.Fatalf("Suggest(%q): %v", q, err)
			}
			return
		}
		if len(r.Suggestions) > s.cfg.DefaultN {
			t.Fatalf("Suggest(%q): %d suggestions", q, len(r.Suggestions))
		}
	})
}

// TestHeavyPrefixes checks that answering crowded prefixes from the table
// of best candidates gives what scanning every key gives.
func TestHeavyPrefixes(t *testing.T) {
	products := sampleProducts(t)
	small := newBuilt(t, Config{ScanKeys: 3}, Deps{Words: sampleWords}, products)
	full := newBuilt(t, Config{ScanKeys: 1 << 20}, Deps{Words: sampleWords}, products)
	if small.Stats().Prefixes == 0 {
		t.Fatal("ScanKeys 3 made no heavy prefixes")
	}
	if full.Stats().Prefixes != 0 {
		t.Fatalf("ScanKeys 2^20 made %d heavy prefixes", full.Stats().Prefixes)
	}
	for _, q := range []string{"手", "手机", "s", "sh", "shou", "sj", "c", "l", "华", "苹果s", "x", "ch"} {
		a := mustSuggest(t, small, Request{Q: q, N: 5})
		b := mustSuggest(t, full, Request{Q: q, N: 5})
		if !slices.Equal(texts(a), texts(b)) {
			t.Errorf("%q: heavy table gives %s; full scan %s", q, join(texts(a)), join(texts(b)))
		}
	}
}
