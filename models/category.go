package models

import (
	"strings"
	"unicode"
)

// Category is a category path: its levels from the top, separated by '>'
// (数码>手机>智能手机). The catalog keeps it normalised (CategoryOf): levels
// trimmed, none empty. Splitting a path lives here, once.
type Category string

// CategoryOf is the normalised path of levels: each trimmed, empty ones
// dropped.
func CategoryOf(levels []string) Category {
	out := make([]string, 0, len(levels))
	for _, l := range levels {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return Category(strings.Join(out, ">"))
}

// Normalize is c with its levels trimmed and empty levels dropped:
// " 数码 > 手机> " → 数码>手机.
func (c Category) Normalize() Category {
	s := string(c)
	if strings.IndexFunc(s, unicode.IsSpace) < 0 && !strings.Contains(s, ">>") &&
		!strings.HasPrefix(s, ">") && !strings.HasSuffix(s, ">") {
		return c
	}
	return CategoryOf(strings.Split(s, ">"))
}

// Levels are the levels of c, top first; one empty level for "".
func (c Category) Levels() []string { return strings.Split(string(c), ">") }

// Depth is the number of levels of c, 0 for "".
func (c Category) Depth() int {
	if c == "" {
		return 0
	}
	return strings.Count(string(c), ">") + 1
}

// Leaf is the last level: 数码>手机>智能手机 → 智能手机.
func (c Category) Leaf() string {
	return string(c[strings.LastIndexByte(string(c), '>')+1:])
}

// IndexedLeaf is the last level as the search index holds it (the
// indexer's searchable text): what follows the last '>' or '/', so a level
// written 手机/通讯 counts by its last part.
func (c Category) IndexedLeaf() string {
	return string(c[strings.LastIndexAny(string(c), ">/")+1:])
}

// Under reports whether prefix is c or an ancestor of c, by whole levels:
// 数码>手机 is under 数码 but 数码>手机壳 is not under 数码>手机. Both are
// normalised paths.
func (c Category) Under(prefix Category) bool {
	return strings.HasPrefix(string(c), string(prefix)) && (len(c) == len(prefix) || c[len(prefix)] == '>')
}

// Cut is c's first n levels, or "" when c has fewer.
func (c Category) Cut(n int) Category {
	if c == "" || n <= 0 {
		return ""
	}
	levels := c.Levels()
	if len(levels) < n {
		return ""
	}
	return Category(strings.Join(levels[:n], ">"))
}

// Parent is c without its last level ("" for a top level), and whether c
// has one.
func (c Category) Parent() (Category, bool) {
	i := strings.LastIndexByte(string(c), '>')
	if i < 0 {
		return "", false
	}
	return c[:i], true
}

// Prefixes are c's ancestors, top first, then c itself: 数码>手机 → 数码,
// 数码>手机. None for "".
func (c Category) Prefixes() []Category {
	var out []Category
	for i := 0; i <= len(c); i++ {
		if i == len(c) || c[i] == '>' {
			out = append(out, c[:i])
		}
	}
	if c == "" {
		return nil
	}
	return out
}
