package query

import (
	"cmp"
	"html"
	"slices"
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
	for _, t := range p.synonymTerms() { // synonym.go
		m[t] = true
	}
	return m
}

// highlight returns the title as HTML with the matched terms in <em>. The
// terms are the analyser's, so they are found in the title normalised the
// same way (full-width, case, traditional → simplified) and the spans are
// mapped back to the original. Finding them as substrings rather than
// segmenting the title again costs a few microseconds less per item — the
// segmenter was a tenth of a search's time at a million products — and
// finds the same places: the index emits every dictionary sub-word of a
// compound, so a term that matched is a substring where it matched. Terms
// of letters or digits must not continue a run of the same class
// ("pro" is not marked inside "product", "15" not inside "156"), as the
// tokenizer splits only where the class changes (iphone15pro).
func (e *Engine) highlight(title string, terms map[string]bool) string {
	type span struct{ a, b int }
	norm, src := dict.NormalizeAligned(title)
	var spans []span
	for t := range terms {
		if t == "" {
			continue
		}
		for from := 0; from < len(norm); {
			i := strings.Index(norm[from:], t)
			if i < 0 {
				break
			}
			a, b := from+i, from+i+len(t)
			from = a + 1
			if continuesRun(norm, a, b) {
				continue
			}
			spans = append(spans, span{a, b})
		}
	}
	// In the normalised text: overlapping spans merge, and so do spans
	// joined by one hyphen, slash, dot or plus (a model code such as
	// wh-1000xm5 matches as its parts).
	slices.SortFunc(spans, func(x, y span) int { return cmp.Or(cmp.Compare(x.a, y.a), cmp.Compare(y.b, x.b)) })
	merged := spans[:0]
	for _, s := range spans {
		if n := len(merged); n > 0 && (s.a <= merged[n-1].b || s.a == merged[n-1].b+1 && strings.IndexByte("-_/.+", norm[s.a-1]) >= 0) {
			merged[n-1].b = max(merged[n-1].b, s.b)
			continue
		}
		merged = append(merged, s)
	}
	var out strings.Builder
	last := 0
	for _, s := range merged {
		s.a, s.b = dict.SourceSpan(src, s.a, s.b)
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

// continuesRun reports whether norm[a:b] starts or ends inside a run of
// ASCII letters or of digits: the byte before a (after b) is of the same
// class as the first (last) byte of the match.
func continuesRun(norm string, a, b int) bool {
	class := func(c byte) int {
		switch {
		case 'a' <= c && c <= 'z':
			return 1
		case '0' <= c && c <= '9':
			return 2
		}
		return 0
	}
	if c := class(norm[a]); c != 0 && a > 0 && class(norm[a-1]) == c {
		return true
	}
	if c := class(norm[b-1]); c != 0 && b < len(norm) && class(norm[b]) == c {
		return true
	}
	return false
}
