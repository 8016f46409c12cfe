package suggest

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"shopsearch/dict"
)

// displayOf is text as suggest shows it: normalised (dict.Normalize), with
// runs of white space made one space and the ends trimmed.
func displayOf(text string) string {
	n := dict.Normalize(text)
	if !needsSpaceFix(n) {
		return n
	}
	return strings.Join(strings.Fields(n), " ")
}

func needsSpaceFix(s string) bool {
	prevSpace := true // a leading space needs trimming
	for _, r := range s {
		sp := unicode.IsSpace(r)
		if sp && (prevSpace || r != ' ') {
			return true
		}
		prevSpace = sp
	}
	return prevSpace && s != ""
}

// keyOf is text as keys and inputs are compared: normalised, without white
// space or apostrophes (xi'an is xian), so that "手机 壳" is 手机壳. It does not
// allocate when text is already in that form.
func keyOf(text string) string { return keyOfNormal(dict.Normalize(text)) }

// keyOfNormal is keyOf for text already normalised (dict.Normalize).
func keyOfNormal(n string) string {
	if strings.IndexFunc(n, dropInKey) < 0 {
		return n
	}
	return strings.Map(func(r rune) rune {
		if dropInKey(r) {
			return -1
		}
		return r
	}, n)
}

func dropInKey(r rune) bool { return r == '\'' || unicode.IsSpace(r) }

// joinPair is the text of a brand + product-noun pair: 华为手机, dior口红,
// apple iphone (a space only between two Latin or digit runs).
func joinPair(brand, word string) string {
	b, _ := utf8.DecodeLastRuneInString(brand)
	w, _ := utf8.DecodeRuneInString(word)
	if b < utf8.RuneSelf && w < utf8.RuneSelf && isAlnum(byte(b)) && isAlnum(byte(w)) {
		return brand + " " + word
	}
	return brand + word
}

// textClass describes an input key.
type textClass struct {
	han     bool // has a Han character
	letters int  // ASCII letters
	other   bool // has a character that is neither Han nor an ASCII letter or digit
	tail    int  // byte offset where the trailing run of ASCII letters starts (len when none)
}

func classify(k string) textClass {
	c := textClass{tail: len(k)}
	for i, r := range k {
		switch {
		case r < utf8.RuneSelf && isAlnum(byte(r)):
			if r > '9' {
				c.letters++
				if c.tail == len(k) {
					c.tail = i
				}
				continue
			}
		case unicode.Is(unicode.Han, r):
			c.han = true
		default:
			c.other = true
		}
		c.tail = len(k)
	}
	return c
}
