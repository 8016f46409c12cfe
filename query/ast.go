// Package query turns what a shopper typed into results: it parses the query
// string into a small AST, analyses it with dict's chain, retrieves candidates
// from the Bleve index (phase 1, BM25, all terms required, relaxed when that
// finds nothing) and hands them to rank for filtering, facets and ordering
// (phase 2).
package query

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Clause is one part of a query string: a word, or a "quoted phrase",
// either of which may be excluded with a leading minus.
type Clause struct {
	Text    string
	Phrase  bool
	Negated bool
}

func (c Clause) String() string {
	s := c.Text
	if c.Phrase {
		s = `"` + s + `"`
	}
	if c.Negated {
		s = "-" + s
	}
	return s
}

// Query is a parsed query string.
type Query struct {
	Clauses []Clause
}

func (q Query) String() string {
	parts := make([]string, len(q.Clauses))
	for i, c := range q.Clauses {
		parts[i] = c.String()
	}
	return strings.Join(parts, " ")
}

// Parse splits s into clauses. It never fails: an unclosed quote runs to the
// end, a lone "-" or empty quotes are dropped. A minus inside a word
// (kfr-35gw) is part of the word; only a minus that starts a clause negates.
func Parse(s string) Query {
	var q Query
	i := 0
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if unicode.IsSpace(r) {
			i += size
			continue
		}
		neg := false
		if r == '-' || r == '－' {
			neg = true
			i += size
			if i >= len(s) {
				break
			}
			r, size = utf8.DecodeRuneInString(s[i:])
			if unicode.IsSpace(r) {
				continue
			}
		}
		if isQuote(r) {
			i += size
			end := strings.IndexFunc(s[i:], isQuote)
			text := s[i:]
			if end >= 0 {
				text = s[i : i+end]
				_, closeSize := utf8.DecodeRuneInString(s[i+end:])
				i += end + closeSize
			} else {
				i = len(s)
			}
			if text = strings.TrimSpace(text); text != "" {
				q.Clauses = append(q.Clauses, Clause{Text: text, Phrase: true, Negated: neg})
			}
			continue
		}
		j := i
		for j < len(s) {
			r2, n := utf8.DecodeRuneInString(s[j:])
			if unicode.IsSpace(r2) || isQuote(r2) {
				break
			}
			j += n
		}
		q.Clauses = append(q.Clauses, Clause{Text: s[i:j], Negated: neg})
		i = j
	}
	return q
}

// isQuote reports whether r opens or closes a phrase: ASCII and full-width
// double quotes, Chinese quotes and the corner brackets written in Taiwan
// and Hong Kong. Any of them closes a phrase opened by any other.
func isQuote(r rune) bool {
	switch r {
	case '"', '“', '”', '＂', '「', '」', '『', '』':
		return true
	}
	return false
}

// Map returns a copy of q with f applied to every clause; a clause for
// which f returns ok=false is dropped.
func (q Query) Map(f func(Clause) (Clause, bool)) Query {
	var out Query
	for _, c := range q.Clauses {
		if c2, ok := f(c); ok {
			out.Clauses = append(out.Clauses, c2)
		}
	}
	return out
}
