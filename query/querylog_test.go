package query

import (
	"fmt"
	"slices"
	"sync"
	"testing"
)

func TestQueryLogTop(t *testing.T) {
	t.Parallel()
	l := NewQueryLog(10)
	for q, n := range map[string]int{"手机": 5, "鼠标": 3, "空调": 3, "耳机": 1} {
		for range n {
			l.Add(q)
		}
	}
	l.Add("")
	want := []QueryCount{{"手机", 5}, {"空调", 3}, {"鼠标", 3}, {"耳机", 1}}
	if got := l.Top(10); !slices.Equal(got, want) {
		t.Errorf("Top(10) = %v, want %v", got, want)
	}
	if got := l.Top(2); !slices.Equal(got, want[:2]) {
		t.Errorf("Top(2) = %v", got)
	}
	if got := l.Top(-1); len(got) != 0 {
		t.Errorf("Top(-1) = %v", got)
	}
}

// TestQueryLogBounded: the log never holds more than its capacity, and the
// heavy hitters survive a long tail of one-off queries.
func TestQueryLogBounded(t *testing.T) {
	t.Parallel()
	l := NewQueryLog(50)
	for i := range 20_000 {
		switch {
		case i%10 == 0:
			l.Add("手机")
		case i%25 == 1:
			l.Add("鼠标")
		default:
			l.Add(fmt.Sprintf("tail-%d", i))
		}
	}
	if n := len(l.counts); n != 50 {
		t.Errorf("%d queries kept, capacity 50", n)
	}
	top := l.Top(2)
	if top[0].Query != "手机" || top[1].Query != "鼠标" || top[0].Count < 2000 {
		t.Errorf("top %v", top)
	}
}

func TestQueryLogConcurrent(t *testing.T) {
	t.Parallel()
	l := NewQueryLog(5)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 1000 {
				l.Add(fmt.Sprintf("q%d", (g+i)%7))
				if i%100 == 0 {
					l.Top(3)
				}
			}
		}()
	}
	wg.Wait()
	var total int64
	for _, qc := range l.Top(10) {
		total += qc.Count
	}
	if total != 8000 { // Space-Saving keeps the total count
		t.Errorf("total count %d, want 8000", total)
	}
}
