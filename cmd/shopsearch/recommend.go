package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

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
	hotLists    = 1024 // categories kept; past it the cache starts afresh
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
	hot := &catalogHot{store: m.engine.Store(), lists: map[string]hotList{}}
	scenes, err := recall.SceneRecallers(recall.SceneDeps{Model: model, Content: hot.content, Hot: hot.recall})
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

// catalogHot keeps the best sellers of each category the scenes ask for,
// recomputed from the engine's store once they are hotListTTL old.
type catalogHot struct {
	store *rank.Store
	mu    sync.Mutex
	lists map[string]hotList
}

type hotList struct {
	ids []string
	at  time.Time
}

// list returns the best sellers of category ("" for the whole catalog).
func (h *catalogHot) list(category string) []string {
	h.mu.Lock()
	l, ok := h.lists[category]
	h.mu.Unlock()
	if ok && time.Since(l.at) < hotListTTL {
		return l.ids
	}
	res := h.store.Browse(rank.Request{Filter: rank.Filter{CategoryPrefix: category, InStock: true}, Sort: rank.SortSales, Limit: hotListSize})
	ids := make([]string, len(res.Hits))
	for i, hit := range res.Hits {
		ids[i] = hit.Product.ID
	}
	h.mu.Lock()
	if len(h.lists) >= hotLists {
		h.lists = map[string]hotList{}
	}
	h.lists[category] = hotList{ids: ids, at: time.Now()}
	h.mu.Unlock()
	return ids
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
