package dict

import "strings"

// latinUnits maps a unit written after a number in Latin letters to its
// canonical spelling, so that 256g, 256gb and 256GB are one token.
var latinUnits = map[string]string{
	"g": "g", "gb": "g", "kg": "kg", "mg": "mg", "t": "t", "tb": "t", "mb": "m", "m": "m",
	"ml": "ml", "l": "l", "cm": "cm", "mm": "mm", "km": "km", "w": "w", "kw": "kw",
	"v": "v", "mah": "mah", "hz": "hz", "khz": "khz", "ghz": "ghz", "k": "k", "p": "p",
	"inch": "寸", "in": "寸", "oz": "oz", "lb": "lb", "a": "a",
}

// cjkUnits maps a unit or measure word written after a number in Chinese to
// its canonical spelling (1.5匹, 32英寸 = 32寸, 2公斤 = 2kg). Longest match wins.
var cjkUnits = map[string]string{
	"英寸": "寸", "寸": "寸", "匹": "匹", "千克": "kg", "公斤": "kg", "克": "g", "斤": "斤",
	"毫升": "ml", "升": "l", "厘米": "cm", "毫米": "mm", "米": "m", "千瓦": "kw", "瓦": "w",
	"伏": "v", "毫安": "mah", "毫安时": "mah", "赫兹": "hz", "度": "度", "片": "片", "粒": "粒",
	"包": "包", "袋": "袋", "瓶": "瓶", "支": "支", "盒": "盒", "件": "件", "个": "个", "只": "只",
	"双": "双", "套": "套", "层": "层", "码": "码", "号": "号", "岁": "岁", "个月": "个月", "人": "人",
	"门": "门", "座": "座", "档": "档", "段": "段", "色": "色", "抽": "抽", "卷": "卷", "张": "张",
	"条": "条", "块": "块", "头": "头", "孔": "孔", "位": "位", "键": "键", "核": "核", "代": "代",
}

// cjkUnitMaxRunes is the length of the longest key of cjkUnits, in runes.
const cjkUnitMaxRunes = 3

// matchCJKUnit returns the canonical unit at the start of s and how many bytes
// of s it spans, or "", 0 when s does not start with a unit.
func matchCJKUnit(s string) (string, int) {
	best, bestLen := "", 0
	n := 0
	for i := range s {
		if n == cjkUnitMaxRunes {
			break
		}
		n++
		_, size := firstRune(s[i:])
		end := i + size
		if u, ok := cjkUnits[s[:end]]; ok {
			best, bestLen = u, end
		}
	}
	return best, bestLen
}

// canonicalNumber trims redundant zeros of a decimal (1.50 → 1.5, 2.0 → 2).
func canonicalNumber(s string) string {
	if !strings.Contains(s, ".") {
		return s
	}
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}
