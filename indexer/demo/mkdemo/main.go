// Command mkdemo builds the demo catalog embedded in the indexer package from
// the shared catalog of real titles. The output is deterministic:
//
//	go run ./indexer/demo/mkdemo -in ../shared/data/catalog/titles.jsonl -out indexer/demo/catalog.jsonl.gz
//
// It keeps every row that has a category and an evenly spaced sample of the
// others per source (favouring rows with a brand, and for JD titles rows with
// model numbers or units), drops the platform and source fields, drops
// placeholder brands and UNKNOWN category levels, and gives rows without a
// category a synthetic two-level one. See indexer/demo/README.md.
package main

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"shopsearch/models"
)

// quotas is how many uncategorised rows to take from each source.
var quotas = map[string]int{
	"gaiic2022_track2":    800,
	"product1m_dev":       300,
	"product1m_test":      150,
	"taobao_ner_jie2019":  200,
	"tmall_double11_2016": 150,
	"multicpr_mini":       150,
	"multidigraph_ner":    100,
	"openbg_ecominstruct": 60,
	"gaiic2022_train500":  50,
}

// preferredShare of each quota comes from preferred rows when there are enough.
const preferredShare = 0.7

// placeholderBrands are brand values that name no brand.
var placeholderBrands = map[string]bool{
	"other/其他": true, "其他/other": true, "other其他": true, "其他品牌": true, "无品牌": true,
	"其他": true, "other": true, "无": true,
}

// modelOrUnit matches a model number (HS319D, ADB-98377) or a quantity with
// a unit (500ml, 15.6英寸, 24色).
var modelOrUnit = regexp.MustCompile(`[A-Za-z]{1,6}-?\d{2,}[A-Za-z0-9-]*|\d+(\.\d+)?\s*(ml|ML|mm|cm|kg|g|G|W|L|寸|英寸|升|克|支|只|个|片|包|盒|瓶|罐|张|本|色|米)`)

type inRow struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Brand       string `json:"brand"`
	Category    string `json:"category"`
	ProductWord string `json:"product_word"`
	Source      string `json:"source"`
}

type outRow struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Brand       string `json:"brand,omitempty"`
	Category    string `json:"category"`
	ProductWord string `json:"product_word,omitempty"`
}

func main() {
	in := flag.String("in", "../shared/data/catalog/titles.jsonl", "the shared catalog of titles (JSONL)")
	out := flag.String("out", "indexer/demo/catalog.jsonl.gz", "where to write the gzipped sample")
	flag.Parse()
	if err := run(*in, *out); err != nil {
		fmt.Fprintln(os.Stderr, "mkdemo:", err)
		os.Exit(1)
	}
}

func run(inPath, outPath string) error {
	rows, err := readRows(inPath)
	if err != nil {
		return err
	}
	picked := sample(rows)
	f, err := os.Create(outPath)
	if err != nil {
		return err
	}
	size, err := write(f, rows, picked)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", outPath, err)
	}
	fmt.Fprintf(os.Stderr, "mkdemo: %d of %d rows, %d bytes gzipped → %s\n", len(picked), len(rows), size, outPath)
	return nil
}

func readRows(path string) ([]inRow, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var rows []inRow
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for line := 1; sc.Scan(); line++ {
		var r inRow
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		rows = append(rows, r)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return rows, nil
}

// sample returns the indexes of the chosen rows.
func sample(rows []inRow) map[int]bool {
	picked := make(map[int]bool)
	preferred := make(map[string][]int) // source → uncategorised preferred rows, file order
	others := make(map[string][]int)
	for i, r := range rows {
		if cleanCategory(r.Category) != "" {
			picked[i] = true
			continue
		}
		if isPreferred(r) {
			preferred[r.Source] = append(preferred[r.Source], i)
		} else {
			others[r.Source] = append(others[r.Source], i)
		}
	}
	for source, quota := range quotas {
		pref := preferred[source]
		n := min(len(pref), int(float64(quota)*preferredShare+0.5))
		n2 := min(len(others[source]), quota-n)
		n = min(len(pref), quota-n2) // top up from preferred rows when others run short
		for _, i := range evenly(pref, n) {
			picked[i] = true
		}
		for _, i := range evenly(others[source], n2) {
			picked[i] = true
		}
	}
	return picked
}

func isPreferred(r inRow) bool {
	if cleanBrand(r.Brand) == "" {
		return false
	}
	if strings.HasPrefix(r.Source, "gaiic2022") {
		return modelOrUnit.MatchString(r.Title)
	}
	return true
}

// evenly returns n evenly spaced elements of xs (every k-th).
func evenly(xs []int, n int) []int {
	out := make([]int, 0, n)
	for i := range n {
		out = append(out, xs[i*len(xs)/n])
	}
	return out
}

func cleanBrand(b string) string {
	b = strings.TrimSpace(b)
	if placeholderBrands[strings.ToLower(b)] {
		return ""
	}
	return b
}

// cleanCategory drops empty and UNKNOWN levels.
func cleanCategory(c string) string {
	levels := slices.DeleteFunc(models.Category(c).Levels(), func(l string) bool { return strings.TrimSpace(l) == "UNKNOWN" })
	return string(models.CategoryOf(levels))
}

// write writes the picked rows, in file order, gzipped; it returns the
// compressed size.
func write(w io.Writer, rows []inRow, picked map[int]bool) (int64, error) {
	cw := &countingWriter{w: w}
	zw, err := gzip.NewWriterLevel(cw, gzip.BestCompression)
	if err != nil {
		return 0, err
	}
	enc := json.NewEncoder(zw)
	enc.SetEscapeHTML(false)
	for i, r := range rows {
		if !picked[i] {
			continue
		}
		o := outRow{ID: r.ID, Title: r.Title, Brand: cleanBrand(r.Brand), Category: cleanCategory(r.Category), ProductWord: r.ProductWord}
		if o.Category == "" {
			o.Category = syntheticCategory(r.Title, r.ProductWord)
		}
		if err := enc.Encode(o); err != nil {
			return 0, err
		}
	}
	if err := zw.Close(); err != nil {
		return 0, err
	}
	return cw.n, nil
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// syntheticCategory is "top>leaf": the leaf is the product word when it is a
// plain noun (Product1M's "brand line" names are not), else the leaf of the
// first keyword found; the top level comes from the keyword table, matched
// against the product word first, then the title.
func syntheticCategory(title, productWord string) string {
	top, leaf := "其他", "其他商品"
	k, ok := matchKeyword(productWord)
	if !ok {
		k, ok = matchKeyword(title)
	}
	if ok {
		top, leaf = k.top, k.leaf
	}
	if n := utf8.RuneCountInString(productWord); n >= 2 && n <= 8 && !strings.ContainsAny(productWord, " /") {
		leaf = productWord
	}
	return top + ">" + leaf
}

type keyword struct{ word, top, leaf string }

// keywords map a word to a top-level category and a leaf. The first match
// wins, so accessories come before the devices they fit.
var keywords = []keyword{
	{"手机壳", "手机数码", "手机壳"}, {"保护套", "手机数码", "保护套"}, {"钢化膜", "手机数码", "手机贴膜"},
	{"贴膜", "手机数码", "贴膜"}, {"数据线", "手机数码", "数据线"}, {"充电器", "手机数码", "充电器"},
	{"充电宝", "手机数码", "充电宝"}, {"耳机", "手机数码", "耳机"}, {"音箱", "手机数码", "音箱"},
	{"手机", "手机数码", "手机"}, {"相机", "手机数码", "相机"}, {"镜头", "手机数码", "镜头"},
	{"手表", "手机数码", "智能手表"}, {"笔记本电脑", "电脑办公", "笔记本电脑"}, {"游戏本", "电脑办公", "笔记本电脑"},
	{"键盘", "电脑办公", "键盘"}, {"鼠标", "电脑办公", "鼠标"}, {"显示器", "电脑办公", "显示器"},
	{"路由器", "电脑办公", "路由器"}, {"打印", "电脑办公", "打印耗材"}, {"硒鼓", "电脑办公", "打印耗材"},
	{"墨盒", "电脑办公", "打印耗材"}, {"U盘", "电脑办公", "存储"}, {"硬盘", "电脑办公", "存储"},
	{"电脑", "电脑办公", "电脑配件"}, {"平板", "电脑办公", "平板电脑"},
	{"空调", "家用电器", "空调"}, {"冰箱", "家用电器", "冰箱"}, {"洗衣机", "家用电器", "洗衣机"},
	{"电视", "家用电器", "电视"}, {"微波炉", "家用电器", "微波炉"}, {"电饭煲", "家用电器", "电饭煲"},
	{"吸尘器", "家用电器", "吸尘器"}, {"吹风机", "家用电器", "吹风机"}, {"剃须刀", "家用电器", "剃须刀"},
	{"风扇", "家用电器", "风扇"}, {"加湿器", "家用电器", "加湿器"}, {"破壁机", "家用电器", "料理机"},
	{"电磁炉", "家用电器", "电磁炉"}, {"电陶炉", "家用电器", "电陶炉"}, {"油烟机", "家用电器", "油烟机"},
	{"燃气灶", "家用电器", "燃气灶"}, {"取暖器", "家用电器", "取暖器"}, {"开水", "家用电器", "电热水器"},
	{"热水器", "家用电器", "热水器"}, {"壁挂炉", "家用电器", "壁挂炉"}, {"粉碎机", "家用电器", "料理机"},
	{"电话", "电脑办公", "电话机"}, {"摄像头", "电脑办公", "摄像头"}, {"交换机", "电脑办公", "网络设备"},
	{"对讲机", "手机数码", "对讲机"}, {"音响", "手机数码", "音响"}, {"翻译机", "手机数码", "翻译机"},
	{"幕布", "电脑办公", "投影幕布"}, {"碎纸机", "电脑办公", "碎纸机"}, {"复写纸", "文具图书", "纸品"},
	{"办公用品", "文具图书", "办公用品"}, {"卸妆", "美妆护肤", "卸妆"}, {"脱毛", "美妆护肤", "脱毛"},
	{"项链", "服饰鞋包", "饰品"}, {"吊坠", "服饰鞋包", "饰品"}, {"手镯", "服饰鞋包", "饰品"},
	{"毛巾", "家居家装", "毛巾"}, {"干货", "食品饮料", "干货"}, {"水果", "食品饮料", "水果"},
	{"面膜", "美妆护肤", "面膜"}, {"精华", "美妆护肤", "精华"}, {"面霜", "美妆护肤", "面霜"},
	{"眼霜", "美妆护肤", "眼霜"}, {"爽肤水", "美妆护肤", "爽肤水"}, {"乳液", "美妆护肤", "乳液"},
	{"水乳", "美妆护肤", "护肤套装"}, {"洗面奶", "美妆护肤", "洁面"}, {"洁面", "美妆护肤", "洁面"},
	{"口红", "美妆护肤", "口红"}, {"唇膏", "美妆护肤", "唇膏"}, {"粉底", "美妆护肤", "粉底"},
	{"眉笔", "美妆护肤", "眉笔"}, {"防晒", "美妆护肤", "防晒"}, {"香水", "美妆护肤", "香水"},
	{"美妆", "美妆护肤", "彩妆"}, {"护肤", "美妆护肤", "护肤"},
	{"洗发", "个护清洁", "洗发水"}, {"沐浴", "个护清洁", "沐浴露"}, {"牙膏", "个护清洁", "牙膏"},
	{"牙刷", "个护清洁", "牙刷"}, {"纸巾", "个护清洁", "纸巾"}, {"洗衣", "个护清洁", "衣物清洁"},
	{"奶粉", "母婴玩具", "奶粉"}, {"纸尿裤", "母婴玩具", "纸尿裤"}, {"婴儿", "母婴玩具", "婴童用品"},
	{"儿童", "母婴玩具", "儿童用品"}, {"玩具", "母婴玩具", "玩具"}, {"积木", "母婴玩具", "积木"},
	{"鞋", "服饰鞋包", "鞋"}, {"靴", "服饰鞋包", "靴子"}, {"背包", "服饰鞋包", "背包"},
	{"双肩包", "服饰鞋包", "双肩包"}, {"钱包", "服饰鞋包", "钱包"}, {"手提包", "服饰鞋包", "手提包"},
	{"连衣裙", "服饰鞋包", "连衣裙"}, {"裙", "服饰鞋包", "裙装"}, {"裤", "服饰鞋包", "裤装"},
	{"T恤", "服饰鞋包", "T恤"}, {"t恤", "服饰鞋包", "T恤"}, {"背心", "服饰鞋包", "背心"}, {"打底衫", "服饰鞋包", "打底衫"},
	{"内衣", "服饰鞋包", "内衣"}, {"衬衫", "服饰鞋包", "衬衫"}, {"外套", "服饰鞋包", "外套"},
	{"卫衣", "服饰鞋包", "卫衣"}, {"毛衣", "服饰鞋包", "毛衣"}, {"羽绒服", "服饰鞋包", "羽绒服"},
	{"大衣", "服饰鞋包", "大衣"}, {"帽", "服饰鞋包", "帽子"}, {"袜", "服饰鞋包", "袜子"},
	{"零食", "食品饮料", "零食"}, {"饼干", "食品饮料", "饼干"}, {"咖啡", "食品饮料", "咖啡"},
	{"茶叶", "食品饮料", "茶叶"}, {"白酒", "食品饮料", "白酒"}, {"红酒", "食品饮料", "葡萄酒"},
	{"牛奶", "食品饮料", "牛奶"}, {"饮料", "食品饮料", "饮料"}, {"螺蛳粉", "食品饮料", "方便速食"},
	{"收纳", "家居家装", "收纳"}, {"置物架", "家居家装", "置物架"}, {"灯", "家居家装", "灯具"},
	{"杯", "家居家装", "杯子"}, {"锅", "家居家装", "锅具"}, {"碗", "家居家装", "餐具"},
	{"床", "家居家装", "床品"}, {"沙发", "家居家装", "沙发"}, {"桌", "家居家装", "桌子"},
	{"椅", "家居家装", "椅子"}, {"柜", "家居家装", "柜子"}, {"窗帘", "家居家装", "窗帘"},
	{"地毯", "家居家装", "地毯"}, {"垃圾桶", "家居家装", "垃圾桶"}, {"衣架", "家居家装", "衣架"},
	{"笔芯", "文具图书", "笔芯"}, {"中性笔", "文具图书", "中性笔"}, {"笔记本", "文具图书", "本册"},
	{"本子", "文具图书", "本册"}, {"文件", "文具图书", "文件管理"}, {"胶带", "文具图书", "胶带"},
	{"贴纸", "文具图书", "贴纸"}, {"标签", "文具图书", "标签"}, {"画", "文具图书", "画材"},
	{"笔", "文具图书", "笔"}, {"书", "文具图书", "图书"},
	{"瑜伽", "运动户外", "瑜伽"}, {"跑步", "运动户外", "跑步"}, {"球拍", "运动户外", "球拍"},
	{"篮球", "运动户外", "篮球"}, {"足球", "运动户外", "足球"}, {"钓", "运动户外", "渔具"},
	{"帐篷", "运动户外", "帐篷"}, {"健身", "运动户外", "健身"}, {"骑行", "运动户外", "骑行"},
}

func matchKeyword(s string) (keyword, bool) {
	if s == "" {
		return keyword{}, false
	}
	for _, k := range keywords {
		if strings.Contains(s, k.word) {
			return k, true
		}
	}
	return keyword{}, false
}
