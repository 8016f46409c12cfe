package query

import (
	"slices"
	"strings"
	"testing"
)

// w, ph and neg build expected clauses.
func w(s string) Clause   { return Clause{Text: s} }
func ph(s string) Clause  { return Clause{Text: s, Phrase: true} }
func neg(c Clause) Clause { c.Negated = true; return c }

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want []Clause
	}{
		{"empty", "", nil},
		{"only spaces", "  \t　 ", nil},
		{"one word", "手机", []Clause{w("手机")}},
		{"words", "苹果 手机壳", []Clause{w("苹果"), w("手机壳")}},
		{"ascii phrase", `"无线 鼠标" 罗技`, []Clause{ph("无线 鼠标"), w("罗技")}},
		{"chinese quotes", "“无线 鼠标” 罗技", []Clause{ph("无线 鼠标"), w("罗技")}},
		{"full-width quotes", "＂无线 鼠标＂ 罗技", []Clause{ph("无线 鼠标"), w("罗技")}},
		{"corner brackets", "「無線 滑鼠」 羅技", []Clause{ph("無線 滑鼠"), w("羅技")}},
		{"double corner brackets", "『变频 空调』", []Clause{ph("变频 空调")}},
		{"mixed quote pair", `“小黑瓶" 兰蔻`, []Clause{ph("小黑瓶"), w("兰蔻")}},
		{"phrase touching words", `罗技"无线 鼠标"静音`, []Clause{w("罗技"), ph("无线 鼠标"), w("静音")}},
		{"phrase trimmed", `"  变频 空调  "`, []Clause{ph("变频 空调")}},
		{"unclosed quote runs to the end", `格力 "变频 空调 1.5匹`, []Clause{w("格力"), ph("变频 空调 1.5匹")}},
		{"unclosed chinese quote", "“变频 空调", []Clause{ph("变频 空调")}},
		{"exclusion", "苹果手机 -二手", []Clause{w("苹果手机"), neg(w("二手"))}},
		{"excluded phrase", `手机 -"二手 翻新"`, []Clause{w("手机"), neg(ph("二手 翻新"))}},
		{"excluded chinese phrase", "手机 -“二手 翻新”", []Clause{w("手机"), neg(ph("二手 翻新"))}},
		{"minus inside a word", "kfr-35gw", []Clause{w("kfr-35gw")}},
		{"minus inside an upper-case code", "格力 KFR-35GW 挂机", []Clause{w("格力"), w("KFR-35GW"), w("挂机")}},
		{"trailing minus is part of the word", "usb- 数据线", []Clause{w("usb-"), w("数据线")}},
		{"negated code keeps its inner minus", "-kfr-26gw", []Clause{neg(w("kfr-26gw"))}},
		{"lone minus", "手机 - 壳", []Clause{w("手机"), w("壳")}},
		{"lone minus at the end", "手机 -", []Clause{w("手机")}},
		{"only a minus", "-", nil},
		{"lone full-width minus", "手机 － 壳", []Clause{w("手机"), w("壳")}},
		{"empty quotes", `手机 "" 壳`, []Clause{w("手机"), w("壳")}},
		{"empty chinese quotes", "手机 “” 壳", []Clause{w("手机"), w("壳")}},
		{"negated empty quotes", `-"" 手机`, []Clause{w("手机")}},
		{"blank quotes", `"   "`, nil},
		{"full-width minus", "苹果手机 －二手", []Clause{w("苹果手机"), neg(w("二手"))}},
		{"full-width minus before a phrase", "手机 －“二手 翻新”", []Clause{w("手机"), neg(ph("二手 翻新"))}},
		{"multiple spaces", "苹果   手机", []Clause{w("苹果"), w("手机")}},
		{"tabs and newlines", "苹果\t\t手机\n壳", []Clause{w("苹果"), w("手机"), w("壳")}},
		{"ideographic space", "苹果　手机　 壳", []Clause{w("苹果"), w("手机"), w("壳")}},
		{"full-width letters are kept as typed", "ＩＰＨＯＮＥ　１５", []Clause{w("ＩＰＨＯＮＥ"), w("１５")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Parse(tt.in).Clauses
			if !slices.Equal(got, tt.want) {
				t.Errorf("Parse(%q)\n got %+v\nwant %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestQueryString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
	}{
		{"", ""},
		{"手机", "手机"},
		{"  苹果\t手机　壳 ", "苹果 手机 壳"},
		{`"无线 鼠标" 罗技`, `"无线 鼠标" 罗技`},
		{"“无线 鼠标”", `"无线 鼠标"`},
		{"手机 －二手", "手机 -二手"},
		{`手机 -"二手 翻新"`, `手机 -"二手 翻新"`},
		{"kfr-35gw - 格力", "kfr-35gw 格力"},
		{`格力 "变频 空调`, `格力 "变频 空调"`},
	}
	for _, tt := range tests {
		q := Parse(tt.in)
		if got := q.String(); got != tt.want {
			t.Errorf("Parse(%q).String() = %q, want %q", tt.in, got, tt.want)
		}
		// Round trip: the string form parses back to the same clauses.
		if again := Parse(q.String()); !slices.Equal(again.Clauses, q.Clauses) {
			t.Errorf("round trip of %q: %+v, want %+v", tt.in, again.Clauses, q.Clauses)
		}
	}
}

func TestClauseString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		c    Clause
		want string
	}{
		{w("手机"), "手机"},
		{ph("无线 鼠标"), `"无线 鼠标"`},
		{neg(w("二手")), "-二手"},
		{neg(ph("二手 翻新")), `-"二手 翻新"`},
	}
	for _, tt := range tests {
		if got := tt.c.String(); got != tt.want {
			t.Errorf("%+v.String() = %q, want %q", tt.c, got, tt.want)
		}
	}
}

func TestQueryMap(t *testing.T) {
	t.Parallel()
	q := Parse(`苹果 "无线 鼠标" -二手 kfr-35gw`)
	tests := []struct {
		name string
		f    func(Clause) (Clause, bool)
		want string
	}{
		{"identity", func(c Clause) (Clause, bool) { return c, true }, `苹果 "无线 鼠标" -二手 kfr-35gw`},
		{"drop exclusions", func(c Clause) (Clause, bool) { return c, !c.Negated }, `苹果 "无线 鼠标" kfr-35gw`},
		{"drop everything", func(c Clause) (Clause, bool) { return c, false }, ""},
		{"rewrite text", func(c Clause) (Clause, bool) {
			c.Text = strings.ToUpper(c.Text)
			return c, true
		}, `苹果 "无线 鼠标" -二手 KFR-35GW`},
		{"unquote phrases", func(c Clause) (Clause, bool) {
			c.Phrase = false
			return c, true
		}, `苹果 无线 鼠标 -二手 kfr-35gw`},
		{"synonym", func(c Clause) (Clause, bool) {
			if c.Text == "苹果" {
				c.Text = "apple"
			}
			return c, true
		}, `apple "无线 鼠标" -二手 kfr-35gw`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := q.Map(tt.f).String(); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
	// Map returns a copy: the original is untouched.
	if got := q.String(); got != `苹果 "无线 鼠标" -二手 kfr-35gw` {
		t.Errorf("Map changed the original: %q", got)
	}
}
