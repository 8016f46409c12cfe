package recall

import "math"

// corpus is the training sessions with items interned to dense int32 ids.
type corpus struct {
	ids   []string
	index map[string]int32
	off   []int32 // session s is items[off[s]:off[s+1]]
	items []int32
	types []EventType
	times []int64 // nil when no session had times
	cats  []string
	itemC []int32 // category of an item, -1 unknown
}

// newCorpus interns the sessions; items of Events' categories come from cat
// (item → category), which may be nil.
func newCorpus(sessions []Session, cat map[string]string) *corpus {
	c := &corpus{index: map[string]int32{}, off: []int32{0}}
	hasTimes := false
	for _, s := range sessions {
		if len(s.Times) == len(s.Items) && len(s.Items) > 0 {
			hasTimes = true
		}
	}
	catIdx := map[string]int32{}
	for _, s := range sessions {
		for k, it := range s.Items {
			id, ok := c.index[it]
			if !ok {
				id = int32(len(c.ids))
				c.index[it] = id
				c.ids = append(c.ids, it)
				ci := int32(-1)
				if cn, ok := cat[it]; ok && cn != "" {
					if ci, ok = catIdx[cn]; !ok {
						ci = int32(len(c.cats))
						catIdx[cn] = ci
						c.cats = append(c.cats, cn)
					}
				}
				c.itemC = append(c.itemC, ci)
			}
			c.items = append(c.items, id)
			t := View
			if len(s.Types) == len(s.Items) {
				t = s.Types[k]
			}
			c.types = append(c.types, t)
			if hasTimes {
				var ts int64
				if len(s.Times) == len(s.Items) {
					ts = s.Times[k]
				}
				c.times = append(c.times, ts)
			}
		}
		c.off = append(c.off, int32(len(c.items)))
	}
	return c
}

func (c *corpus) sessions() int { return len(c.off) - 1 }

// postings returns, per item, the global positions (indexes into items) of
// its occurrences, in session order.
func (c *corpus) postings() CSR {
	n := len(c.ids)
	cnt := make([]int32, n+1)
	for _, it := range c.items {
		cnt[it+1]++
	}
	for i := 1; i <= n; i++ {
		cnt[i] += cnt[i-1]
	}
	pos := make([]int32, len(c.items))
	fill := append([]int32(nil), cnt[:n]...)
	for p, it := range c.items {
		pos[fill[it]] = int32(p)
		fill[it]++
	}
	return CSR{Off: cnt, Cols: pos}
}

// sessionOf maps a global position to its session (binary search on off).
func (c *corpus) sessionOf(p int32) int32 {
	lo, hi := 0, len(c.off)-1
	for lo < hi {
		m := (lo + hi + 1) / 2
		if c.off[m] <= p {
			lo = m
		} else {
			hi = m - 1
		}
	}
	return int32(lo)
}

// iuf is the inverse-user-frequency weight of a session of n events.
func iuf(n int32) float64 { return 1 / math.Log2(1+float64(n)) }
