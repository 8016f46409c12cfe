package recall

import (
	"math"
)

// scratch is the per-call working memory of a query, pooled per model.
type scratch struct {
	item  *accum // item scores
	sess  *accum // session similarities
	pos   []int32
	top   *topK
	stop  *topK
	posTo []int32
}

func newScratch(items, sessions int) *scratch {
	return &scratch{item: newAccum(items), sess: newAccum(max(sessions, 0)), pos: make([]int32, items), top: newTopK(20), stop: newTopK(100)}
}

func (m *Model) getScratch() *scratch  { return m.scratch.Get().(*scratch) }
func (m *Model) putScratch(s *scratch) { s.item.clear(); s.sess.clear(); m.scratch.Put(s) }

// knnWindow is how many of the session's latest items look up neighbours.
const knnWindow = 50

// sessionScores adds to sc.item the STAN-style session-kNN scores for the
// current session cur (dense ids, oldest first):
//
//	w1(i)    = exp(-(n-p(i))/λ1)        the current session's recent items weigh more
//	sim(s,n) = Σ_{i∈s∩n} w1(i)·idf(i) / sqrt(|s|·|n|) · exp(-(N-t(n))/(λ2·N))
//	score(j) = Σ_{n∈top-k} sim(s,n) · exp(-|p(j,n)-p(l,n)|/λ3)
//
// with l the most recent item of s that n holds, and t(n) the neighbour's
// order in the training file (N the number of sessions), so newer
// sessions count more. Candidate neighbours are at most Sample most recent
// sessions per item of s.
func (m *Model) sessionScores(cur []int32, sc *scratch, weight float64) {
	cfg := &m.d.Config.SKNN
	n := len(cur)
	if n == 0 || weight == 0 {
		return
	}
	distinct := 0
	for p, it := range cur {
		if p < n-knnWindow {
			continue // weighs under exp(-knnWindow/λ1): not worth the lookups
		}
		if sc.pos[it] != int32(p+1) {
			continue // an earlier occurrence of a repeated item
		}
		distinct++
		w := math.Exp(-float64(n-1-p) / cfg.Lambda1)
		if cfg.IDF {
			w *= float64(m.idf[it])
		}
		ss := m.itemSess.Cols[m.itemSess.Off[it]:m.itemSess.Off[it+1]]
		if len(ss) > cfg.Sample {
			ss = ss[len(ss)-cfg.Sample:]
		}
		for _, s := range ss {
			sc.sess.add(s, w)
		}
	}
	sc.stop.reset(cfg.Neighbours)
	norm := 1 / math.Sqrt(float64(distinct))
	for _, s := range sc.sess.touched {
		sc.stop.push(s, float32(sc.sess.val[s]*norm*float64(m.sessWeight[s])))
	}
	for _, nb := range sc.stop.h {
		items := m.d.Sess[m.d.SessOff[nb.id]:m.d.SessOff[nb.id+1]]
		// the match: the neighbour's position of the most recent shared item
		best, at := int32(0), 0
		for q, it := range items {
			if p := sc.pos[it]; p >= best && p > 0 {
				best, at = p, q
			}
		}
		for q, it := range items {
			if sc.pos[it] > 0 && m.d.Config.SKNN.Remind == 0 {
				continue
			}
			d := q - at
			w := weight * float64(nb.score)
			if d < 0 {
				d = -d
				w *= cfg.Before
			}
			if d == 0 {
				continue
			}
			if cfg.ItemIDF != 0 {
				w *= 1 + cfg.ItemIDF*float64(m.idf[it])
			}
			sc.item.add(it, w*m.posDecay[min(d, len(m.posDecay)-1)])
		}
	}
}

// sessionWeights precomputes, per training session, its recency weight
// over sqrt(its length), and the neighbour-position decay table.
func (m *Model) sessionWeights() {
	cfg := &m.d.Config.SKNN
	nsess := len(m.d.SessOff) - 1
	m.sessWeight = make([]float32, nsess)
	for s := range m.sessWeight {
		w := 1 / math.Sqrt(float64(m.d.SessOff[s+1]-m.d.SessOff[s]))
		if cfg.Lambda2 > 0 {
			w *= math.Exp(-float64(nsess-s) / (cfg.Lambda2 * float64(nsess)))
		}
		m.sessWeight[s] = float32(w)
	}
	m.posDecay = make([]float64, maxSessionLen+1)
	for d := range m.posDecay {
		m.posDecay[d] = math.Exp(-float64(d) / cfg.Lambda3)
	}
}

// remindScores adds the current session's own items (repeat consumption):
// weight·exp(-r/RemindDecay) for an item of recency rank r among the
// distinct items, plus RemindRepeat times that per earlier occurrence.
func (m *Model) remindScores(cur []int32, sc *scratch, weight float64) {
	if weight == 0 {
		return
	}
	cfg := &m.d.Config.SKNN
	rank := 0
	for p := len(cur) - 1; p >= 0; p-- {
		it := cur[p]
		if sc.pos[it] != int32(p+1) { // an earlier occurrence
			continue
		}
		w := weight * math.Exp(-float64(rank)/cfg.RemindDecay)
		rank++
		reps := 0
		for _, x := range cur[:p] {
			if x == it {
				reps++
			}
		}
		sc.item.add(it, w*(1+cfg.RemindRepeat*float64(reps)))
	}
}

// rowScores adds weight × the neighbours in table t of each item of cur,
// the item p from the end weighing exp(-p/λ1).
func (m *Model) rowScores(t *CSR, cur []int32, sc *scratch, weight float64, last int) {
	if weight == 0 {
		return
	}
	n := len(cur)
	from := 0
	if last > 0 {
		from = max(0, n-last)
	}
	for p := from; p < n; p++ {
		w := weight * math.Exp(-float64(n-1-p)/m.d.Config.SKNN.Lambda1)
		cols, vals := t.Row(cur[p])
		var norm float32 = 1
		if len(vals) > 0 && vals[0] > 0 {
			norm = vals[0]
		}
		for k, j := range cols {
			sc.item.add(j, w*float64(vals[k]/norm))
		}
	}
}
