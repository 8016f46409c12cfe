package suggest

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/blevesearch/vellum"

	"shopsearch/models"
)

// Request is one drop-down lookup.
type Request struct {
	Q string // what the shopper has typed
	N int    // suggestions wanted; 0: Config.DefaultN
	// User and Categories drive the personal boost: candidates in one of
	// the category paths the shopper looked at recently (Categories, and
	// Deps.Recent(User)) score Weights.Personal more.
	User       string
	Categories []string
}

// Suggestion is one completion. Categories is shared with the index: read
// it, do not modify it.
type Suggestion struct {
	Text       string   `json:"text"`
	Categories []string `json:"categories"`
	Score      float64  `json:"score"`
	Match      string   `json:"match"`
}

// Response is the drop-down for one input.
type Response struct {
	Q           string       `json:"q"`
	Suggestions []Suggestion `json:"suggestions"`
}

// How a suggestion matched the input.
const (
	MatchPrefix   = "prefix"   // its text starts with the input
	MatchPinyin   = "pinyin"   // its full pinyin starts with the input (shouj → 手机)
	MatchInitials = "initials" // its pinyin initials do (sjk → 手机壳)
	MatchMixed    = "mixed"    // Chinese then pinyin or initials (苹果sj → 苹果手机)
	MatchFuzzy    = "fuzzy"    // one typo in Latin or pinyin input
	MatchPinned   = "pinned"   // a merchandiser's pin for this input
	MatchHot      = "hot"      // empty input: a hot search
)

// spec is one range scan of a lookup.
type spec struct {
	ns     byte
	prefix string
	factor float64
	match  string
	head   string // mixed: the candidate's key must start with it
}

// ranked is a candidate in the running top n.
type ranked struct {
	id    uint32
	score float64
	match string
}

// lookup is the state of one Suggest call, pooled.
type lookup struct {
	it, fit    vellum.FSTIterator // scans; the fuzzy walk
	start, end []byte
	corr       []byte // a fuzzy correction
	specs      []spec
	top        []ranked // best first, at most n
	n          int
	floor      int // offers go below the first floor entries (fuzzy fills in after exact matches)
	ix         *index
	m          *merch
	paths      []string // the shopper's category paths
	boost      float64
	cur        *spec
}

// validate checks a request and returns its input key and n.
func (s *Suggester) validate(req Request) (string, int, error) {
	if !utf8.ValidString(req.Q) {
		return "", 0, models.Errorf(models.EINVALID, "q: not valid UTF-8")
	}
	if n := utf8.RuneCountInString(req.Q); n > s.cfg.MaxQueryRunes {
		return "", 0, models.Errorf(models.EINVALID, "q: %d characters long; the limit is %d", n, s.cfg.MaxQueryRunes)
	}
	n := req.N
	if n == 0 {
		n = s.cfg.DefaultN
	}
	if n < 1 || n > s.cfg.MaxN {
		return "", 0, models.Errorf(models.EINVALID, "n: want a whole number from 1 to %d, got %d", s.cfg.MaxN, req.N)
	}
	return keyOf(req.Q), n, nil
}

// Suggest returns the best completions of req.Q; an empty input gets the
// hot searches. Before the first build it returns none.
func (s *Suggester) Suggest(req Request) (Response, error) {
	k, n, err := s.validate(req)
	if err != nil {
		return Response{}, err
	}
	resp := Response{Q: req.Q, Suggestions: []Suggestion{}}
	ix, m := s.ix.Load(), s.merch.Load()
	if k == "" {
		return s.hotResponse(resp, ix, m, n), nil
	}
	pins := m.pins[k]
	if ix == nil {
		resp.Suggestions = appendPins(resp.Suggestions, pins, nil, n, 1)
		return resp, nil
	}
	l := s.pool.Get().(*lookup)
	defer func() {
		l.ix, l.m = nil, nil // a pooled lookup must not keep an old index alive
		s.pool.Put(l)
	}()
	l.reset(ix, m, n)
	l.paths = append(l.paths, req.Categories...)
	if req.User != "" && s.deps.Recent != nil {
		l.paths = append(l.paths, s.deps.Recent(req.User)...)
	}
	if len(l.paths) > 0 {
		l.boost = s.cfg.Weights.Personal
	}
	s.plan(l, k)
	for i := range l.specs {
		if err := l.run(&l.specs[i]); err != nil {
			return resp, err
		}
	}
	if err := s.fuzzy(l, k); err != nil {
		return resp, err
	}
	best := 1.0
	if len(l.top) > 0 {
		best = max(best, round4(l.top[0].score))
	}
	resp.Suggestions = appendPins(resp.Suggestions, pins, ix, n, best)
	for _, r := range l.top {
		if len(resp.Suggestions) == n {
			break
		}
		c := &ix.cands[r.id]
		if len(pins) > 0 && slices.ContainsFunc(pins, func(p string) bool { return keyOf(p) == c.key }) {
			continue
		}
		resp.Suggestions = append(resp.Suggestions, Suggestion{Text: c.text, Categories: c.cats, Score: round4(r.score), Match: r.match})
	}
	return resp, nil
}

// plan lists the scans for input key k, best match factor first.
func (s *Suggester) plan(l *lookup, k string) {
	w := s.cfg.Weights
	cls := classify(k)
	l.specs = append(l.specs, spec{ns: nsText, prefix: k, factor: w.Prefix, match: MatchPrefix})
	if !cls.han && !cls.other && cls.letters > 0 {
		l.specs = append(l.specs,
			spec{ns: nsPinyin, prefix: k, factor: w.Pinyin, match: MatchPinyin},
			spec{ns: nsInitials, prefix: k, factor: w.Initials, match: MatchInitials})
	}
	if cls.han && cls.tail < len(k) {
		head, tail := k[:cls.tail], k[cls.tail:]
		for _, r := range s.z.readingsOf(head, 4) {
			l.specs = append(l.specs,
				spec{ns: nsPinyin, prefix: r.full + tail, factor: w.Mixed, match: MatchMixed, head: head},
				spec{ns: nsInitials, prefix: r.initials + tail, factor: w.Mixed, match: MatchMixed, head: head})
		}
	}
	slices.SortStableFunc(l.specs, func(a, b spec) int {
		switch {
		case a.factor > b.factor:
			return -1
		case a.factor < b.factor:
			return 1
		}
		return 0
	})
}

// fuzzy adds the keys within one edit of a Latin or pinyin input of at
// least FuzzyMinLetters letters (and at most maxFuzzyBytes), when the exact
// scans found fewer than n.
func (s *Suggester) fuzzy(l *lookup, k string) error {
	cls := classify(k)
	if len(l.top) >= l.n || cls.han || cls.other || cls.letters < s.cfg.FuzzyMinLetters || len(k) > maxFuzzyBytes {
		return nil
	}
	b, err := fuzzyBuilder()
	if err != nil {
		return err
	}
	dfa, err := b.BuildDfa(k, 1)
	if err != nil {
		return nil // too long an input for an automaton: no fuzzy matches
	}
	l.floor = len(l.top)
	for _, ns := range []byte{nsText, nsPinyin, nsInitials} {
		sp := spec{ns: ns, factor: s.cfg.Weights.Fuzzy, match: MatchFuzzy}
		if err := l.corrections(&sp, prefixFuzzy{dfa, ns}, s.cfg.ScanKeys/4); err != nil {
			return err
		}
	}
	return nil
}

// Bounds of the fuzzy matching.
const (
	maxFuzzyBytes  = 24 // longer input is not corrected: its automaton costs a millisecond
	maxCorrections = 32 // prefixes within one edit of the input, per namespace
)

// corrections finds, in sp's namespace, the shortest key prefixes within
// one edit of the input (aut) and scans under each one as under an exact
// prefix, visiting at most limit keys per prefix. Seeking past each
// prefix's keys keeps the walk to one step per correction.
func (l *lookup) corrections(sp *spec, aut prefixFuzzy, limit int) error {
	l.start = append(l.start[:0], sp.ns)
	l.end = append(l.end[:0], sp.ns+1)
	err := l.fit.Reset(l.ix.fst, l.start, l.end, aut)
	for n := 0; err == nil && n < maxCorrections; n++ {
		key, _ := l.fit.Current()
		l.corr = append(l.corr[:0], key[:aut.acceptedAt(key)]...)
		l.cur = sp
		l.start = append(l.start[:0], l.corr...)
		l.end = append(append(l.end[:0], l.corr...), 0xFF)
		if err := l.ix.scan(&l.it, l.start, l.end, nil, limit, l); err != nil {
			return err
		}
		l.corr = append(l.corr, 0xFF) // past every key under the prefix
		err = l.fit.Seek(l.corr)
	}
	if err != nil && !errors.Is(err, vellum.ErrIteratorDone) {
		return fmt.Errorf("%w: %w", errScan, err)
	}
	return nil
}

func (l *lookup) reset(ix *index, m *merch, n int) {
	l.ix, l.m, l.n = ix, m, n
	l.specs, l.top, l.paths = l.specs[:0], l.top[:0], l.paths[:0]
	l.boost, l.cur, l.floor = 0, nil, 0
}

// run performs one scan: the keys starting with sp's prefix.
func (l *lookup) run(sp *spec) error {
	l.cur = sp
	l.start = append(append(l.start[:0], sp.ns), sp.prefix...)
	l.end = append(append(l.end[:0], l.start...), 0xFF)
	return l.ix.scan(&l.it, l.start, l.end, nil, l.ix.scanLimit, l)
}

// visit offers the candidates of one key (best first) to the top n.
func (l *lookup) visit(ids []uint32) bool {
	sp := l.cur
	for _, id := range ids {
		c := &l.ix.cands[id]
		base := float64(c.static) * sp.factor
		if len(l.top) == l.n && base+l.boost <= l.top[l.n-1].score {
			break // the rest of this key scores no better
		}
		if sp.head != "" && !strings.HasPrefix(c.key, sp.head) {
			continue
		}
		score := base
		if l.boost > 0 && l.personal(c) {
			score += l.boost
		}
		if l.floor > 0 {
			score = min(score, l.top[l.floor-1].score)
		}
		l.offer(id, score, sp.match)
	}
	return true
}

// personal reports whether c lies in one of the shopper's category paths.
func (l *lookup) personal(c *candidate) bool {
	for _, p := range c.paths {
		for _, u := range l.paths {
			if u != "" && strings.HasPrefix(p, u) && (len(p) == len(u) || p[len(u)] == '>') {
				return true
			}
		}
	}
	return false
}

// offer puts a candidate in the top n if it scores high enough, has not
// matched already (scans run best factor first, so the first match is the
// best) and is not denied.
func (l *lookup) offer(id uint32, score float64, match string) {
	if len(l.top) == l.n && score <= l.top[l.n-1].score {
		return
	}
	for i := range l.top {
		if l.top[i].id == id {
			return
		}
	}
	if l.m.denied(l.ix.cands[id].key) {
		return
	}
	i := len(l.top)
	for i > l.floor && (l.top[i-1].score < score || l.top[i-1].score == score && l.top[i-1].id > id) {
		i--
	}
	if len(l.top) < l.n {
		l.top = append(l.top, ranked{})
	}
	copy(l.top[i+1:], l.top[i:len(l.top)-1])
	l.top[i] = ranked{id, score, match}
}

// appendPins appends the pinned texts (up to n), scored as the best
// suggestion, with the categories of the candidate of the same text if any.
func appendPins(out []Suggestion, pins []string, ix *index, n int, score float64) []Suggestion {
	for _, p := range pins {
		if len(out) == n {
			break
		}
		sg := Suggestion{Text: p, Categories: []string{}, Score: score, Match: MatchPinned}
		if ix != nil {
			if ids := ix.lookup(keyOf(p)); len(ids) > 0 {
				sg.Categories = ix.cands[ids[0]].cats
			}
		}
		out = append(out, sg)
	}
	return out
}

func round4(x float64) float64 { return math.Round(x*1e4) / 1e4 }
