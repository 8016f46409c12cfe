package query

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"shopsearch/indexer"
	"shopsearch/models"
)

// Update is one partial update: the patch for the item with ID.
type Update struct {
	ID    string
	Patch models.ProductPatch
}

// PatchRejection is an update that was not applied, and why.
type PatchRejection struct {
	Index   int    `json:"index"` // of the update in the request, from 0
	ID      string `json:"id"`
	Code    string `json:"code"` // models.EINVALID or models.ENOTFOUND
	Message string `json:"message"`
}

// PatchResult says what a bulk patch did: how many updates were applied and
// which were not (never nil, so it encodes as []).
type PatchResult struct {
	Applied  int              `json:"applied"`
	Rejected []PatchRejection `json:"rejected"`
}

// Patch applies partial updates (stock, prices, sales, ...; see
// models.ProductPatch) without re-indexing any text. Each update is checked
// against the item as it is then — after the earlier updates of the same
// call — and either applies whole or is rejected: ENOTFOUND for an unknown
// id, EINVALID when the patched item breaks a rule (indexer.PatchProduct).
// The accepted updates are logged with one write and one fsync, then
// applied to the store; Patch returns once they are durable, and the next
// search sees them. The error is for the log (or ctx ended before it was
// written): then nothing was applied. Updates that change sales or
// impressions refresh the ranking statistics, at most once a second.
func (e *Engine) Patch(ctx context.Context, updates []Update) (PatchResult, error) {
	res, _, stats, err := e.patch(ctx, updates)
	if stats {
		e.stats.touch(e.store.RefreshStats)
	}
	return res, err
}

// PatchOne applies one partial update, as Patch does, and returns the
// patched item. Its error is the update's (ENOTFOUND, EINVALID) or the log's.
func (e *Engine) PatchOne(ctx context.Context, id string, patch models.ProductPatch) (models.Product, error) {
	_, out, stats, err := e.patch(ctx, []Update{{ID: id, Patch: patch}})
	if stats {
		e.stats.touch(e.store.RefreshStats)
	}
	if err != nil {
		return models.Product{}, err
	}
	if out.err != nil {
		return models.Product{}, out.err
	}
	return out.product, nil
}

// onePatch is PatchOne's outcome.
type onePatch struct {
	product models.Product
	err     error
}

// patch does Patch's work under the writers' lock; stats says whether the
// applied updates changed the ranking statistics' inputs.
func (e *Engine) patch(ctx context.Context, updates []Update) (res PatchResult, out onePatch, stats bool, err error) {
	res = PatchResult{Rejected: []PatchRejection{}}
	if err := ctx.Err(); err != nil {
		return PatchResult{}, out, false, err
	}
	ids := make([]string, 0, len(updates))
	patches := make([]models.ProductPatch, 0, len(updates))

	e.wmu.Lock()
	defer e.wmu.Unlock()
	// The items as the accepted updates leave them, for the ids that come
	// more than once in the call (the later updates build on the earlier).
	var next map[string]models.Product
	if len(updates) > 1 {
		seen := make(map[string]bool, len(updates))
		for _, u := range updates {
			if seen[u.ID] {
				if next == nil {
					next = map[string]models.Product{}
				}
				next[u.ID] = models.Product{}
			}
			seen[u.ID] = true
		}
	}
	for i, u := range updates {
		cur, ok := next[u.ID]
		if !ok || cur.ID == "" {
			cur, ok = e.store.Get(u.ID)
		}
		var err error
		var p models.Product
		if !ok {
			err = models.Errorf(models.ENOTFOUND, "no item with id %q", clipID(u.ID))
		} else {
			p, err = indexer.PatchProduct(cur, u.Patch)
		}
		if err != nil {
			res.Rejected = append(res.Rejected, PatchRejection{Index: i, ID: u.ID,
				Code: models.ErrorCode(err), Message: models.ErrorMessage(err)})
			out.err = err
			continue
		}
		if _, again := next[u.ID]; again {
			next[u.ID] = p
		}
		out.product = p
		ids = append(ids, u.ID)
		patches = append(patches, u.Patch)
		pt := &u.Patch
		stats = stats || pt.Sales30d != nil || pt.SalesAmount30d != nil || pt.Impressions != nil || pt.Clicks != nil
	}
	if len(ids) == 0 {
		return res, out, false, nil
	}
	if err := ctx.Err(); err != nil {
		return PatchResult{}, onePatch{}, false, err
	}
	if err := e.cat.Patch(ids, patches); err != nil {
		return PatchResult{}, onePatch{}, false, err
	}
	// Durable from here on: apply whatever happens to ctx.
	if errs := e.store.PatchBatch(ids, patches); errs != nil {
		// Cannot happen: every id was live just now, under wmu.
		return PatchResult{}, onePatch{}, stats, fmt.Errorf("store out of step with the change log: %v", errors.Join(errs...))
	}
	res.Applied = len(ids)
	return res, out, stats, nil
}

func clipID(id string) string {
	if len(id) <= 128 {
		return id
	}
	return id[:128] + "…"
}

// statsRefresher runs Store.RefreshStats after writes that change its
// inputs (sales, sales amount, impressions, clicks), at most once per
// interval (a second by default): at once when the last run is that old,
// otherwise once when it will be, by a timer, so that the last writes of a
// burst count too. A pending timer is no goroutine; the one it starts ends
// after the refresh.
type statsRefresher struct {
	mu       sync.Mutex
	interval time.Duration // 0: a second
	last     time.Time
	pending  bool
	runs     int // for tests
}

func (r *statsRefresher) touch(refresh func()) {
	r.mu.Lock()
	if r.pending {
		r.mu.Unlock()
		return
	}
	interval := r.interval
	if interval <= 0 {
		interval = time.Second
	}
	if wait := interval - time.Since(r.last); wait > 0 {
		r.pending = true
		r.mu.Unlock()
		time.AfterFunc(wait, func() {
			r.mu.Lock()
			r.pending = false
			r.last = time.Now()
			r.runs++
			r.mu.Unlock()
			refresh()
		})
		return
	}
	r.last = time.Now()
	r.runs++
	r.mu.Unlock()
	refresh()
}
