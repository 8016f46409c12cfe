package dict

import (
	"bufio"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-ego/gse"
)

//go:embed assets/lexicon.txt
var defaultLexicon string

//go:embed assets/stopwords.txt
var defaultStopwords string

//go:embed assets/optional.txt
var defaultOptional string

// Assets are the texts a Lexicon is built from. The defaults are embedded in
// the binary; an operator may supply edited copies and reload at runtime.
type Assets struct {
	// Lexicon lines are "word freq tag": tag "brand" marks a word that is
	// never split into sub-words (雅诗兰黛), tag "n" (the default) a product
	// noun (手机壳), any other tag a plain word.
	Lexicon string
	// Stopwords has one word a line; # starts a comment.
	Stopwords string
	// Optional has one word a line (# starts a comment): shop and marketing
	// words (正品, 旗舰店) that a query never requires.
	Optional string
	// Removed has one word a line (# starts a comment): words taken out of
	// the segmenter's dictionaries (the lexicon's and gse's own), so that
	// text containing them is split differently. Empty by default.
	Removed string
}

// DefaultAssets returns the embedded lexicon and stop list.
func DefaultAssets() Assets {
	return Assets{Lexicon: defaultLexicon, Stopwords: defaultStopwords, Optional: defaultOptional}
}

// Lexicon is an immutable, loaded dictionary: the gse segmenter with gse's
// simplified-Chinese dictionary plus the e-commerce lexicon, the words that
// stay whole, and the stop list. Build a new one to change any of them.
type Lexicon struct {
	seg      *gse.Segmenter
	atomic   map[string]bool
	stop     map[string]bool
	optional map[string]bool
	product  map[string]bool // the words tagged "n": product nouns
	// productRunes is the length of the longest product noun, in runes.
	productRunes int
	words        int
	syn          *synonymTable // nil: no synonyms (synonym.go)
}

// Words is the number of dictionary entries the segmenter knows.
func (l *Lexicon) Words() int { return l.words }

// NewLexicon builds a Lexicon from assets. It takes a second or two: gse
// computes the sub-word split of every dictionary word once, here.
func NewLexicon(a Assets) (*Lexicon, error) {
	lex := &Lexicon{atomic: map[string]bool{}, stop: map[string]bool{}, optional: map[string]bool{}, product: map[string]bool{}}
	removed := map[string]bool{}
	wordList(a.Removed, removed)
	var extra strings.Builder
	sc := bufio.NewScanner(strings.NewReader(a.Lexicon))
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		f := strings.Fields(text)
		if len(f) > 3 {
			return nil, fmt.Errorf("lexicon line %d: want \"word freq tag\", got %q", line, text)
		}
		word := Normalize(f[0])
		freq := 1000.0
		if len(f) > 1 {
			v, err := strconv.ParseFloat(f[1], 64)
			if err != nil || v <= 0 {
				return nil, fmt.Errorf("lexicon line %d: bad frequency %q", line, f[1])
			}
			freq = v
		}
		tag := "n"
		if len(f) > 2 {
			tag = f[2]
		}
		if removed[word] {
			continue
		}
		switch tag {
		case "brand":
			lex.atomic[word] = true
		case "n":
			w := Normalize(word)
			lex.product[w] = true
			lex.productRunes = max(lex.productRunes, utf8.RuneCountInString(w))
		}
		if !isAllHan(word) {
			continue // the segmenter only sees Han runs; others are split by rule
		}
		fmt.Fprintf(&extra, "%s %g %s\n", word, freq, tag)
	}
	wordList(a.Stopwords, lex.stop)
	wordList(a.Optional, lex.optional)
	// gse keeps the first entry of a word, so the lexicon goes in before gse's
	// simplified dictionary and its frequencies win; gse then computes every
	// word's sub-word split once, over both.
	seg := &gse.Segmenter{NotLoadHMM: true}
	if extra.Len() > 0 {
		if err := seg.LoadDictStr(extra.String()); err != nil {
			return nil, fmt.Errorf("load lexicon: %w", err)
		}
	}
	if err := seg.LoadDictEmbed("zh_s"); err != nil {
		return nil, fmt.Errorf("load gse dictionary: %w", err)
	}
	for w := range removed {
		if isAllHan(w) {
			// An absent word is not an error: removing is idempotent.
			_ = seg.RemoveToken(w)
		}
	}
	lex.seg = seg
	lex.words = seg.Dict.NumTokens()
	return lex, nil
}

// wordList adds the words of a one-word-a-line list (# starts a comment),
// normalised, to set.
func wordList(text string, set map[string]bool) {
	for _, w := range strings.Split(text, "\n") {
		if i := strings.IndexByte(w, '#'); i >= 0 {
			w = w[:i]
		}
		if w = strings.TrimSpace(w); w != "" {
			set[Normalize(w)] = true
		}
	}
}

// Product reports whether a normalised word is a product noun: tagged "n"
// in the lexicon (手机壳, 蓝牙耳机; brands are tagged "brand").
func (l *Lexicon) Product(word string) bool { return l.product[word] }

// Products returns the product nouns a normalised text names, each once, in
// the order they appear: a scan that takes, at each position, the longest
// product noun that starts there and goes on after it ("蓝牙耳机 耳麦" →
// 蓝牙耳机, 耳麦; 耳机 inside 蓝牙耳机 is not one more). It does not run the
// segmenter: suggest calls it for every title of the catalog at every
// build, and the scan costs less than half of Tokenize while finding
// nearly the same words (on the shared catalog's titles: 364k against the
// segmenter's 360k).
func (l *Lexicon) Products(norm string) []string {
	var out []string
	for i := 0; i < len(norm); {
		end, j := 0, i
		for n := 1; n <= l.productRunes && j < len(norm); n++ {
			_, size := utf8.DecodeRuneInString(norm[j:])
			j += size
			if l.product[norm[i:j]] {
				end = j
			}
		}
		if end == 0 {
			_, size := utf8.DecodeRuneInString(norm[i:])
			i += size
			continue
		}
		if w := norm[i:end]; !slices.Contains(out, w) {
			out = append(out, w)
		}
		i = end
	}
	return out
}

// Optional reports whether a normalised word is one a query never requires.
func (l *Lexicon) Optional(word string) bool { return l.optional[word] }

// Asset file names, in the embedded assets and in an override directory.
const (
	LexiconFile   = "lexicon.txt"
	StopwordsFile = "stopwords.txt"
	OptionalFile  = "optional.txt"
)

// LoadAssets returns the embedded assets with any file present in dir
// (LexiconFile, StopwordsFile, OptionalFile) taking the place of its
// embedded default.
// An empty dir means the embedded assets alone.
func LoadAssets(dir string) (Assets, error) {
	a := DefaultAssets()
	if dir == "" {
		return a, nil
	}
	files := map[string]*string{LexiconFile: &a.Lexicon, StopwordsFile: &a.Stopwords, OptionalFile: &a.Optional}
	for name, dst := range files {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return Assets{}, fmt.Errorf("read %s: %w", name, err)
		}
		*dst = string(b)
	}
	return a, nil
}

// Reload builds a new Lexicon from a off to the side and swaps it in; on
// error the current one stays. Text indexed before the reload keeps the old
// segmentation until it is indexed again.
func (an *Analyzer) Reload(a Assets) error {
	lex, err := NewLexicon(a)
	if err != nil {
		return err
	}
	an.Swap(lex)
	return nil
}
