package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"shopsearch/models"
	"shopsearch/rank"
	"shopsearch/recall"
	"shopsearch/server"
)

// modelFile is the recall model serve loads from the data directory, as
// `shopsearch train --out DATA/recall.model` writes it.
const modelFile = "recall.model"

// Catalog hot lists: how many items each keeps and how long.
const (
	hotListSize = 200
	hotListTTL  = time.Minute
)

// recommendDeps loads the recall model of the data directory, if any, and
// makes the scenes over it and the catalog, with the behaviour store for
// the shoppers' recent items.
func (m *Main) recommendDeps() (server.RecommendDeps, error) {
	var model *recall.Model
	path := filepath.Join(m.cfg.DataDir, modelFile)
	switch mod, err := recall.Load(path); {
	case err == nil:
		model = mod
		fmt.Fprintf(m.cfg.Stdout, "recommendations: model %s (%s)\n", path, mod.Stats())
	case errors.Is(err, os.ErrNotExist):
		fmt.Fprintf(m.cfg.Stdout, "recommendations: no %s yet (shopsearch train writes one); catalog recallers only\n", path)
	default:
		return server.RecommendDeps{}, err
	}
	scenes, err := catalogScenes(m.engine.Store(), model)
	if err != nil {
		return server.RecommendDeps{}, err
	}
	d := server.RecommendDeps{Scenes: scenes}
	if m.events != nil {
		if b, ok := m.events.st.(server.RecBehavior); ok {
			d.Behavior = b
		}
	}
	return d, nil
}

// catalogScenes are the scenes over model (nil: none yet) and the
// catalog's recallers over st.
func catalogScenes(st *rank.Store, model *recall.Model) (map[string]recall.Recaller, error) {
	hot := &catalogHot{store: st}
	return recall.SceneRecallers(recall.SceneDeps{Model: model, Content: hot.content, Hot: hot.recall})
}

// catalogHot keeps the best sellers in stock of every category path (and
// of each of its prefixes, and of the whole catalog under ""), all
// recomputed in one pass over the store once they are hotListTTL old: one
// scan serves every category, where browsing a million products per
// category asked for would not.
type catalogHot struct {
	store     *rank.Store
	refreshMu sync.Mutex // one recomputation at a time
	mu        sync.Mutex // guards lists and at
	lists     map[string][]string
	at        time.Time
}

// list returns the best sellers of category ("" for the whole catalog).
// The first callers wait for the first lists; later ones get the current
// lists while a stale set is recomputed in the background.
func (h *catalogHot) list(category string) []string {
	h.mu.Lock()
	lists, at := h.lists, h.at
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
		lists = h.lists
		h.mu.Unlock()
	case time.Since(at) >= hotListTTL && h.refreshMu.TryLock():
		go func() {
			defer h.refreshMu.Unlock()
			h.refresh()
		}()
	}
	return lists[category]
}

// refresh recomputes every list; callers hold refreshMu.
func (h *catalogHot) refresh() {
	type entry struct {
		id    string
		sales int64
	}
	tops := map[string][]entry{}
	less := func(a, b entry) bool { return a.sales < b.sales || a.sales == b.sales && a.id > b.id }
	push := func(cat string, e entry) {
		t := tops[cat]
		if len(t) < hotListSize {
			tops[cat] = append(t, e)
			if len(t)+1 == hotListSize {
				heapify(tops[cat], less)
			}
			return
		}
		if less(t[0], e) { // better than the worst kept
			t[0] = e
			siftDown(t, 0, less)
		}
	}
	h.store.Scan(func(p *models.Product) error {
		if p.HasStock && p.Stock == 0 {
			return nil
		}
		e := entry{p.ID, p.Sales30d}
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
	for cat, t := range tops {
		slices.SortFunc(t, func(a, b entry) int {
			if less(b, a) {
				return -1
			}
			if less(a, b) {
				return 1
			}
			return 0
		})
		ids := make([]string, len(t))
		for i, e := range t {
			ids[i] = e.id
		}
		lists[cat] = ids
	}
	h.mu.Lock()
	h.lists, h.at = lists, time.Now()
	h.mu.Unlock()
}

// heapify and siftDown keep a min-heap of t by less (the worst kept first).
func heapify[T any](t []T, less func(a, b T) bool) {
	for i := len(t)/2 - 1; i >= 0; i-- {
		siftDown(t, i, less)
	}
}

func siftDown[T any](t []T, i int, less func(a, b T) bool) {
	for {
		l, r, m := 2*i+1, 2*i+2, i
		if l < len(t) && less(t[l], t[m]) {
			m = l
		}
		if r < len(t) && less(t[r], t[m]) {
			m = r
		}
		if m == i {
			return
		}
		t[i], t[m] = t[m], t[i]
		i = m
	}
}

// recall is the Hot recaller: the best sellers of req.Category.
func (h *catalogHot) recall(_ context.Context, req recall.Request) []recall.Candidate {
	return pick(h.list(req.Category), req, recall.SourceCatalogHot)
}

// content is the Content recaller: the best sellers of the categories of
// the shopper's newest items (and cart), the newest first.
func (h *catalogHot) content(_ context.Context, req recall.Request) []recall.Candidate {
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
	var out []recall.Candidate
	for _, c := range cats {
		sub := req
		sub.N = (req.N + len(cats) - 1) / len(cats)
		out = append(out, pick(h.list(c), sub, recall.SourceContent)...)
	}
	return out
}

// pick takes up to req.N of ids that req does not exclude, scored by rank.
func pick(ids []string, req recall.Request, source string) []recall.Candidate {
	var out []recall.Candidate
	for i, id := range ids {
		if len(out) >= req.N {
			break
		}
		if req.Exclude != nil && req.Exclude(id) {
			continue
		}
		out = append(out, recall.Candidate{Item: id, Score: 1 / float64(1+i), Source: source})
	}
	return out
}
