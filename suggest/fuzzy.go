package suggest

import (
	"sync"
	"unicode/utf8"

	"github.com/blevesearch/vellum/levenshtein"
)

// fuzzyBuilder makes Levenshtein automata of distance 1, a transposition
// counting as one edit (shuoji → shouji). Building it takes a few
// milliseconds, so it is made once and shared (it is safe for concurrent use).
var fuzzyBuilder = sync.OnceValues(func() (*levenshtein.LevenshteinAutomatonBuilder, error) {
	return levenshtein.NewLevenshteinAutomatonBuilder(1, true)
})

// States of prefixFuzzy besides the DFA's own (which are ≥ 0).
const (
	fuzzyNamespace = -2 // before the key's namespace byte
	fuzzyAccepted  = -1 // some prefix of the key matched: every extension does
)

// prefixFuzzy matches the keys of one namespace that start with a text
// within one edit of the input: it skips the namespace byte, then runs the
// Levenshtein DFA of the input, and accepts everything after the first
// match, so that an unfinished word with a typo (shuoj) still completes.
// The input is Latin or pinyin, so non-ASCII bytes before the match are
// dead ends. It implements vellum.Automaton.
type prefixFuzzy struct {
	dfa *levenshtein.DFA
	ns  byte // the namespace
}

func (a prefixFuzzy) Start() int { return fuzzyNamespace }

func (a prefixFuzzy) IsMatch(s int) bool {
	return s == fuzzyAccepted || s >= 0 && a.dfa.IsMatch(s)
}

func (a prefixFuzzy) CanMatch(s int) bool {
	return s < 0 || a.dfa.CanMatch(s)
}

func (a prefixFuzzy) WillAlwaysMatch(s int) bool { return s == fuzzyAccepted }

func (a prefixFuzzy) Accept(s int, b byte) int {
	switch {
	case s == fuzzyNamespace:
		if b != a.ns {
			// vellum checks the end of the range only at matching keys:
			// without this a namespace with no match would be followed
			// by a walk of the next one.
			return int(levenshtein.SinkState)
		}
		return a.dfa.Start()
	case s == fuzzyAccepted || a.dfa.IsMatch(s):
		return fuzzyAccepted
	case b >= utf8.RuneSelf:
		// The input is Latin: a key that is not, up to the match, is no
		// correction of it. Without this the walk would try every Chinese
		// character of the text keys as a substitution.
		return int(levenshtein.SinkState)
	}
	return a.dfa.Accept(s, b)
}

// acceptedAt returns the length of the shortest prefix of key (a whole
// FST key, namespace byte first) that a accepts: everything under it
// matches.
func (a prefixFuzzy) acceptedAt(key []byte) int {
	if len(key) == 0 {
		return 0
	}
	st := a.dfa.Start()
	for i := 1; i < len(key); i++ {
		if a.dfa.IsMatch(st) {
			return i
		}
		st = a.dfa.Accept(st, key[i])
	}
	return len(key)
}
