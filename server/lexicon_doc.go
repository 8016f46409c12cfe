package server

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"shopsearch/dict"
	"shopsearch/models"
	"shopsearch/models/check"
)

// Caps of a lexicon document (ValidateLexicon).
const (
	maxLexiconWords     = 10_000 // segmentation words
	maxLexiconRemoved   = 10_000
	maxLexiconStopwords = 2_000
	maxSynonymRules     = 5_000
	maxRuleTerms        = 32  // terms of one synonym rule, both sides
	maxWordRunes        = 20  // a segmentation, removed or stop word
	maxSynonymRunes     = 50  // one synonym term
	maxRuleRunes        = 500 // one synonym line
	maxLexAuthorRunes   = 64
	maxLexNoteRunes     = 500
	maxWordFreq         = 1_000_000_000
	defaultWordFreq     = 1000
)

// lexiconChecker holds the rules of a lexicon document's fields (the caps
// of its lists, a word's freq and tag, author and note). It is built once,
// on first use, and only read after: the validator caches the parsed
// rules and is safe for concurrent use.
var lexiconChecker = sync.OnceValue(func() *check.Checker {
	c := check.New("line") // "words line 3: …", which the console maps to its text box
	c.Rules(models.Lexicon{}, map[string]string{
		"Words":     "cap=" + strconv.Itoa(maxLexiconWords) + ",dive",
		"Removed":   "cap=" + strconv.Itoa(maxLexiconRemoved),
		"Stopwords": "cap=" + strconv.Itoa(maxLexiconStopwords),
		"Synonyms":  "cap=" + strconv.Itoa(maxSynonymRules),
		"Author":    "notblank,utf8,max=" + strconv.Itoa(maxLexAuthorRunes),
		"Note":      "utf8,max=" + strconv.Itoa(maxLexNoteRunes),
	}, "Words", "Removed", "Stopwords", "Synonyms") // a list over its cap first
	c.Rules(models.LexiconWord{}, map[string]string{
		"Freq": "gt=0,lte=" + strconv.Itoa(maxWordFreq),
		"Tag":  "alpha,max=10", // a part of speech: n, nz, brand…
	})
	return c
})

// ValidateLexicon checks a lexicon document a merchandiser wrote and
// normalises it in place: words are normalised like titles (NFKC,
// lowercase, simplified), frequencies and tags defaulted, synonym lines
// trimmed. Errors have code models.EINVALID (models.ETOOLARGE for a list
// over its cap) and name the list and the line (1-based) at fault, so the
// console can point at it. The rules of single fields are
// go-playground/validator's (lexiconChecker, through models/check); the
// words, their duplicates and the synonym rules are checked here, once
// normalised.
func ValidateLexicon(doc *models.Lexicon) error {
	for i := range doc.Words {
		w := &doc.Words[i]
		if w.Freq == 0 {
			w.Freq = defaultWordFreq
		}
		if w.Tag == "" {
			w.Tag = "n"
		}
	}
	doc.Author, doc.Note = strings.TrimSpace(doc.Author), strings.TrimSpace(doc.Note)
	if err := lexiconChecker().Check(doc); err != nil {
		return err
	}
	if doc.Words == nil {
		doc.Words = []models.LexiconWord{}
	}
	for _, l := range []*[]string{&doc.Removed, &doc.Stopwords, &doc.Synonyms} {
		if *l == nil {
			*l = []string{}
		}
	}
	seen := map[string]string{} // normalised word → where it was first listed
	for i := range doc.Words {
		w := &doc.Words[i]
		word, err := checkWord("words", i, w.Word)
		if err != nil {
			return err
		}
		if first, dup := seen[word]; dup {
			return models.Errorf(models.EINVALID, "words line %d: %q is listed already (%s)", i+1, word, first)
		}
		seen[word] = fmt.Sprintf("words line %d", i+1)
		w.Word = word
	}
	for i, r := range doc.Removed {
		word, err := checkWord("removed", i, r)
		if err != nil {
			return err
		}
		if first, dup := seen[word]; dup {
			return models.Errorf(models.EINVALID, "removed line %d: %q is listed already (%s); a word cannot be both added and removed", i+1, word, first)
		}
		seen[word] = fmt.Sprintf("removed line %d", i+1)
		doc.Removed[i] = word
	}
	stop := map[string]int{}
	for i, s := range doc.Stopwords {
		word, err := checkWord("stopwords", i, s)
		if err != nil {
			return err
		}
		if first, dup := stop[word]; dup {
			return models.Errorf(models.EINVALID, "stopwords line %d: %q is listed already (line %d)", i+1, word, first)
		}
		stop[word] = i + 1
		doc.Stopwords[i] = word
	}
	rules := map[string]int{}
	for i, line := range doc.Synonyms {
		line = strings.TrimSpace(line)
		if _, err := parseSynonymRule(line); err != nil {
			return models.Errorf(models.EINVALID, "synonyms line %d (%q): %v", i+1, clipRunes(line, 60), err)
		}
		key := dict.Normalize(line)
		if first, dup := rules[key]; dup {
			return models.Errorf(models.EINVALID, "synonyms line %d (%q): the same rule as line %d", i+1, clipRunes(line, 60), first)
		}
		rules[key] = i + 1
		doc.Synonyms[i] = line
	}
	return nil
}

// checkWord validates entry i of a word list and returns it normalised.
func checkWord(list string, i int, raw string) (string, error) {
	word := dict.Normalize(strings.TrimSpace(raw))
	switch n := utf8.RuneCountInString(word); {
	case n == 0:
		return "", models.Errorf(models.EINVALID, "%s line %d: the word is empty", list, i+1)
	case n > maxWordRunes:
		return "", models.Errorf(models.EINVALID, "%s line %d (%q): %d characters; the limit is %d", list, i+1, clipRunes(word, 30), n, maxWordRunes)
	case strings.IndexFunc(word, unicode.IsSpace) >= 0:
		return "", models.Errorf(models.EINVALID, "%s line %d (%q): a word has no spaces (give each word its own line)", list, i+1, word)
	case strings.IndexFunc(word, isWordRune) < 0:
		return "", models.Errorf(models.EINVALID, "%s line %d (%q): no letter, digit or Chinese character", list, i+1, word)
	}
	return word, nil
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// parseSynonymRule parses one synonym line: "a, b, c" (an equivalence
// group of two or more terms) or "a, b => c, d" (one way). Commas may be
// ASCII or full-width (，、).
func parseSynonymRule(line string) (dict.SynonymRule, error) {
	if line == "" {
		return dict.SynonymRule{}, fmt.Errorf("the rule is empty")
	}
	if n := utf8.RuneCountInString(line); n > maxRuleRunes {
		return dict.SynonymRule{}, fmt.Errorf("%d characters; the limit is %d", n, maxRuleRunes)
	}
	sides := strings.Split(line, "=>")
	if len(sides) > 2 {
		return dict.SynonymRule{}, fmt.Errorf(`"=>" appears more than once`)
	}
	var parsed [][]string
	total := 0
	for s, side := range sides {
		terms := strings.FieldsFunc(side, func(r rune) bool { return r == ',' || r == '，' || r == '、' })
		// FieldsFunc drops empty fields; count them to report a stray comma.
		if strings.Count(side, ",")+strings.Count(side, "，")+strings.Count(side, "、")+1 != len(terms) || len(terms) == 0 {
			where := "the rule"
			if len(sides) == 2 {
				where = [2]string{`the left of "=>"`, `the right of "=>"`}[s]
			}
			return dict.SynonymRule{}, fmt.Errorf("%s has an empty term", where)
		}
		for j, t := range terms {
			t = strings.TrimSpace(t)
			if t == "" {
				return dict.SynonymRule{}, fmt.Errorf("term %d is empty", total+j+1)
			}
			if n := utf8.RuneCountInString(t); n > maxSynonymRunes {
				return dict.SynonymRule{}, fmt.Errorf("term %q: %d characters; the limit is %d", clipRunes(t, 30), n, maxSynonymRunes)
			}
			if strings.IndexFunc(t, isWordRune) < 0 {
				return dict.SynonymRule{}, fmt.Errorf("term %q has no letter, digit or Chinese character", t)
			}
			terms[j] = t
		}
		total += len(terms)
		parsed = append(parsed, terms)
	}
	if total > maxRuleTerms {
		return dict.SynonymRule{}, fmt.Errorf("%d terms; the limit is %d", total, maxRuleTerms)
	}
	if len(parsed) == 1 {
		distinct := map[string]bool{}
		for _, t := range parsed[0] {
			distinct[dict.Normalize(t)] = true
		}
		if len(distinct) < 2 {
			return dict.SynonymRule{}, fmt.Errorf(`a group needs two or more different terms ("a, b"), or write a one-way rule ("a => b")`)
		}
		return dict.SynonymRule{From: parsed[0], To: parsed[0]}, nil
	}
	return dict.SynonymRule{From: parsed[0], To: parsed[1]}, nil
}

// clipRunes cuts s to at most n characters, marking the cut.
func clipRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}

// synonymRules returns the rules of a validated document.
func synonymRules(doc *models.Lexicon) []dict.SynonymRule {
	out := make([]dict.SynonymRule, 0, len(doc.Synonyms))
	for _, line := range doc.Synonyms {
		if r, err := parseSynonymRule(line); err == nil {
			out = append(out, r)
		}
	}
	return out
}

// lexiconAssets returns the embedded assets with a validated document's
// words put first (so that their frequencies win), its stop words added
// and its removed words listed.
func lexiconAssets(doc *models.Lexicon) dict.Assets {
	a := dict.DefaultAssets()
	var b strings.Builder
	for _, w := range doc.Words {
		fmt.Fprintf(&b, "%s %s %s\n", w.Word, strconv.FormatFloat(w.Freq, 'g', -1, 64), w.Tag)
	}
	a.Lexicon = b.String() + a.Lexicon
	if len(doc.Stopwords) > 0 {
		a.Stopwords += "\n" + strings.Join(doc.Stopwords, "\n") + "\n"
	}
	a.Removed = strings.Join(doc.Removed, "\n")
	return a
}

// segmentationKeys are the entries of a document that decide how text
// segments, each as a key naming its word: an added word with its
// frequency and tag, a removed word, a stop word.
func segmentationKeys(doc *models.Lexicon) map[string]string {
	keys := map[string]string{}
	if doc == nil {
		return keys
	}
	for _, w := range doc.Words {
		keys["w\x00"+w.Word+"\x00"+strconv.FormatFloat(w.Freq, 'g', -1, 64)+"\x00"+w.Tag] = w.Word
	}
	for _, w := range doc.Removed {
		keys["r\x00"+w] = w
	}
	for _, w := range doc.Stopwords {
		keys["s\x00"+w] = w
	}
	return keys
}

// changedWords are the words whose segmentation entries differ between two
// documents (nil: the built-in lexicon alone), sorted: text containing none
// of them segments the same under both.
func changedWords(a, b *models.Lexicon) []string {
	ka, kb := segmentationKeys(a), segmentationKeys(b)
	set := map[string]bool{}
	for k, w := range ka {
		if _, ok := kb[k]; !ok {
			set[w] = true
		}
	}
	for k, w := range kb {
		if _, ok := ka[k]; !ok {
			set[w] = true
		}
	}
	out := make([]string, 0, len(set))
	for w := range set {
		out = append(out, w)
	}
	slices.Sort(out)
	return out
}
