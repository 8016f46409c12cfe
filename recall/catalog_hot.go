package recall

import (
	"container/heap"
	"context"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"shopsearch/models"
	"shopsearch/rank"
)

// Catalog hot lists: how many items each keeps and how long.
const (
	hotListSize = 200
	hotListTTL  = time.Minute
)

// catalogHot keeps the best sellers in stock of every category path (and
// of each of its prefixes, and of the whole catalog under ""), all
// recomputed in one pass over the store once they are hotListTTL old: one
// scan serves every category, where browsing a million products per
// category asked for would not.
type catalogHot struct {
	store *rank.Store
	now   func() time.Time // the clock the lists age by
	// comp says which categories complement which (the complement
	// recaller): DefaultComplements, or with a model's mined pairs.
	comp      atomic.Pointer[Complements]
	refreshMu sync.Mutex // one recomputation at a time
	mu        sync.Mutex // guards lists, leaves and at
	lists     map[string][]string
	leaves    *leafIndex // the lists by leaf name (catalog.go)
	at        time.Time
}

// list returns the best sellers of category ("" for the whole catalog).
// The first callers wait for the first lists; later ones get the current
// lists while a stale set is recomputed in the background.
func (h *catalogHot) list(category string) []string {
	lists, _ := h.current()
	return lists[category]
}

// current returns the current lists and leaf index, computing them first
// when there are none and starting a recomputation when they are stale.
func (h *catalogHot) current() (map[string][]string, *leafIndex) {
	h.mu.Lock()
	lists, leaves, at := h.lists, h.leaves, h.at
	h.mu.Unlock()
	switch {
	case lists == nil:
		h.refreshMu.Lock()
		h.mu.Lock()
		done := h.lists != nil // made while this caller waited
		h.mu.Unlock()
		if !done {
			h.refresh()
		}
		h.refreshMu.Unlock()
		h.mu.Lock()
		lists, leaves = h.lists, h.leaves
		h.mu.Unlock()
	case h.now().Sub(at) >= hotListTTL && h.refreshMu.TryLock():
		go func() {
			defer h.refreshMu.Unlock()
			h.refresh()
		}()
	}
	return lists, leaves
}

// refresh recomputes every list; callers hold refreshMu.
func (h *catalogHot) refresh() {
	tops := map[string]*salesHeap{}
	paths := map[string]bool{} // the products' own category paths
	push := func(cat string, e salesEntry) {
		t := tops[cat]
		if t == nil {
			t = &salesHeap{}
			tops[cat] = t
		}
		switch {
		case len(*t) < hotListSize:
			heap.Push(t, e)
		case worseSeller((*t)[0], e): // better than the worst kept
			(*t)[0] = e
			heap.Fix(t, 0)
		}
	}
	h.store.Scan(func(p *models.Product) error {
		if p.HasStock && p.Stock == 0 {
			return nil
		}
		e := salesEntry{p.ID, p.Sales30d}
		paths[p.Category] = true
		push("", e)
		for cat := p.Category; cat != ""; {
			push(cat, e)
			i := strings.LastIndexByte(cat, '>')
			if i < 0 {
				break
			}
			cat = cat[:i]
		}
		return nil
	})
	lists := make(map[string][]string, len(tops))
	sales := map[string]int64{}
	for _, t := range tops {
		for _, e := range *t {
			sales[e.id] = e.sales
		}
	}
	for cat, t := range tops {
		slices.SortFunc(*t, func(a, b salesEntry) int { // best first
			if worseSeller(b, a) {
				return -1
			}
			if worseSeller(a, b) {
				return 1
			}
			return 0
		})
		ids := make([]string, len(*t))
		for i, e := range *t {
			ids[i] = e.id
		}
		lists[cat] = ids
	}
	leaves := newLeafIndex(lists, paths, sales)
	h.mu.Lock()
	h.lists, h.leaves, h.at = lists, leaves, h.now()
	h.mu.Unlock()
}

// salesEntry is an item and its units sold, as the hot lists rank them.
type salesEntry struct {
	id    string
	sales int64
}

// worseSeller reports whether a ranks below b: fewer sales, then the
// greater id.
func worseSeller(a, b salesEntry) bool { return a.sales < b.sales || a.sales == b.sales && a.id > b.id }

// salesHeap is a min-heap (container/heap) of the best sellers kept, the
// worst first.
type salesHeap []salesEntry

func (h salesHeap) Len() int           { return len(h) }
func (h salesHeap) Less(i, j int) bool { return worseSeller(h[i], h[j]) }
func (h salesHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *salesHeap) Push(x any)        { *h = append(*h, x.(salesEntry)) }
func (h *salesHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// recall is the Hot recaller: the best sellers of req.Category.
func (h *catalogHot) recall(_ context.Context, req Request) []Candidate {
	return pick(h.list(req.Category), req, SourceCatalogHot)
}

// content is the Content recaller: the best sellers of the categories of
// the shopper's newest items (and cart), the newest first.
func (h *catalogHot) content(_ context.Context, req Request) []Candidate {
	var cats []string
	seen := map[string]bool{}
	for _, ids := range [][]string{req.Cart, req.Items} {
		for i := len(ids) - 1; i >= 0 && len(cats) < 3; i-- {
			if p, ok := h.store.Get(ids[i]); ok && p.Category != "" && !seen[p.Category] {
				seen[p.Category] = true
				cats = append(cats, p.Category)
			}
		}
	}
	var out []Candidate
	for _, c := range cats {
		sub := req
		sub.N = (req.N + len(cats) - 1) / len(cats)
		out = append(out, pick(h.list(c), sub, SourceContent)...)
	}
	return out
}

// pick takes up to req.N of ids that req does not exclude, scored by rank.
func pick(ids []string, req Request, source string) []Candidate {
	var out []Candidate
	for i, id := range ids {
		if len(out) >= req.N {
			break
		}
		if req.Exclude != nil && req.Exclude(id) {
			continue
		}
		out = append(out, Candidate{Item: id, Score: 1 / float64(1+i), Source: source})
	}
	return out
}
