package recall

import (
	"math"
	"runtime"
	"sync"
	"time"
)

// parallelRows computes row i of an n-row table for every i with workers
// goroutines, each owning a scratch accumulator, and assembles the CSR.
func parallelRows(n, k int, row func(i int32, acc *accum, top *topK) []scored) CSR {
	rows := make([][]scored, n)
	workers := max(1, min(runtime.GOMAXPROCS(0), 8))
	var wg sync.WaitGroup
	next := make(chan int32, 256)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			acc := newAccum(n)
			top := newTopK(k)
			for i := range next {
				top.reset(k)
				rows[i] = append([]scored(nil), row(i, acc, top)...)
				acc.clear()
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- int32(i)
	}
	close(next)
	wg.Wait()
	var b csrBuilder
	for _, r := range rows {
		b.add(r)
	}
	if n == 0 {
		b.c.Off = []int32{0}
	}
	return b.c
}

// accum is a dense float accumulator that remembers what it touched.
type accum struct {
	val     []float64
	cnt     []int32
	touched []int32
}

func newAccum(n int) *accum {
	return &accum{val: make([]float64, n), cnt: make([]int32, n)}
}

func (a *accum) add(j int32, w float64) {
	if a.cnt[j] == 0 {
		a.touched = append(a.touched, j)
	}
	a.val[j] += w
	a.cnt[j]++
}

func (a *accum) clear() {
	for _, j := range a.touched {
		a.val[j], a.cnt[j] = 0, 0
	}
	a.touched = a.touched[:0]
}

// pairWeight is the weight of the pair at global positions p (the item) and
// q (the neighbour) of one session.
func (c *corpus) pairWeight(cfg *Config, p, q int32) float64 {
	d := p - q
	if d < 0 {
		d = -d
	}
	w := cfg.EventWeights[c.types[p]] * cfg.EventWeights[c.types[q]]
	if cfg.Item.PositionDecay != 0 {
		w /= math.Pow(float64(d), cfg.Item.PositionDecay)
	}
	if q < p {
		w *= cfg.Item.Backward
	}
	if hl := cfg.Item.TimeHalfLife; hl > 0 && c.times != nil {
		dt := math.Abs(float64(c.times[p] - c.times[q]))
		w *= math.Exp2(-dt / hl.Seconds())
	}
	return w
}

// itemCosine builds the item-to-item table with shrunk, IUF-weighted,
// position- and order-aware cosine similarity.
func itemCosine(c *corpus, post CSR, cfg *Config) CSR {
	n := len(c.ids)
	norm := make([]float64, n)
	for s := 0; s < c.sessions(); s++ {
		a, b := c.off[s], c.off[s+1]
		ws := 1.0
		if cfg.Item.IUF {
			ws = iuf(b - a)
		}
		for p := a; p < b; p++ {
			norm[c.items[p]] += ws * cfg.EventWeights[c.types[p]]
		}
	}
	win := int32(cfg.Item.Window)
	return parallelRows(n, cfg.Item.TopK, func(i int32, acc *accum, top *topK) []scored {
		for _, p := range post.Cols[post.Off[i]:post.Off[i+1]] {
			s := c.sessionOf(p)
			a, b := c.off[s], c.off[s+1]
			if win > 0 {
				a, b = max(a, p-win), min(b, p+win+1)
			}
			ws := 1.0
			if cfg.Item.IUF {
				ws = iuf(c.off[s+1] - c.off[s])
			}
			for q := a; q < b; q++ {
				if j := c.items[q]; j != i {
					acc.add(j, ws*c.pairWeight(cfg, p, q))
				}
			}
		}
		for _, j := range acc.touched {
			sim := acc.val[j] / math.Sqrt(norm[i]*norm[j])
			if sh := cfg.Item.Shrinkage; sh > 0 {
				cnt := float64(acc.cnt[j])
				sim *= cnt / (cnt + sh)
			}
			top.push(j, float32(sim))
		}
		return top.sorted()
	})
}

// itemSwing builds the item-to-item table with Swing: two sessions u, v
// that both hold i and j add w_u·w_v/(alpha + |u ∩ v|) to sim(i, j), with
// w_u = 1/sqrt(|u|).
func itemSwing(c *corpus, post CSR, cfg *Config) CSR {
	n := len(c.ids)
	maxU := cfg.Item.SwingUsers
	return parallelRows(n, cfg.Item.TopK, func(i int32, acc *accum, top *topK) []scored {
		ps := post.Cols[post.Off[i]:post.Off[i+1]]
		var sess []int32
		for k := len(ps) - 1; k >= 0 && len(sess) < maxU; k-- {
			s := c.sessionOf(ps[k])
			if len(sess) == 0 || sess[len(sess)-1] != s {
				sess = append(sess, s)
			}
		}
		mark := map[int32]bool{}
		var common []int32
		for x := 0; x < len(sess); x++ {
			u := sess[x]
			clear(mark)
			for _, it := range c.items[c.off[u]:c.off[u+1]] {
				mark[it] = true
			}
			wu := 1 / math.Sqrt(float64(c.off[u+1]-c.off[u]))
			for y := x + 1; y < len(sess); y++ {
				v := sess[y]
				common = common[:0]
				seen := map[int32]bool{}
				for _, it := range c.items[c.off[v]:c.off[v+1]] {
					if mark[it] && !seen[it] {
						seen[it] = true
						common = append(common, it)
					}
				}
				wv := 1 / math.Sqrt(float64(c.off[v+1]-c.off[v]))
				w := wu * wv / (cfg.Item.SwingAlpha + float64(len(common)))
				for _, j := range common {
					if j != i {
						acc.add(j, w)
					}
				}
			}
		}
		for _, j := range acc.touched {
			top.push(j, float32(acc.val[j]))
		}
		return top.sorted()
	})
}

// transitions builds the ordered graph i → j for j following i within
// window positions of a session, weighted 1/distance (sequential rules).
// With buyOnly, only cart and buy events count (the co-purchase graph).
func transitions(c *corpus, post CSR, cfg *Config, window int32, k int, buyOnly bool) CSR {
	n := len(c.ids)
	return parallelRows(n, k, func(i int32, acc *accum, top *topK) []scored {
		for _, p := range post.Cols[post.Off[i]:post.Off[i+1]] {
			if buyOnly && c.types[p] != Buy && c.types[p] != Cart {
				continue
			}
			s := c.sessionOf(p)
			end := c.off[s+1]
			if !buyOnly {
				end = min(end, p+window+1)
			}
			for q := p + 1; q < end; q++ {
				j := c.items[q]
				if j == i || (buyOnly && c.types[q] != Buy && c.types[q] != Cart) {
					continue
				}
				w := 1 / float64(q-p)
				if buyOnly {
					w = 1
					if hl := cfg.Item.TimeHalfLife; hl > 0 && c.times != nil {
						w = math.Exp2(-float64(c.times[q]-c.times[p]) / hl.Seconds())
					}
				}
				acc.add(j, w)
			}
		}
		for _, j := range acc.touched {
			top.push(j, float32(acc.val[j]))
		}
		return top.sorted()
	})
}

// elapsed is a tiny helper for build timings.
func elapsed(t time.Time) time.Duration { return time.Since(t).Round(time.Millisecond) }
