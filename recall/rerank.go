package recall

import (
	"slices"

	"shopsearch/rank"
)

// The rerank of a slot: from the items rank.Store.RankSlot ranked (blended
// and filtered), the slot is picked so that no two items of one leaf
// category (or brand) sit within a window of each other, cut to its size,
// and the merchandisers' pins are placed last.

// rerankRequest says how to rerank one slot.
type rerankRequest struct {
	N int // items wanted
	// CategoryWindow: no two items of one leaf category within this many
	// consecutive positions (0: no scatter). BrandWindow: the same for
	// brands. When the items cannot satisfy them the window is relaxed
	// rather than the slot left short.
	CategoryWindow, BrandWindow int
	// Pins puts item ids at 1-based positions of the slot; pin gives the
	// item of a pin that is not among the ranked ones (false: dropped).
	Pins map[int]string
	pin  func(id string) (rank.RecItem, bool)
}

// rerank picks, cuts and pins the slot from items, best first.
func rerank(items []rank.RecItem, req rerankRequest) []rank.RecItem {
	if req.N <= 0 {
		return nil
	}
	return pinSlot(scatter(items, req.N, req.CategoryWindow, req.BrandWindow), req)
}

// scatter picks up to n items in order such that no leaf category repeats
// within catWindow positions and no brand within brandWindow; when no
// remaining item fits, the best remaining one is taken (a full slot beats
// a perfectly scattered short one).
func scatter(items []rank.RecItem, n, catWindow, brandWindow int) []rank.RecItem {
	if catWindow <= 1 && brandWindow <= 1 {
		return items[:min(n, len(items))]
	}
	clash := func(picked []rank.RecItem, it *rank.RecItem) bool {
		for back := 1; back <= len(picked); back++ {
			q := &picked[len(picked)-back]
			if back < catWindow && it.Leaf != "" && q.Leaf == it.Leaf {
				return true
			}
			if back < brandWindow && it.BrandKey != "" && q.BrandKey == it.BrandKey {
				return true
			}
			if back >= catWindow && back >= brandWindow {
				break
			}
		}
		return false
	}
	picked := make([]rank.RecItem, 0, n)
	used := make([]bool, len(items))
	for len(picked) < n {
		best := -1
		for i := range items {
			if used[i] {
				continue
			}
			if best < 0 {
				best = i // the fallback: the best remaining
			}
			if !clash(picked, &items[i]) {
				best = i
				break
			}
		}
		if best < 0 {
			break
		}
		used[best] = true
		picked = append(picked, items[best])
	}
	return picked
}

// pinSlot puts the request's pinned items at their positions: a pinned
// item already in the slot moves there; one that is not is added (when
// req.pin gives it), and the slot is cut back to N.
func pinSlot(items []rank.RecItem, req rerankRequest) []rank.RecItem {
	if len(req.Pins) == 0 {
		return items
	}
	positions := make([]int, 0, len(req.Pins))
	for pos := range req.Pins {
		positions = append(positions, pos)
	}
	slices.Sort(positions)
	var pinned []rank.RecItem
	for _, pos := range positions {
		id := req.Pins[pos]
		if i := slices.IndexFunc(items, func(it rank.RecItem) bool { return it.Product.ID == id }); i >= 0 {
			it := items[i]
			items = slices.Delete(items, i, i+1)
			it.Pinned = true
			pinned = append(pinned, it)
			continue
		}
		if it, ok := req.pin(id); ok {
			pinned = append(pinned, it)
		} else {
			pinned = append(pinned, rank.RecItem{}) // dropped: keeps the positions of the later pins
		}
	}
	for k, pos := range positions {
		if pinned[k].Product.ID == "" {
			continue
		}
		items = slices.Insert(items, min(max(pos-1, 0), len(items)), pinned[k])
	}
	return items[:min(len(items), req.N)]
}
