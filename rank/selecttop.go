package rank

// SelectTop reorders rows so that its first k are the k smallest by cmp (in
// no particular order): Hoare-style quickselect with a median-of-three
// pivot, linear on average. k outside (0, len(rows)) leaves rows as it is.
// Phase 2 picks a page's rows with it, phase 1 its best candidates.
func SelectTop[T any](rows []T, k int, cmp func(a, b T) int) {
	lo, hi := 0, len(rows)-1
	if k <= 0 || k >= len(rows) {
		return
	}
	for lo < hi {
		// Median of three as the pivot, moved to hi.
		mid := lo + (hi-lo)/2
		if cmp(rows[mid], rows[lo]) < 0 {
			rows[mid], rows[lo] = rows[lo], rows[mid]
		}
		if cmp(rows[hi], rows[lo]) < 0 {
			rows[hi], rows[lo] = rows[lo], rows[hi]
		}
		if cmp(rows[mid], rows[hi]) < 0 {
			rows[mid], rows[hi] = rows[hi], rows[mid]
		}
		pivot := rows[hi]
		// Lomuto partition: [lo, p) < pivot.
		p := lo
		for i := lo; i < hi; i++ {
			if cmp(rows[i], pivot) < 0 {
				rows[i], rows[p] = rows[p], rows[i]
				p++
			}
		}
		rows[p], rows[hi] = rows[hi], rows[p]
		switch {
		case p == k || p == k-1:
			return
		case p < k:
			lo = p + 1
		default:
			hi = p - 1
		}
	}
}
