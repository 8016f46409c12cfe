package recall

import (
	"math"
)

// hotLists computes the weighted popularity of every item and the hot
// lists. An item's hot score is D·(1 + r), D its time-decayed event count
// and r its Bayesian-smoothed intent rate, (I + m·r̄)/(V + m): I its
// weighted cart/fav/buy events, V its views, r̄ the global rate and m the
// prior strength (Config.Hot.Prior). Items with few events are pulled to
// the global rate instead of topping the list on one lucky purchase.
func hotLists(c *corpus, cfg *Config) (pop []float32, hot []int32, byCat [][]int32) {
	n := len(c.ids)
	pop = make([]float32, n)
	decayed := make([]float64, n)
	intent := make([]float64, n)
	views := make([]float64, n)
	var newest int64
	for _, t := range c.times {
		newest = max(newest, t)
	}
	var sumI, sumV float64
	for p, it := range c.items {
		w := 1.0
		if hl := cfg.Hot.HalfLife; hl > 0 && c.times != nil {
			w = math.Exp2(-float64(newest-c.times[p]) / hl.Seconds())
		}
		decayed[it] += w
		pop[it] += float32(cfg.EventWeights[c.types[p]])
		if c.types[p] == View {
			views[it]++
			sumV++
		} else {
			intent[it] += cfg.EventWeights[c.types[p]]
			sumI += cfg.EventWeights[c.types[p]]
		}
	}
	rbar := 0.0
	if sumV > 0 {
		rbar = sumI / sumV
	}
	m := cfg.Hot.Prior
	score := make([]float64, n)
	for i := range score {
		r := (intent[i] + m*rbar) / (views[i] + m)
		score[i] = decayed[i] * (1 + r)
	}
	top := newTopK(cfg.Hot.TopK)
	for i, s := range score {
		top.push(int32(i), float32(s))
	}
	hot = ids(top.sorted())
	tops := make([]*topK, len(c.cats))
	for i, ci := range c.itemC {
		if ci < 0 {
			continue
		}
		if tops[ci] == nil {
			tops[ci] = newTopK(cfg.Hot.TopK)
		}
		tops[ci].push(int32(i), float32(score[i]))
	}
	byCat = make([][]int32, len(c.cats))
	for ci, t := range tops {
		if t != nil {
			byCat[ci] = ids(t.sorted())
		}
	}
	return pop, hot, byCat
}

func ids(s []scored) []int32 {
	out := make([]int32, len(s))
	for i, x := range s {
		out[i] = x.id
	}
	return out
}
