package query

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	index "github.com/blevesearch/bleve_index_api"

	"shopsearch/dict"
	"shopsearch/indexer"
	"shopsearch/rank"
)

// Graded matching: a relevance search without filters ranks every
// candidate — the items with every query word and the items with some of
// them — by one graded text score, rather than putting the full matches in
// a tier of their own. Most real shopper queries name more words than the
// item they want has (only about one known item in nine has every word of
// its query), so a hard tier ranks a title that happens to repeat a
// modifier and a brand above the product that was asked for.
//
// The score is the share of the query's weight an item's text covers. Each
// query word weighs its IDF, times a role: the head noun (the last word of
// two or more characters that is neither a brand nor a code: Chinese noun
// phrases end in their head, 先科茶吧机家用 → 茶吧机) weighs more, a brand less,
// so that a partial match keeps the product noun before the brand. A word
// is covered when the title (or brand) contains it, which lets segmentation
// differences match (小金桔 covers 金桔's items, and 金桔 小金桔's);
// a longer word or a run of single characters the lexicon did not know
// (爱|立|舍) is covered in part by the share of its character bigrams the
// title has. A word the title holds only as the modifier of an accessory
// (手机 in 手机壳) is covered in part: an accessory is a complement of the
// device, not the device. Then the phase-1 BM25 score and a preference for
// shorter titles order items of equal coverage, and a hash of the title
// breaks what still ties, so ties never fall to catalog order.

// GradeConfig tunes graded matching; defaults in DefaultConfig.
type GradeConfig struct {
	Off   bool    // the strict tiers of relaxation instead
	Head  float64 // weight of the head noun, relative to 1
	Brand float64 // weight of a brand word
	Code  float64 // weight of a code or number (model, size: 80x160, 256g)
	// BrandShare guards brand detection: a query word is a brand only when
	// at least this share of the items that have it have it as (part of)
	// their brand — not a common word some seller used as a brand (食品,
	// 国际) — and never a number.
	BrandShare float64
	Accessory  float64 // coverage of a word the title has only before an accessory head
	Grams      float64 // coverage of a word by its share of bigrams, at most
	BM25       float64 // weight of the phase-1 text score (divided by the best)
	// Chars is the weight of BM25 over the character grams the title
	// shares with the query (grams.go), divided by the sum of the query
	// grams' IDFs.
	Chars float64
	// CharsB is the length normalisation (BM25's b) of that score.
	CharsB float64
	Short  float64 // weight of a short title: Short·(1 − runes/ShortRunes)
	// ShortRunes is the title length at which the shortness bonus is gone.
	ShortRunes int
	// NoHead multiplies the coverage of an item that lacks the head noun
	// (covers it less than half), so that it ranks below the items that
	// have it: a partial match keeps the product noun first.
	NoHead float64
	// HeadBonus is the bonus of an item that has the head noun: it ranks
	// above the items that match more of the other words or characters but
	// lack the product asked for.
	HeadBonus float64
	// CatHead is the bonus of an item whose category's last level ends
	// with the query's head noun (智能手机 for 手机; not 手机壳).
	CatHead float64
	// Full is the bonus of an item that covers every word whole.
	Full float64
	// Top is how many of the strict matches, the best by phase-1 score,
	// are graded on their text; the others keep their phase-1 order.
	Top int
	// Partial is how many partial matches are retrieved besides the strict
	// ones (the best by phase-1 score of the disjunction of the words).
	Partial int
	// Postings bounds the postings the partial disjunction reads (see
	// budget); 0: no bound.
	Postings int
	// GramTerms is how many of the query's rarest character bigrams join
	// that disjunction (FieldGrams); 0: none.
	GramTerms int
}

// DefaultGradeConfig are the defaults, chosen on half a of every set and
// checked on half b (doc/design.md, "Relevance").
func DefaultGradeConfig() GradeConfig {
	return GradeConfig{Head: 1, Brand: 2, Code: 0.5, BrandShare: 0.3, Accessory: 0.3, Grams: 0.6, BM25: 0.5, Chars: 8, CharsB: 0.75, Short: 0.1, ShortRunes: 120, NoHead: 1, Full: 1, CatHead: 0.2, Top: 50, Partial: 200, GramTerms: 10, HeadBonus: 0.6, Postings: 20000}
}

// gradeTerm is one word of the query as graded matching weighs it.
type gradeTerm struct {
	text string   // normalised
	alts []string // its synonyms, normalised and joined
	// aliases are the other names of the brand it names (苹果: apple),
	// which cover it as well as itself.
	aliases []string
	w       float64
	code    bool // letters and digits: matched on whole runs only
	grams   []string
	head    bool
}

// accessoryHeads are the heads that make the word before them a modifier:
// a title with 手机壳 is about a case, not a phone. It is a short, general
// list of accessory and part nouns, not fitted to any query.
var accessoryHeads = []string{"壳", "套", "膜", "贴", "支架", "充电器", "充电线", "数据线", "配件", "挂绳", "包", "袋", "盒", "架", "座", "刷", "替换"}

// gradeTerms weighs the query's required words for graded matching.
func (e *Engine) gradeTerms(ts *termStats, plan Plan) []gradeTerm {
	cfg := e.cfg.Grade
	if !ts.ok() {
		return nil
	}
	idf := func(t string) float64 {
		df := float64(ts.df(t))
		n := float64(ts.docs)
		return math.Log(1 + (n-df+0.5)/(df+0.5))
	}
	var terms []gradeTerm
	req := plan.Required
	for i := 0; i < len(req); i++ {
		t := req[i]
		if single(t) {
			// A run of single characters: a word the lexicon did not know.
			j := i
			for j+1 < len(req) && single(req[j+1]) {
				j++
			}
			if j > i {
				run := strings.Join(req[i:j+1], "")
				// As rare as its characters together, about: their
				// IDFs add up (as if they were independent), capped at
				// the IDF of a word in one item.
				w := 0.0
				for _, c := range req[i : j+1] {
					w += idf(c)
				}
				w = min(w, idf("\x00"))
				terms = append(terms, gradeTerm{text: run, w: w, grams: bigrams(run)})
				i = j
				continue
			}
		}
		g := gradeTerm{text: t, w: idf(t), code: isCode(t)}
		if g.code {
			g.w *= cfg.Code
		}
		if utf8.RuneCountInString(t) >= 3 && !g.code {
			g.grams = bigrams(t)
		}
		if slices.Contains(plan.Brands, t) || slices.Contains(plan.BrandLeaves, t) {
			g.w *= cfg.Brand
		}
		for _, x := range plan.Synonyms {
			if len(x.Terms) == 1 && x.Terms[0] == t {
				for _, s := range x.Synonyms {
					g.alts = append(g.alts, strings.Join(s.Terms, ""))
				}
			}
		}
		g.aliases = e.store.BrandAliases(t)
		terms = append(terms, g)
	}
	for i := len(terms) - 1; i >= 0; i-- {
		t := terms[i]
		if !t.code && !modifier(t.text) && !slices.Contains(plan.Brands, t.text) && !slices.Contains(plan.BrandLeaves, t.text) {
			terms[i].head = true
			terms[i].w *= cfg.Head
			break
		}
	}
	return terms
}

func single(t string) bool {
	r, n := utf8.DecodeRuneInString(t)
	return n == len(t) && unicode.Is(unicode.Han, r)
}

func isCode(t string) bool {
	for _, r := range t {
		if unicode.Is(unicode.Han, r) {
			return false
		}
	}
	return true
}

func bigrams(t string) []string {
	rs := []rune(t)
	var out []string
	for i := 0; i+1 < len(rs); i++ {
		out = append(out, string(rs[i:i+2]))
	}
	return out
}

// grade rescores cands in place by graded matching and marks as partial
// (tier 1) those that do not cover every word whole.
func (e *Engine) grade(terms []gradeTerm, query string, cands []rank.Candidate) {
	cfg := e.cfg.Grade
	var total, best float64
	for _, t := range terms {
		total += t.w
	}
	for _, c := range cands {
		best = max(best, c.Score)
	}
	if total == 0 {
		return
	}
	headNoun := ""
	for _, t := range terms {
		if t.head {
			headNoun = t.text
		}
	}
	// The best Top strict matches by phase-1 score and every partial one
	// are graded on their text; the other strict matches cover every word
	// and are ranked by their phase-1 score alone, which keeps grading to a
	// few hundred titles a search.
	order := make([]int, len(cands))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		if c := cmp.Compare(cands[b].Score, cands[a].Score); c != 0 {
			return c
		}
		return cmp.Compare(cands[a].Ref, cands[b].Ref)
	})
	sel := make([]int, 0, min(len(cands), cfg.Top+cfg.Partial))
	strictN := 0
	for _, i := range order {
		c := &cands[i]
		if c.Tier == 0 {
			if strictN++; strictN > cfg.Top {
				c.Score = 1 + cfg.Full + cfg.BM25*c.Score/best
				continue
			}
		}
		sel = append(sel, i)
	}
	gq := e.grams.query(query)
	var idfSum float64
	for _, w := range gq.idf {
		idfSum += w
	}
	sub := make([]rank.Candidate, len(sel))
	for j, i := range sel {
		sub[j] = cands[i]
	}
	e.store.Texts(sub, dict.Normalize, func(j int, title, text, cat string) {
		i := sel[j]
		strict := cands[i].Tier == 0 // phase 1 matched every word
		var covered float64
		full, head, accessory := true, true, false
		for _, t := range terms {
			c, acc := coverage(t, text, query, strict, cfg)
			if acc {
				accessory = true // an accessory of the device asked for
			} else if c < 1 {
				full = false
			}
			if t.head && c < 0.5 {
				head = false
			}
			covered += t.w * c
		}
		s := covered / total
		if !head {
			s *= cfg.NoHead
		} else if headNoun != "" {
			s += cfg.HeadBonus
		}
		if full && !accessory {
			// An accessory of the device asked for (手机壳 for 手机) keeps
			// its tier, as it has every word, but not this bonus nor the
			// head's: it ranks below the devices that match about as well.
			s += cfg.Full
		}
		if headNoun != "" && strings.HasSuffix(cat, headNoun) {
			s += cfg.CatHead
		}
		if best > 0 {
			s += cfg.BM25 * cands[i].Score / best
		}
		if idfSum > 0 && cfg.Chars > 0 {
			nt, _, _ := strings.Cut(text, " \n ")
			s += cfg.Chars * gq.score(nt, cfg.CharsB) / idfSum
		}
		if cfg.ShortRunes > 0 {
			s += cfg.Short * max(0, 1-float64(utf8.RuneCountInString(title))/float64(cfg.ShortRunes))
		}
		h := fnv.New32a()
		h.Write([]byte(title))
		s += 1e-9 * float64(h.Sum32()%1000)
		cands[i].Score = s
		cands[i].Tier = 0
		if !full {
			cands[i].Tier = 1
		}
	})
}

// coverage is how much of word t the text covers, in [0, 1], and whether
// the text has the head noun t only as the modifier of an accessory (then
// the coverage is GradeConfig.Accessory).
func coverage(t gradeTerm, text, query string, strict bool, cfg GradeConfig) (float64, bool) {
	if strict || contains(text, t.text, t.code) {
		if t.head && onlyBeforeAccessory(text, t.text, query) {
			return cfg.Accessory, true
		}
		return 1, false
	}
	for _, a := range t.aliases {
		if contains(text, a, isCode(a)) {
			return 1, false
		}
	}
	for _, a := range t.alts {
		if contains(text, a, isCode(a)) {
			return SynonymBoost, false
		}
	}
	if len(t.grams) == 0 {
		return 0, false
	}
	n := 0
	for _, g := range t.grams {
		if strings.Contains(text, g) {
			n++
		}
	}
	return cfg.Grams * float64(n) / float64(len(t.grams)), false
}

// contains reports whether text has t; a code (letters and digits) only
// where the analyzer would cut it out too — not inside a run of letters or
// of digits (pro in product, 20 in 2023), but 35 of 35gw.
func contains(text, t string, code bool) bool {
	if !code {
		return strings.Contains(text, t)
	}
	for from := 0; ; {
		i := strings.Index(text[from:], t)
		if i < 0 {
			return false
		}
		a, b := from+i, from+i+len(t)
		before, _ := utf8.DecodeLastRuneInString(text[:a])
		after, _ := utf8.DecodeRuneInString(text[b:])
		first, _ := utf8.DecodeRuneInString(t)
		last, _ := utf8.DecodeLastRuneInString(t)
		if !sameClass(before, first) && !sameClass(last, after) {
			return true
		}
		from = a + 1
	}
}

// sameClass reports whether a and b are both ASCII letters or both digits.
func sameClass(a, b rune) bool {
	letter := func(r rune) bool { return r < utf8.RuneSelf && unicode.IsLetter(r) }
	return letter(a) && letter(b) || unicode.IsDigit(a) && unicode.IsDigit(b)
}

// onlyBeforeAccessory reports whether every occurrence of t in text is
// followed by an accessory head that the query does not name after t.
func onlyBeforeAccessory(text, t, query string) bool {
	for from := 0; ; {
		i := strings.Index(text[from:], t)
		if i < 0 {
			return from > 0
		}
		acc := accessoryAfter(text[from+i+len(t):])
		if acc == "" || strings.Contains(query, t+acc) {
			return false
		}
		from += i + len(t)
	}
}

// accessoryAfter returns the accessory noun that text starts with: an
// accessory head, or a word of up to three Chinese characters ending in one
// (保护套, 钢化膜 as well as 壳, 膜); "" if none.
func accessoryAfter(text string) string {
	end := 0
	for n := 0; n < 3; n++ {
		r, size := utf8.DecodeRuneInString(text[end:])
		if size == 0 || !unicode.Is(unicode.Han, r) {
			break
		}
		end += size
		for _, h := range accessoryHeads {
			if strings.HasSuffix(text[:end], h) {
				return text[:end]
			}
		}
	}
	return ""
}

// graded returns the strict candidates and the best partial matches,
// rescored by graded matching. The partial matches are those of the
// disjunction of the query's words, less the too common ones, and of the
// two-character parts of its longer words (小金桔 → 金桔), so that an item
// whose title the analyzer cut differently is found.
//
// Graded candidates are kept in the phase-1 cache, under the plan and the
// tunables, for the text generation they were graded at.
func (e *Engine) graded(ctx context.Context, plan Plan, text string, strict []rank.Candidate, bufs *candBufs) ([]rank.Candidate, error) {
	var key string
	gen := e.textGen.Load()
	if e.cache != nil {
		if b, err := json.Marshal(plan); err == nil {
			// The text too: its grams and accessory words are graded.
			key = fmt.Sprintf("graded\x00%+v\x00%s\x00%s", e.cfg.Grade, b, dict.Normalize(text))
			if en, ok := e.cache.get(key, gen); ok {
				return en.expand(bufs.get(len(en.refs))), nil
			}
		}
	}
	cands, err := e.gradedCands(ctx, plan, text, strict, bufs)
	if err != nil || key == "" {
		return cands, err
	}
	en := compact(key, gen, 0, 0, cands)
	en.partial = make([]bool, len(cands))
	for i, c := range cands {
		en.partial[i] = c.Tier > 0
	}
	e.cache.put(en)
	return cands, nil
}

func (e *Engine) gradedCands(ctx context.Context, plan Plan, text string, strict []rank.Candidate, bufs *candBufs) ([]rank.Candidate, error) {
	var rest []string
	// With RelaxBelow strict matches, no partial one is shown (Search):
	// they are not retrieved.
	few := len(strict) < e.cfg.RelaxBelow
	ts := e.termStats(ctx)
	defer ts.Close()
	if few && len(plan.Required) > 1 {
		common := e.commonTerms(ts, plan)
		for _, t := range plan.Required {
			if !slices.Contains(common, t) {
				rest = append(rest, t)
			}
		}
		if len(rest) == 0 {
			rest = slices.Clone(plan.Required)
		}
	}
	// The parts of longer words (小金桔 → 金桔) are found by the query's
	// character bigrams (rareGrams), in any title that has them.
	var parts []string
	for _, t := range plan.Required {
		if !few {
			break
		}
		for _, a := range e.store.BrandAliases(t) {
			if !slices.Contains(rest, a) && !slices.Contains(parts, a) {
				parts = append(parts, a)
			}
		}
	}
	parts = e.rare(ts, parts)
	var grams []string
	if few {
		grams = e.rareGrams(ts, text)
	}
	rest, parts, grams = e.budget(ts, rest, parts, grams)
	if len(plan.Required) == 1 && len(parts)+len(grams) == 0 {
		rest = nil // the strict query already
	}
	cands := strict
	if len(rest)+len(parts)+len(grams) > 0 {
		q := plan.partialQuery(e.cfg.Field, rest, parts, grams)
		// A tie at the cut is settled among at most 3×Partial matches:
		// graded matching reorders them anyway.
		partial, _, err := e.retrieveCut(ctx, q, e.cfg.Grade.Partial, 3, 1, bufs)
		if err != nil {
			return nil, err
		}
		cands = appendNew(slices.Clone(strict), partial)
	}
	e.store.FillIDs(cands)
	e.grade(e.gradeTerms(ts, plan), dict.Normalize(text), cands)
	return cands, nil
}

// SetGrade replaces the graded-matching tunables, for tuning them (eval);
// not safe while searches run.
func (e *Engine) SetGrade(g GradeConfig) { e.cfg.Grade = g }

// brandGuard returns the brand test of a query: the store's, guarded by
// BrandShare (see GradeConfig), and the function that releases it.
func (e *Engine) brandGuard(ctx context.Context) (func(string) bool, func()) {
	share := e.cfg.Grade.BrandShare
	if share <= 0 || e.cfg.Grade.Off {
		return e.store.IsBrand, func() {}
	}
	var r index.IndexReader
	isBrand := func(t string) bool {
		if !e.store.IsBrand(t) || strings.IndexFunc(t, func(c rune) bool { return !unicode.IsDigit(c) }) < 0 {
			return false
		}
		if r == nil {
			var err error
			if r, err = e.reader(); err != nil {
				return false
			}
		}
		df := e.docFreq(ctx, r, t)
		return df > 0 && float64(e.store.BrandItems(t)) >= share*float64(df)
	}
	return isBrand, func() {
		if r != nil {
			r.Close()
		}
	}
}

// rare returns the terms of ts that are not too common to stand for a
// query (see commonTerms): a part such as 精华 of 精华液 would have phase 1
// go through a good part of the catalog for little.
func (e *Engine) rare(ts *termStats, terms []string) []string {
	if len(terms) == 0 || e.cfg.RelaxCommon <= 0 {
		return terms
	}
	if ts.r == nil {
		return nil
	}
	limit := ts.commonLimit()
	return slices.DeleteFunc(terms, func(t string) bool { return float64(ts.df(t)) > limit })
}

// rareGrams returns the rarest character bigrams of a query text, at most
// GramTerms of them, less those too common to stand for it (as rare does
// for words): the terms that find the titles the analyzer cut differently
// from the query (测试纸狗狗 for 试纸狗).
func (e *Engine) rareGrams(ts *termStats, text string) []string {
	n := e.cfg.Grade.GramTerms
	if n <= 0 || ts.r == nil {
		return nil
	}
	grams := indexer.HanBigrams(dict.Normalize(text))
	if len(grams) == 0 {
		return nil
	}
	limit := uint64(ts.commonLimit())
	type gram struct {
		text string
		df   uint64
	}
	var keep []gram
	for _, g := range grams {
		df := ts.gramDF(g)
		if df > 0 && df <= limit {
			keep = append(keep, gram{g, df})
		}
	}
	slices.SortStableFunc(keep, func(a, b gram) int { return cmp.Compare(a.df, b.df) })
	out := make([]string, 0, min(n, len(keep)))
	for _, g := range keep[:min(n, len(keep))] {
		out = append(out, g.text)
	}
	return out
}

// budget keeps of the partial query's words, parts and grams the rarest
// ones whose postings add up to at most GradeConfig.Postings (the rarest
// always), so that the disjunction reads about as many postings in a
// million-item catalog as in a small one: the words it leaves out are the
// common ones, whose items alone would rank low anyway.
func (e *Engine) budget(ts *termStats, rest, parts, grams []string) ([]string, []string, []string) {
	limit := e.cfg.Grade.Postings
	if limit <= 0 || len(rest)+len(parts)+len(grams) <= 1 || ts.r == nil {
		return rest, parts, grams
	}
	type term struct {
		text string
		kind int // 0 rest, 1 parts, 2 grams
		df   uint64
	}
	var all []term
	for kind, terms := range [][]string{rest, parts, grams} {
		df := ts.df
		if kind == 2 {
			df = ts.gramDF
		}
		for _, t := range terms {
			all = append(all, term{t, kind, df(t)})
		}
	}
	slices.SortStableFunc(all, func(a, b term) int { return cmp.Compare(a.df, b.df) })
	var out [3][]string
	var sum uint64
	for i, t := range all {
		if sum += t.df; i > 0 && sum > uint64(limit) {
			break
		}
		out[t.kind] = append(out[t.kind], t.text)
	}
	// In the query's order, as the caller had them.
	keep := func(ts []string, kept []string) []string {
		return slices.DeleteFunc(slices.Clone(ts), func(t string) bool { return !slices.Contains(kept, t) })
	}
	return keep(rest, out[0]), keep(parts, out[1]), keep(grams, out[2])
}
