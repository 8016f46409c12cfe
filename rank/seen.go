package rank

import "sync"

// seenBits is a set of ordinals as a bit set over the whole store: phase 2
// deduplicates up to MaxCandidates ordinals a search with it, where a map
// of that many entries would cost more than the rest of the ranking.
type seenBits struct{ words []uint64 }

// seenPool holds cleared bit sets for reuse.
var seenPool sync.Pool

// seenSet returns a cleared set big enough for every ordinal. Called with
// the read lock held.
func (s *Store) seenSet() *seenBits {
	need := (s.products.len() + 63) / 64
	b, _ := seenPool.Get().(*seenBits)
	if b == nil || len(b.words) < need {
		b = &seenBits{words: make([]uint64, need+need/8)} // room to grow
	}
	return b
}

// add adds o and reports whether it was there already.
func (b *seenBits) add(o Ord) bool {
	w, bit := o>>6, uint64(1)<<(o&63)
	had := b.words[w]&bit != 0
	b.words[w] |= bit
	return had
}

// releaseSeen clears the bits of rows — every ordinal added — and returns
// the set to the pool.
func (s *Store) releaseSeen(b *seenBits, rows []scored) {
	for _, r := range rows {
		b.words[r.ord>>6] = 0
	}
	seenPool.Put(b)
}

// mergeDuplicates keeps the first row of each ordinal, with the best tier
// and, within it, the best text score of its duplicates.
func mergeDuplicates(rows []scored) []scored {
	first := make(map[Ord]int, len(rows))
	out := rows[:0]
	for _, r := range rows {
		if i, ok := first[r.ord]; ok {
			if r.tier < out[i].tier || r.tier == out[i].tier && r.score > out[i].score {
				out[i].tier, out[i].score = r.tier, r.score
			}
			continue
		}
		first[r.ord] = len(out)
		out = append(out, r)
	}
	return out
}

// rowsPool holds the row buffers of phase 2 (up to MaxCandidates rows of
// 48 bytes a search), which would otherwise be most of its garbage.
var rowsPool sync.Pool

// getRows returns an empty buffer with room for n rows.
func getRows(n int) *[]scored {
	if b, _ := rowsPool.Get().(*[]scored); b != nil && cap(*b) >= n {
		return b
	}
	b := make([]scored, 0, n)
	return &b
}

// putRows returns a buffer to the pool, unless it is oddly large.
func putRows(b *[]scored) {
	if cap(*b) <= 1<<16 {
		rowsPool.Put(b)
	}
}
