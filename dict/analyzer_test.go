package dict

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// terms returns the terms of text's tokens with the given roles.
func terms(text string, roles ...Role) []string {
	var out []string
	for _, t := range Default().Analyze(text) {
		if len(roles) == 0 || slices.Contains(roles, t.Role) {
			out = append(out, t.Term)
		}
	}
	return out
}

func TestAnalyzeRules(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		leaves     []string // exactly these leaves, in order
		others     []string // compounds and subs that must be present
	}{
		{"search-mode sub-words", "变频空调", []string{"变频", "空调"}, []string{"变频空调"}},
		{"brand stays whole", "雅诗兰黛", []string{"雅诗兰黛"}, nil},
		{"mixed model", "iphone15pro", []string{"iphone", "15", "pro"}, []string{"iphone15pro"}},
		{"mixed model upper case", "iPhone15Pro", []string{"iphone", "15", "pro"}, []string{"iphone15pro"}},
		{"unit g", "256G", []string{"256g"}, nil},
		{"unit gb", "256gb", []string{"256g"}, nil},
		{"unit GB spaced", "256 GB", []string{"256g"}, nil},
		{"decimal unit", "1.5kg", []string{"1.5kg"}, nil},
		{"decimal cjk unit", "1.5匹", []string{"1.5匹"}, nil},
		{"cjk unit canonical", "32英寸", []string{"32寸"}, nil},
		{"kg synonym", "2公斤", []string{"2kg"}, nil},
		{"trailing zero", "1.50kg", []string{"1.5kg"}, nil},
		{"model code parts", "kfr-35gw", []string{"kfr", "35", "gw"}, []string{"35gw", "kfr35gw"}},
		{"model code upper", "KFR-35GW", []string{"kfr", "35", "gw"}, []string{"35gw", "kfr35gw"}},
		{"dimensions", "600x400mm", []string{"600", "x", "400mm"}, []string{"600x400mm"}},
		{"full width", "ＩＰＨＯＮＥ１５ ２５６ＧＢ", []string{"iphone", "15", "256g"}, nil},
		{"traditional", "蘋果手機", []string{"苹果", "手机"}, nil},
		{"traditional phrase", "記憶體", []string{"内存"}, nil},
		{"traditional mouse", "無線滑鼠", []string{"无线", "鼠标"}, nil},
		{"stop words and punctuation", "手机的！！壳，，", []string{"手机", "壳"}, nil},
		{"待 is not a stop word", "待机", []string{"待机"}, nil},
		{"sub-word of a leaf", "手机壳", []string{"手机壳"}, []string{"手机"}},
		{"empty", "", nil, nil},
		{"only punctuation", "【】！？…", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := terms(tc.text, Leaf); !slices.Equal(got, tc.leaves) {
				t.Errorf("leaves of %q = %q, want %q", tc.text, got, tc.leaves)
			}
			all := terms(tc.text)
			for _, w := range tc.others {
				if !slices.Contains(all, w) {
					t.Errorf("%q lacks %q: %q", tc.text, w, all)
				}
			}
		})
	}
}

// TestAnalyzeRealTitles runs the chain over real titles from the shared
// catalog (testdata/titles.jsonl keeps them with their ids and sources) and
// checks the tokens a shopper would search them by.
func TestAnalyzeRealTitles(t *testing.T) {
	titles := map[string]string{}
	f, err := os.Open("testdata/titles.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r struct{ ID, Title string }
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		titles[r.ID] = r.Title
	}
	for _, tc := range []struct {
		id      string
		has     []string
		hasNot  []string
		traditi string // when set, the title is given in traditional characters instead
	}{
		{id: "p056048", has: []string{"caudalie", "欧缇丽", "精华", "30ml", "面膜", "套装"}},
		{id: "p053424", has: []string{"cemoy", "白金", "流明", "5d", "爽肤水", "120ml"}},
		{id: "p040709", has: []string{"直尺", "三角尺", "三角", "量角器", "20cm", "4件"}},
		{id: "p063435", has: []string{"雅诗兰黛", "面霜", "50ml", "1111"}, hasNot: []string{"雅诗"}},
		{id: "p014293", has: []string{"鼠标垫", "桌垫", "办公", "600x400mm", "400mm"}, hasNot: []string{"600x"}},
		{id: "p047208", has: []string{"美工刀", "刀片", "9mm", "60度"}},
		{id: "p022762", has: []string{"uv", "cpl", "滤镜", "72mm"}},
		{id: "p006323", has: []string{"np40", "np", "40", "数码相机", "相机", "电池"}},
		{id: "p072442", has: []string{"真空泵", "vrd2", "vsv20", "vsv"}},
		{id: "p024022", has: []string{"华硕", "fl8000", "fl5900uq", "15.6寸", "笔记本电脑", "笔记本"}},
		{id: "p010429", has: []string{"ids8906", "8906", "电话机", "电话"}},
		{id: "p037056", has: []string{"笔记本", "电脑包", "13.3寸", "华为", "小米", "yj119"}},
		{id: "p003861", has: []string{"麦克风", "话筒", "922", "直播"}},
		{id: "p044475", has: []string{"消毒柜", "ytp380a", "380a", "mdc"}},
		{id: "p038963", has: []string{"美的", "变频", "空调", "3匹", "柜机"}},
		{id: "p008376", has: []string{"1.5匹", "移动", "空调", "ky35fm2", "35fm2"}},
		{id: "p069255", has: []string{"1.5匹", "海信", "空调", "挂机", "变频", "e510"}},
		{id: "p066696", has: []string{"gree", "格力", "kfr72lw", "72lw", "3匹", "变频"}},
		{id: "p071253", has: []string{"空调罩", "空调", "1.5匹", "2p", "格力"}},
		{id: "p019584", has: []string{"tcl", "kfrd72lw", "72lw", "2匹", "3匹", "定", "频"}},
		{id: "p009156", has: []string{"304", "不锈钢", "堵头", "1寸"}},
		{id: "p042664", has: []string{"17.3寸", "f117", "键盘膜", "贴纸"}},
		{id: "p042557", has: []string{"小米", "相册", "5寸", "200张"}},
		{id: "p030559", has: []string{"100寸", "投影机", "3d"}},
		{id: "p002806", has: []string{"交换机", "千兆", "19寸", "sg1024t24"}},
		{id: "p042846", has: []string{"荣耀", "9x", "华为", "honor9xpro", "电池"}},
		{id: "p031329", has: []string{"magicbook16pro", "magicbook", "hymw7653", "w7653"}},
		{id: "p000501", has: []string{"飞利浦", "剃须刀", "8240", "8140"}},
		{id: "p037854", has: []string{"华为", "p50", "p50pro", "手机壳", "手机"}},
		{id: "p041803", has: []string{"iphone11", "iphone", "11", "xsmax", "8plus", "手机壳"}},
		{id: "p001695", has: []string{"华为", "荣耀", "手机壳", "青春"}},
		{id: "p035300", has: []string{"iphone", "6s", "手机壳", "钢化膜"}},
		{id: "p001703", has: []string{"小米", "笔记本", "air12", "键盘膜"}},
		{id: "p070156", has: []string{"曼秀雷敦", "唇膏", "润唇膏"}},
		{id: "p017645", has: []string{"晨光", "卷笔刀", "aps95635", "95635"}},
		{id: "p060558", has: []string{"skii", "sk2", "75ml", "面霜", "洗面奶"}},
		{id: "p058850", has: []string{"祛斑", "精华液", "面霜", "化妆品"}},
		{id: "p072515", has: []string{"小学生", "三年级", "课外阅读", "课外"}},
		{id: "p000001", has: []string{"晨光", "adb98377", "98377", "儿童画板", "画板", "400mm"}},
		{id: "p053197", has: []string{"ahc", "玻尿酸", "b5", "爽肤水", "洗面奶"}},
		{id: "p054941", has: []string{"lancome", "兰蔻", "200ml", "乳液"}},
		{id: "p055774", has: []string{"ahc", "b5", "玻尿酸", "爽肤水", "洗面奶"}},
		// Traditional-script versions of real titles find the same words.
		{id: "p069255", has: []string{"1.5匹", "海信", "空调", "变频", "冷暖"}, traditi: "大1.5匹新一級能效 海信變頻空調掛機智能冷暖省電家用壁掛式E510"},
		{id: "p037854", has: []string{"华为", "p50", "手机壳", "保护套"}, traditi: "普邁鑫 華為p50手機殼牛皮支架p50pro無邊框真皮殼 保護套"},
		{id: "p003861", has: []string{"麦克风", "电脑", "笔记本", "直播"}, traditi: "電腦麥克風筆記本手機全民K歌錄音直播桌面遊戲"},
		{id: "p001703", has: []string{"小米", "笔记本", "电脑", "外壳"}, traditi: "咔咔魚（kakay） 小米筆記本Pro 電腦外殼貼膜"},
	} {
		text := titles[tc.id]
		if text == "" {
			t.Fatalf("%s is not in testdata/titles.jsonl", tc.id)
		}
		if tc.traditi != "" {
			text = tc.traditi
		}
		all := terms(text)
		for _, w := range tc.has {
			if !slices.Contains(all, w) {
				t.Errorf("%s %q lacks %q:\n  %s", tc.id, text, w, strings.Join(all, " "))
			}
		}
		for _, w := range tc.hasNot {
			if slices.Contains(all, w) {
				t.Errorf("%s %q has %q:\n  %s", tc.id, text, w, strings.Join(all, " "))
			}
		}
	}
}

func TestPositions(t *testing.T) {
	toks := Default().Analyze("格力 变频空调 kfr-35gw")
	// Leaves take consecutive positions; compounds and subs share the
	// position of their first leaf.
	want := map[string]int{"格力": 1, "变频空调": 2, "变频": 2, "空调": 3, "kfr35gw": 4, "kfr": 4, "35gw": 5, "35": 5, "gw": 6}
	for _, tk := range toks {
		if p, ok := want[tk.Term]; ok && p != tk.Pos {
			t.Errorf("%s at %d, want %d", tk.Term, tk.Pos, p)
		}
	}
	norm := Normalize("格力 变频空调 kfr-35gw")
	for _, tk := range toks {
		if got := norm[tk.Start:tk.End]; strings.ReplaceAll(got, "-", "") != tk.Term {
			t.Errorf("span %d:%d = %q, term %q", tk.Start, tk.End, got, tk.Term)
		}
	}
}

func TestReload(t *testing.T) {
	a := DefaultAssets()
	lex, err := NewLexicon(Assets{Lexicon: a.Lexicon + "\n宇宙无敌牌 5000 brand\n", Stopwords: a.Stopwords + "\n手机\n"})
	if err != nil {
		t.Fatal(err)
	}
	an := NewAnalyzer(Default().Lexicon())
	before := terms2(an, "宇宙无敌牌手机")
	if err := an.Reload(Assets{Lexicon: a.Lexicon + "\n宇宙无敌牌 5000 brand\n", Stopwords: a.Stopwords + "\n手机\n"}); err != nil {
		t.Fatal(err)
	}
	after := terms2(an, "宇宙无敌牌手机")
	if slices.Contains(before, "宇宙无敌牌") || !slices.Equal(after, []string{"宇宙无敌牌"}) {
		t.Fatalf("before %q after %q", before, after)
	}
	if lex.Words() <= Default().Lexicon().Words() {
		t.Errorf("words %d, default %d", lex.Words(), Default().Lexicon().Words())
	}
	if _, err := NewLexicon(Assets{Lexicon: "a b c d\n"}); err == nil {
		t.Error("a malformed lexicon line loaded")
	}
	if err := an.Reload(Assets{Lexicon: "词 -1\n"}); err == nil {
		t.Error("a bad frequency loaded")
	}
	if got := terms2(an, "宇宙无敌牌手机"); !slices.Equal(got, after) {
		t.Errorf("a failed reload changed the lexicon: %q", got)
	}
}

func terms2(an *Analyzer, text string) []string {
	var out []string
	for _, t := range an.Analyze(text) {
		out = append(out, t.Term)
	}
	return out
}

func TestOptionalWords(t *testing.T) {
	lex := Default().Lexicon()
	for w, want := range map[string]bool{"正品": true, "旗舰店": true, "系列": true, "空调": false, "进口": false} {
		if got := lex.Optional(w); got != want {
			t.Errorf("Optional(%q) = %v, want %v", w, got, want)
		}
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, OptionalFile), []byte("# shop words\n 进口 \n"), 0o644); err != nil {
		t.Fatal(err)
	}
	a, err := LoadAssets(dir)
	if err != nil {
		t.Fatal(err)
	}
	if a.Lexicon != DefaultAssets().Lexicon || a.Stopwords != DefaultAssets().Stopwords {
		t.Error("files absent from the directory did not keep their embedded default")
	}
	custom, err := NewLexicon(a)
	if err != nil {
		t.Fatal(err)
	}
	if !custom.Optional("进口") || custom.Optional("正品") {
		t.Errorf("the override list was not the one loaded: 进口 %v, 正品 %v", custom.Optional("进口"), custom.Optional("正品"))
	}
}
