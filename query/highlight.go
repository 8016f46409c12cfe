package query

import (
	"html"
	"strings"
	"sync"

	"shopsearch/dict"
)

// highlightTerms are the terms whose occurrences in a title are marked.
func highlightTerms(p Plan) map[string]bool {
	m := make(map[string]bool, len(p.Required)+len(p.Bonus))
	for _, t := range p.Required {
		m[t] = true
	}
	for _, t := range p.Bonus {
		m[t] = true
	}
	return m
}

// highlight returns the title as HTML with the matched terms in <em>. The
// title is analysed again (only the page's titles, a few microseconds each)
// and the spans are mapped back from the normalised text to the original.
func (e *Engine) highlight(title string, terms map[string]bool) string {
	type span struct{ a, b int }
	var spans []span
	for _, t := range e.titleTokens(title) {
		if !terms[t.term] {
			continue
		}
		a, b := t.a, t.b
		if n := len(spans); n > 0 && a <= spans[n-1].b {
			spans[n-1].b = max(spans[n-1].b, b)
			continue
		}
		spans = append(spans, span{a, b})
	}
	var out strings.Builder
	last := 0
	for _, s := range spans {
		if s.a < last {
			s.a = last
		}
		if s.a >= s.b {
			continue
		}
		out.WriteString(html.EscapeString(title[last:s.a]))
		out.WriteString("<em>")
		out.WriteString(html.EscapeString(title[s.a:s.b]))
		out.WriteString("</em>")
		last = s.b
	}
	out.WriteString(html.EscapeString(title[last:]))
	return out.String()
}

// titleToken is a term of a title with its span in the original title.
type titleToken struct {
	term string
	a, b int
}

// titleTokens analyses a title for highlighting — the same titles come back
// page after page, so the result is kept in a small two-generation cache
// (titleCacheSize titles a generation) for the lexicon in use.
func (e *Engine) titleTokens(title string) []titleToken {
	lex := e.an.Lexicon()
	if toks, ok := e.titles.get(lex, title); ok {
		return toks
	}
	norm, src := dict.NormalizeAligned(title)
	var out []titleToken
	for _, t := range lex.Tokenize(norm) {
		a, b := dict.SourceSpan(src, t.Start, t.End)
		out = append(out, titleToken{t.Term, a, b})
	}
	e.titles.put(lex, title, out)
	return out
}

// titleCacheSize is how many titles a generation of the cache holds.
const titleCacheSize = 20_000

// titleCache maps titles to their tokens: when the current generation is
// full it becomes the previous one (still read) and a new one starts, so
// the titles in use stay and the rest age out, without per-entry LRU
// bookkeeping. A lexicon reload starts afresh.
type titleCache struct {
	mu        sync.Mutex
	lex       *dict.Lexicon
	cur, prev map[string][]titleToken
}

func (c *titleCache) get(lex *dict.Lexicon, title string) ([]titleToken, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.lex != lex {
		return nil, false
	}
	if t, ok := c.cur[title]; ok {
		return t, true
	}
	t, ok := c.prev[title]
	if ok {
		c.putLocked(title, t)
	}
	return t, ok
}

func (c *titleCache) put(lex *dict.Lexicon, title string, toks []titleToken) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.lex != lex {
		c.lex, c.cur, c.prev = lex, nil, nil
	}
	c.putLocked(title, toks)
}

func (c *titleCache) putLocked(title string, toks []titleToken) {
	if c.cur == nil || len(c.cur) >= titleCacheSize {
		c.prev, c.cur = c.cur, make(map[string][]titleToken, 1024)
	}
	c.cur[title] = toks
}
