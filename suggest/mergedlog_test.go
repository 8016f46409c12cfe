package suggest

import (
	"testing"
	"time"

	"shopsearch/models"
)

func TestMergedLog(t *testing.T) {
	now := time.Now()
	own := NewMemLog(0, 7)
	for range 3 {
		own.Observe("手机壳", 5, now)
	}
	own.Observe("耳机", 2, now)
	l := &MergedLog{Own: own, Others: func(int) []models.QueryCount {
		return []models.QueryCount{
			{Query: " 手机壳 ", Count: 2},   // the same query: the larger count, not the sum
			{Query: "耳機", Count: 9},      // traditional: the same as 耳机
			{Query: "数据线", Count: 4},     // only the store knows it
			{Query: `"引号"`, Count: 99},   // not suggestion material
			{Query: "手机 -二手", Count: 99}, // excluding
		}
	}}
	got := l.Top(10, now)
	want := []Logged{{"耳机", 9, 2}, {"数据线", 4, -1}, {"手机壳", 3, 5}}
	if len(got) != len(want) {
		t.Fatalf("Top: %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("Top[%d] = %+v, want %+v", i, got[i], want[i])
		}
	}
	if top := l.Top(1, now); len(top) != 1 || top[0].Query != "耳机" {
		t.Errorf("Top(1) = %+v", top)
	}
	if alone := (&MergedLog{Own: own}).Top(10, now); len(alone) != 2 {
		t.Errorf("without Others: %+v", alone)
	}
}
