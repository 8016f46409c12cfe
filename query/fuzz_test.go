package query

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParse: the query-string parser never fails nor panics, every clause
// has text, and printing the parse and parsing that again gives the same
// clauses (the AST is a fixed point of String and Parse).
func FuzzParse(f *testing.F) {
	for _, s := range []string{`华为 手机 -二手`, `"苹果 15" pro`, `-`, `""`, `「蓝牙」耳机`, `kfr-35gw 空调`, "\xff\x00 a", `"unclosed`, `－ －a`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q := Parse(s)
		for _, c := range q.Clauses {
			if c.Text == "" {
				t.Fatalf("%q: empty clause in %#v", s, q)
			}
		}
		if !utf8.ValidString(s) {
			return // the analyzer's business; String would not round-trip bytes
		}
		again := Parse(q.String())
		if again.String() != q.String() && !strings.ContainsAny(s, `"“”＂「」『』`) {
			t.Fatalf("%q: %q parses again as %q", s, q.String(), again.String())
		}
	})
}
