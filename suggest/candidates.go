package suggest

import (
	"cmp"
	"context"
	"iter"
	"math"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"shopsearch/dict"
	"shopsearch/models"
)

// Count returns how many items a query finds (0 when none, or when it
// cannot tell). The caller supplies it, backed by the engine's search total
// or a cheaper index count; the build applies it to logged queries, never
// on the lookup path.
type Count func(q string) int

// Kinds of candidate, as a bit set: one text can be several.
const (
	kindLogged uint8 = 1 << iota
	kindBrand
	kindCategory
	kindWord
	kindPair
	kindAllow
	kindTitle // a Latin name in enough titles (titleterms.go)
)

// fromCatalog is the kinds that come from the catalog and are trusted to
// find items.
const fromCatalog = kindBrand | kindCategory | kindWord | kindPair | kindTitle

// maxCatPaths bounds the category paths tallied per candidate.
const maxCatPaths = 8

// agg is a candidate while the build gathers it.
type agg struct {
	text    string
	kinds   uint8
	items   int   // catalog items behind it
	sales   int64 // their 30-day sales
	results int   // what Count or the log said, for texts not from the catalog
	pop     float64
	cats    []catWeight
}

type catWeight struct {
	path   string
	weight int64 // 30-day sales + 1 of the items in it
}

// placeholders are brand and category values that name nothing.
var placeholders = map[string]bool{"其他": true, "其它": true, "other": true, "无": true,
	"无品牌": true, "其他品牌": true, "other其他": true, "其他other": true, "none": true, "unknown": true,
	"未分类": true, "默认": true, "默认分类": true}

// gatherer collects the candidates of one build.
type gatherer struct {
	cfg   Config
	merch *merch
	by    map[string]*agg // by keyOf(text)
}

// add counts p (nil for none) towards the candidate text of the given kind
// and returns it, or nil when the text is not a fit candidate.
func (g *gatherer) add(text string, kind uint8, p *models.Product) *agg {
	k := keyOf(text)
	if n := utf8.RuneCountInString(k); n < g.cfg.MinRunes || n > g.cfg.MaxRunes || !wordLike(k) || g.merch.denied(k) {
		return nil
	}
	a := g.by[k]
	if a == nil {
		a = &agg{text: displayOf(text)}
		g.by[k] = a
	}
	a.kinds |= kind
	if p != nil {
		a.items++
		a.sales += max(p.Sales30d, 0)
		a.addCat(p.Category, max(p.Sales30d, 0)+1)
	}
	return a
}

func (a *agg) addCat(path string, w int64) {
	if path == "" {
		return
	}
	for i := range a.cats {
		if a.cats[i].path == path {
			a.cats[i].weight += w
			return
		}
	}
	if len(a.cats) < maxCatPaths {
		a.cats = append(a.cats, catWeight{path, w})
	}
}

// wordLike reports whether k has a letter (Han or other), not only digits
// and symbols.
func wordLike(k string) bool {
	return strings.IndexFunc(k, unicode.IsLetter) >= 0
}

// catalog adds the brands, category levels and product nouns of every
// product, the pairs of its brand with each product noun its title names
// (with its leaf category, when the title names that but no product noun),
// and the Latin names enough titles share (titleterms.go). The product
// nouns come from the title alone (Deps.Words): the engine never reads a
// source's annotated product word.
func (g *gatherer) catalog(ctx context.Context, products iter.Seq[models.Product], words func(string) []string) error {
	n := 0
	var terms titleTerms
	for p := range products {
		if n++; n%4096 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		brands := brandParts(p.Brand)
		norm := dict.Normalize(p.Title)
		terms.add(&p, norm, brands)
		for _, b := range brands {
			g.add(b, kindBrand, &p)
		}
		for _, c := range categoryParts(p.Category) {
			g.add(c, kindCategory, &p)
		}
		var nouns []string
		if words != nil {
			nouns = words(norm)
		}
		paired := nouns[:0:0]
		for _, w := range nouns {
			if g.add(w, kindWord, &p) != nil {
				paired = append(paired, w)
			}
		}
		if len(brands) == 0 {
			continue
		}
		title := keyOfNormal(norm)
		if len(nouns) == 0 {
			// No product noun in the title: the leaf category, when the
			// title names it, stands for one in the pairs (Apple/苹果 in
			// 手机, "…双卡双待手机" → 苹果手机).
			leaf := p.Category[strings.LastIndex(p.Category, ">")+1:]
			for _, c := range categoryParts(leaf) {
				if strings.Contains(title, keyOf(c)) {
					paired = append(paired, c)
					break
				}
			}
		}
		g.pairs(&p, brands, title, paired)
	}
	g.titles(&terms)
	return nil
}

// pairs adds the pairs of the brand with each of words, product nouns the
// title names: for each name of the brand the title writes (Apple/苹果 →
// 苹果 when the title says 苹果), and for its first Chinese name when the
// title writes none: a shopper typing Chinese (苹果sj, a Chinese head then
// pinyin) types the brand's Chinese name even when the titles write Apple.
// With no name in the title, the first name.
func (g *gatherer) pairs(p *models.Product, brands []string, title string, words []string) {
	if len(words) == 0 {
		return
	}
	var named []string
	for _, b := range brands {
		if strings.Contains(title, keyOf(b)) {
			named = append(named, b)
		}
	}
	if i := slices.IndexFunc(brands, func(b string) bool { return strings.IndexFunc(b, isHan) >= 0 }); i >= 0 {
		if !slices.ContainsFunc(named, func(b string) bool { return strings.IndexFunc(b, isHan) >= 0 }) {
			named = append(named, brands[i])
		}
	} else if len(named) == 0 {
		named = brands[:1]
	}
	for _, w := range words {
		for _, b := range named {
			if !strings.HasPrefix(keyOf(w), keyOf(b)) { // 华为 + 华为手机 is 华为手机
				g.add(joinPair(b, w), kindPair, p)
			}
		}
	}
}

// brandParts splits a brand into the names it goes by: "Lancome/兰蔻" →
// lancome, 兰蔻; "晨光（M&G）" → 晨光, m&g. Placeholders give none.
func brandParts(brand string) []string {
	var out []string
	for _, part := range strings.FieldsFunc(displayOf(brand), func(r rune) bool {
		return strings.ContainsRune("/|,，、()（）[]【】", r)
	}) {
		part = strings.TrimSpace(part)
		if part != "" && !placeholders[part] && !slices.Contains(out, part) {
			out = append(out, part)
		}
	}
	return out
}

// categoryParts are the names of a category path's levels: 数码>手机>智能手机
// → 数码, 手机, 智能手机; a level that lists several (母婴/玩具/童装) gives each.
func categoryParts(path string) []string {
	parts := strings.FieldsFunc(path, func(r rune) bool { return r == '>' || r == '/' || r == '、' })
	return slices.DeleteFunc(parts, func(p string) bool { return placeholders[keyOf(p)] })
}

func isHan(r rune) bool { return unicode.Is(unicode.Han, r) }

// logged adds the most searched queries of the log. A query the catalog
// already suggests just gains popularity; another must find items, by
// count (or, without one, by the log's own result counts), and takes its
// categories from the longest catalog candidate inside it.
func (g *gatherer) logged(ctx context.Context, top []Logged, count Count) error {
	for i, l := range top {
		if i%256 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		k := keyOf(l.Query)
		if a := g.by[k]; a != nil {
			a.pop += l.Count
			a.kinds |= kindLogged
			continue
		}
		results := l.Results
		if count != nil {
			results = count(l.Query)
		}
		if results <= 0 {
			continue
		}
		if a := g.add(l.Query, kindLogged, nil); a != nil {
			a.pop, a.results = l.Count, results
			g.inherit(k, a)
		}
	}
	return nil
}

// allowed adds the merchandisers' allow list.
func (g *gatherer) allowed() {
	for _, t := range g.merch.cfg.Allow {
		k := keyOf(t)
		if a := g.by[k]; a != nil {
			a.kinds |= kindAllow
			continue
		}
		if a := g.add(t, kindAllow, nil); a != nil {
			g.inherit(k, a)
		}
	}
}

// inherit gives a, a candidate not from the catalog, the categories and
// sales of the longest catalog candidate inside its key k (苹果手机壳 → 手机壳).
func (g *gatherer) inherit(k string, a *agg) {
	var offs []int
	for i := range k {
		offs = append(offs, i)
	}
	offs = append(offs, len(k))
	for span := len(offs) - 2; span >= 1; span-- { // shorter than k itself
		for i := 0; i+span < len(offs); i++ {
			if src := g.by[k[offs[i]:offs[i+span]]]; src != nil && src.kinds&fromCatalog != 0 {
				a.cats = append(a.cats[:0], src.cats...)
				a.sales = src.sales
				return
			}
		}
	}
}

// candidate is one entry of the candidate table an index serves.
type candidate struct {
	text   string
	key    string   // keyOf(text)
	cats   []string // shown: a level of each of its top category paths
	paths  []string // those paths, for the personal boost
	static float32  // score before the match factor and the personal boost
	pop    float32  // decayed searches, for the hot list
	kinds  uint8
}

// table turns the gathered candidates into the candidate table, scored.
func (g *gatherer) table() []candidate {
	var maxPop, maxRes, maxSales float64
	for _, a := range g.by {
		maxPop = max(maxPop, math.Log1p(a.pop))
		maxRes = max(maxRes, math.Log1p(float64(a.resultCount())))
		maxSales = max(maxSales, math.Log1p(float64(a.sales)))
	}
	part := func(v, top float64) float64 {
		if top == 0 {
			return 0
		}
		return math.Log1p(v) / top
	}
	w := g.cfg.Weights
	out := make([]candidate, 0, len(g.by))
	for k, a := range g.by {
		c := candidate{text: a.text, key: k, cats: []string{}, pop: float32(a.pop), kinds: a.kinds}
		static := w.Popularity*part(a.pop, maxPop) +
			w.Results*part(float64(a.resultCount()), maxRes) +
			w.Commerce*part(float64(a.sales), maxSales)
		if a.kinds == kindCategory {
			static *= w.CategoryOnly
		}
		c.static = float32(static)
		slices.SortFunc(a.cats, func(x, y catWeight) int {
			return cmp.Or(cmp.Compare(y.weight, x.weight), cmp.Compare(x.path, y.path))
		})
		for _, cw := range a.cats {
			level := shownLevel(cw.path, k)
			if level == "" || slices.Contains(c.cats, level) {
				continue
			}
			c.cats = append(c.cats, level)
			c.paths = append(c.paths, cw.path)
			if len(c.cats) == 2 {
				break
			}
		}
		out = append(out, c)
	}
	// Best first, so that candidate ids order by static score.
	slices.SortFunc(out, func(x, y candidate) int {
		return cmp.Or(cmp.Compare(y.static, x.static), cmp.Compare(x.key, y.key))
	})
	return out
}

// shownLevel is the level of a category path shown with the candidate of
// key k: the deepest one that is not k itself (手机壳 in 数码>手机配件>手机壳
// shows 手机配件).
func shownLevel(path, k string) string {
	for path != "" {
		i := strings.LastIndexByte(path, '>')
		level := strings.TrimSpace(path[i+1:])
		if lk := keyOf(level); lk != "" && lk != k && !placeholders[lk] {
			return level
		}
		if i < 0 {
			break
		}
		path = path[:i]
	}
	return ""
}

func (a *agg) resultCount() int {
	if a.items > 0 {
		return a.items
	}
	return max(a.results, 0)
}

// now is time.Now unless the caller set a clock.
func nowOf(clock func() time.Time) time.Time {
	if clock != nil {
		return clock()
	}
	return time.Now()
}
