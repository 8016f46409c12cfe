package query

import (
	"cmp"
	"slices"
	"strings"
	"testing"

	"shopsearch/models"
	"shopsearch/rank"
)

// matchSet returns the ids of the exact (tier 0) items of a search for text.
func matchSet(t *testing.T, e *Engine, text string) []string {
	t.Helper()
	got := ids(exact(search(t, e, Request{Text: text, Size: 100}).Items))
	slices.Sort(got)
	return got
}

func TestSearchRequiresEveryTerm(t *testing.T) {
	t.Parallel()
	e, _ := openCatalog(t, catalog())
	for _, text := range []string{
		"格力 变频空调", "苹果手机", "iphone 15 pro", "罗技 鼠标", "雅诗兰黛 精华", "美的 空调",
		"35gw", "256GB 手机", "兰蔻 小黑瓶 精华", "金士顿 内存条 16g", "小米 5g手机",
	} {
		t.Run(text, func(t *testing.T) {
			plan := Analyze(Parse(text), e.an, e.store.IsBrand)
			resp := search(t, e, Request{Text: text, Size: 100})
			if len(exact(resp.Items)) == 0 {
				t.Fatalf("no exact match; items %v", ids(resp.Items))
			}
			seenPartial := false
			for _, it := range resp.Items {
				p, _ := e.Store().Get(it.ID)
				have := terms(p)
				var missing []string
				for _, term := range plan.Required {
					if !have[term] {
						missing = append(missing, term)
					}
				}
				switch {
				case !it.Partial && len(missing) > 0:
					t.Errorf("%s %q is an exact match but lacks %v", it.ID, p.Title, missing)
				case it.Partial && len(missing) == 0:
					t.Errorf("%s %q has every term but is marked partial", it.ID, p.Title)
				case !it.Partial && seenPartial:
					t.Errorf("%s is exact but comes after a partial item: %v", it.ID, ids(resp.Items))
				}
				seenPartial = seenPartial || it.Partial
			}
		})
	}
}

func TestSearchRelaxesWhenNothingMatchesEveryTerm(t *testing.T) {
	t.Parallel()
	e, _ := openCatalog(t, catalog())
	tests := []struct {
		text    string
		dropped []string
		brand   string // every item must have it, "" for none
	}{
		{"格力 冰箱", []string{"冰箱"}, "格力"},
		{"变频 冰箱", []string{"冰箱"}, ""},
		{"兰蔻 眼霜", []string{"眼霜"}, "Lancome/兰蔻"},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			resp := search(t, e, Request{Text: tt.text})
			if resp.Relaxed == nil {
				t.Fatalf("no relaxed block; items %v", ids(resp.Items))
			}
			if resp.Relaxed.Exact != 0 || !slices.Equal(resp.Relaxed.Dropped, tt.dropped) || resp.Relaxed.Message == "" {
				t.Errorf("relaxed = %+v, want exact 0, dropped %v and a message", resp.Relaxed, tt.dropped)
			}
			if len(resp.Items) == 0 || resp.Total != len(resp.Items) {
				t.Fatalf("total %d, items %v", resp.Total, ids(resp.Items))
			}
			for _, it := range resp.Items {
				if !it.Partial {
					t.Errorf("%s is not marked partial", it.ID)
				}
				if tt.brand != "" && it.Brand != tt.brand {
					t.Errorf("%s has brand %q; the brand term must stay required", it.ID, it.Brand)
				}
			}
		})
	}
}

func TestSearchPartialItemsFollowExactOnes(t *testing.T) {
	t.Parallel()
	e, _ := openCatalog(t, catalog())
	// Two items are 罗技 wireless mice (one with a traditional title); the
	// other 罗技 mouse and the other wireless items are partial matches.
	for _, sort := range []rank.Sort{rank.SortRelevance, rank.SortSales, rank.SortPriceAsc, rank.SortPriceDesc, rank.SortNewest} {
		resp := search(t, e, Request{Text: "罗技 无线鼠标", Sort: sort})
		if resp.Relaxed == nil || resp.Relaxed.Exact != 2 {
			t.Fatalf("sort %d: relaxed %+v, want 2 exact", sort, resp.Relaxed)
		}
		got := ids(resp.Items)
		if first := slices.Sorted(slices.Values(got[:2])); !slices.Equal(first, []string{"p31", "p33"}) || resp.Items[0].Partial || resp.Items[1].Partial {
			t.Errorf("sort %d: want the exact p31, p33 first, got %v", sort, got)
		}
		if len(got) < 3 || !slices.Contains(got[2:], "p30") {
			t.Errorf("sort %d: the other 罗技 mouse p30 should follow as partial: %v", sort, got)
		}
		for _, it := range resp.Items[2:] {
			if !it.Partial {
				t.Errorf("sort %d: %s after the exact items is not partial", sort, it.ID)
			}
		}
	}
}

func TestSearchRelaxedTiersInOrder(t *testing.T) {
	t.Parallel()
	e, _ := openCatalog(t, catalog())
	// Graded partial matches: 格力 and one of 变频/冰箱 (p10, p11) cover
	// most of the query; then the items with one of its words.
	for _, sort := range []rank.Sort{rank.SortRelevance, rank.SortSales, rank.SortPriceAsc, rank.SortPriceDesc, rank.SortNewest} {
		got := ids(search(t, e, Request{Text: "格力 变频 冰箱", Sort: sort}).Items)
		if len(got) < 4 || !slices.Equal(slices.Sorted(slices.Values(got[:2])), []string{"p10", "p11"}) {
			t.Errorf("sort %d: got %v, want p10 and p11 before the other 格力 items", sort, got)
		}
	}
}

func TestSearchRelaxedCountsExactAfterFilters(t *testing.T) {
	t.Parallel()
	e, _ := openCatalog(t, catalog())
	// p33 (a 罗技 wireless mouse) delivers only to sz: one exact item is left.
	resp := search(t, e, Request{Text: "罗技 无线鼠标", Filter: rank.Filter{Region: "bj"}})
	if resp.Relaxed == nil || resp.Relaxed.Exact != 1 {
		t.Fatalf("relaxed %+v, want 1 exact", resp.Relaxed)
	}
	if resp.Items[0].ID != "p31" || resp.Items[0].Partial || !resp.Items[1].Partial {
		t.Errorf("items %v", ids(resp.Items))
	}
	// Every partial item filtered out: nothing relaxed to report.
	resp = search(t, e, Request{Text: "罗技 无线鼠标", Filter: rank.Filter{Region: "sz", Platform: "pop", Brands: []string{"罗技"}}})
	if resp.Relaxed != nil || !slices.Equal(ids(resp.Items), []string{"p33"}) {
		t.Errorf("relaxed %+v, items %v; want p33 alone, not relaxed", resp.Relaxed, ids(resp.Items))
	}
}

func TestSearchMatching(t *testing.T) {
	t.Parallel()
	e, _ := openCatalog(t, catalog())
	tests := []struct {
		name, text string
		want       []string // the exact matches, sorted
	}{
		{"traditional query", "蘋果手機", []string{"p02", "p06", "p38"}},
		{"traditional finds the same as simplified", "苹果手机", []string{"p02", "p06", "p38"}},
		{"taiwan word 滑鼠", "滑鼠", []string{"p30", "p31", "p32", "p33", "p39"}},
		{"taiwan word 記憶體", "記憶體", []string{"p34", "p35"}},
		{"simplified finds a traditional title", "罗技 无线鼠标", []string{"p31", "p33"}},
		{"full-width", "ＩＰＨＯＮＥ　１５", []string{"p01", "p02", "p06", "p08"}},
		{"upper case", "IPHONE 15 PRO", []string{"p01", "p06"}},
		{"model code part", "35gw", []string{"p10", "p12"}},
		{"whole model code", "KFR-35GW", []string{"p10", "p12"}},
		{"joined model code", "kfr35gw", []string{"p10", "p12"}},
		{"unit without B", "256G", []string{"p01", "p05", "p37"}},
		{"unit with B", "256gb", []string{"p01", "p05", "p37"}},
		{"spaced unit", "256 GB", []string{"p01", "p05", "p37"}},
		{"chinese unit", "1.5匹 空调", []string{"p10", "p12"}},
		{"exclusion", "苹果手机 -二手", []string{"p02", "p06"}},
		{"full-width exclusion", "苹果手机 －二手", []string{"p02", "p06"}},
		{"excluded phrase", `空调 -"变频 空调"`, []string{"p11", "p14", "p15", "p16", "p17"}},
		{"terms anywhere", "变频 空调", []string{"p10", "p11", "p12", "p13"}},
		{"phrase needs the words together", `"变频 空调"`, []string{"p10", "p12", "p13"}},
		{"chinese-quoted phrase", "“变频空调” 格力", []string{"p10"}},
		{"full-width quotes", "＂变频 空调＂", []string{"p10", "p12", "p13"}},
		{"traditional phrase in corner brackets", "「變頻 空調」", []string{"p10", "p12", "p13"}},
		{"brand field", "lancome 面霜", []string{"p23"}},
		{"attribute value", "金色 吸尘器", []string{"p43"}},
		{"leaf category", "挂壁式空调 美的", []string{"p12"}},
		{"sub-word finds the longer word", "内存", []string{"p34", "p35"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := matchSet(t, e, tt.text); !slices.Equal(got, tt.want) {
				t.Errorf("%q matches %v, want %v", tt.text, got, tt.want)
			}
		})
	}
}

func TestSearchPhraseIsNeverRelaxed(t *testing.T) {
	t.Parallel()
	e, _ := openCatalog(t, catalog())
	resp := search(t, e, Request{Text: `"变频 冰箱"`})
	if resp.Relaxed != nil || len(resp.Items) != 0 {
		t.Errorf("relaxed %+v, items %v; want nothing", resp.Relaxed, ids(resp.Items))
	}
}

func TestSearchHighlight(t *testing.T) {
	t.Parallel()
	e, _ := openCatalog(t, catalog())
	tests := []struct {
		text, id, want string
	}{
		{"变频空调", "p10", "格力 KFR-35GW 1.5匹 <em>变频空调</em> 冷暖 挂机 一级能效"},
		{"变频空调", "p11", "格力 云佳 KFR-26GW 大1匹 <em>变频</em>冷暖 <em>空调</em>挂机"},
		{"35gw", "p10", "格力 KFR-<em>35GW</em> 1.5匹 变频空调 冷暖 挂机 一级能效"},
		{"ＩＰＨＯＮＥ", "p02", "Apple <em>iPhone</em> 15 128GB 蓝色 苹果手机"},
		{"鼠标", "p33", "羅技 無線<em>滑鼠</em> 辦公 靜音"},
		{"罗技 无线鼠标", "p33", "<em>羅技</em> <em>無線滑鼠</em> 辦公 靜音"},
		{"256GB", "p37", "闪迪 <em>256G</em> U盘 高速 USB3.1"},
		{"鼠标垫", "p39", "&lt;script&gt;alert(1)&lt;/script&gt; 超大 <em>鼠标垫</em> 加厚"},
		{"script 鼠标垫", "p39", "&lt;<em>script</em>&gt;alert(1)&lt;/<em>script</em>&gt; 超大 <em>鼠标垫</em> 加厚"},
	}
	for _, tt := range tests {
		t.Run(tt.text+"/"+tt.id, func(t *testing.T) {
			resp := search(t, e, Request{Text: tt.text, Size: 100})
			i := slices.IndexFunc(resp.Items, func(it Item) bool { return it.ID == tt.id })
			if i < 0 {
				t.Fatalf("%s not found: %v", tt.id, ids(resp.Items))
			}
			if got := resp.Items[i].Highlight; got != tt.want {
				t.Errorf("highlight\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestSearchHighlightNeverPassesMarkupThrough(t *testing.T) {
	t.Parallel()
	e, _ := openCatalog(t, catalog())
	for _, text := range []string{"鼠标垫", "script", "alert", "超大"} {
		for _, it := range search(t, e, Request{Text: text}).Items {
			stripped := strings.NewReplacer("<em>", "", "</em>", "").Replace(it.Highlight)
			if strings.ContainsAny(stripped, "<>") {
				t.Errorf("%q: %s highlight has raw markup: %s", text, it.ID, it.Highlight)
			}
		}
	}
}

func TestSearchItemFields(t *testing.T) {
	t.Parallel()
	e, _ := openCatalog(t, catalog())
	byID := map[string]Item{}
	for _, it := range search(t, e, Request{Text: "空调", Size: 100}).Items {
		byID[it.ID] = it
	}
	tests := []struct {
		id          string
		price, gift float64
		stock       string
	}{
		{"p10", 3299, 2999, "in_stock"}, // promotion
		{"p11", 2599, 0, "in_stock"},
		{"p12", 2799, 2499, "in_stock"}, // stock unknown
		{"p14", 1899, 0, "out_of_stock"},
		{"p13", 6999, 0, "low_stock"},
	}
	for _, tt := range tests {
		it := byID[tt.id]
		if it.Price != tt.price || it.PromoPrice != tt.gift || it.Stock != tt.stock {
			t.Errorf("%s: price %v promo %v stock %q, want %v %v %q", tt.id, it.Price, it.PromoPrice, it.Stock, tt.price, tt.gift, tt.stock)
		}
	}
	if it := byID["p10"]; it.Brand != "格力" || it.Category != catWallAC || it.Platform != "self" || it.Score <= 0 {
		t.Errorf("p10: %+v", it)
	}
}

func TestSearchHighlightMapsBackToTheTitle(t *testing.T) {
	t.Parallel()
	// Titles whose normalised form differs from what was written: the marks
	// land on the original characters.
	e, _ := openCatalog(t, []models.Product{
		{ID: "fw", Title: "ＳＯＮＹ　索尼　ＷＨ－１０００ＸＭ５　头戴式耳机"},
		{ID: "tw", Title: "羅技 藍牙滑鼠 & 鍵盤組"},
		{ID: "emoji", Title: "🔥爆款🔥 Redmi 耳机 <蓝牙5.3>"},
	})
	tests := []struct {
		text, id, want string
	}{
		{"sony 耳机", "fw", "<em>ＳＯＮＹ</em>　索尼　ＷＨ－１０００ＸＭ５　头戴式<em>耳机</em>"},
		{"wh-1000xm5", "fw", "ＳＯＮＹ　索尼　<em>ＷＨ－１０００ＸＭ５</em>　头戴式耳机"},
		{"蓝牙 鼠标", "tw", "羅技 <em>藍牙滑鼠</em> &amp; 鍵盤組"},
		{"redmi 耳机", "emoji", "🔥爆款🔥 <em>Redmi</em> <em>耳机</em> &lt;蓝牙5.3&gt;"},
	}
	for _, tt := range tests {
		resp := search(t, e, Request{Text: tt.text})
		i := slices.IndexFunc(resp.Items, func(it Item) bool { return it.ID == tt.id })
		if i < 0 {
			t.Errorf("%q: %s not found: %v", tt.text, tt.id, ids(resp.Items))
			continue
		}
		if got := resp.Items[i].Highlight; got != tt.want {
			t.Errorf("%q:\n got %s\nwant %s", tt.text, got, tt.want)
		}
	}
}

// Length normalisation: phase 1's BM25 over words does not normalise by
// length (b = 0, see indexer.BM25LengthNorm), but graded matching's BM25
// over character grams does (GradeConfig.CharsB, chosen on half of every
// labelled set): a short title that is about the word ranks first, a title
// with the word twice above a long one with it once, and the long one is
// still found.
func TestSearchTitleLengthIsNormalised(t *testing.T) {
	t.Parallel()
	e, _ := openCatalog(t, []models.Product{
		{ID: "short", Title: "兰蔻 菁纯 面霜"},
		{ID: "long", Title: "兰蔻 菁纯 套装 面霜 眼霜 精华水 洁面乳 卸妆油 礼盒 三件套 生日礼物 送女友"},
		{ID: "twice", Title: "兰蔻 菁纯 面霜 60ml 滋润 面霜 礼盒 三件套 生日礼物 送女友 眼霜 卸妆油"},
		{ID: "other", Title: "雅诗兰黛 多效智妍 乳液"},
	})
	resp := search(t, e, Request{Text: "面霜"})
	if got := ids(resp.Items); !slices.Equal(got, []string{"short", "twice", "long"}) {
		t.Errorf("got %v, want short, twice, long", got)
	}
}

func TestCutTies(t *testing.T) {
	t.Parallel()
	c := func(id string, score float64) rank.Candidate { return rank.Candidate{ID: id, Score: score} }
	byHash := func(ids ...string) []string { // ids in the order cutTies puts tied ones
		slices.SortFunc(ids, func(a, b string) int { return cmp.Compare(idHash(a), idHash(b)) })
		return ids
	}
	tied := []rank.Candidate{c("a", 3), c("b", 2), c("c", 2), c("d", 2), c("e", 2), c("f", 1)}
	tests := []struct {
		name     string
		cands    []rank.Candidate
		k        int
		complete bool
		want     []string
	}{
		{"better ones, then the tied ones by id hash", tied, 3, true, append([]string{"a"}, byHash("b", "c", "d", "e")[:2]...)},
		{"the same whatever order Bleve returned the ties in",
			[]rank.Candidate{c("a", 3), c("e", 2), c("d", 2), c("c", 2), c("b", 2), c("f", 1)}, 3, true,
			append([]string{"a"}, byHash("b", "c", "d", "e")[:2]...)},
		{"a tie running to the end of a complete list", tied[:5], 3, true, append([]string{"a"}, byHash("b", "c", "d", "e")[:2]...)},
		{"a tie that may run past the fetched ones is left out", tied[:5], 3, false, []string{"a"}},
		{"everything tied and more beyond: nothing fair to return", tied[1:5], 2, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			e := &Engine{store: rank.NewStore(nil, nil)} // the ids are given
			for _, x := range e.cutTies(slices.Clone(tt.cands), tt.k, tt.complete) {
				got = append(got, x.ID)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("cutTies = %v, want %v", got, tt.want)
			}
		})
	}
}
