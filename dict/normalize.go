package dict

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	unorm "golang.org/x/text/unicode/norm"
)

// Normalize maps s to the canonical form used for indexing and matching:
//
//  1. NFKC: full-width forms become ASCII (ＡＢＣ１２３ → ABC123, （） → (),
//     ideographic space → space, ＊ → *), compatibility characters are
//     decomposed (㎏ → kg, ① → 1, ﬁ → fi);
//  2. lowercase (Unicode simple case mapping, rune by rune: Latin, Greek,
//     Cyrillic, ...), and the dash variants NFKC leaves alone
//     (‐ ‑ ‒ – — ― − ⸺ ⸻) become '-';
//  3. traditional → simplified Chinese with OpenCC's tables (see
//     OpenCCConverter): 蘋果手機 → 苹果手机, 記憶體 → 内存, 滑鼠 → 鼠标; if this
//     changes anything, step 2 is applied again to the result (隨身碟 → U盘
//     → u盘).
//
// Punctuation is kept (the tokenizer decides what to drop), and so are ×
// and *. Invalid UTF-8 is first replaced by U+FFFD, as strings.ToValidUTF8
// does. Normalize returns s itself, without allocating, when nothing
// changes, and is idempotent on catalog titles (TestNormalizeCatalog).
//
// Cost: one pass over s for the common cases (ASCII, simplified Chinese,
// full-width punctuation and letters), allocating only when the text
// changes; other text goes through x/text's NFKC.
func Normalize(s string) string {
	c := OpenCCT2S()
	simple := normSimple()
	rewrite := false // some rune changes under steps 1–2
	hit := false     // s may hold a traditional key (OpenCCConverter trigger)
	p1, p2 := rune(-1), rune(-1)
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if 'A' <= b && b <= 'Z' {
				rewrite = true
			}
			p1, p2 = -1, -1
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if size == 1 {
			return normalizeGeneral(s) // invalid UTF-8
		}
		if !simple.quiet.has(r) {
			if _, ok := simple.mapped[r]; !ok {
				return normalizeGeneral(s)
			}
			rewrite = true
		}
		if !rewrite && !hit {
			// Same test as OpenCCConverter.trigger.hit, fused into this pass.
			hit = c.trigger.hitRune(r, p1, p2)
		}
		p1, p2 = r, p1
	}
	if rewrite {
		// No rune of s interacts with its neighbours under NFKC (see
		// normSimpleTable), so steps 1–2 map rune by rune.
		var sb strings.Builder
		sb.Grow(len(s))
		for _, r := range s {
			if r < utf8.RuneSelf {
				sb.WriteByte(byte(normFoldRune(r)))
			} else if m, ok := simple.mapped[r]; ok {
				sb.WriteString(m)
			} else {
				sb.WriteRune(r)
			}
		}
		return normConvert(c, sb.String())
	}
	if hit {
		return normConvert(c, s)
	}
	return s
}

// normalizeGeneral is Normalize for any input, through x/text.
func normalizeGeneral(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	// QuickSpanString is allocation-free (IsNormalString allocates); it may
	// stop early on text that only might need normalizing, which String
	// then settles.
	if unorm.NFKC.QuickSpanString(s) != len(s) {
		s = unorm.NFKC.String(s)
	}
	return normConvert(OpenCCT2S(), normFold(s))
}

// normConvert is step 3 of Normalize on NFKC-normalized, folded text.
func normConvert(c *OpenCCConverter, s string) string {
	if out := c.Convert(s); out != s {
		return normFold(out)
	}
	return s
}

// NormalizeAligned is Normalize plus an alignment of the result to s for
// highlighting. src has len(norm)+1 entries: src[i] is the byte offset in s
// of the source unit that produced byte norm[i], and src[len(norm)] ==
// len(s). src is non-decreasing. A source unit is the smallest piece of s
// the steps of Normalize map as a whole: a rune (with any combining marks),
// or an OpenCC phrase such as 記憶體, which becomes 内存 as a block. All bytes
// produced by one unit carry the unit's offset, so unit boundaries in norm
// are exactly the positions where src increases. Use SourceSpan to map a
// span of norm back to s.
func NormalizeAligned(s string) (norm string, src []int) {
	// src == nil stands for the identity alignment until the end.
	norm, src = normValidUTF8Aligned(s)
	if out, a := normNFKCAligned(norm); a != nil {
		norm, src = out, normCompose(src, a)
	}
	if out, a := normFoldAligned(norm); a != nil {
		norm, src = out, normCompose(src, a)
	}
	if out, a := OpenCCT2S().convertAligned(norm); a != nil {
		norm, src = out, normCompose(src, a)
		if out, a := normFoldAligned(norm); a != nil {
			norm, src = out, normCompose(src, a)
		}
	}
	if src == nil {
		src = make([]int, len(norm)+1)
		for i := range src {
			src[i] = i
		}
	}
	return norm, src
}

// SourceSpan maps the byte span [a,b) of a string returned by
// NormalizeAligned back to the byte span [start,end) of the original string,
// given the alignment src returned with it. The span is widened to whole
// source units: if a or b falls inside the output of one unit (inside a
// multi-byte rune, inside "kg" produced by ㎏, inside 内存 produced by 記憶體),
// the whole unit is included. Formally start = src[a] and end = src[j] for
// the first j ≥ b with src[j] != src[b-1]. a and b are clamped to
// [0, len(src)-1]; an empty span (b ≤ a) maps to the empty span at src[a].
func SourceSpan(src []int, a, b int) (start, end int) {
	n := len(src) - 1
	if n < 0 {
		return 0, 0
	}
	a = min(max(a, 0), n)
	b = min(max(b, 0), n)
	start = src[a]
	if b <= a {
		return start, start
	}
	last := src[b-1]
	j := b
	for j < n && src[j] == last {
		j++
	}
	return start, src[j]
}

// normCompose composes alignments: outer maps a middle string to the source
// (nil: identity), inner maps the output to the middle string. It reuses
// inner.
func normCompose(outer, inner []int) []int {
	if outer == nil {
		return inner
	}
	for i, p := range inner {
		inner[i] = outer[p]
	}
	return inner
}

// normValidUTF8Aligned is strings.ToValidUTF8(s, "\uFFFD") with an
// alignment to s (nil when s is valid): each run of invalid bytes becomes
// one U+FFFD.
func normValidUTF8Aligned(s string) (string, []int) {
	if utf8.ValidString(s) {
		return s, nil
	}
	out := strings.ToValidUTF8(s, "\uFFFD")
	src := make([]int, 0, len(out)+1)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r != utf8.RuneError || size != 1 {
			for range size {
				src = append(src, i)
			}
			i += size
			continue
		}
		start := i
		for i < len(s) {
			if r, size := utf8.DecodeRuneInString(s[i:]); r != utf8.RuneError || size != 1 {
				break
			}
			i++
		}
		for range len("\uFFFD") {
			src = append(src, start)
		}
	}
	return out, append(src, len(s))
}

// normNFKCAligned returns NFKC(s) and its alignment to s (nil when s is
// already NFKC). It normalizes s one normalization segment at a time
// (segments are split at the boundaries reported by NextBoundaryInString,
// where NFKC of the whole equals the concatenation of NFKC of the parts);
// each segment is one source unit. s must be valid UTF-8.
func normNFKCAligned(s string) (string, []int) {
	if unorm.NFKC.QuickSpanString(s) == len(s) {
		return s, nil
	}
	b := make([]byte, 0, len(s)+len(s)/4)
	src := make([]int, 0, cap(b)+1)
	var seg []byte
	for i := 0; i < len(s); {
		n := unorm.NFKC.NextBoundaryInString(s[i:], true)
		if n <= 0 {
			n = len(s) - i
		}
		seg = unorm.NFKC.AppendString(seg[:0], s[i:i+n])
		if string(seg) == s[i:i+n] {
			// Unchanged segment: keep rune granularity.
			for k := i; k < i+n; {
				_, sz := utf8.DecodeRuneInString(s[k:])
				for range sz {
					src = append(src, k)
				}
				k += sz
			}
		} else {
			for range len(seg) {
				src = append(src, i)
			}
		}
		b = append(b, seg...)
		i += n
	}
	return string(b), append(src, len(s))
}

// normFoldRune returns the rune step 2 of Normalize maps r to.
func normFoldRune(r rune) rune {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			return r + ('a' - 'A')
		}
		return r
	}
	switch r {
	case '\u2010', // ‐ hyphen
		'\u2011', // ‑ non-breaking hyphen (NFKC maps it to U+2010)
		'\u2012', // ‒ figure dash
		'\u2013', // – en dash
		'\u2014', // — em dash
		'\u2015', // ― horizontal bar
		'\u2212', // − minus sign
		'\u2E3A', // ⸺ two-em dash
		'\u2E3B': // ⸻ three-em dash
		// (－ U+FF0D, ﹣ U+FE63 and ﹘ U+FE58 reach here already mapped by NFKC.)
		return '-'
	case '\u3000': // ideographic space (also mapped by NFKC)
		return ' '
	}
	if normCaseless(r) {
		return r
	}
	return unicode.ToLower(r)
}

// normCaseless reports whether r lies in a range without case mappings
// (CJK symbols, kana, Bopomofo, Hangul compatibility jamo, CJK ideographs,
// Yi, Hangul syllables, private use, compatibility ideographs, Arabic
// presentation forms), so that the binary search of unicode.ToLower can be
// skipped for the bulk of Chinese text. TestNormCaselessRanges checks the
// claim against package unicode.
func normCaseless(r rune) bool {
	return (r >= 0x3000 && r < 0xA640) || (r >= 0xAC00 && r < 0xFF00)
}

// normFold applies step 2 of Normalize (without NFKC), returning s itself
// when nothing changes. s must be valid UTF-8.
func normFold(s string) string {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				return normFoldFrom(s, i)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if normFoldRune(r) != r {
			return normFoldFrom(s, i)
		}
		i += size
	}
	return s
}

// normFoldFrom folds s, whose prefix s[:from] is known to be unchanged.
func normFoldFrom(s string, from int) string {
	var sb strings.Builder
	sb.Grow(len(s))
	sb.WriteString(s[:from])
	for _, r := range s[from:] {
		sb.WriteRune(normFoldRune(r))
	}
	return sb.String()
}

// normFoldAligned is normFold with an alignment to s (nil when unchanged);
// each rune is a unit.
func normFoldAligned(s string) (string, []int) {
	out := normFold(s)
	if len(out) == len(s) && out == s {
		return s, nil
	}
	src := make([]int, 0, len(out)+1)
	for i, r := range s {
		for range utf8.RuneLen(normFoldRune(r)) {
			src = append(src, i)
		}
	}
	return out, append(src, len(s))
}

// normSimpleTable classifies the non-ASCII runes of the BMP for the single
// pass of Normalize. A rune is "simple" when NFKC treats it in isolation: it
// starts a normalization segment and cannot combine with the rune before it
// (BoundaryBefore), and neither can the first rune of its NFKC mapping. A
// string of ASCII and simple runes is then a sequence of one-rune segments,
// so NFKC, and the rune-wise fold, apply rune by rune. Simple runes include
// the CJK ideographs, kana and CJK punctuation (quiet: unchanged by steps
// 1–2), the full-width forms and compatibility characters such as ㎏ and ①,
// and the dashes (mapped). TestNormSimpleTable checks the table against
// x/text on random strings.
type normSimpleTable struct {
	quiet  openccRuneSet
	mapped map[rune]string // the result of steps 1–2 for the other simple runes
}

// normSimple returns the shared table, built on first use (about 10ms).
var normSimple = sync.OnceValue(func() *normSimpleTable {
	t := &normSimpleTable{mapped: make(map[rune]string)}
	var buf [utf8.UTFMax]byte
	for r := rune(utf8.RuneSelf); r < 0x10000; r++ {
		if r >= 0xD800 && r <= 0xDFFF {
			continue // surrogates
		}
		str := string(buf[:utf8.EncodeRune(buf[:], r)])
		if !unorm.NFKC.PropertiesString(str).BoundaryBefore() {
			continue
		}
		m := unorm.NFKC.String(str)
		if m == "" || !unorm.NFKC.PropertiesString(m).BoundaryBefore() {
			continue
		}
		f := normFold(m)
		if f == str {
			t.quiet.add(r)
		} else {
			t.mapped[r] = f
		}
	}
	return t
})
