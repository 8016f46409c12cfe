package recall

import (
	"strings"
	"testing"
)

func TestDefaultComplements(t *testing.T) {
	c := DefaultComplements()
	for _, tc := range []struct {
		base, cand string
		want       bool
	}{
		{"手机数码>手机", "手机数码>手机壳", true},
		{"手机数码>手机", "手机数码>钢化膜", true},
		{"电脑办公>打印机", "电脑办公>硒鼓", true},
		{"空调", "家用电器>空调罩", true},
		{"空调", "母婴/玩具/童装>孕妈奶粉", false}, // issue 18's air conditioner and maternity milk
		{"手机数码>手机", "手机数码>手机", false},  // a leaf never complements itself
		{"其他>其他商品", "手机数码>手机壳", false},
	} {
		if got := c.Is(tc.base, tc.cand); got != tc.want {
			t.Errorf("Is(%s, %s) = %v, want %v", tc.base, tc.cand, got, tc.want)
		}
	}
	var none *Complements
	if none.Is("a", "b") {
		t.Error("nil complements something")
	}
}

func TestMineComplements(t *testing.T) {
	c := DefaultComplements().MineComplements([]Basket{
		{"咖啡机", "滤纸"}, {"咖啡机", "滤纸", "咖啡机"}, {"咖啡机", "杯子"},
	}, 2)
	if c.Mined() != 2 { // 咖啡机 ↔ 滤纸 twice; 杯子 once only
		t.Errorf("mined %d leaves, want 2", c.Mined())
	}
	if !c.Is("家电>咖啡机", "厨房>滤纸") || c.Is("家电>咖啡机", "厨房>杯子") {
		t.Error("mined pairs: 滤纸 should complement 咖啡机, 杯子 (once) not")
	}
	if !c.Is("家电>咖啡机", "食品>咖啡豆") {
		t.Error("the table still answers beside the mined pairs")
	}
}

func TestReadComplementsRejects(t *testing.T) {
	for _, bad := range []string{"手机 手机壳", "手机\t", "\t手机壳"} {
		if _, err := ReadComplements(strings.NewReader(bad)); err == nil {
			t.Errorf("%q: accepted", bad)
		}
	}
}
