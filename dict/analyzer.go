package dict

import (
	"fmt"
	"sync"
	"sync/atomic"
	"unicode"
	"unicode/utf8"

	"github.com/go-ego/gse"
)

// Analyzer runs the whole chain. It holds the current Lexicon behind an atomic
// pointer, so a reload builds a new Lexicon off to the side and swaps it in
// while searches go on; an Analyze call sees one Lexicon from start to end.
type Analyzer struct {
	lex atomic.Pointer[Lexicon]
}

// NewAnalyzer returns an Analyzer over lex.
func NewAnalyzer(lex *Lexicon) *Analyzer {
	a := &Analyzer{}
	a.lex.Store(lex)
	return a
}

// Swap replaces the lexicon; calls already running finish with the old one.
func (a *Analyzer) Swap(lex *Lexicon) { a.lex.Store(lex) }

// Lexicon returns the lexicon in use.
func (a *Analyzer) Lexicon() *Lexicon { return a.lex.Load() }

// Analyze normalises text and returns its tokens.
func (a *Analyzer) Analyze(text string) []Token {
	return a.lex.Load().Tokenize(Normalize(text))
}

var builtinLexicon = sync.OnceValues(func() (*Lexicon, error) {
	return NewLexicon(DefaultAssets())
})

// DefaultLexicon returns the lexicon of the embedded assets. It is loaded
// on first use (about a second) and then shared: a Lexicon is immutable, so
// sharing it shares no state.
func DefaultLexicon() *Lexicon {
	lex, err := builtinLexicon()
	if err != nil {
		// The embedded assets are part of the binary and tested; failing to
		// load them is a build defect, not a runtime condition.
		panic(fmt.Sprintf("dict: embedded assets do not load: %v", err))
	}
	return lex
}

// Default returns a new Analyzer over DefaultLexicon. Each call gives its
// own: an engine owns the one it is given, and swapping its lexicon (the
// lexicon manager does) changes no other engine's analysis.
func Default() *Analyzer { return NewAnalyzer(DefaultLexicon()) }

// Tokenize splits normalised text into tokens and drops stop words.
func (l *Lexicon) Tokenize(norm string) []Token {
	t := tokenizer{lex: l, text: norm, out: make([]Token, 0, len(norm)/3+4)}
	t.run()
	return t.out
}

// Stop reports whether a normalised word is on the stop list.
func (l *Lexicon) Stop(word string) bool { return l.stop[word] }

// tokenizer is the state of one Tokenize call.
type tokenizer struct {
	lex  *Lexicon
	text string
	out  []Token
	pos  int // last position handed out
}

type class uint8

const (
	sep class = iota
	han
	alnum
)

func classOf(r rune) class {
	switch {
	case r < utf8.RuneSelf:
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' {
			return alnum
		}
		return sep
	case unicode.Is(unicode.Han, r):
		return han
	case unicode.IsLetter(r) || unicode.IsDigit(r):
		return alnum
	}
	return sep
}

func (t *tokenizer) run() {
	s := t.text
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch classOf(r) {
		case han:
			j := i + size
			for j < len(s) {
				r2, n := utf8.DecodeRuneInString(s[j:])
				if classOf(r2) != han {
					break
				}
				j += n
			}
			t.han(i, j)
			i = j
		case alnum:
			i = t.code(i)
		default:
			i += size
		}
	}
}

// han segments the Han run text[start:end] with gse and emits every word, and
// the sub-words of words that may be split, at their positions.
func (t *tokenizer) han(start, end int) {
	segs := t.lex.seg.Segment([]byte(t.text[start:end]))
	for _, s := range segs {
		t.word(s.Token(), start+s.Start(), start+s.End())
	}
}

// word emits tok, spanning text[a:b]. A word whose gse sub-words are all
// words of two or more characters becomes a compound over them (变频空调 →
// 变频 + 空调); otherwise it is a leaf, and its sub-words of two or more
// characters are emitted as subs (手机壳 → 手机). Brands stay whole.
func (t *tokenizer) word(tok *gse.Token, a, b int) {
	term := t.text[a:b]
	subs := tok.Segments()
	if len(subs) == 0 || t.lex.atomic[term] {
		t.leaf(term, a, b)
		return
	}
	clean := true
	for _, s := range subs {
		if s.End()-s.Start() <= utf8.UTFMax {
			clean = false
			break
		}
	}
	if !clean {
		t.leaf(term, a, b)
		if t.lex.stop[term] {
			return
		}
		for _, s := range subs {
			if s.End()-s.Start() > utf8.UTFMax && !t.lex.stop[term[s.Start():s.End()]] {
				t.out = append(t.out, Token{Term: term[s.Start():s.End()], Start: a + s.Start(), End: a + s.End(), Pos: t.pos, Role: Sub})
			}
		}
		return
	}
	ci := t.compound(term, a, b)
	for _, s := range subs {
		t.leaf(term[s.Start():s.End()], a+s.Start(), a+s.End())
	}
	t.closeCompound(ci)
}

// leaf emits a leaf at the next position unless it is a stop word.
func (t *tokenizer) leaf(term string, a, b int) {
	if t.lex.stop[term] {
		return
	}
	t.pos++
	t.out = append(t.out, Token{Term: term, Start: a, End: b, Pos: t.pos, Role: Leaf})
}

// compound reserves the slot of a compound token; closeCompound fills in its
// position once its leaves are out, or drops it when it has fewer than two.
func (t *tokenizer) compound(term string, a, b int) int {
	t.out = append(t.out, Token{Term: term, Start: a, End: b, Role: Compound})
	return len(t.out) - 1
}

func (t *tokenizer) closeCompound(ci int) {
	leaves := len(t.out) - ci - 1
	if leaves < 2 {
		// One leaf or none survived (stop words): the compound is the leaf.
		c := t.out[ci]
		t.out = t.out[:ci]
		if leaves == 1 {
			t.pos--
		}
		if leaves == 0 && t.lex.stop[c.Term] {
			return
		}
		t.leaf(c.Term, c.Start, c.End)
		return
	}
	t.out[ci].Pos = t.out[ci+1].Pos
}
