package dict

import (
	"bufio"
	"bytes"
	"embed"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"
)

// Traditional → simplified Chinese conversion with OpenCC's dictionaries.
//
// The tables in assets/opencc/ are copied verbatim from OpenCC (via the Go
// port github.com/longbridgeapp/opencc v0.3.13, Apache-2.0; see
// assets/opencc/README.md). They are applied with the semantics of OpenCC's
// tw2sp configuration (Taiwan standard → mainland simplified, with phrase
// conversion), extended with the Hong Kong variant tables:
//
//	stage 1: LocalPhrases, TWPhrasesRev, TWVariantsRevPhrases, TWVariantsRev,
//	         HKVariantsRevPhrases, HKVariantsRev
//	stage 2: TSPhrases, TSCharacters
//
// Each stage rewrites its input by forward maximum matching over runes: at
// every position the longest key of any table of the stage is replaced by its
// first value (on equal keys the earlier table wins); positions where no key
// matches are copied unchanged. Stage 2 runs on the output of stage 1.
//
// Two project-local files sit next to the OpenCC tables:
// LocalExclusions.txt removes keys whose conversion damages ordinary
// simplified text (the service's input is mostly simplified already), and
// LocalPhrases.txt adds a few Taiwan terms that OpenCC lacks. Both are
// documented in the README.

//go:embed assets/opencc/*.txt
var openccAssets embed.FS

const openccAssetDir = "assets/opencc/"

// openccStageTables lists, per stage and in priority order, the tables of
// the conversion chain.
var openccStageTables = [][]string{
	{"LocalPhrases", "TWPhrasesRev", "TWVariantsRevPhrases", "TWVariantsRev", "HKVariantsRevPhrases", "HKVariantsRev"},
	{"TSPhrases", "TSCharacters"},
}

// openccExclusionsFile names the table/key pairs dropped from the chain.
const openccExclusionsFile = "LocalExclusions"

// openccMaxKeyRunes bounds the key length (in runes) accepted from a table;
// the matcher keeps the rune ends of the candidate window in an array of
// this size.
const openccMaxKeyRunes = 32

// OpenCCConverter converts traditional Chinese to simplified Chinese. It is
// immutable once built and safe for concurrent use.
type OpenCCConverter struct {
	stages []*openccStage
	// trigger is the fast path: a string that does not hit it is left
	// unchanged by the chain (see NewOpenCCT2S).
	trigger openccTrigger
}

type openccStage struct {
	name string
	// single maps one-rune keys to their value.
	single map[rune]string
	// multi maps keys of two or more runes to their value.
	multi map[string]string
	// first holds the first rune of every key.
	first openccRuneSet
	// pairs is a hashed filter of the first two runes of the multi-rune
	// keys, checked before any multi lookup (false positives only cost a
	// lookup).
	pairs openccBits
	// multiLens has bit n-1 set for every length n (in runes, n ≥ 2) of a
	// key starting with the rune.
	multiLens map[rune]uint32
	maxRunes  int
}

// openccRuneSet is a set of runes: a bitmap over the BMP plus a map for the
// supplementary planes.
type openccRuneSet struct {
	bmp    [0x10000 / 64]uint64
	astral map[rune]struct{}
}

func (rs *openccRuneSet) add(r rune) {
	if r < 0x10000 {
		rs.bmp[r>>6] |= 1 << (uint(r) & 63)
		return
	}
	if rs.astral == nil {
		rs.astral = make(map[rune]struct{})
	}
	rs.astral[r] = struct{}{}
}

func (rs *openccRuneSet) has(r rune) bool {
	if r < 0x10000 {
		return r >= 0 && rs.bmp[r>>6]&(1<<(uint(r)&63)) != 0
	}
	_, ok := rs.astral[r]
	return ok
}

// openccBits is a 2^20-bit filter addressed by a hash of two runes.
type openccBits [1 << 20 / 64]uint64

func openccPairHash(r1, r2 rune) uint32 {
	return (uint32(r1)*0x9E3779B1 ^ uint32(r2)*0x85EBCA77) >> 12
}

func (b *openccBits) add(r1, r2 rune) {
	h := openccPairHash(r1, r2)
	b[h>>6] |= 1 << (h & 63)
}

func (b *openccBits) has(r1, r2 rune) bool {
	h := openccPairHash(r1, r2)
	return b[h>>6]&(1<<(h&63)) != 0
}

// openccTrigger recognises strings that may contain the key of a changing
// entry. Every such key contributes either one of its runes (runes) or two
// adjacent non-ASCII runes of it (pairs); a string containing the key
// contains those, so a string that hits neither holds no such key. Pairs
// are used for keys made only of characters that are also simplified
// (光碟, 一口吃成): any single rune of them is common in simplified text,
// while the pair is rare.
type openccTrigger struct {
	runes openccRuneSet
	pairs openccBits
}

// addKey registers key. lastMap is the character mapping of the last stage:
// a rune it changes is traditional, rare in simplified text and a trigger
// anyway (as the key of a TSCharacters entry), so it is preferred.
func (t *openccTrigger) addKey(key string, lastMap func(rune) rune) {
	prev, pair := rune(-1), [2]rune{-1, -1}
	single := rune(-1)
	for _, r := range key {
		if r < utf8.RuneSelf {
			prev = -1
			continue
		}
		if lastMap(r) != r {
			t.runes.add(r)
			return
		}
		if prev >= 0 && pair[0] < 0 {
			pair = [2]rune{prev, r}
		}
		prev, single = r, r
	}
	switch {
	case pair[0] >= 0:
		t.pairs.add(pair[0], pair[1])
	case single >= 0:
		t.runes.add(single)
	default:
		// openccLoadTable rejects all-ASCII keys.
		panic("opencc: all-ASCII key " + key)
	}
}

// hit reports whether s contains a trigger rune or trigger pair. ASCII
// bytes are skipped without decoding (no trigger is ASCII).
func (t *openccTrigger) hit(s string) bool {
	prev := rune(-1)
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			prev = -1
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if t.runes.has(r) || (prev >= 0 && t.pairs.has(prev, r)) {
			return true
		}
		prev = r
		i += size
	}
	return false
}

var openccT2S = sync.OnceValue(func() *OpenCCConverter {
	c, err := NewOpenCCT2S()
	if err != nil {
		// The tables are embedded at compile time; a failure here is a
		// packaging bug caught by the tests.
		panic(err)
	}
	return c
})

// OpenCCT2S returns the shared traditional → simplified converter, built
// from the embedded tables on first use (a few milliseconds).
func OpenCCT2S() *OpenCCConverter { return openccT2S() }

// NewOpenCCT2S builds a traditional → simplified converter from the
// embedded tables. Prefer the shared instance returned by OpenCCT2S.
//
// Besides the exclusions (LocalExclusions.txt) and openccIntroducesRareHan,
// building drops entries that cannot change the output (one-rune identity
// entries; one-rune stage-1 variants the last stage maps back, such as
// 台 → 臺 → 台) and computes the fast-path trigger from the entries whose
// value differs from their key, leaving out the stage-1 phrases the last
// stage undoes (openccChainNeutral). TestOpenCCPruningPreservesOutput
// checks the result against a plain implementation of the chain.
func NewOpenCCT2S() (*OpenCCConverter, error) {
	excl, err := openccLoadExclusions()
	if err != nil {
		return nil, err
	}
	// Merge each stage's tables in priority order: the first table that
	// defines a key wins.
	merged := make([][]openccEntry, len(openccStageTables))
	for i, tables := range openccStageTables {
		seen := make(map[string]bool)
		for _, table := range tables {
			entries, err := openccLoadTable(table)
			if err != nil {
				return nil, err
			}
			for _, e := range entries {
				if _, drop := excl[table+"\t"+e.key]; drop {
					excl[table+"\t"+e.key] = true
					continue
				}
				if seen[e.key] {
					continue
				}
				seen[e.key] = true
				if openccIntroducesRareHan(e.key, e.value) {
					continue
				}
				merged[i] = append(merged[i], e)
			}
		}
	}
	for key, used := range excl {
		if !used {
			table, k, _ := strings.Cut(key, "\t")
			return nil, fmt.Errorf("opencc: %s.txt: excluded key %q is not in table %s", openccExclusionsFile, k, table)
		}
	}

	// Character mapping of the last stage and the runes its phrases use.
	last := merged[len(merged)-1]
	lastChar := make(map[rune]rune)
	lastPhraseRunes := make(map[rune]bool)
	for _, e := range last {
		if utf8.RuneCountInString(e.key) == 1 {
			k, _ := utf8.DecodeRuneInString(e.key)
			if v, n := utf8.DecodeRuneInString(e.value); n == len(e.value) {
				lastChar[k] = v
			}
			continue
		}
		for _, r := range e.key {
			lastPhraseRunes[r] = true
		}
	}
	lastMap := func(r rune) rune {
		if v, ok := lastChar[r]; ok {
			return v
		}
		return r
	}

	c := &OpenCCConverter{}
	for i, entries := range merged {
		st := &openccStage{
			name:      fmt.Sprintf("stage %d", i+1),
			single:    make(map[rune]string),
			multi:     make(map[string]string),
			multiLens: make(map[rune]uint32),
		}
		final := i == len(merged)-1
		for _, e := range entries {
			if utf8.RuneCountInString(e.key) == 1 {
				k, _ := utf8.DecodeRuneInString(e.key)
				if e.value == e.key {
					// A one-rune identity entry (TSCharacters 覆 → 覆 复,
					// HKVariantsRev 只 → 只) protects nothing: dropping it
					// leaves every match and the output unchanged.
					continue
				}
				if !final {
					// A stage-1 variant that the last stage maps back
					// (台 → 臺 → 台, 才 → 纔 → 才) is a no-op for the chain
					// unless a last-stage phrase could see the difference.
					v, n := utf8.DecodeRuneInString(e.value)
					if n == len(e.value) && lastMap(v) == lastMap(k) && !lastPhraseRunes[k] && !lastPhraseRunes[v] {
						continue
					}
				}
			}
			st.add(e.key, e.value)
			// Identity phrases (地址 → 地址, 乾坤 → 乾坤) only stop shorter
			// keys from matching inside them, and neutral stage-1
			// phrases (一口吃成 → 一口喫成) are undone by the last stage:
			// neither needs a trigger.
			if e.value != e.key && (final || !openccChainNeutral(e.key, e.value, lastMap, lastPhraseRunes)) {
				c.trigger.addKey(e.key, lastMap)
			}
		}
		c.stages = append(c.stages, st)
	}
	return c, nil
}

// openccIntroducesRareHan reports whether value contains a Han character
// outside the basic CJK Unified Ideographs block (U+4E00–U+9FFF), i.e. in
// Extension A (U+3400–U+4DBF) or on planes 2 and 3, that key does not
// contain. Such entries are skipped: OpenCC maps about 700 traditional
// characters to "analogically simplified" forms that exist only in the
// extension blocks (頫 → 𫖯, 撝 → 㧑, 餸 → 𩠌, 二噁英 → 二𫫇英). Mainland text keeps
// writing the traditional form (赵孟頫, 张撝之) because the extension
// characters are missing from input methods and fonts, so converting would
// alter ordinary simplified text and produce text no query contains.
func openccIntroducesRareHan(key, value string) bool {
	for _, r := range value {
		if ((r >= 0x3400 && r <= 0x4DBF) || (r >= 0x20000 && r <= 0x3FFFF)) && !strings.ContainsRune(key, r) {
			return true
		}
	}
	return false
}

// openccChainNeutral reports whether the stage-1 entry key → value is undone
// by the last stage: both have the same number of runes, the last stage's
// character mapping takes every rune of value back to the rune of key, and
// no rune that value changes occurs in a last-stage phrase (so the last
// stage maps those runes one by one).
//
// This is what makes the trigger sound. Let s not hit the trigger. Stage 1
// then only matches identity and neutral entries (any other match would
// hold its trigger), so its output differs from s only in runes that
// neutral values changed. In stage 2, a changing key matched over unchanged
// runes would be a substring of s and hit the trigger, and a key overlapping
// a changed rune is that rune's one-rune entry, which maps it back. Hence
// the chain returns s.
func openccChainNeutral(key, value string, lastMap func(rune) rune, lastPhraseRunes map[rune]bool) bool {
	k, v := []rune(key), []rune(value)
	if len(k) != len(v) {
		return false
	}
	for i := range k {
		if v[i] == k[i] {
			continue
		}
		if lastMap(v[i]) != k[i] || lastPhraseRunes[v[i]] {
			return false
		}
	}
	return true
}

// add inserts key → value; keys are unique (NewOpenCCT2S merged the tables).
func (st *openccStage) add(key, value string) {
	first, size := utf8.DecodeRuneInString(key)
	n := utf8.RuneCountInString(key)
	if n == 1 {
		st.single[first] = value
	} else {
		second, _ := utf8.DecodeRuneInString(key[size:])
		st.multi[key] = value
		st.pairs.add(first, second)
		st.multiLens[first] |= 1 << (n - 1)
	}
	st.first.add(first)
	st.maxRunes = max(st.maxRunes, n)
}

type openccEntry struct{ key, value string }

// openccLoadTable parses an OpenCC text dictionary: one entry per line,
// "key<TAB>value1 value2 ...". Only the first value is kept; lines that are
// empty or start with '#' are ignored (OpenCC's own files have neither, the
// local files use them for comments).
func openccLoadTable(table string) ([]openccEntry, error) {
	data, err := openccAssets.ReadFile(openccAssetDir + table + ".txt")
	if err != nil {
		return nil, fmt.Errorf("opencc: %w", err)
	}
	var entries []openccEntry
	err = openccEachLine(table, data, func(line int, text string) error {
		key, values, ok := strings.Cut(text, "\t")
		value, _, _ := strings.Cut(strings.TrimSpace(values), " ")
		if !ok || key == "" || value == "" {
			return fmt.Errorf("opencc: %s.txt:%d: want key<TAB>value, got %q", table, line, text)
		}
		if !utf8.ValidString(key) || !utf8.ValidString(value) {
			return fmt.Errorf("opencc: %s.txt:%d: invalid UTF-8", table, line)
		}
		if n := utf8.RuneCountInString(key); n > openccMaxKeyRunes {
			return fmt.Errorf("opencc: %s.txt:%d: key of %d runes exceeds the limit of %d", table, line, n, openccMaxKeyRunes)
		}
		if !strings.ContainsFunc(key, func(r rune) bool { return r >= utf8.RuneSelf }) {
			// The fast path relies on every key holding a non-ASCII rune.
			return fmt.Errorf("opencc: %s.txt:%d: all-ASCII key %q", table, line, key)
		}
		entries = append(entries, openccEntry{key, value})
		return nil
	})
	return entries, err
}

// openccLoadExclusions parses LocalExclusions.txt ("Table<TAB>key", '#'
// starts a comment) into a set keyed by "Table\tkey". The values, all false,
// are set by NewOpenCCT2S when the key is met so that stale exclusions (keys
// no longer in the table) are reported.
func openccLoadExclusions() (map[string]bool, error) {
	data, err := openccAssets.ReadFile(openccAssetDir + openccExclusionsFile + ".txt")
	if err != nil {
		return nil, fmt.Errorf("opencc: %w", err)
	}
	known := make(map[string]bool)
	for _, tables := range openccStageTables {
		for _, t := range tables {
			known[t] = true
		}
	}
	excl := make(map[string]bool)
	err = openccEachLine(openccExclusionsFile, data, func(line int, text string) error {
		text, _, _ = strings.Cut(text, "#")
		fields := strings.Fields(text)
		if len(fields) != 2 || !known[fields[0]] {
			return fmt.Errorf("opencc: %s.txt:%d: want Table<TAB>key with a table of the chain, got %q", openccExclusionsFile, line, text)
		}
		excl[fields[0]+"\t"+fields[1]] = false
		return nil
	})
	if err != nil {
		return nil, err
	}
	return excl, nil
}

func openccEachLine(table string, data []byte, fn func(line int, text string) error) error {
	sc := bufio.NewScanner(bytes.NewReader(data))
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(text) == "" || strings.HasPrefix(text, "#") {
			continue
		}
		if err := fn(line, text); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("opencc: %s.txt: %w", table, err)
	}
	return nil
}

// Convert converts traditional Chinese in s to simplified Chinese; other
// text is copied unchanged. When s cannot contain a key that changes text
// (the common case for simplified or ASCII text), s itself is returned
// without allocating.
func (c *OpenCCConverter) Convert(s string) string {
	if !c.trigger.hit(s) {
		return s
	}
	for _, st := range c.stages {
		s, _ = st.convert(s, nil)
	}
	return s
}

// convertAligned is Convert plus an alignment: src has len(out)+1 entries
// and src[i] is the byte offset in s of the conversion unit (a matched key,
// or an unmatched rune) that produced out[i]; src[len(out)] == len(s). It
// returns src == nil when out == s.
func (c *OpenCCConverter) convertAligned(s string) (out string, src []int) {
	if !c.trigger.hit(s) {
		return s, nil
	}
	out = s
	for _, st := range c.stages {
		var a []int
		out, a = st.convert(out, []int{})
		if a == nil {
			continue
		}
		if src == nil {
			src = a
		} else {
			for i, p := range a {
				a[i] = src[p]
			}
			src = a
		}
	}
	return out, src
}

// match reports the longest key of the stage that starts at byte offset i
// of s, whose first rune r (of size bytes) is in st.first: its length in
// bytes and its value.
func (st *openccStage) match(s string, i int, r rune, size int) (n int, value string, ok bool) {
	if j := i + size; j < len(s) {
		r2, size2 := utf8.DecodeRuneInString(s[j:])
		if st.pairs.has(r, r2) {
			if lens := st.multiLens[r]; lens != 0 {
				// ends[k] is the byte offset after k+1 runes.
				var ends [openccMaxKeyRunes]int
				ends[0], ends[1] = j, j+size2
				cnt, end := 2, j+size2
				for lens>>cnt != 0 && end < len(s) {
					_, sz := utf8.DecodeRuneInString(s[end:])
					end += sz
					ends[cnt] = end
					cnt++
				}
				for k := cnt - 1; k >= 1; k-- {
					if lens&(1<<k) == 0 {
						continue
					}
					if v, ok := st.multi[s[i:ends[k]]]; ok {
						return ends[k] - i, v, true
					}
				}
			}
		}
	}
	if v, ok := st.single[r]; ok {
		return size, v, true
	}
	return 0, "", false
}

// convert applies the stage to s by forward maximum matching. If src is
// non-nil, an alignment of the result to s is appended to it (see
// convertAligned) and returned; it is nil when s is unchanged.
func (st *openccStage) convert(s string, src []int) (string, []int) {
	var b []byte // nil until the first replacement that changes the text
	copied := 0  // s[:copied] is already in b
	for i := 0; i < len(s); {
		c := s[i]
		var r rune
		size := 1
		if c < utf8.RuneSelf {
			r = rune(c)
		} else {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		if !st.first.has(r) {
			i += size
			continue
		}
		n, v, ok := st.match(s, i, r, size)
		if !ok {
			i += size
			continue
		}
		if v == s[i:i+n] {
			i += n
			continue
		}
		if b == nil {
			b = make([]byte, 0, len(s)+len(s)/4)
		}
		if src != nil {
			// Unchanged text: one unit per byte (rune bytes share the
			// rune's offset so spans never split a rune).
			for k := copied; k < i; {
				_, sz := utf8.DecodeRuneInString(s[k:])
				for range sz {
					src = append(src, k)
				}
				k += sz
			}
			for range len(v) {
				src = append(src, i)
			}
		}
		b = append(b, s[copied:i]...)
		b = append(b, v...)
		i += n
		copied = i
	}
	if b == nil {
		return s, nil
	}
	if src != nil {
		for k := copied; k < len(s); {
			_, sz := utf8.DecodeRuneInString(s[k:])
			for range sz {
				src = append(src, k)
			}
			k += sz
		}
		src = append(src, len(s))
	}
	b = append(b, s[copied:]...)
	return string(b), src
}
