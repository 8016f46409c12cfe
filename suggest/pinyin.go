package suggest

import (
	"bufio"
	_ "embed"
	"fmt"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	pinyin "github.com/mozillazg/go-pinyin"
)

//go:embed assets/phrases.txt
var phraseAsset string

// romanizer writes normalised text in toneless pinyin: go-pinyin's readings
// of each character, the first one by default, with whole words taken from
// the phrase table where one starts (longest match).
type romanizer struct {
	phrases   map[string][]string // word → one syllable per rune
	maxPhrase int                 // runes of the longest word
	readings  map[rune][]string   // every reading of a Han rune, go-pinyin's first first
}

// defaultRomanizer is built on first use (about 50ms) and shared.
var defaultRomanizer = sync.OnceValues(func() (*romanizer, error) {
	return newRomanizer(phraseAsset)
})

func newRomanizer(phraseText string) (*romanizer, error) {
	z := &romanizer{phrases: map[string][]string{}, readings: make(map[rune][]string, len(pinyin.PinyinDict))}
	args := pinyin.Args{Style: pinyin.Normal, Heteronym: true}
	for code := range pinyin.PinyinDict {
		r := rune(code)
		if !unicode.Is(unicode.Han, r) {
			continue
		}
		if rs := pinyin.SinglePinyin(r, args); len(rs) > 0 {
			z.readings[r] = rs
		}
	}
	sc := bufio.NewScanner(strings.NewReader(phraseText))
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || text[0] == '#' {
			continue
		}
		f := strings.Fields(text)
		word, syl := f[0], f[1:]
		if n := utf8.RuneCountInString(word); n != len(syl) || n == 0 {
			return nil, fmt.Errorf("suggest: phrase table line %d: %q has %d characters and %d syllables", line, word, n, len(syl))
		}
		for _, s := range syl {
			if strings.Trim(s, "abcdefghijklmnopqrstuvwxyz") != "" {
				return nil, fmt.Errorf("suggest: phrase table line %d: syllable %q is not toneless lowercase pinyin", line, s)
			}
		}
		z.phrases[word] = syl
		z.maxPhrase = max(z.maxPhrase, len(syl))
	}
	return z, sc.Err()
}

// pinyinKeys returns the full pinyin (no separators) and the initials of
// norm. Letters and digits pass through to both, whole; other characters
// (punctuation, spaces, kana, Han characters without a reading) are left out.
// hasHan reports whether any character was romanised.
func (z *romanizer) pinyinKeys(norm string) (full, initials string, hasHan bool) {
	var fb, ib strings.Builder
	fb.Grow(len(norm) * 2)
	ib.Grow(len(norm))
	z.walk(norm, func(syl string, han bool) {
		fb.WriteString(syl)
		if han {
			ib.WriteByte(syl[0])
			hasHan = true
		} else {
			ib.WriteString(syl)
		}
	})
	return fb.String(), ib.String(), hasHan
}

// walk calls emit with each syllable of text in order (han true), and with
// each letter or digit that is not Han (han false).
func (z *romanizer) walk(text string, emit func(syl string, han bool)) {
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		if rs, ok := z.readings[r]; ok {
			if syl, n := z.phrase(text[i:]); syl != nil {
				for _, s := range syl {
					emit(s, true)
				}
				i += n
				continue
			}
			emit(rs[0], true)
		} else if r < utf8.RuneSelf && isAlnum(byte(r)) {
			emit(text[i:i+1], false)
		} else if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if !unicode.Is(unicode.Han, r) {
				emit(text[i:i+size], false)
			}
		}
		i += size
	}
}

// phrase returns the syllables of the longest phrase-table word (or
// single-character default) at the start of s and its length in bytes, or
// nil.
func (z *romanizer) phrase(s string) ([]string, int) {
	var ends [16]int // byte offset after each of the first runes of s
	limit := min(z.maxPhrase, len(ends))
	n := 0
	for i := 0; i < len(s) && n < limit; n++ {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
		ends[n] = i
	}
	for k := n - 1; k >= 0; k-- {
		if syl, ok := z.phrases[s[:ends[k]]]; ok {
			return syl, ends[k]
		}
	}
	return nil, 0
}

// reading is one way to read a typed text: its full pinyin and initials.
type reading struct{ full, initials string }

// readingsOf returns up to limit readings of a typed text: the one
// pinyinKeys gives first, then those with other readings of its polyphonic
// characters, so that 长q finds both changqun (长裙) and zhangq….
func (z *romanizer) readingsOf(text string, limit int) []reading {
	full, ini, _ := z.pinyinKeys(text)
	out := []reading{{full, ini}}
	// The options of each unit: a Han rune's readings (the primary one,
	// as the phrase table gives it, first) or a Latin character.
	var opts [][]string
	var han []bool
	z.walk(text, func(syl string, h bool) {
		opts = append(opts, []string{syl})
		han = append(han, h)
	})
	i := 0
	for _, r := range text {
		rs, ok := z.readings[r]
		if !ok {
			if r < utf8.RuneSelf && isAlnum(byte(r)) || !unicode.Is(unicode.Han, r) && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
				i++
			}
			continue
		}
		for _, alt := range rs {
			if alt != opts[i][0] {
				opts[i] = append(opts[i], alt)
			}
		}
		i++
	}
	// Odometer over the options, skipping the all-primary combination.
	idx := make([]int, len(opts))
	var fb, ib strings.Builder
	for len(out) < limit {
		k := len(idx) - 1
		for k >= 0 {
			idx[k]++
			if idx[k] < len(opts[k]) {
				break
			}
			idx[k] = 0
			k--
		}
		if k < 0 {
			break
		}
		fb.Reset()
		ib.Reset()
		for u, o := range opts {
			s := o[idx[u]]
			fb.WriteString(s)
			if han[u] {
				ib.WriteByte(s[0])
			} else {
				ib.WriteString(s)
			}
		}
		out = append(out, reading{fb.String(), ib.String()})
	}
	return out
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || 'A' <= c && c <= 'Z'
}

// Pinyin returns text's full pinyin as suggest keys it: normalised, no
// separators, letters and digits passing through ("shou ji" and 手机 are
// both shouji). Query correction compares a suggestion's with the input's.
func (s *Suggester) Pinyin(text string) string {
	full, _, _ := s.z.pinyinKeys(keyOf(text))
	return full
}
