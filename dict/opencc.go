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
// conversion), extended with the Hong Kong variant tables of hk2s:
//
//	stage 1: LocalPhrases, TWPhrasesRev, TWVariantsRevPhrases, TWVariantsRev,
//	         HKVariantsRevPhrases, HKVariantsRev
//	stage 2: TSPhrases, TSCharacters
//
// Each stage rewrites its input by forward maximum matching over runes: at
// every position the longest key of any table of the stage is replaced by
// its first value (on equal keys the earlier table wins); positions where no
// key matches are copied unchanged. Stage 2 runs on the output of stage 1.
// (OpenCC itself first segments the text with TSPhrases and lets the first
// table of a group with any match win; the results differ only where a
// later table has a longer key at the same position.)
//
// Deviations from the OpenCC tables, all for text that is mostly simplified
// already:
//   - LocalExclusions.txt drops the keys whose conversion damages ordinary
//     simplified text (文件 → 文档, 面板 → 皮肤, 么 → 幺, 著 → 着, ...);
//   - LocalPhrases.txt adds Taiwan terms OpenCC lacks (筆記型電腦) and
//     guards against matches across word boundaries (防滑鼠垫);
//   - entries producing a Han character of the extension blocks are skipped
//     (openccIntroducesRareHan);
//   - keys with upper-case ASCII are also matched in lower case, because
//     Normalize lowercases before converting.
// The README in assets/opencc/ documents the files.
//
// Why a converter of our own rather than the port's package: the port
// registers a global -dir flag when imported and offers no way to drop
// table entries, so none of the deviations above could be made; it
// allocates on every call, where Convert returns its input unchanged and
// without allocating for the simplified text that is nearly all of it
// (openccTrigger); and it cannot say which input bytes each output byte
// came from, which highlighting needs (convertAligned). Only its tables
// are used, verbatim, and TestOpenCCAssetsVerbatim compares them with the
// module's (a test dependency pinned in go.mod).

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
	pairs openccPairFilter
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

// openccMix hashes an n-gram of runes packed into x (21 bits per rune).
func openccMix(x uint64) uint64 {
	// splitmix64 finaliser.
	x ^= x >> 30
	x *= 0xBF58476D1CE4E5B9
	x ^= x >> 27
	x *= 0x94D049BB133111EB
	x ^= x >> 31
	return x
}

func openccPack2(r1, r2 rune) uint64     { return uint64(r1)<<21 | uint64(r2) }
func openccPack3(r1, r2, r3 rune) uint64 { return uint64(r1)<<42 | uint64(r2)<<21 | uint64(r3) }

// openccPairFilter is a 2^16-bit one-hash filter over packed rune pairs.
type openccPairFilter [1 << 16 / 64]uint64

func (f *openccPairFilter) add(x uint64) {
	h := openccMix(x) >> 48
	f[h>>6] |= 1 << (h & 63)
}

func (f *openccPairFilter) has(x uint64) bool {
	h := openccMix(x) >> 48
	return f[h>>6]&(1<<(h&63)) != 0
}

// openccBloom is a 2^20-bit Bloom filter with two hash functions over
// packed rune n-grams; with the few hundred n-grams of the trigger its
// false-positive rate is below 10^-6 per lookup.
type openccBloom [1 << 20 / 64]uint64

func (b *openccBloom) add(x uint64) {
	h := openccMix(x)
	h1, h2 := h>>44, (h>>20)&(1<<20-1)
	b[h1>>6] |= 1 << (h1 & 63)
	b[h2>>6] |= 1 << (h2 & 63)
}

func (b *openccBloom) has(x uint64) bool {
	h := openccMix(x)
	h1, h2 := h>>44, (h>>20)&(1<<20-1)
	return b[h1>>6]&(1<<(h1&63)) != 0 && b[h2>>6]&(1<<(h2&63)) != 0
}

// openccTrigger recognises strings that may contain the key of a changing
// entry. Every such key contributes one of its runes, or two or three
// adjacent non-ASCII runes of it (an n-gram); a string containing the key
// contains them, so a string that hits none holds no such key. N-grams are
// used for keys made only of characters that are also simplified (光碟,
// 工作列, 一口吃成): each of their runes is common in simplified text, the
// n-gram is not.
type openccTrigger struct {
	runes  openccRuneSet
	ngrams openccBloom
}

// addKey registers key. lastMap is the character mapping of the last stage:
// a rune it changes is traditional, rare in simplified text and a trigger
// anyway (as the key of a TSCharacters entry), so it is preferred; then the
// first three adjacent non-ASCII runes, then two, then a single rune.
func (t *openccTrigger) addKey(key string, lastMap func(rune) rune) {
	var run []rune // current run of adjacent non-ASCII runes
	var pair, single []rune
	for _, r := range key {
		if r < utf8.RuneSelf {
			run = run[:0]
			continue
		}
		if lastMap(r) != r {
			t.runes.add(r)
			return
		}
		run = append(run, r)
		switch n := len(run); {
		case n >= 3:
			t.ngrams.add(openccPack3(run[n-3], run[n-2], run[n-1]))
			return
		case n == 2 && pair == nil:
			pair = []rune{run[0], run[1]}
		case single == nil:
			single = []rune{r}
		}
	}
	switch {
	case pair != nil:
		t.ngrams.add(openccPack2(pair[0], pair[1]))
	case single != nil:
		t.runes.add(single[0])
	default:
		// openccLoadTable rejects all-ASCII keys.
		panic("opencc: all-ASCII key " + key)
	}
}

// hitRune reports whether the non-ASCII rune r, preceded in its run of
// non-ASCII runes by p1 and then p2 (-1 where the run is shorter), is a
// trigger rune or ends a trigger n-gram.
func (t *openccTrigger) hitRune(r, p1, p2 rune) bool {
	if t.runes.has(r) {
		return true
	}
	if p1 >= 0 {
		if t.ngrams.has(openccPack2(p1, r)) {
			return true
		}
		if p2 >= 0 && t.ngrams.has(openccPack3(p2, p1, r)) {
			return true
		}
	}
	return false
}

// hit reports whether s contains a trigger rune or n-gram. ASCII bytes are
// skipped without decoding (no trigger holds ASCII).
func (t *openccTrigger) hit(s string) bool {
	p1, p2 := rune(-1), rune(-1) // previous two runes of the current non-ASCII run
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			p1, p2 = -1, -1
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if t.hitRune(r, p1, p2) {
			return true
		}
		p1, p2 = r, p1
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
// value differs from their key, leaving out the stage-1 entries the last
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
				if _, drop := excl[table+"\t"+e.line]; drop {
					excl[table+"\t"+e.line] = true
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
	phraseSafe := openccPhraseSafe(merged, lastMap)

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
			if e.value != e.key && (final || !openccChainNeutral(e.key, e.value, lastMap, phraseSafe)) {
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
// contain. Such entries are skipped: OpenCC maps 1,251 traditional
// characters (710 of the basic block) to "analogically simplified" forms
// that exist only in the extension blocks (頫 → 𫖯, 撝 → 㧑, 餸 → 𩠌,
// 二噁英 → 二𫫇英). Mainland text keeps
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
// every rune that value changes is phrase-safe (see openccPhraseSafe).
//
// This is what makes the trigger sound. Let s not hit the trigger. Stage 1
// then only matches identity and neutral entries (any other match would
// hold its trigger), so its output differs from s only in runes that
// neutral values changed. In stage 2, no phrase can overlap such a rune (it
// would contain a traditional rune that is not one of them, hence a rune of
// s, and every traditional rune is a trigger); a changing key matched over
// unchanged runes would be a substring of s and hit the trigger; so each
// changed rune is converted by its one-rune entry, back to the rune of s.
// Hence the chain returns s.
func openccChainNeutral(key, value string, lastMap func(rune) rune, phraseSafe func(rune) bool) bool {
	k, v := []rune(key), []rune(value)
	if len(k) != len(v) {
		return false
	}
	for i := range k {
		if v[i] == k[i] {
			continue
		}
		if lastMap(v[i]) != k[i] || !phraseSafe(v[i]) {
			return false
		}
	}
	return true
}

// openccPhraseSafe returns a predicate for runes that a neutral stage-1
// entry may produce: r is safe if every phrase of the last stage containing
// r also contains a traditional rune (one the last stage's character mapping
// changes, hence a trigger) that no candidate neutral entry produces. For
// example 戶 (HKVariantsRev 户 → 戶) occurs in TSPhrases 踅門瞭戶, whose 門
// would be in the input.
func openccPhraseSafe(merged [][]openccEntry, lastMap func(rune) rune) func(rune) bool {
	// Runes produced by stage-1 entries that pass the other conditions of
	// openccChainNeutral: a superset of those neutral entries produce.
	produced := make(map[rune]bool)
	for _, entries := range merged[:len(merged)-1] {
		for _, e := range entries {
			k, v := []rune(e.key), []rune(e.value)
			if len(k) != len(v) {
				continue
			}
			ok := true
			for i := range k {
				if v[i] != k[i] && lastMap(v[i]) != k[i] {
					ok = false
				}
			}
			if !ok {
				continue
			}
			for i := range k {
				if v[i] != k[i] {
					produced[v[i]] = true
				}
			}
		}
	}
	unsafe := make(map[rune]bool)
	for _, e := range merged[len(merged)-1] {
		rs := []rune(e.key)
		if len(rs) < 2 {
			continue
		}
		anchored := false
		for _, r := range rs {
			if lastMap(r) != r && !produced[r] {
				anchored = true
				break
			}
		}
		if !anchored {
			for _, r := range rs {
				unsafe[r] = true
			}
		}
	}
	return func(r rune) bool { return !unsafe[r] }
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
		st.pairs.add(openccPack2(first, second))
		st.multiLens[first] |= 1 << (n - 1)
	}
	st.first.add(first)
	st.maxRunes = max(st.maxRunes, n)
}

// openccEntry is a table entry; line is the key as written in the file
// (key differs for the lower-case variant of a key, see openccLoadTable).
type openccEntry struct{ key, value, line string }

// openccLoadTable parses an OpenCC text dictionary: one entry per line,
// "key<TAB>value1 value2 ...". Only the first value is kept; lines that are
// empty or start with '#' are ignored (OpenCC's own files have neither, the
// local files use them for comments). A key with upper-case ASCII letters
// (TWPhrasesRev PN接面, SQL隱碼攻擊) is also returned in lower case.
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
		entries = append(entries, openccEntry{key, value, key})
		if lower := openccLowerASCII(key); lower != key {
			// Normalize lowercases before converting (PN接面 → pn接面).
			entries = append(entries, openccEntry{lower, value, key})
		}
		return nil
	})
	return entries, err
}

// openccLowerASCII lowercases the ASCII letters of s.
func openccLowerASCII(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return 'A' <= r && r <= 'Z' }) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if 'A' <= r && r <= 'Z' {
			return r + ('a' - 'A')
		}
		return r
	}, s)
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
		if st.pairs.has(openccPack2(r, r2)) {
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
