package suggest

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"shopsearch/dict"
	"shopsearch/models"
	"shopsearch/models/clocktest"
)

// testNow is the tests' clock.
var testNow = clocktest.Date(2025, 6, 1, 12, 0)

// testCategory is the made-up category of a sample row without one, by
// product word (synthetic; see testdata/README.md).
var testCategory = map[string]string{
	"手机": "数码>手机>智能手机", "手机壳": "数码>手机配件>手机壳", "保护套": "数码>手机配件>保护套",
	"手机膜": "数码>手机配件>贴膜", "钢化膜": "数码>手机配件>贴膜", "手机支架": "数码>手机配件>支架",
	"数据线": "数码>手机配件>数据线", "充电宝": "数码>手机配件>充电宝", "蓝牙耳机": "数码>影音>耳机",
	"重低音炮": "数码>影音>音响", "笔记本电脑": "电脑办公>笔记本电脑", "鼠标垫": "电脑办公>外设>鼠标垫",
	"长尾夹": "文具>办公用品>长尾夹", "中性笔": "文具>笔>中性笔", "延长线": "家装>电工>延长线",
	"空调": "家电>空调", "体重秤": "个护健康>体重秤", "行李箱": "箱包>行李箱", "旅行箱": "箱包>行李箱",
	"连衣裙": "服饰>女装>连衣裙", "牛仔裤": "服饰>裤装>牛仔裤", "长裤": "服饰>裤装>长裤",
	"口红": "美妆>彩妆>口红", "自行车": "运动户外>骑行>自行车", "银行卡套": "箱包>卡包>银行卡套",
}

// sampleNouns are the product nouns the sample tests know (the product
// nouns of the sample's titles that the tests look for): a fixed list, so
// that what the tests check does not move when the lexicon is regenerated.
var sampleNouns = strings.Fields(`儿童画板 水彩笔 文件袋 鼠标垫 手机壳 钢化膜 保护套 数据线 蓝牙耳机 空调
	充电宝 文具 中性笔 台式机 录音笔 长尾夹 制冰机 电动牙刷 烘干机 电磁炉 手机 转接头 音响 笔记本电脑
	手环 手机膜 延长线 手机支架 空气净化器 臂包 口红 重低音炮 体重秤 自行车 手表 行李箱 旅行箱 银行卡套
	连衣裙 牛仔裤 长裤 肌底液`)

// sampleWords is Deps.Words over sampleNouns: the nouns a title contains,
// but none inside a longer one it contains (手机 in 手机壳).
func sampleWords(title string) []string {
	var out []string
	for _, w := range sampleNouns {
		if strings.Contains(title, w) && !slices.ContainsFunc(sampleNouns, func(l string) bool {
			return len(l) > len(w) && strings.Contains(l, w) && strings.Contains(title, l)
		}) {
			out = append(out, w)
		}
	}
	return out
}

// lexiconWords is Deps.Words as the service has it: the product nouns of
// the embedded lexicon.
func lexiconWords(title string) []string { return dict.DefaultLexicon().Products(title) }

// sampleProducts reads testdata/catalog_sample.jsonl and fills in the
// synthetic category and sales. The made-up category is looked up by the
// row's product_word, then the product word is dropped: suggest must find
// its product nouns in the title (Deps.Words).
func sampleProducts(t testing.TB) []models.Product {
	t.Helper()
	f, err := os.Open("testdata/catalog_sample.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []models.Product
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var p models.Product
		if err := json.Unmarshal(sc.Bytes(), &p); err != nil {
			t.Fatal(err)
		}
		if p.Category == "" {
			p.Category = testCategory[p.ProductWord]
			if p.Category == "" {
				p.Category = "其他"
			}
		}
		p.ProductWord = ""
		p.Sales30d = int64(10 + len(out)*37%500)
		out = append(out, p)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// newBuilt returns a Suggester over products, built once.
func newBuilt(t testing.TB, cfg Config, deps Deps, products []models.Product) *Suggester {
	t.Helper()
	if deps.Products == nil && products != nil {
		deps.Products = slices.Values(products)
	}
	if deps.Now == nil {
		deps.Now = func() time.Time { return testNow }
	}
	s, err := New(cfg, deps)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Rebuild(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

// texts returns the texts of a response, in order.
func texts(r Response) []string {
	out := make([]string, len(r.Suggestions))
	for i, s := range r.Suggestions {
		out[i] = s.Text
	}
	return out
}

// find returns the suggestion with text, if any.
func find(r Response, text string) (Suggestion, bool) {
	for _, s := range r.Suggestions {
		if s.Text == text {
			return s, true
		}
	}
	return Suggestion{}, false
}

func mustSuggest(t testing.TB, s *Suggester, req Request) Response {
	t.Helper()
	r, err := s.Suggest(req)
	if err != nil {
		t.Fatalf("Suggest(%+v): %v", req, err)
	}
	return r
}

func join(ss []string) string { return strings.Join(ss, " | ") }
