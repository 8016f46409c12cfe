package dict

import (
	"strings"
	"unicode/utf8"
)

// maxCompoundBytes caps the joined form of a model code; longer runs (serial
// numbers, pasted junk) are indexed by their parts only.
const maxCompoundBytes = 48

// seg is one letter or number piece of an alphanumeric run.
type seg struct {
	term       string // canonical text
	start, end int    // byte span in the normalised text
}

// code tokenizes the alphanumeric run starting at i (model codes, versions,
// quantities with units) and returns where it ends.
//
//	iphone15pro → iphone 15 pro + compound iphone15pro
//	kfr-35gw    → kfr 35 gw + compounds 35gw, kfr35gw
//	256GB, 256g → 256g      1.5kg → 1.5kg      1.5匹 → 1.5匹     32英寸 → 32寸
func (t *tokenizer) code(i int) int {
	var parts [][]seg
	j := i
	for {
		part, end := t.part(j)
		parts = append(parts, part)
		j = end
		// '-' and '_' join the parts of one code (kfr-35gw, wh-1000xm4).
		if j+1 < len(t.text) && (t.text[j] == '-' || t.text[j] == '_') {
			if r, _ := utf8.DecodeRuneInString(t.text[j+1:]); classOf(r) == alnum {
				j++
				continue
			}
		}
		break
	}
	first := len(t.out)
	for _, p := range parts {
		t.emitPart(p)
	}
	if len(parts) > 1 {
		var b strings.Builder
		for _, p := range parts {
			for _, s := range p {
				b.WriteString(s.term)
			}
		}
		t.wrap(first, b.String(), parts[0][0].start, parts[len(parts)-1][len(parts[len(parts)-1])-1].end)
	}
	return j
}

// part reads one part of a code (no connectors) starting at i.
func (t *tokenizer) part(i int) ([]seg, int) {
	s := t.text
	var segs []seg
	j := i
	for j < len(s) {
		r, n := utf8.DecodeRuneInString(s[j:])
		if classOf(r) != alnum {
			break
		}
		k := j + n
		digit := isDigit(r)
		for k < len(s) {
			r2, n2 := utf8.DecodeRuneInString(s[k:])
			if classOf(r2) != alnum || isDigit(r2) != digit {
				// A decimal point between digits stays in the number.
				if digit && r2 == '.' && k+1 < len(s) && isDigit(rune(s[k+1])) {
					k += n2
					continue
				}
				break
			}
			k += n2
		}
		term := s[j:k]
		if digit {
			term = canonicalNumber(term)
		} else if unit, ok := latinUnits[term]; ok && len(segs) > 0 && segs[len(segs)-1].isNumber() && !segs[len(segs)-1].hasUnit() {
			// 256gb: the unit joins its number.
			prev := &segs[len(segs)-1]
			prev.term += unit
			prev.end = k
			j = k
			continue
		}
		segs = append(segs, seg{term: term, start: j, end: k})
		j = k
	}
	if last := &segs[len(segs)-1]; last.isNumber() && !last.hasUnit() {
		if unit, n := matchCJKUnit(s[j:]); n > 0 {
			// 1.5匹, 32英寸: a Chinese unit after a number joins it.
			last.term += unit
			last.end = j + n
			j += n
		} else if unit, n := spacedLatinUnit(s[j:]); n > 0 {
			// "256 GB" as written by some sellers.
			last.term += unit
			last.end = j + n
			j += n
		}
	}
	return segs, j
}

// spacedLatinUnit matches " unit" followed by a non-alphanumeric character.
func spacedLatinUnit(s string) (string, int) {
	if len(s) < 2 || s[0] != ' ' {
		return "", 0
	}
	k := 1
	for k < len(s) && s[k] >= 'a' && s[k] <= 'z' {
		k++
	}
	if k == 1 || k < len(s) && classOf(rune(s[k])) == alnum {
		return "", 0
	}
	if r, _ := utf8.DecodeRuneInString(s[k:]); k < len(s) && classOf(r) != sep {
		return "", 0
	}
	unit, ok := latinUnits[s[1:k]]
	if !ok || len(s[1:k]) < 2 { // single letters after a space are too ambiguous
		return "", 0
	}
	return unit, k
}

// emitPart emits the pieces of one part as leaves and, when there are several,
// their joined form as a compound.
func (t *tokenizer) emitPart(p []seg) {
	first := len(t.out)
	for _, s := range p {
		t.leaf(s.term, s.start, s.end)
	}
	if len(p) > 1 {
		var b strings.Builder
		for _, s := range p {
			b.WriteString(s.term)
		}
		t.wrap(first, b.String(), p[0].start, p[len(p)-1].end)
	}
}

// wrap inserts a compound over the tokens out[first:] (already emitted).
func (t *tokenizer) wrap(first int, term string, a, b int) {
	if len(term) > maxCompoundBytes || len(t.out)-first < 2 {
		return
	}
	t.out = append(t.out, Token{})
	copy(t.out[first+1:], t.out[first:])
	t.out[first] = Token{Term: term, Start: a, End: b, Pos: t.out[first+1].Pos, Role: Compound}
}

func (s seg) isNumber() bool { return s.term != "" && isDigit(rune(s.term[0])) }

func (s seg) hasUnit() bool {
	last, _ := utf8.DecodeLastRuneInString(s.term)
	return !isDigit(last)
}

func isDigit(r rune) bool { return r >= '0' && r <= '9' }

func isAllHan(s string) bool {
	for _, r := range s {
		if classOf(r) != han {
			return false
		}
	}
	return s != ""
}

func firstRune(s string) (rune, int) { return utf8.DecodeRuneInString(s) }
