package indexer

import (
	"bufio"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"shopsearch/dict"
	"shopsearch/models"
)

// GenConfig sizes a generated workload (Generate). DefaultGenConfig has the
// defaults; zero fields take them (Users: N/10, at least 100).
type GenConfig struct {
	N        int       // products
	Seed     int64     // the same seed and vocabulary give the same files
	Now      time.Time // "now" of the synthetic listing dates and events
	Queries  int       // distinct queries in the query log, at most
	Searches int       // searches spread over them with Zipf popularity
	Events   int       // behaviour events
	Users    int       // distinct users of the events
}

// DefaultGenConfig returns the defaults: 1,000,000 products, seed 1, "now"
// fixed at 2025-06-01 00:00 China time (so the output does not depend on the
// day it is made), 20,000 queries searched 1,000,000 times, 1,000,000 events
// by 100,000 users.
func DefaultGenConfig() GenConfig {
	return GenConfig{
		N: 1_000_000, Seed: 1, Now: time.Date(2025, 5, 31, 16, 0, 0, 0, time.UTC),
		Queries: 20_000, Searches: 1_000_000, Events: 1_000_000, Users: 100_000,
	}
}

func (c *GenConfig) defaults() {
	def := DefaultGenConfig()
	if c.N <= 0 {
		c.N = def.N
	}
	if c.Now.IsZero() {
		c.Now = def.Now
	}
	if c.Queries <= 0 {
		c.Queries = def.Queries
	}
	if c.Searches <= 0 {
		c.Searches = def.Searches
	}
	if c.Events <= 0 {
		c.Events = def.Events
	}
	if c.Users <= 0 {
		c.Users = max(c.N/10, 100)
	}
}

// GenOutput is where Generate writes; each writer is buffered by Generate.
type GenOutput struct {
	Catalog io.Writer // JSONL, one product a line, as ReadCatalog reads it
	Queries io.Writer // queries.tsv (see Generate)
	Events  io.Writer // events.jsonl (see Generate)
}

// GenStats describes a generated workload.
type GenStats struct {
	Products, OutOfStock int
	Queries, Searches    int
	Events               map[string]int // by type
	// Runes and Tokens are the generated titles' lengths in runes (all
	// titles) and in dict leaf tokens (an evenly spaced sample of titles).
	Runes, Tokens LengthDist
}

// Event types, in funnel order.
const (
	EventImpression = "impression"
	EventClick      = "click"
	EventFavorite   = "favorite"
	EventAddToCart  = "add_to_cart"
	EventPurchase   = "purchase"
)

// Generate writes a synthetic workload of cfg.N products recombined from
// v's real vocabulary, in bounded memory (products are written as they are
// made; only the query candidates are kept, at most maxQueryCandidates).
//
// Catalog: models.Product as JSON, one a line (what ReadCatalog reads); ids
// g0000000…; a title "{brand}{code}{modifiers…}{product word}
// {attribute} {unit}" whose parts are drawn with the real frequencies (the
// brand mostly among those seen with the product word, the modifiers mostly
// from titles of the product word) and whose length in runes follows the
// real distribution; brand and product_word fields; a two-level category
// "top>leaf" from the product word, as the demo catalog's; the commercial
// fields from Synthesize(seed, Now).
//
// Queries (queries.tsv): one line per distinct query, "qid<TAB>text<TAB>
// count", no header, most searched first; count is how many of
// cfg.Searches searches asked it. The texts are sampled from the catalog:
// a brand, a product word, "brand product-word" and attribute+product word
// (白色手机壳), each chosen with probability by the square of how many items
// produce it, so that broad queries lead; the counts follow a Zipf law
// (s 1.07) over that order.
//
// Events (events.jsonl): cfg.Events objects, one a line,
//
//	{"ts":"2025-05-25T08:00:01Z","type":"click","user":"u0001234","item":"g0000042","session":"s0000007","query":"白色手机壳","pos":3}
//
// type is impression, click, favorite, add_to_cart or purchase; query and
// pos (1-based slot on the results page) are set on impressions and clicks.
// A session is one user's search: ten impressions, mostly of items that
// produce its query, the rest Zipf-popular items; each impression is
// clicked with a chance falling with its slot (about 5% overall); a click
// leads to a favorite 8%, add_to_cart 20% and a direct purchase 3% of the
// time, and an add_to_cart to a purchase 40%. Users and queries are
// Zipf-popular. Sessions follow each other through the 7 days before Now;
// timestamps never decrease within a session.
func Generate(v *Vocabulary, an *dict.Analyzer, cfg GenConfig, out GenOutput) (GenStats, error) {
	cfg.defaults()
	g := &generator{v: v, cfg: cfg, cands: map[string]*queryCand{}}
	stats := GenStats{Products: cfg.N, Events: map[string]int{}}
	runes := newLengthHist(histMaxRunes)
	tokens := newLengthHist(histMaxRunes)
	sampleEvery := max(cfg.N/20_000, 1)

	cw := bufio.NewWriterSize(out.Catalog, 1<<20)
	enc := json.NewEncoder(cw)
	enc.SetEscapeHTML(false)
	for i := range cfg.N {
		p, parts := g.product(i)
		Synthesize(&p, cfg.Seed, cfg.Now)
		if p.Stock == 0 {
			stats.OutOfStock++
		}
		runes.add(utf8.RuneCountInString(p.Title))
		if i%sampleEvery == 0 {
			tokens.add(leafCount(an, p.Title))
		}
		g.observe(i, parts)
		if err := enc.Encode(&p); err != nil {
			return stats, fmt.Errorf("write catalog: %w", err)
		}
	}
	if err := cw.Flush(); err != nil {
		return stats, fmt.Errorf("write catalog: %w", err)
	}
	stats.Runes, stats.Tokens = runes.dist(), tokens.dist()

	qs := g.queryLog()
	stats.Queries = len(qs)
	for _, q := range qs {
		stats.Searches += q.count
	}
	if err := writeQueries(out.Queries, qs); err != nil {
		return stats, err
	}
	if err := g.events(out.Events, qs, stats.Events); err != nil {
		return stats, err
	}
	return stats, nil
}

func leafCount(an *dict.Analyzer, s string) int {
	n := 0
	for _, t := range an.Analyze(s) {
		if t.Role == dict.Leaf {
			n++
		}
	}
	return n
}

type generator struct {
	v     *Vocabulary
	cfg   GenConfig
	cands map[string]*queryCand
	res   *rand.Rand // for the reservoirs of the query candidates
}

// titleParts are the parts of a generated title that queries are made of.
type titleParts struct{ brand, word, attr string }

// product makes product i from a generator of its own, so that it depends
// only on the seed, the vocabulary and i.
func (g *generator) product(i int) (models.Product, titleParts) {
	v := g.v
	r := rand.New(rand.NewPCG(uint64(g.cfg.Seed), uint64(i)))
	var parts titleParts
	parts.word = v.words.pick(r)
	if r.Float64() < v.pBrand {
		if bs, ok := v.brandsOf[parts.word]; ok && r.Float64() < 0.8 {
			parts.brand = bs.pick(r)
		} else {
			parts.brand = v.brands.pick(r)
		}
	}
	var code, unit string
	if r.Float64() < v.pCode {
		code = v.codes.pick(r)
	}
	if r.Float64() < v.pAttr && !v.attrs.empty() {
		parts.attr = v.attrs.pick(r)
	}
	if r.Float64() < v.pUnit {
		unit = v.units.pick(r)
	}
	sep := ""
	if r.Float64() < v.pSpace {
		sep = " "
	}
	tail := parts.word
	if parts.attr != "" {
		tail += sep + parts.attr
	}
	if unit != "" {
		tail += " " + unit
	}
	head := parts.brand + code
	// Modifiers go between head and tail until the title is as long as a
	// real one drawn at random.
	target := v.runeLens[r.IntN(len(v.runeLens))]
	n := utf8.RuneCountInString(head) + utf8.RuneCountInString(tail)
	own, hasOwn := v.modsOf[parts.word]
	var mods []string
	for range 80 {
		if n >= target {
			break
		}
		m := v.modifiers.pick(r)
		if hasOwn && r.Float64() < 0.9 {
			m = own.pick(r)
		}
		if m == parts.word || m == parts.attr || slices.Contains(mods, m) {
			continue
		}
		k := utf8.RuneCountInString(m)
		if n+k-target > target-n { // overshooting more than stopping short
			break
		}
		mods = append(mods, m)
		n += k
	}
	title := head + strings.Join(mods, "") + tail
	p := models.Product{
		ID:          fmt.Sprintf("g%07d", i),
		Title:       title,
		Brand:       parts.brand,
		Category:    genCategory(parts.word, title),
		ProductWord: parts.word,
	}
	return p, parts
}

// genCategories map words to a top-level category, tried in order (so
// accessories come before the devices they fit), like the demo catalog's
// synthetic categories.
var genCategories = []struct{ top, words string }{
	{"手机数码", "手机壳 保护套 保护壳 钢化膜 贴膜 水凝膜 数据线 充电器 充电宝 耳机 耳麦 音箱 音响 手机 相机 镜头 手表 表带 对讲机 电池 自拍杆"},
	{"电脑办公", "笔记本电脑 游戏本 鼠标 键盘 显示器 路由器 打印 硒鼓 墨盒 U盘 硬盘 电脑 平板 摄像头 交换机 投影 碎纸机 电话"},
	{"家用电器", "空调 冰箱 洗衣机 电视 微波炉 电饭煲 吸尘器 吹风机 剃须刀 风扇 加湿器 破壁机 电磁炉 油烟机 燃气灶 取暖器 热水器 净水器"},
	{"美妆护肤", "面膜 精华 面霜 眼霜 爽肤水 乳液 水乳 洗面奶 洁面 口红 唇膏 粉底 眉笔 防晒 香水 美妆 护肤 卸妆"},
	{"个护清洁", "洗发 沐浴 牙膏 牙刷 纸巾 洗衣 清洁"},
	{"母婴玩具", "奶粉 纸尿裤 婴儿 儿童 玩具 积木 奶瓶"},
	{"服饰鞋包", "鞋 靴 背包 双肩包 钱包 包 连衣裙 裙 裤 T恤 背心 内衣 衬衫 外套 卫衣 毛衣 羽绒服 大衣 帽 袜 项链 手镯"},
	{"食品饮料", "零食 饼干 咖啡 茶叶 白酒 红酒 牛奶 饮料 螺蛳粉 干货 水果"},
	{"家居家装", "收纳 置物架 灯 杯 锅 碗 床 沙发 桌 椅 柜 窗帘 地毯 垃圾桶 衣架 毛巾"},
	{"文具图书", "笔记本 本子 文件 胶带 贴纸 标签 画 笔 书 文具 尺"},
	{"运动户外", "瑜伽 跑步 球拍 篮球 足球 钓 帐篷 健身 骑行"},
}

// genCategory is "top>leaf": the top level from the first word of
// genCategories in the product word (else the title), 其他 when none; the
// leaf is the product word when it is 2–8 characters, else the word found.
func genCategory(productWord, title string) string {
	top, leaf := "其他", "其他商品"
	if t, w, ok := matchCategory(productWord); ok {
		top, leaf = t, w
	} else if t, w, ok := matchCategory(title); ok {
		top, leaf = t, w
	}
	if n := utf8.RuneCountInString(productWord); n >= 2 && n <= 8 && !strings.ContainsAny(productWord, " />") {
		leaf = productWord
	}
	return top + ">" + leaf
}

func matchCategory(s string) (top, word string, ok bool) {
	for _, c := range genCategories {
		for w := range strings.FieldsSeq(c.words) {
			if strings.Contains(s, w) {
				return c.top, w, true
			}
		}
	}
	return "", "", false
}

// ---- query log ----

// maxQueryCandidates bounds the distinct query texts kept while the catalog
// is made; reservoirSize the items kept for each, for the events.
const (
	maxQueryCandidates = 300_000
	reservoirSize      = 16
)

type queryCand struct {
	text  string
	items int     // products that produce it
	res   []int32 // a uniform sample of them (reservoir)
	count int     // searches, once chosen
}

// observe counts the queries product i produces.
func (g *generator) observe(i int, parts titleParts) {
	if g.res == nil {
		g.res = rand.New(rand.NewPCG(uint64(g.cfg.Seed), 0x9e3779b97f4a7c15))
	}
	texts := []string{parts.word}
	if b := brandQuery(parts.brand); b != "" {
		texts = append(texts, b, b+" "+parts.word)
	}
	if parts.attr != "" {
		texts = append(texts, parts.attr+parts.word)
	}
	for k, t := range texts {
		if !slices.Contains(texts[:k], t) {
			g.add(t, i)
		}
	}
}

func (g *generator) add(text string, i int) {
	c := g.cands[text]
	if c == nil {
		if len(g.cands) >= maxQueryCandidates {
			return
		}
		c = &queryCand{text: text}
		g.cands[text] = c
	}
	c.items++
	if len(c.res) < reservoirSize {
		c.res = append(c.res, int32(i))
	} else if j := g.res.IntN(c.items); j < reservoirSize {
		c.res[j] = int32(i)
	}
}

// brandQuery is how a shopper types a brand: the part of "Lancome/兰蔻" or
// "晨光（M&G）" with Han characters, else the first part.
func brandQuery(brand string) string {
	parts := strings.FieldsFunc(brand, func(r rune) bool { return strings.ContainsRune("/|()（）", r) })
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" && hasHan(p) {
			return p
		}
	}
	if len(parts) > 0 {
		return strings.TrimSpace(parts[0])
	}
	return ""
}

func hasHan(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) })
}

// queryLog chooses up to cfg.Queries candidates, each with probability by
// the square of how many items produce it, so that broad queries lead
// (weighted sampling without replacement: the largest 2·log(items)+Gumbel
// keys), and spreads cfg.Searches searches over
// them in that order with a Zipf law. Queries nobody searched are dropped.
func (g *generator) queryLog() []*queryCand {
	texts := make([]string, 0, len(g.cands))
	for t := range g.cands {
		texts = append(texts, t)
	}
	slices.Sort(texts)
	r := rand.New(rand.NewPCG(uint64(g.cfg.Seed), 0x51ed))
	keys := make(map[string]float64, len(texts))
	for _, t := range texts {
		keys[t] = 2*math.Log(float64(g.cands[t].items)) - math.Log(-math.Log(1-r.Float64()))
	}
	slices.SortFunc(texts, func(a, b string) int {
		return cmp.Or(cmp.Compare(keys[b], keys[a]), strings.Compare(a, b))
	})
	texts = texts[:min(len(texts), g.cfg.Queries)]
	if len(texts) == 0 {
		return nil
	}
	qs := make([]*queryCand, len(texts))
	for i, t := range texts {
		qs[i] = g.cands[t]
	}
	if len(qs) == 1 {
		qs[0].count = g.cfg.Searches
		return qs
	}
	z := rand.NewZipf(r, 1.07, 2, uint64(len(qs)-1))
	for range g.cfg.Searches {
		qs[z.Uint64()].count++
	}
	kept := qs[:0]
	for _, q := range qs {
		if q.count > 0 {
			kept = append(kept, q)
		}
	}
	slices.SortStableFunc(kept, func(a, b *queryCand) int { return cmp.Compare(b.count, a.count) })
	return kept
}

func writeQueries(w io.Writer, qs []*queryCand) error {
	bw := bufio.NewWriter(w)
	for i, q := range qs {
		fmt.Fprintf(bw, "q%06d\t%s\t%d\n", i+1, q.text, q.count)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write queries: %w", err)
	}
	return nil
}

// ---- events ----

type genEvent struct {
	TS      string `json:"ts"`
	Type    string `json:"type"`
	User    string `json:"user"`
	Item    string `json:"item"`
	Session string `json:"session"`
	Query   string `json:"query,omitempty"`
	Pos     int    `json:"pos,omitempty"`
}

// zipfPerm draws Zipf-popular members of 0…n-1; which members are popular is
// a fixed pseudo-random permutation (i → a·i+b mod n, a coprime to n), so
// popularity is not tied to the order of ids.
type zipfPerm struct {
	z    *rand.Zipf
	n    uint64
	a, b uint64
}

func newZipfPerm(r *rand.Rand, s float64, n int) *zipfPerm {
	zp := &zipfPerm{n: uint64(max(n, 1)), b: r.Uint64N(uint64(max(n, 1)))}
	if n > 1 {
		zp.z = rand.NewZipf(r, s, 1, uint64(n-1))
	}
	for zp.a = uint64(n)/2 + 1; genGCD(zp.a, zp.n) != 1; zp.a++ {
	}
	return zp
}

func (zp *zipfPerm) next() int {
	var k uint64
	if zp.z != nil {
		k = zp.z.Uint64()
	}
	return int((zp.a%zp.n*k + zp.b) % zp.n)
}

func genGCD(a, b uint64) uint64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// events writes cfg.Events events (see Generate), counting them by type.
func (g *generator) events(w io.Writer, qs []*queryCand, counts map[string]int) error {
	if g.cfg.Events == 0 || len(qs) == 0 {
		return nil
	}
	r := rand.New(rand.NewPCG(uint64(g.cfg.Seed), 0xe7e7))
	users := newZipfPerm(r, 1.2, g.cfg.Users)
	items := newZipfPerm(r, 1.1, g.cfg.N)
	queries := make([]float64, len(qs)) // cumulative search counts
	sum := 0.0
	for i, q := range qs {
		sum += float64(q.count)
		queries[i] = sum
	}
	const pageSize = 10
	const window = 7 * 24 * time.Hour
	start := g.cfg.Now.Add(-window)
	meanGap := float64(window) / (float64(g.cfg.Events) / 11.5) // about 11.5 events a session

	bw := bufio.NewWriterSize(w, 1<<20)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	left := g.cfg.Events
	at := start
	emit := func(e genEvent, t time.Time) error {
		if left == 0 {
			return nil
		}
		left--
		counts[e.Type]++
		e.TS = t.UTC().Format(time.RFC3339)
		return enc.Encode(&e)
	}
	for s := 0; left > 0; s++ {
		at = at.Add(time.Duration(r.ExpFloat64() * meanGap))
		q := qs[min(searchFloat(queries, r.Float64()*sum), len(qs)-1)]
		base := genEvent{User: fmt.Sprintf("u%07d", users.next()), Session: fmt.Sprintf("s%07d", s)}
		// The page is shown at once; clicks and what follows them come
		// later, in slot order, so that time only moves forward.
		off := r.IntN(len(q.res))
		page := make([]genEvent, 0, pageSize)
		for pos := 1; pos <= pageSize; pos++ {
			item := items.next()
			if pos <= len(q.res) && r.Float64() < 0.75 {
				item = int(q.res[(off+pos)%len(q.res)])
			}
			for try := 0; try < 20 && shown(page, item); try++ { // an item shows once a page
				item = items.next()
			}
			e := base
			e.Type, e.Item, e.Query, e.Pos = EventImpression, fmt.Sprintf("g%07d", item), q.text, pos
			page = append(page, e)
			if err := emit(e, at); err != nil {
				return fmt.Errorf("write events: %w", err)
			}
		}
		t := at
		for _, e := range page {
			if r.Float64() >= 0.10/(1+0.2*float64(e.Pos-1)) {
				continue
			}
			t = t.Add(time.Duration(2+r.IntN(60)) * time.Second)
			e.Type = EventClick
			if err := emit(e, t); err != nil {
				return fmt.Errorf("write events: %w", err)
			}
			e.Query, e.Pos = "", 0
			var next []string
			switch u := r.Float64(); {
			case u < 0.08:
				next = []string{EventFavorite}
			case u < 0.28:
				next = []string{EventAddToCart}
				if r.Float64() < 0.40 {
					next = append(next, EventPurchase)
				}
			case u < 0.31:
				next = []string{EventPurchase}
			}
			for _, typ := range next {
				t = t.Add(time.Duration(5+r.IntN(300)) * time.Second)
				e.Type = typ
				if err := emit(e, t); err != nil {
					return fmt.Errorf("write events: %w", err)
				}
			}
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write events: %w", err)
	}
	return nil
}

func shown(page []genEvent, item int) bool {
	id := fmt.Sprintf("g%07d", item)
	return slices.ContainsFunc(page, func(e genEvent) bool { return e.Item == id })
}

// searchFloat returns the first index of the ascending xs with xs[i] ≥ x.
func searchFloat(xs []float64, x float64) int {
	i, _ := slices.BinarySearch(xs, x)
	return i
}
