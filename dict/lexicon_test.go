package dict

import (
	"slices"
	"testing"
)

// TestProducts: the lexicon's product nouns (tag n, the default) are
// found in titles leftmost-longest, each once; brands are no product nouns.
func TestProducts(t *testing.T) {
	lex := DefaultLexicon()
	for w, want := range map[string]bool{"手机壳": true, "蓝牙耳机": true, "钢化膜": true, "一加": false, "手机壳 ": false, "": false} {
		if got := lex.Product(w); got != want {
			t.Errorf("Product(%q) = %v, want %v", w, got, want)
		}
	}
	for title, want := range map[string][]string{
		"vbnm 中性v57运动蓝牙耳机私模无线耳麦": {"蓝牙耳机", "耳麦"},
		"华为mate40手机壳 送钢化膜 钢化膜":   {"手机壳", "钢化膜"},
		"apple iphone 15": nil,
		"":                nil,
	} {
		if got := lex.Products(title); !slices.Equal(got, want) {
			t.Errorf("Products(%q) = %q, want %q", title, got, want)
		}
	}

	custom, err := NewLexicon(Assets{Lexicon: "宇宙无敌牌 5000 brand\n超级无敌充电宝套装 3\n手機殼 9 n\n充电宝 10 x\n"})
	if err != nil {
		t.Fatal(err)
	}
	got := custom.Products(Normalize("宇宙无敌牌超级无敌充电宝套装 手機殼"))
	if want := []string{"超级无敌充电宝套装", "手机壳"}; !slices.Equal(got, want) {
		t.Errorf("custom lexicon: %q, want %q (untagged is n, normalised; brand and other tags are not)", got, want)
	}
}
