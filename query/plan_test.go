package query

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"shopsearch/dict"
)

func TestAnalyze(t *testing.T) {
	t.Parallel()
	brands := func(term string) bool { return term == "格力" || term == "兰蔻" || term == "apple" }
	tests := []struct {
		name string
		in   string
		want Plan
	}{
		{"compound: leaves required, whole word a bonus", "变频空调",
			Plan{Required: []string{"变频", "空调"}, Bonus: []string{"变频空调"}}},
		{"model code", "iphone15pro",
			Plan{Required: []string{"iphone", "15", "pro"}, Bonus: []string{"iphone15pro"}}},
		{"spaced model", "iPhone 15 Pro",
			Plan{Required: []string{"iphone", "15", "pro"}}},
		{"unit with B", "256GB", Plan{Required: []string{"256g"}}},
		{"unit without B", "256g", Plan{Required: []string{"256g"}}},
		{"spaced unit", "256 GB", Plan{Required: []string{"256g"}}},
		{"appliance code", "KFR-35GW",
			Plan{Required: []string{"kfr", "35", "gw"}, Bonus: []string{"kfr35gw", "35gw"}}},
		{"sub-word of a leaf is a bonus", "手机壳",
			Plan{Required: []string{"手机壳"}, Bonus: []string{"手机"}}},
		{"exclusion", "苹果手机 -二手",
			Plan{Required: []string{"苹果", "手机"}, Excluded: [][]string{{"二手"}}}},
		{"excluded compound keeps its leaves, adds no bonus", "空调 -变频空调",
			Plan{Required: []string{"空调"}, Excluded: [][]string{{"变频", "空调"}}}},
		{"full-width minus excludes", "手机 －二手",
			Plan{Required: []string{"手机"}, Excluded: [][]string{{"二手"}}}},
		{"phrase", `"无线鼠标" 静音`,
			Plan{Required: []string{"无线", "鼠标", "静音"}, Bonus: []string{"无线鼠标"}, Phrases: [][]string{{"无线", "鼠标"}}}},
		{"chinese-quoted phrase", "“变频 空调”",
			Plan{Required: []string{"变频", "空调"}, Phrases: [][]string{{"变频", "空调"}}}},
		{"one-leaf phrase is a plain term", `"鼠标"`, Plan{Required: []string{"鼠标"}}},
		{"duplicates once", "空调 空调 变频空调",
			Plan{Required: []string{"空调", "变频"}, Bonus: []string{"变频空调"}}},
		{"traditional", "蘋果手機", Plan{Required: []string{"苹果", "手机"}}},
		{"taiwan phrase", "滑鼠", Plan{Required: []string{"鼠标"}}},
		{"full-width", "ＩＰＨＯＮＥ　１５", Plan{Required: []string{"iphone", "15"}}},
		{"brand", "格力 变频空调",
			Plan{Required: []string{"格力", "变频", "空调"}, Brands: []string{"格力"}, Bonus: []string{"变频空调"}}},
		{"latin brand is matched lower-case", "Apple 手机",
			Plan{Required: []string{"apple", "手机"}, Brands: []string{"apple"}}},
		{"brand named twice counts once", "兰蔻 面霜 兰蔻",
			Plan{Required: []string{"兰蔻", "面霜"}, Brands: []string{"兰蔻"}}},
		{"only the first brand is the query's brand", "兰蔻 格力 面霜",
			Plan{Required: []string{"兰蔻", "格力", "面霜"}, Brands: []string{"兰蔻"}}},
		{"shop words are a bonus, never required", "格力 正品 空调 旗舰店",
			Plan{Required: []string{"格力", "空调"}, Brands: []string{"格力"}, Bonus: []string{"旗舰", "正品", "旗舰店"}}},
		{"shop words alone are required", "正品", Plan{Required: []string{"正品"}}},
		{"quoted shop words are required", `"正品 空调"`,
			Plan{Required: []string{"正品", "空调"}, Phrases: [][]string{{"正品", "空调"}}}},
		{"excluded brand is no query brand", "面霜 -兰蔻",
			Plan{Required: []string{"面霜"}, Excluded: [][]string{{"兰蔻"}}}},
		{"stop words only", "的", Plan{}},
		{"exclusion only", "-二手", Plan{Excluded: [][]string{{"二手"}}}},
		{"empty", "", Plan{}},
	}
	an := dict.Default()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Analyze(Parse(tt.in), an, brands)
			if !equalPlan(got, tt.want) {
				t.Errorf("Analyze(%q)\n got %+v\nwant %+v", tt.in, got, tt.want)
			}
		})
	}
}

// equalPlan compares plans treating nil and empty slices alike.
func equalPlan(a, b Plan) bool {
	return slices.Equal(a.Required, b.Required) && slices.Equal(a.Brands, b.Brands) &&
		slices.Equal(a.Bonus, b.Bonus) && equalNested(a.Phrases, b.Phrases) && equalNested(a.Excluded, b.Excluded)
}

func equalNested(a, b [][]string) bool {
	return len(a) == len(b) && (len(a) == 0 || reflect.DeepEqual(a, b))
}

func TestAnalyzeUnitEquivalence(t *testing.T) {
	t.Parallel()
	an := dict.Default()
	want := Analyze(Parse("256g"), an, nil).Required
	for _, q := range []string{"256GB", "256G", "256 GB", "256gb", "２５６ＧＢ"} {
		if got := Analyze(Parse(q), an, nil).Required; !slices.Equal(got, want) {
			t.Errorf("%q → %v, want %v (as 256g)", q, got, want)
		}
	}
}

func TestAnalyzeNilBrandFunc(t *testing.T) {
	t.Parallel()
	p := Analyze(Parse("格力 空调"), dict.Default(), nil)
	if len(p.Brands) != 0 || len(p.Required) != 2 {
		t.Errorf("got %+v", p)
	}
}

func TestPlanEmpty(t *testing.T) {
	t.Parallel()
	tests := []struct {
		p    Plan
		want bool
	}{
		{Plan{}, true},
		{Plan{Excluded: [][]string{{"二手"}}}, true},
		{Plan{Bonus: []string{"手机"}}, true},
		{Plan{Required: []string{"手机"}}, false},
		{Plan{Phrases: [][]string{{"无线", "鼠标"}}}, false},
	}
	for _, tt := range tests {
		if got := tt.p.Empty(); got != tt.want {
			t.Errorf("%+v.Empty() = %v, want %v", tt.p, got, tt.want)
		}
	}
}

func TestRelaxSteps(t *testing.T) {
	t.Parallel()
	e := &Engine{cfg: DefaultConfig()}
	tests := []struct {
		name     string
		required []string
		brands   []string
		phrase   bool
		want     []int
	}{
		{"one term is never relaxed", []string{"冰箱"}, nil, false, nil},
		{"two terms: any one", []string{"变频", "冰箱"}, nil, false, []int{1}},
		{"three terms: two, then any one", []string{"a", "b", "c"}, nil, false, []int{2, 1}},
		{"four terms: two, then any one", []string{"a", "b", "c", "d"}, nil, false, []int{2, 1}},
		{"five terms: three, then any one", []string{"a", "b", "c", "d", "e"}, nil, false, []int{3, 1}},
		{"brand and one term: the brand alone", []string{"格力", "冰箱"}, []string{"格力"}, false, []int{0}},
		{"brand and two terms: one of them, then the brand alone", []string{"格力", "变频", "冰箱"}, []string{"格力"}, false, []int{1, 0}},
		{"brand and three terms", []string{"格力", "a", "b", "c"}, []string{"格力"}, false, []int{2, 0}},
		{"brands only", []string{"格力", "美的"}, []string{"格力", "美的"}, false, nil},
		{"phrases are never relaxed", []string{"无线", "鼠标"}, nil, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Plan{Required: tt.required, Brands: tt.brands}
			if tt.phrase {
				p.Phrases = [][]string{tt.required}
			}
			var got []int
			for _, s := range e.relaxSteps(p, nil) {
				got = append(got, s.min)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("relaxSteps = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestStrictQueryLeavesOutSubWordsOfRequiredLeaves(t *testing.T) {
	t.Parallel()
	a := dict.Default()
	isBrand := func(term string) bool { return term == "格力" }
	has := func(q any, term string) bool {
		b, err := json.Marshal(q)
		if err != nil {
			t.Fatal(err)
		}
		return strings.Contains(string(b), `"term":"`+term+`"`)
	}
	// 手机 is inside the required 手机壳: every full match has it, so only
	// a relaxed query ranks by it.
	p := Analyze(Parse("格力 手机壳"), a, isBrand)
	if !slices.Equal(p.Subs, []string{"手机"}) {
		t.Fatalf("Subs = %v, want [手机]", p.Subs)
	}
	if has(p.bleveQuery("text", nil), "手机") {
		t.Error("the strict query scores 手机")
	}
	if !has(p.bleveQuery("text", &relaxStep{min: 0}), "手机") {
		t.Error("the relaxed query does not score 手机")
	}
	// 旗舰 is inside 旗舰店, an optional word, which a full match may lack.
	p = Analyze(Parse("格力 空调 旗舰店"), a, isBrand)
	if len(p.Subs) != 0 || !has(p.bleveQuery("text", nil), "旗舰") {
		t.Errorf("Subs = %v; the strict query must score 旗舰 (a sub-word of an optional word)", p.Subs)
	}
}
