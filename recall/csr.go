package recall

import (
	"container/heap"
	"slices"
)

// CSR holds a sparse item → scored-items table in compressed-row form: the
// neighbours of row i are Cols[Off[i]:Off[i+1]] with scores Vals[...], best
// first.
type CSR struct {
	Off  []int32
	Cols []int32
	Vals []float32
}

// Row returns the neighbours of row i and their scores (nil for an unknown
// row).
func (c *CSR) Row(i int32) ([]int32, []float32) {
	if c == nil || i < 0 || int(i)+1 >= len(c.Off) {
		return nil, nil
	}
	a, b := c.Off[i], c.Off[i+1]
	return c.Cols[a:b], c.Vals[a:b]
}

// Rows is the number of rows.
func (c *CSR) Rows() int {
	if c == nil || len(c.Off) == 0 {
		return 0
	}
	return len(c.Off) - 1
}

// NNZ is the number of stored entries.
func (c *CSR) NNZ() int {
	if c == nil {
		return 0
	}
	return len(c.Cols)
}

// valid reports whether the table is well formed for n items (used on load).
func (c *CSR) valid(n int) bool {
	if len(c.Off) == 0 {
		return len(c.Cols) == 0
	}
	if len(c.Off) != n+1 || c.Off[0] != 0 || int(c.Off[n]) != len(c.Cols) || len(c.Cols) != len(c.Vals) {
		return false
	}
	for i := 0; i < n; i++ {
		if c.Off[i] > c.Off[i+1] {
			return false
		}
	}
	for _, j := range c.Cols {
		if j < 0 || int(j) >= n {
			return false
		}
	}
	return true
}

// scored is one (item, score) pair.
type scored struct {
	id    int32
	score float32
}

// topK keeps the k best pairs seen so far in a min-heap.
type topK struct {
	k int
	h minHeap
}

func newTopK(k int) *topK { return &topK{k: k, h: make(minHeap, 0, k)} }

func (t *topK) reset(k int) { t.k = k; t.h = t.h[:0] }

// push offers a pair; ties keep the smaller id for reproducible output.
func (t *topK) push(id int32, s float32) {
	if t.k <= 0 {
		return
	}
	if len(t.h) < t.k {
		heap.Push(&t.h, scored{id, s})
		return
	}
	if worse(t.h[0], scored{id, s}) {
		t.h[0] = scored{id, s}
		heap.Fix(&t.h, 0)
	}
}

// sorted returns the kept pairs best first (it empties nothing; the slice
// is reused by the next reset).
func (t *topK) sorted() []scored {
	out := t.h
	slices.SortFunc(out, func(a, b scored) int {
		switch {
		case worse(b, a):
			return -1
		case worse(a, b):
			return 1
		}
		return 0
	})
	return out
}

// worse reports whether a ranks below b.
func worse(a, b scored) bool {
	if a.score != b.score {
		return a.score < b.score
	}
	return a.id > b.id
}

type minHeap []scored

func (h minHeap) Len() int           { return len(h) }
func (h minHeap) Less(i, j int) bool { return worse(h[i], h[j]) }
func (h minHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *minHeap) Push(x any)        { *h = append(*h, x.(scored)) }
func (h *minHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// csrBuilder appends rows in order.
type csrBuilder struct{ c CSR }

func (b *csrBuilder) add(row []scored) {
	if len(b.c.Off) == 0 {
		b.c.Off = append(b.c.Off, 0)
	}
	for _, s := range row {
		b.c.Cols = append(b.c.Cols, s.id)
		b.c.Vals = append(b.c.Vals, s.score)
	}
	b.c.Off = append(b.c.Off, int32(len(b.c.Cols)))
}
