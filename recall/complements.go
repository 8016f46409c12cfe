package recall

import (
	"bufio"
	_ "embed"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"shopsearch/models"
)

// complementsFile is the reviewed category-complement table (its header
// says where it came from).
//
//go:embed data/complements.txt
var complementsFile string

// Complements says which categories complement a category: what a shopper
// buying from one also buys — a phone's case and charger, a printer's
// toner — for the cart and order-complete slots (买了又买), which offer
// complements, never substitutes nor a random best seller.
//
// It has two layers: category pairs mined from baskets (MineComplements,
// from co-purchase data where there is any) and the reviewed table
// (DefaultComplements, ReadComplements) for categories the baskets do not
// cover. Both name leaf categories (a path's last level): catalogs file one
// kind of product under several paths. Immutable once built; safe for
// concurrent use.
type Complements struct {
	// mined: leaf → complement leaves, most co-purchased first.
	mined map[string][]string
	// table: leaf → complement keywords (a keyword matches every leaf
	// whose name contains it).
	table map[string][]string
}

// DefaultComplements returns the reviewed table shipped with shopsearch
// (recall/data/complements.txt), without mined pairs.
func DefaultComplements() *Complements {
	c, err := ReadComplements(strings.NewReader(complementsFile))
	if err != nil {
		panic(err) // the embedded file is checked by TestDefaultComplements
	}
	return c
}

// ReadComplements reads a complement table: lines of base leaves and
// complement keywords, each |-separated, split by a tab; # starts a
// comment line.
func ReadComplements(r io.Reader) (*Complements, error) {
	c := &Complements{table: map[string][]string{}}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		base, comp, ok := strings.Cut(line, "\t")
		if !ok {
			return nil, fmt.Errorf("recall: complements: line %d: want base leaves, a tab and complement keywords", n)
		}
		kws := splitBar(comp)
		bases := splitBar(base)
		if len(kws) == 0 || len(bases) == 0 {
			return nil, fmt.Errorf("recall: complements: line %d: an empty side", n)
		}
		for _, b := range bases {
			for _, k := range kws {
				if !slices.Contains(c.table[b], k) {
					c.table[b] = append(c.table[b], k)
				}
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("recall: complements: %w", err)
	}
	return c, nil
}

func splitBar(s string) []string {
	var out []string
	for _, f := range strings.Split(s, "|") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// LeafOf is a category path's last level ("数码>手机" → "手机").
func LeafOf(category string) string { return models.Category(category).Leaf() }

// Basket is the leaf categories of one basket (a session's carted and
// bought items, or an order).
type Basket []string

// MineComplements returns c with category pairs mined from baskets: for a
// leaf, the other leaves bought in the same baskets at least minSupport
// times, the most frequent first (at most 20). Pairs of a leaf with itself
// are substitutes and are left out.
func (c *Complements) MineComplements(baskets []Basket, minSupport int) *Complements {
	pairs := map[string]map[string]int{}
	for _, b := range baskets {
		leaves := slices.Compact(slices.Sorted(slices.Values(b)))
		for _, x := range leaves {
			for _, y := range leaves {
				if x == y || x == "" || y == "" {
					continue
				}
				if pairs[x] == nil {
					pairs[x] = map[string]int{}
				}
				pairs[x][y]++
			}
		}
	}
	out := &Complements{table: c.table, mined: map[string][]string{}}
	for x, ys := range pairs {
		var list []string
		for y, n := range ys {
			if n >= max(minSupport, 1) {
				list = append(list, y)
			}
		}
		sort.Slice(list, func(i, j int) bool {
			if ys[list[i]] != ys[list[j]] {
				return ys[list[i]] > ys[list[j]]
			}
			return list[i] < list[j]
		})
		if len(list) > 20 {
			list = list[:20]
		}
		if len(list) > 0 {
			out.mined[x] = list
		}
	}
	return out
}

// Mined reports how many leaves have mined complements.
func (c *Complements) Mined() int { return len(c.mined) }

// Of returns what complements category's leaf: mined leaves (exact names)
// first, then the table's keywords. A nil Complements has none.
func (c *Complements) Of(category string) (leaves, keywords []string) {
	if c == nil {
		return nil, nil
	}
	l := LeafOf(category)
	return c.mined[l], c.table[l]
}

// Is reports whether candidate's leaf complements base's: a mined pair,
// or a table keyword its name contains. A leaf never complements itself.
func (c *Complements) Is(base, candidate string) bool {
	bl, cl := LeafOf(base), LeafOf(candidate)
	if c == nil || bl == cl || cl == "" {
		return false
	}
	leaves, kws := c.Of(base)
	if slices.Contains(leaves, cl) {
		return true
	}
	for _, k := range kws {
		if strings.Contains(cl, k) {
			return true
		}
	}
	return false
}
