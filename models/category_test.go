package models

import (
	"slices"
	"testing"
)

func TestCategory(t *testing.T) {
	t.Parallel()
	c := Category("数码>手机>智能手机")
	if c.Leaf() != "智能手机" || Category("手机").Leaf() != "手机" || Category("").Leaf() != "" {
		t.Errorf("Leaf: %q", c.Leaf())
	}
	if got := Category("家电>电饭煲/电压力锅").IndexedLeaf(); got != "电压力锅" {
		t.Errorf("IndexedLeaf: %q", got)
	}
	if c.Depth() != 3 || Category("").Depth() != 0 {
		t.Errorf("Depth: %d", c.Depth())
	}
	if !c.Under("数码>手机") || !c.Under(c) || Category("数码>手机壳").Under("数码>手机") || Category("数码").Under("数码>手机") {
		t.Error("Under does not go by whole levels")
	}
	if c.Cut(2) != "数码>手机" || c.Cut(3) != c || c.Cut(4) != "" || c.Cut(0) != "" {
		t.Errorf("Cut: %q %q %q", c.Cut(2), c.Cut(3), c.Cut(4))
	}
	if p, ok := c.Parent(); p != "数码>手机" || !ok {
		t.Errorf("Parent: %q %v", p, ok)
	}
	if p, ok := Category("数码").Parent(); p != "" || ok {
		t.Errorf("Parent of a top level: %q %v", p, ok)
	}
	if got := c.Prefixes(); !slices.Equal(got, []Category{"数码", "数码>手机", c}) || Category("").Prefixes() != nil {
		t.Errorf("Prefixes: %q", got)
	}
	for in, want := range map[Category]Category{
		"": "", "数码>手机": "数码>手机", " 数码 > 手机 ": "数码>手机", ">数码>>手机>": "数码>手机", "  ": "",
	} {
		if got := in.Normalize(); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
	if got := CategoryOf([]string{" 数码", "", "手机 "}); got != "数码>手机" {
		t.Errorf("CategoryOf: %q", got)
	}
}
