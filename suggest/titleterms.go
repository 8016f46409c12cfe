package suggest

import (
	"slices"
	"strings"

	"shopsearch/models"
)

// Latin names in titles. Model and brand names that shoppers type in Latin
// letters (iphone, ipad, airpods, mate40) are often in no brand field nor
// lexicon: the catalog writes the brand as Apple/苹果, the lexicon knows the
// product noun 手机壳, and only the title says iPhone. Without a search log, such a
// name would suggest nothing. So the build also tallies the Latin words of
// the titles and suggests those that enough items share:
//
//   - a run of at least minTitleLetters ASCII letters that does not follow a
//     number (iphone, airpods; not the unit of 256gb, 500ml);
//   - such a run with the number that follows it, directly or after one
//     space (iphone13 from "iPhone13" and from "iPhone 13"; mate40);
//   - each of those after each name of the item's brand (华为mate40, apple
//     iphone: shoppers type the brand first), unless it is a name of the
//     brand itself or contains one (华为 and huawei).
//
// A term must be in at least Config.MinTitleItems items, so one shop's
// code words stay out, and it is only added when the catalog does not
// already suggest that text (a brand written in Latin letters is one
// candidate, not two). A title term is trusted to find items (the titles
// have it); it is scored by the items and sales behind it like any catalog
// candidate, and, like a bare category name, never fills the hot list.

// minTitleLetters is the shortest run of letters taken as a name: two
// letters are mostly units and sizes (ml, cm, xl).
const minTitleLetters = 3

// titleTerms tallies the Latin terms of titles.
type titleTerms struct {
	by        map[string]*titleTerm // by text
	seen      []string              // the current title's terms, counted once per item
	brandKeys []string              // the current product's brand names as keys
}

// titleTerm is a term while the build tallies it.
type titleTerm struct {
	agg
	term string // for a brand + term pair, the term; else ""
}

// add tallies the terms of p's title t (normalised: dict.Normalize), and
// each after each name of the product's brand (brandParts).
func (tt *titleTerms) add(p *models.Product, t string, brands []string) {
	if tt.by == nil {
		tt.by = map[string]*titleTerm{}
	}
	tt.seen = tt.seen[:0]
	for i := 0; i < len(t); {
		if !isLetter(t[i]) {
			i++
			continue
		}
		start := i
		for i < len(t) && isLetter(t[i]) {
			i++
		}
		if start > 0 && isDigit(t[start-1]) || i-start < minTitleLetters {
			continue // a unit after a number (256gb), or too short
		}
		letters := t[start:i]
		tt.count(letters, "", p)
		j := i
		if j+1 < len(t) && t[j] == ' ' && isDigit(t[j+1]) {
			j++
		}
		if j < len(t) && isDigit(t[j]) {
			k := j
			for k < len(t) && isDigit(t[k]) {
				k++
			}
			tt.count(letters+t[j:k], "", p)
		}
	}
	terms := len(tt.seen)
	if terms == 0 || len(brands) == 0 {
		return
	}
	tt.brandKeys = tt.brandKeys[:0]
	for _, b := range brands {
		tt.brandKeys = append(tt.brandKeys, keyOf(b))
	}
	for _, term := range tt.seen[:terms] {
		if slices.ContainsFunc(tt.brandKeys, func(bk string) bool { // a name of the brand itself
			return strings.Contains(bk, term) || strings.Contains(term, bk)
		}) {
			continue
		}
		for _, b := range brands {
			tt.count(joinPair(b, term), term, p)
		}
	}
}

// count tallies p for text, a term or (when term is set) the pair of a
// brand and term.
func (tt *titleTerms) count(text, term string, p *models.Product) {
	if slices.Contains(tt.seen, text) {
		return
	}
	tt.seen = append(tt.seen, text)
	a := tt.by[text]
	if a == nil {
		a = &titleTerm{agg: agg{text: text}, term: term}
		tt.by[text] = a
	}
	a.items++
	a.sales += max(p.Sales30d, 0)
	a.addCat(p.Category, max(p.Sales30d, 0)+1)
}

// titles adds the tallied terms that enough items share and that are not
// candidates already. Left out as well: a brand glued to a series letter
// (oppoa from "OPPOA9", vivox), and a brand paired with a term that is a
// brand (华为huawei, where the catalog's brand field has only 华为).
func (g *gatherer) titles(tt *titleTerms) {
	isBrand := func(k string) bool { a := g.by[k]; return a != nil && a.kinds&kindBrand != 0 }
	for _, t := range tt.by {
		if t.items < g.cfg.MinTitleItems || g.by[keyOf(t.text)] != nil {
			continue
		}
		if t.term != "" && isBrand(t.term) || t.term == "" && gluedBrand(t.text, isBrand) {
			continue
		}
		if a := g.add(t.text, kindTitle, nil); a != nil {
			a.items, a.sales, a.cats = t.items, t.sales, t.cats
		}
	}
}

// gluedBrand reports whether term is all letters and a brand with fewer
// than minTitleLetters letters after it.
func gluedBrand(term string, isBrand func(string) bool) bool {
	if strings.IndexFunc(term, func(r rune) bool { return r > 0x7f || !isLetter(byte(r)) }) >= 0 {
		return false
	}
	for n := len(term) - 1; n >= max(2, len(term)-(minTitleLetters-1)); n-- {
		if isBrand(term[:n]) {
			return true
		}
	}
	return false
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isDigit(c byte) bool  { return '0' <= c && c <= '9' }

// onlyNames reports whether kinds are nothing but a category name or a
// title term: candidates that do not fill the hot list.
func onlyNames(kinds uint8) bool { return kinds&^(kindCategory|kindTitle) == 0 }
