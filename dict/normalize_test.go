package dict

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"sort"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	unorm "golang.org/x/text/unicode/norm"
)

// normTestSimplifiedTitles are real simplified titles from the shared
// catalog (/work/shared/data/catalog/titles.jsonl), picked to contain
// characters that are also traditional or variant forms in OpenCC's tables
// (着 了 干 后 发 面 里 只 台 系 云 么 才 核 抬 著 ...) and words whose
// Taiwan reading differs (文件 面板 外接 智慧 ...). t2s must leave them
// byte-identical.
var normTestSimplifiedTitles = []string{
	"古着感少女书包韩版原宿ulzzang大学高中学生百搭森系帆布双肩包 黑色 收藏送挂件",
	"来晚了永生EF尖F透明示范钢笔活塞钢笔笔杆吸墨学生彩墨钢笔【透明银夹】银色EF尖",
	"CHANDO/自然堂鲜嫩保湿护手霜50g保湿补水 改善干裂  护手霜包邮",
	"尼兰仕 OPPOFindX手机壳兰博基尼全包时尚轻奢保护套摄像头升降保护微磨砂三段后壳潮牌 全黑色-送全屏钢化膜",
	"50本小学生本子数学作业本田字格生字薄幼儿园田字拼音本英语本批发语文单行本小学一二年级标准统一课文本 田字本50本",
	"安卓苹果乐视typ-c手机充电器线座充底座办公室桌面支架二合一 360快充支架安卓梯口黑色",
	"MeOne【5000公里距离】全国公网集群对讲机50公里以上电信天翼插卡制式手台小行星多色版",
	"文件夹插页资料夹A4试卷夹拉杆夹抽杆夹档案抽干报告夹子加厚 抽杆加厚 金色10只",
	"透明台卡A4展示牌A5立牌台牌强磁台签桌牌广告牌表价格双面酒水牌 T型抽拉款(竖款) 6*9cm",
	"记账本手帐明细账可爱学生可放钱现金日记账本日式家庭理财笔记本 日系樱花 理财基础款（如图）+另加2本替",
	"思锐 Swift M1 智能手持云台手机稳定器 折叠便携手持三轴手机云台带三脚架vlog摄影直播支架 官方标配",
	"瑜伽辅助四分之一圆木弧形坡形辅助实木砖松木HX原木色四分之一圆",
	"学生宿舍折叠随身镜子女生梳妆镜韩范台式公主化妆镜便携卡通宿舍纸镜 全村zui美(尺寸约15.5X11cm)",
	"得力（deli）企业定制5463标准型快劳夹 pvc A4 快劳夹 文件夹硬纸板二孔打孔文件夹65mm背宽(黑)9只",
	"惠康（HICON）单开门家用小冰箱时尚复古冷藏冷冻柜迷你宿舍茶叶化妆品电冰箱BC-92普通款-深邃蓝",
	"佳博gp2290xiii,飞印打印机fy1600,微信美团饿了么有赞自动接单",
	"北欧电视柜茶几组合套装现代简约小户型迷你客厅板式多功能烤漆",
	"Magilight威陀影像极客光绘棒Fotorgear光刀光刷LED灯光摄影道具 进阶版光刀(需要光绘棒才能用)",
	"趣联（QULIAN） 趣联智能电话手表nfc支付多功能运动蓝牙手表男商务监测心率血压心电图手环成人女 银色",
	"资生堂精华 新透白美肌集光祛斑精华液30ml 美白精华 定向淡斑",
	"燃气热水器装饰遮挡罩排气管管道遮挡箱洞洞板遮丑挡板美化创意",
	"磨坊红豆薏米米粉薏仁粉代餐粉五谷杂粮祛湿豆粉纤维冲饮即食包邮",
	"国俊众博 彩色皱纹纸 手揉纸 DIY手工材料 纸花/纸玫瑰/伸缩纸/卷边纸 鲜花包装材料 粉紫04#",
	"坦克世界鼠标垫网吧征服者700x300桌垫3mm动漫游戏锁边加厚鼠标垫 -10 900x400mm 3mm",
	"华为荣耀20文字创意手机壳荣耀9x卡通荣耀8X抖音荣耀V20网红v10同款硅胶荣耀10手机套潮男女 格子叮当猫 荣耀8",
	"【超值好吃】member's,mark会员优品什锦谷物麦片794g即食谷物",
	"长虹（CHANGHONG） CYS-E32J饮水机 立式家用温热/冰热柜式饮水器 温热型CYS-E32J",
	"48位铝合金户外房地产中介钥匙箱壁挂式管理箱房产中介钥匙收纳箱 50个钥匙扣带环 (带环 )",
	"适用于戴尔灵越14 3000系列3441 3442 14 英寸键盘防尘垫保护膜 半透白色 请核对键位或联系客服",
	"钻大师18k白金群镶心形订婚戒指30分60分一克拉GIA钻石定制钻戒托",
	"学生儿童阅读架小学生用读书架可折叠书夹书器读书架桌面书立正姿抬头放书神器书本课本固定支撑便携多功能 孟子款",
	"五色营养  书内无笔记/《家庭书架》编委会编著",
	"智能创意带开关插线板usb插座面板多孔排插家用宿舍多功能5米接线板圆形电插板 KB圆形白色0.8米",
	"游戏鼠标静音无声耳机套装有线电竞发光专用牧马人机械宏吃鸡cf男女生笔记本台式电脑usb外接 鬼鲛星辰黑 【静音版】+游戏",
	"卡通鼠标垫护腕可爱女生超大硅胶加厚游戏电脑办公小号带手腕垫手托3d创意动漫男生简约电竞笔记本防滑鼠垫 猫头鹰方形",
	"安徽合肥芜湖蚌埠淮南马鞍山联通手机号码卡靓号流量通话语音卡低月租无合约大王卡全国通用流量卡 月租19元 2GB流量+15",
}

var normTestCases = []struct{ in, want string }{
	// ASCII: lowercase only.
	{"", ""},
	{"iphone 15 pro", "iphone 15 pro"},
	{"iPhone 15 Pro Max 256GB", "iphone 15 pro max 256gb"},
	{"A-B_C.D/E", "a-b_c.d/e"},
	// Full-width → half-width (NFKC), then lowercase.
	{"ＩＰＨＯＮＥ１５ＰＲＯ", "iphone15pro"},
	{"２５６ＧＢ", "256gb"},
	{"ＡＢＣ１２３", "abc123"},
	{"华为（ＨＵＡＷＥＩ）Ｍａｔｅ６０", "华为(huawei)mate60"},
	{"【正品】小米　手环", "【正品】小米 手环"}, // ideographic space; 【】 have no compatibility mapping
	{"５㎏装 ①号 ﬁlter", "5kg装 1号 filter"},
	{"Ⅻ寸", "xii寸"},
	// Unicode-aware lowercase.
	{"ÄÖÜ É Ω Д", "äöü é ω д"},
	{"Ｃａｆé", "café"},
	// Dashes NFKC leaves alone → '-'; ×, * and other punctuation are kept.
	{"USB—Type‐C – 1.5m", "usb-type-c - 1.5m"},
	{"充电线－1米 ﹣ x", "充电线-1米 - x"},
	{"3×4 3＊4 3*4", "3×4 3*4 3*4"},
	{"袋子（大号）！？", "袋子(大号)!?"},
	// Traditional → simplified.
	{"蘋果手機", "苹果手机"},
	{"記憶體", "内存"},
	{"滑鼠", "鼠标"},
	{"軟體", "软件"},
	{"數據線", "数据线"},
	{"藍牙耳機", "蓝牙耳机"},
	{"筆記型電腦", "笔记本电脑"},
	{"印表機", "打印机"},
	{"隨身碟", "u盘"},
	{"螢幕保護貼", "屏幕保护贴"},
	// Mixed traditional + ASCII + full-width.
	{"Apple蘋果 iPhone15 Pro手機殼", "apple苹果 iphone15 pro手机壳"},
	{"ＡＳＵＳ筆記型電腦 16GB記憶體", "asus笔记本电脑 16gb内存"},
	{"羅技Logitech無線滑鼠M331", "罗技logitech无线鼠标m331"},
	// Keys with ASCII letters match after lowercasing.
	{"PN接面 SQL隱碼攻擊", "pn结 sql注入"},
	// Simplified text is only lowercased.
	{"得力(deli)10只A6软质网格拉链文件袋", "得力(deli)10只a6软质网格拉链文件袋"},
}

func TestNormalize(t *testing.T) {
	for _, tc := range normTestCases {
		if got := Normalize(tc.in); got != tc.want {
			t.Errorf("Normalize(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// normTestBaseline is Normalize without the traditional → simplified step.
func normTestBaseline(s string) string {
	return normFold(unorm.NFKC.String(s))
}

func TestNormalizeSimplifiedTitlesUnchanged(t *testing.T) {
	if len(normTestSimplifiedTitles) < 30 {
		t.Fatalf("only %d titles", len(normTestSimplifiedTitles))
	}
	for _, title := range normTestSimplifiedTitles {
		if got, want := Normalize(title), normTestBaseline(title); got != want {
			t.Errorf("Normalize changed a simplified title beyond NFKC/lowercase:\n in: %s\ngot: %s\nwant %s", title, got, want)
		}
	}
}

func TestNormalizeIdempotent(t *testing.T) {
	var inputs []string
	for _, tc := range normTestCases {
		inputs = append(inputs, tc.in)
	}
	inputs = append(inputs, normTestSimplifiedTitles...)
	for _, s := range inputs {
		n := Normalize(s)
		if nn := Normalize(n); nn != n {
			t.Errorf("Normalize(Normalize(%q)) = %q, want %q", s, nn, n)
		}
	}
}

func TestNormalizeNoAllocs(t *testing.T) {
	for _, s := range []string{
		"iphone 15 pro max 256gb",
		Normalize(normTestSimplifiedTitles[0]),
		Normalize(normTestSimplifiedTitles[5]),
		"小米手环 蓝牙耳机 扭转乾坤",
	} {
		if Normalize(s) != s {
			t.Fatalf("Normalize(%q) changes the input", s)
		}
		if n := testing.AllocsPerRun(100, func() { Normalize(s) }); n != 0 {
			t.Errorf("Normalize(%q): %v allocs, want 0", s, n)
		}
	}
}

func TestNormalizeConcurrent(t *testing.T) {
	var inputs []string
	for _, tc := range normTestCases {
		inputs = append(inputs, tc.in)
	}
	inputs = append(inputs, normTestSimplifiedTitles...)
	want := make([]string, len(inputs))
	for i, s := range inputs {
		want[i] = Normalize(s)
	}
	done := make(chan bool)
	for g := range 8 {
		go func() {
			defer func() { done <- true }()
			for i := range inputs {
				k := (i + g) % len(inputs)
				if got := Normalize(inputs[k]); got != want[k] {
					t.Errorf("Normalize(%q) = %q, want %q", inputs[k], got, want[k])
				}
				if got, _ := NormalizeAligned(inputs[k]); got != want[k] {
					t.Errorf("NormalizeAligned(%q) = %q, want %q", inputs[k], got, want[k])
				}
			}
		}()
	}
	for range 8 {
		<-done
	}
}

// TestNormCaselessRanges backs the shortcut in normFoldRune.
func TestNormCaselessRanges(t *testing.T) {
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if normCaseless(r) && unicode.ToLower(r) != r {
			t.Fatalf("normCaseless(%U) but unicode.ToLower gives %U", r, unicode.ToLower(r))
		}
	}
}

// TestNormSimpleTable checks the single-pass path of Normalize against the
// general path (x/text NFKC) on random strings mixing ASCII, simple runes
// and runes that interact with their neighbours.
func TestNormSimpleTable(t *testing.T) {
	simple := normSimple()
	for r := rune(0x4E00); r <= 0x9FFF; r++ {
		if !simple.quiet.has(r) {
			t.Fatalf("CJK ideograph %U is not quiet", r)
		}
	}
	for r := rune(0xFF01); r <= 0xFF5E; r++ {
		want := string(unicode.ToLower(r - 0xFEE0))
		if got, ok := simple.mapped[r]; !ok || got != want {
			t.Errorf("full-width %c: mapped to %q, want %q", r, got, want)
		}
	}
	t.Logf("%d mapped runes", len(simple.mapped))
	alphabet := []rune("aAeEzZ0 -.,()（）ＡｅＥ　１—–‐ー・、。【】《》“”々〇中文蘋果記憶體滑鼠碟光㎏①ﬁ™Ⅻ½ÅåÉéΩДİſ" +
		"\u0301\u0308\u0327\u0344\u1100\u1161\u11a8\uac00\u0bc6\u0bbe\u3099\u309a\u304b\u30ab\uff76\uff9e\ufe58\ufe63\ufe0f\u200d")
	rng := rand.New(rand.NewPCG(1, 2))
	for range 50000 {
		rs := make([]rune, 1+rng.IntN(8))
		for i := range rs {
			rs[i] = alphabet[rng.IntN(len(alphabet))]
		}
		s := string(rs)
		if got, want := Normalize(s), normalizeGeneral(s); got != want {
			t.Fatalf("Normalize(%+q) = %+q, general path gives %+q", s, got, want)
		}
	}
}

// normTestCheckAlignment checks the invariants documented on
// NormalizeAligned for out, an output derived from s.
func normTestCheckAlignment(t *testing.T, s, out string, src []int) {
	t.Helper()
	if len(src) != len(out)+1 {
		t.Errorf("%q: len(src) = %d, want %d", s, len(src), len(out)+1)
		return
	}
	if src[len(out)] != len(s) {
		t.Errorf("%q: src[len(norm)] = %d, want %d", s, src[len(out)], len(s))
	}
	for i := range out {
		if src[i] < 0 || src[i] >= len(s) || (i > 0 && src[i] < src[i-1]) {
			t.Errorf("%q: bad src[%d] = %d (src %v)", s, i, src[i], src)
			return
		}
		// Units never split a rune of either string.
		if i > 0 && !utf8.RuneStart(out[i]) && src[i] != src[i-1] && utf8.ValidString(out) {
			t.Errorf("%q: src changes inside a rune of the output at %d", s, i)
		}
		if utf8.ValidString(s) && !utf8.RuneStart(s[src[i]]) {
			t.Errorf("%q: src[%d] = %d is inside a rune", s, i, src[i])
		}
	}
}

func TestNormalizeAligned(t *testing.T) {
	var inputs []string
	for _, tc := range normTestCases {
		inputs = append(inputs, tc.in)
	}
	inputs = append(inputs, normTestSimplifiedTitles...)
	inputs = append(inputs, "e\u0301 \u1100\u1161 \u00c5\u0301 x\u0327\u0301 ＡＢＣ㎏①", "\xffab\xfe蘋果", "ΣΑΣ")
	for _, s := range inputs {
		norm, src := NormalizeAligned(s)
		if want := Normalize(s); norm != want {
			t.Errorf("NormalizeAligned(%q) = %q, Normalize gives %q", s, norm, want)
		}
		normTestCheckAlignment(t, s, norm, src)
	}
}

func TestSourceSpan(t *testing.T) {
	cases := []struct {
		in, find, want string
	}{
		// ASCII: lowercase keeps offsets.
		{"Apple iPhone 15 Pro", "iphone", "iPhone"},
		{"Apple iPhone 15 Pro", "15 pro", "15 Pro"},
		// Full-width: 3-byte runes become 1 byte.
		{"ＩＰＨＯＮＥ１５ ＰＲＯ", "15", "１５"},
		{"ＩＰＨＯＮＥ１５ ＰＲＯ", "iphone15 pro", "ＩＰＨＯＮＥ１５ ＰＲＯ"},
		{"华为（ＨＵＡＷＥＩ）Ｍａｔｅ６０", "(huawei)", "（ＨＵＡＷＥＩ）"},
		{"华为（ＨＵＡＷＥＩ）Ｍａｔｅ６０", "为", "为"},
		// One unit expanding to several runes: a part maps to the whole unit.
		{"5㎏装", "k", "㎏"},
		{"5㎏装", "kg装", "㎏装"},
		// Phrase conversion whose length changes (記憶體, 9 bytes → 内存, 6).
		{"買記憶體16GB", "内存", "記憶體"},
		{"買記憶體16GB", "内", "記憶體"},
		{"買記憶體16GB", "存16", "記憶體16"},
		{"買記憶體16GB", "16gb", "16GB"},
		{"買記憶體16GB", "买", "買"},
		// NFKC and t2s in one unit: ＰＮ接面 → PN接面 → PN結 → pn结.
		{"買ＰＮ接面", "pn结", "ＰＮ接面"},
		// Character conversions and lowercase together.
		{"蘋果ＩＰＨＯＮＥ手機殼", "iphone", "ＩＰＨＯＮＥ"},
		{"蘋果ＩＰＨＯＮＥ手機殼", "手机壳", "手機殼"},
		{"筆記型電腦包", "包", "包"},
		{"筆記型電腦包", "电脑", "筆記型電腦"},
		// Dashes.
		{"Type—C", "-c", "—C"},
	}
	for _, tc := range cases {
		norm, src := NormalizeAligned(tc.in)
		a := strings.Index(norm, tc.find)
		if a < 0 {
			t.Errorf("%q not found in NormalizeAligned(%q) = %q", tc.find, tc.in, norm)
			continue
		}
		start, end := SourceSpan(src, a, a+len(tc.find))
		if got := tc.in[start:end]; got != tc.want {
			t.Errorf("SourceSpan for %q in %q (norm %q) = %q, want %q", tc.find, tc.in, norm, got, tc.want)
		}
		// Round trip: normalizing the source span yields text containing
		// the span.
		if !strings.Contains(Normalize(tc.in[start:end]), tc.find) {
			t.Errorf("Normalize(%q) does not contain %q", tc.in[start:end], tc.find)
		}
	}
}

func TestSourceSpanEdges(t *testing.T) {
	norm, src := NormalizeAligned("買記憶體")
	if norm != "买内存" {
		t.Fatalf("norm = %q", norm)
	}
	for _, tc := range []struct{ a, b, start, end int }{
		{0, 0, 0, 0},     // empty span
		{3, 3, 3, 3},     // empty span at a unit start
		{4, 4, 3, 3},     // empty span inside a unit: at the unit start
		{0, 1, 0, 3},     // part of a rune → the rune
		{0, 9, 0, 12},    // everything
		{-5, 100, 0, 12}, // clamped
		{6, 3, 3, 3},     // b < a → empty at src[a]
	} {
		if start, end := SourceSpan(src, tc.a, tc.b); start != tc.start || end != tc.end {
			t.Errorf("SourceSpan(%d, %d) = (%d, %d), want (%d, %d)", tc.a, tc.b, start, end, tc.start, tc.end)
		}
	}
	if start, end := SourceSpan(nil, 0, 1); start != 0 || end != 0 {
		t.Errorf("SourceSpan(nil) = (%d, %d)", start, end)
	}
	_, src = NormalizeAligned("")
	if start, end := SourceSpan(src, 0, 0); start != 0 || end != 0 || len(src) != 1 {
		t.Errorf("empty input: src %v, span (%d, %d)", src, start, end)
	}
}

func FuzzNormalizeAligned(f *testing.F) {
	for _, tc := range normTestCases {
		f.Add(tc.in)
	}
	for _, s := range normTestSimplifiedTitles[:5] {
		f.Add(s)
	}
	f.Add("e\u0301\u1100\u1161\xff")
	f.Add("\xa7")
	f.Add("\xf6\u03440") // x/text normalizes U+0344 after an invalid byte only when followed by more text
	f.Fuzz(func(t *testing.T, s string) {
		norm, src := NormalizeAligned(s)
		if want := Normalize(s); norm != want {
			t.Fatalf("NormalizeAligned(%q) = %q, Normalize gives %q", s, norm, want)
		}
		normTestCheckAlignment(t, s, norm, src)
		for a := 0; a <= len(norm); a++ {
			start, end := SourceSpan(src, a, len(norm))
			if start > end || end != len(s) {
				t.Fatalf("SourceSpan(%d, %d) = (%d, %d)", a, len(norm), start, end)
			}
		}
	})
}

const normTestCatalog = "/work/shared/data/catalog/titles.jsonl"

// normTestIntendedRewrites are the stage-1 keys (Taiwan terms) that are
// kept although their characters are also simplified text, because the
// mainland term means the same (see LocalExclusions.txt).
var normTestIntendedRewrites = map[string]bool{
	"滑鼠": true, "光碟": true, "硬碟": true, "磁碟": true, "音效卡": true,
	"解析度": true, "矽": true, "重新命名": true,
}

// TestNormalizeCatalog runs Normalize over the shared catalog (skipped when
// absent): idempotence, agreement with NormalizeAligned, and a report of
// what the traditional → simplified step changes. A title without any
// traditional character (no rune that TSCharacters maps) must only be
// changed by an intended Taiwan-term rewrite; anything else is a mapping to
// add to LocalExclusions.txt.
func TestNormalizeCatalog(t *testing.T) {
	f, err := os.Open(normTestCatalog)
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("%s not present", normTestCatalog)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c := OpenCCT2S()
	final := c.stages[len(c.stages)-1]
	isTraditional := func(r rune) bool {
		v, ok := final.single[r]
		return ok && v != string(r)
	}
	var total, changed, changedSimplified int
	keys := map[string]int{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var rec struct {
			Title string `json:"title"`
		}
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatal(err)
		}
		total++
		title := rec.Title
		got := Normalize(title)
		if again := Normalize(got); again != got {
			t.Errorf("not idempotent: %q → %q → %q", title, got, again)
		}
		if n, src := NormalizeAligned(title); n != got || len(src) != len(n)+1 {
			t.Errorf("NormalizeAligned(%q) = %q, Normalize gives %q", title, n, got)
		}
		base := normTestBaseline(title)
		if total%5 == 0 {
			// The fast path and pruning against the plain chain.
			if want := openccTestReference(t, base); c.Convert(base) != want {
				t.Errorf("Convert(%q) = %q, plain chain gives %q", base, c.Convert(base), want)
			}
		}
		if got == base {
			continue
		}
		changed++
		simplified := !strings.ContainsFunc(title, isTraditional)
		if simplified {
			changedSimplified++
		}
		s := base
		for i, st := range c.stages {
			s = normTestTrace(st, s, func(key, value string) {
				keys[fmt.Sprintf("stage %d %s → %s", i+1, key, value)]++
				if simplified && i == 0 && !normTestIntendedRewrites[key] && c.Convert(key) != key {
					t.Errorf("stage 1 rewrites simplified text %s → %s in %q; exclude it in LocalExclusions.txt or list it in normTestIntendedRewrites", key, value, title)
				}
			})
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d titles; t2s changes %d (%.2f%%), of which %d have no traditional character",
		total, changed, 100*float64(changed)/float64(total), changedSimplified)
	type kv struct {
		k string
		n int
	}
	var top []kv
	for k, n := range keys {
		top = append(top, kv{k, n})
	}
	sort.Slice(top, func(i, j int) bool { return top[i].n > top[j].n || top[i].n == top[j].n && top[i].k < top[j].k })
	for i, e := range top {
		if i == 25 {
			break
		}
		t.Logf("%5d  %s", e.n, e.k)
	}
}

// normTestTrace runs one stage over s like openccStage.convert and reports
// every replacement that changes the text.
func normTestTrace(st *openccStage, s string, fn func(key, value string)) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if st.first.has(r) {
			if n, v, ok := st.match(s, i, r, size); ok {
				if v != s[i:i+n] {
					fn(s[i:i+n], v)
				}
				b.WriteString(v)
				i += n
				continue
			}
		}
		b.WriteString(s[i : i+size])
		i += size
	}
	return b.String()
}

var normBenchTitles = []string{
	// Simplified with upper-case ASCII and full-width brackets.
	"得力（deli）企业定制5463标准型快劳夹 pvc A4 快劳夹 文件夹硬纸板二孔打孔文件夹65mm背宽(黑)9只",
	"思锐 Swift M1 智能手持云台手机稳定器 折叠便携手持三轴手机云台带三脚架vlog摄影直播支架 官方标配",
	// Simplified, already normalized (the common case at query time).
	"落地读书架阅读架看书架懒人床上躺着看书神器成人书夹支架 浅色带灯款(led充电阅读灯) 书架专用阅读灯",
	"磨坊红豆薏米米粉薏仁粉代餐粉五谷杂粮祛湿豆粉纤维冲饮即食包邮",
	// Traditional.
	"香港代購SK-II Bestseller Trial Kit 入門體驗套裝4件套",
	// ASCII.
	"Apple iPhone 15 Pro Max 256GB",
}

func BenchmarkNormalize(b *testing.B) {
	b.Run("mixed", func(b *testing.B) {
		b.ReportAllocs()
		n := 0
		for i := 0; b.Loop(); i++ {
			s := normBenchTitles[i%len(normBenchTitles)]
			n += len(s)
			Normalize(s)
		}
		b.SetBytes(int64(n / max(b.N, 1)))
	})
	for _, tc := range []struct {
		name  string
		title string
	}{
		{"simplified-upper-fullwidth", normBenchTitles[0]},
		{"simplified-normalized", normBenchTitles[2]},
		{"traditional", normBenchTitles[4]},
		{"ascii", normBenchTitles[5]},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(tc.title)))
			for b.Loop() {
				Normalize(tc.title)
			}
		})
	}
}

func BenchmarkNormalizeAligned(b *testing.B) {
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		NormalizeAligned(normBenchTitles[i%len(normBenchTitles)])
	}
}
