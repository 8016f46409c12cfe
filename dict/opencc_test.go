package dict

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	// The tables assets/opencc was copied from (TestOpenCCAssetsVerbatim):
	// imported only so that go.mod pins the module.
	_ "github.com/longbridgeapp/opencc"
)

func TestOpenCCBuild(t *testing.T) {
	c, err := NewOpenCCT2S()
	if err != nil {
		t.Fatal(err)
	}
	if len(c.stages) != 2 {
		t.Fatalf("got %d stages, want 2", len(c.stages))
	}
	for _, st := range c.stages {
		t.Logf("%s: %d one-rune keys, %d phrase keys, longest key %d runes",
			st.name, len(st.single), len(st.multi), st.maxRunes)
		if st.maxRunes > openccMaxKeyRunes {
			t.Errorf("%s: key of %d runes exceeds openccMaxKeyRunes", st.name, st.maxRunes)
		}
	}
	if OpenCCT2S() != OpenCCT2S() {
		t.Error("OpenCCT2S is not shared")
	}
}

// openccConvertCases are traditional (Taiwan / Hong Kong) inputs and their
// simplified output. Converter output keeps case; Normalize lowercases.
var openccConvertCases = []struct{ in, want string }{
	// Phrase conversions of the tw2sp chain (TWPhrasesRev, then TS*).
	{"蘋果手機", "苹果手机"},
	{"記憶體", "内存"},
	{"滑鼠", "鼠标"},
	{"無線滑鼠墊", "无线鼠标垫"},
	{"軟體", "软件"},
	{"硬體", "硬件"},
	{"印表機", "打印机"},
	{"隨身碟", "U盘"},
	{"硬碟", "硬盘"},
	{"行動硬碟", "移动硬盘"},
	{"藍芽耳機", "蓝牙耳机"},
	{"螢幕", "屏幕"},
	{"網路", "网络"},
	{"資料庫", "数据库"},
	{"伺服器", "服务器"},
	{"膝上型電腦", "笔记本电脑"},
	// Not in OpenCC: LocalPhrases.txt.
	{"筆記型電腦", "笔记本电脑"},
	{"ASUS筆記型電腦包", "ASUS笔记本电脑包"},
	// Character conversions (TSCharacters) and TSPhrases.
	{"數據線", "数据线"},
	{"藍牙耳機", "蓝牙耳机"},
	{"電腦", "电脑"},
	{"頭髮", "头发"},
	{"發現", "发现"},
	{"後面", "后面"},
	{"麵包", "面包"},
	{"乾淨", "干净"},
	{"幹活", "干活"},
	{"乾隆", "乾隆"},
	{"瞭解", "了解"},
	{"覆蓋", "覆盖"},
	{"反覆", "反复"},
	{"項鍊", "项链"},
	{"台灣", "台湾"},
	{"臺灣", "台湾"},
	{"裡面", "里面"},
	{"為什麼", "为什么"},
	{"著名", "著名"},
	{"顯著", "显著"},
	{"二噁英", "二恶英"}, // TSPhrases 二噁英 → 二𫫇英 is skipped, TSCharacters 噁 → 恶 applies
	// Hong Kong variants (HKVariantsRev).
	{"兌換", "兑换"},
	{"衞生紙", "卫生纸"},
	// Mixed with ASCII and punctuation.
	{"Apple iPhone 15 Pro 手機殼（透明）", "Apple iPhone 15 Pro 手机壳（透明）"},
	{"USB隨身碟 64GB", "USBU盘 64GB"},
	{"", ""},
	{"abc", "abc"},
}

func TestOpenCCConvert(t *testing.T) {
	c := OpenCCT2S()
	for _, tc := range openccConvertCases {
		if got := c.Convert(tc.in); got != tc.want {
			t.Errorf("Convert(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestOpenCCSimplifiedUnchanged checks characters and words that are both
// simplified and (in OpenCC's tables) traditional or variant forms.
func TestOpenCCSimplifiedUnchanged(t *testing.T) {
	c := OpenCCT2S()
	words := []string{
		// Characters that are simplified and also appear in the tables.
		"着", "了", "干", "后", "发", "面", "里", "只", "台", "系", "云", "松",
		"斗", "范", "制", "复", "么", "几", "才", "出", "表", "向", "余", "谷",
		"丑", "冲", "卷", "征", "适", "网", "吃", "床", "温", "户", "核", "秘",
		"群", "峰", "抬", "著", "覆", "藉", "瞭", "彷", "祇", "兑", "卧", "悦",
		"税", "脱", "葱", "钩", "唇", "痴", "皂", "灶", "粽",
		// Words whose OpenCC TWPhrasesRev entry is excluded (LocalExclusions).
		"文件袋", "文字", "插座面板", "外接显示器", "呼叫器", "碟片", "桌布",
		"智慧屏", "遮蔽胶带", "核心", "紧急通道", "程序员", "方程式", "相簿",
		"小物件", "新增", "电子元件", "序列号", "整合", "批次", "投影片",
		"防毒面具", "方向量", "多型号", "乳酪", "冰棒", "影印版", "剪下来",
		"存取款", "支援", "效能", "互相容纳", "晶片", "公对母音频线", "十字型",
		"品字尾", "本子音乐", "蚌埠", "位元堂", "多工位", "数字元件", "数字串口",
		"尼日利亚", "厄瓜多尔", "塔吉克斯坦",
		// Boundary guards (LocalPhrases).
		"防滑鼠标垫", "防滑鼠垫", "新系列印花",
		// Extension-block targets skipped (openccIntroducesRareHan).
		"赵孟頫", "张撝之",
		// Common simplified phrases.
		"什么", "怎么", "饿了么", "干净", "干活", "后面", "头发", "面条",
		"看着", "显著", "著名", "编著", "抬头", "台式电脑", "一台", "才能",
		"吃鸡", "床头柜", "温度", "户外", "核对", "便秘", "群镶", "北峰",
	}
	for _, w := range words {
		if got := c.Convert(w); got != w {
			t.Errorf("Convert(%q) = %q, want it unchanged", w, got)
		}
	}
	for _, title := range normTestSimplifiedTitles {
		if got := c.Convert(title); got != title {
			t.Errorf("Convert changed a simplified title:\n in: %s\nout: %s", title, got)
		}
	}
}

// TestOpenCCKnownLimitations pins behaviour that is a deliberate trade-off,
// so that a change is noticed.
func TestOpenCCKnownLimitations(t *testing.T) {
	c := OpenCCT2S()
	for _, tc := range []struct{ in, want, why string }{
		{"看著", "看著", "TWVariantsRev 著 → 着 is excluded to keep 显著/编著 intact"},
		{"支援快充", "支援快充", "TWPhrasesRev 支援 → 支持 is excluded (mainland 支援 = aid)"},
		{"乾越", "干越", "TSCharacters 乾 → 干 also hits brand names"},
		{"雅昇", "雅升", "TSCharacters 昇 → 升 also hits brand names"},
	} {
		if got := c.Convert(tc.in); got != tc.want {
			t.Errorf("Convert(%q) = %q, want %q (%s)", tc.in, got, tc.want, tc.why)
		}
	}
}

func TestOpenCCMaximumMatching(t *testing.T) {
	c := OpenCCT2S()
	// 程式設計 (TWPhrasesRev, 4 runes) wins over the excluded 程式; 乾坤
	// (TSPhrases identity) wins over 乾 → 干.
	for _, tc := range []struct{ in, want string }{
		{"程式設計", "编程"},
		{"扭轉乾坤", "扭转乾坤"},
		{"乾坤乾燥", "乾坤干燥"},
		{"滑鼠滑鼠", "鼠标鼠标"},
	} {
		if got := c.Convert(tc.in); got != tc.want {
			t.Errorf("Convert(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestOpenCCNoAllocs(t *testing.T) {
	c := OpenCCT2S()
	for _, s := range []string{
		normTestSimplifiedTitles[0],
		"abc 123",
		"扭转乾坤 台式电脑", // has a trigger (乾) but nothing changes
	} {
		if c.Convert(s) != s {
			t.Fatalf("Convert(%q) changed the input", s)
		}
		if n := testing.AllocsPerRun(100, func() { c.Convert(s) }); n != 0 {
			t.Errorf("Convert(%q): %v allocs, want 0", s, n)
		}
	}
}

// TestOpenCCTriggerCoverage checks the fast-path invariant: every key that
// changes its text hits the trigger, unless it is a stage-1 entry that the
// chain undoes.
func TestOpenCCTriggerCoverage(t *testing.T) {
	c := OpenCCT2S()
	neutral := 0
	for _, st := range c.stages {
		check := func(key, value string) {
			if key == value || c.trigger.hit(key) {
				return
			}
			if st == c.stages[0] && c.Convert(key) == key && openccTestReference(t, key) == key {
				neutral++
				return
			}
			t.Errorf("%s: key %q → %q does not hit the trigger", st.name, key, value)
		}
		for r, v := range st.single {
			check(string(r), v)
		}
		for k, v := range st.multi {
			check(k, v)
		}
	}
	t.Logf("%d chain-neutral stage-1 entries without a trigger", neutral)
}

// TestOpenCCPruningPreservesOutput compares the converter with one built
// without the pruning of no-op one-rune entries, on every key of every
// table and on the test inputs.
func TestOpenCCPruningPreservesOutput(t *testing.T) {
	c := OpenCCT2S()
	var inputs []string
	for _, tables := range openccStageTables {
		for _, table := range tables {
			entries, err := openccLoadTable(table)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range entries {
				inputs = append(inputs, e.key, e.value, "看"+e.key+"了", e.key+e.value)
			}
		}
	}
	for _, tc := range openccConvertCases {
		inputs = append(inputs, tc.in)
	}
	inputs = append(inputs, normTestSimplifiedTitles...)
	for _, s := range inputs {
		want := openccTestReference(t, s)
		if got := c.Convert(s); got != want {
			t.Errorf("Convert(%q) = %q, unpruned chain gives %q", s, got, want)
		}
	}
}

var openccTestReferenceStages []struct {
	dict   map[string]string
	maxLen int
}

// openccTestReference converts s with a plain implementation of the chain:
// merged tables (after exclusions and openccIntroducesRareHan), no pruning,
// no fast path, forward maximum matching over a []rune.
func openccTestReference(t *testing.T, s string) string {
	if openccTestReferenceStages == nil {
		excl, err := openccLoadExclusions()
		if err != nil {
			t.Fatal(err)
		}
		for _, tables := range openccStageTables {
			dict, maxLen := map[string]string{}, 0
			seen := map[string]bool{}
			for _, table := range tables {
				entries, err := openccLoadTable(table)
				if err != nil {
					t.Fatal(err)
				}
				for _, e := range entries {
					if _, x := excl[table+"\t"+e.line]; x || seen[e.key] {
						continue
					}
					seen[e.key] = true
					if !openccIntroducesRareHan(e.key, e.value) {
						dict[e.key] = e.value
						maxLen = max(maxLen, utf8.RuneCountInString(e.key))
					}
				}
			}
			openccTestReferenceStages = append(openccTestReferenceStages, struct {
				dict   map[string]string
				maxLen int
			}{dict, maxLen})
		}
	}
	for _, stage := range openccTestReferenceStages {
		dict := stage.dict
		maxLen := stage.maxLen
		rs := []rune(s)
		var b strings.Builder
		for i := 0; i < len(rs); {
			matched := false
			for n := min(maxLen, len(rs)-i); n >= 1; n-- {
				if v, ok := dict[string(rs[i:i+n])]; ok {
					b.WriteString(v)
					i += n
					matched = true
					break
				}
			}
			if !matched {
				b.WriteRune(rs[i])
				i++
			}
		}
		s = b.String()
	}
	return s
}

func TestOpenCCConvertAligned(t *testing.T) {
	c := OpenCCT2S()
	inputs := []string{"記憶體16GB", "買個滑鼠", "abc", "乾坤乾燥", "ＰＮ接面"}
	for _, tc := range openccConvertCases {
		inputs = append(inputs, tc.in)
	}
	for _, s := range inputs {
		out, src := c.convertAligned(s)
		if want := c.Convert(s); out != want {
			t.Errorf("convertAligned(%q) = %q, Convert gives %q", s, out, want)
		}
		if src == nil {
			if out != s {
				t.Errorf("convertAligned(%q): nil alignment for a changed string", s)
			}
			continue
		}
		normTestCheckAlignment(t, s, out, src)
	}
	out, src := c.convertAligned("買記憶體")
	if out != "买内存" {
		t.Fatalf("got %q", out)
	}
	// 买 ← 買 (bytes 0..3), 内存 ← 記憶體 (bytes 3..12).
	want := []int{0, 0, 0, 3, 3, 3, 3, 3, 3, 12}
	if !equalInts(src, want) {
		t.Errorf("alignment %v, want %v", src, want)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestOpenCCExclusionsParse(t *testing.T) {
	excl, err := openccLoadExclusions()
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"TWPhrasesRev\t文件", "TWVariantsRev\t么", "TWVariantsRev\t著"} {
		if _, ok := excl[key]; !ok {
			t.Errorf("exclusion %q missing", key)
		}
	}
}

// TestOpenCCAssetsVerbatim checks that the OpenCC tables in assets/opencc are
// byte-identical to those of github.com/longbridgeapp/opencc v0.3.13, the
// copy they were taken from. The module is a test dependency (the blank
// import below keeps it in go.mod, so the go command has it in the module
// cache whenever this test builds); the service itself never imports it,
// since it registers a global -dir flag.
func TestOpenCCAssetsVerbatim(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Version}} {{.Dir}}", "github.com/longbridgeapp/opencc").Output()
	if err != nil {
		t.Fatalf("go list -m github.com/longbridgeapp/opencc: %v", err)
	}
	version, upstream, _ := strings.Cut(strings.TrimSpace(string(out)), " ")
	if version != "v0.3.13" || upstream == "" {
		t.Fatalf("go list: %q; want v0.3.13 and its directory (update assets/opencc/README.md with the version)", out)
	}
	for _, tables := range openccStageTables {
		for _, table := range tables {
			if strings.HasPrefix(table, "Local") {
				continue
			}
			ours, err := openccAssets.ReadFile(openccAssetDir + table + ".txt")
			if err != nil {
				t.Fatal(err)
			}
			theirs, err := os.ReadFile(filepath.Join(upstream, "dictionary", table+".txt"))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(ours, theirs) {
				t.Errorf("%s.txt differs from %s", table, upstream)
			}
		}
	}
}

func BenchmarkOpenCCConvert(b *testing.B) {
	c := OpenCCT2S()
	b.Run("simplified", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			c.Convert(normTestSimplifiedTitles[i%len(normTestSimplifiedTitles)])
		}
	})
	traditional := []string{
		"香港代購SK-II Bestseller Trial Kit 入門體驗套裝4件套",
		"羅技無線滑鼠 藍芽5.0 靜音 筆記型電腦適用",
		"蘋果iPhone 15 Pro手機殼 記憶體256GB",
	}
	b.Run("traditional", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			c.Convert(traditional[i%len(traditional)])
		}
	})
}
