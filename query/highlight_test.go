package query

import "testing"

func TestHighlightSubstrings(t *testing.T) {
	t.Parallel()
	e := &Engine{}
	for _, c := range []struct {
		title string
		terms []string
		want  string
	}{
		{"Apple iPhone15Pro 256G", []string{"iphone", "pro", "15"}, "Apple <em>iPhone15Pro</em> 256G"},
		{"product pro 156", []string{"pro", "15"}, "product <em>pro</em> 156"},
		{"KFR-35GW 1.5匹", []string{"kfr", "35gw", "1.5匹"}, "<em>KFR-35GW</em> <em>1.5匹</em>"},
		{"无线滑鼠 & 键盘", []string{"鼠标", "键盘"}, "无线<em>滑鼠</em> &amp; <em>键盘</em>"},
		{"手机 手机壳", []string{"手机", "手机壳"}, "<em>手机</em> <em>手机壳</em>"},
		{"a b", nil, "a b"},
	} {
		terms := map[string]bool{}
		for _, t := range c.terms {
			terms[t] = true
		}
		if got := e.highlight(c.title, terms); got != c.want {
			t.Errorf("%q %v: got %q, want %q", c.title, c.terms, got, c.want)
		}
	}
}
