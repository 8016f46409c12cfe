package dict

import (
	"slices"
	"strings"
)

// SynonymRule is one synonym rule in terms of text: a query containing any
// phrase of From also finds the phrases of To. An equivalence group (手机,
// 移动电话, mobile phone) is one rule whose From and To are the same list; a
// one-way rule (苹果 => iphone) has From {苹果} and To {iphone}.
type SynonymRule struct {
	From, To []string
}

// Synonym is one alternative of a query phrase: the text of the rule and
// its analysed leaves under the lexicon the rule was compiled with.
type Synonym struct {
	Text   string
	Leaves []string
}

// synonymTable maps the leaves of every rule's source phrase, joined by
// synonymSep, to its alternatives. It is built once per lexicon (the leaves
// depend on the segmentation) and never changed.
type synonymTable struct {
	alts   map[string][]Synonym
	maxLen int // most leaves of a source phrase
	rules  int
}

// synonymSep joins leaves into a table key; it never occurs in a term.
const synonymSep = "\x1f"

// WithSynonyms returns a copy of l whose synonym table is rules, analysed
// with l's segmentation; l itself is unchanged (Lexicons are immutable). It
// is cheap (no dictionary load), so a synonym-only change swaps in a copy
// of the current lexicon. Phrases that analyse to no leaf (stop words
// only) are ignored, as is a phrase listed as its own synonym.
func (l *Lexicon) WithSynonyms(rules []SynonymRule) *Lexicon {
	c := *l
	c.syn = nil
	if len(rules) == 0 {
		return &c
	}
	t := &synonymTable{alts: map[string][]Synonym{}, rules: len(rules)}
	leavesOf := func(text string) []string {
		var out []string
		for _, tok := range l.Tokenize(Normalize(text)) {
			if tok.Role == Leaf {
				out = append(out, tok.Term)
			}
		}
		return out
	}
	for _, r := range rules {
		to := make([]Synonym, 0, len(r.To))
		for _, text := range r.To {
			if lv := leavesOf(text); len(lv) > 0 {
				to = append(to, Synonym{Text: text, Leaves: lv})
			}
		}
		for _, text := range r.From {
			src := leavesOf(text)
			if len(src) == 0 {
				continue
			}
			key := strings.Join(src, synonymSep)
			for _, alt := range to {
				if slices.Equal(alt.Leaves, src) || slices.ContainsFunc(t.alts[key], func(s Synonym) bool { return slices.Equal(s.Leaves, alt.Leaves) }) {
					continue
				}
				t.alts[key] = append(t.alts[key], alt)
				t.maxLen = max(t.maxLen, len(src))
			}
		}
	}
	if len(t.alts) > 0 {
		c.syn = t
	}
	return &c
}

// SynonymRules is the number of rules the lexicon's synonym table was
// compiled from (0: none).
func (l *Lexicon) SynonymRules() int {
	if l.syn == nil {
		return 0
	}
	return l.syn.rules
}

// Synonyms finds the longest source phrase of a rule that starts leaves (a
// query's leaves, in order) and returns how many leaves it spans and its
// alternatives; 0 and nil when none starts there. The alternatives are
// shared: callers must not change them.
func (l *Lexicon) Synonyms(leaves []string) (n int, alts []Synonym) {
	t := l.syn
	if t == nil {
		return 0, nil
	}
	for k := min(t.maxLen, len(leaves)); k >= 1; k-- {
		if a, ok := t.alts[strings.Join(leaves[:k], synonymSep)]; ok {
			return k, a
		}
	}
	return 0, nil
}
