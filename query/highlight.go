package query

import (
	"html"
	"strings"

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
	norm, src := dict.NormalizeAligned(title)
	type span struct{ a, b int }
	var spans []span
	for _, t := range e.an.Lexicon().Tokenize(norm) {
		if !terms[t.Term] {
			continue
		}
		a, b := dict.SourceSpan(src, t.Start, t.End)
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
