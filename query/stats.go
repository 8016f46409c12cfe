package query

import (
	"errors"
	"fmt"
	"sync"

	"shopsearch/models"
)

// BehaviorSink blends shopper-behaviour statistics into the ranking
// columns the CTR and sales factors read: an item's column is the
// catalog's figure plus what the behaviour store observed over the last
// 30 days,
//
//	impressions = catalog impressions + counted impressions (30 days)
//	clicks      = catalog clicks      + counted clicks
//	sales_30d        = catalog sales_30d        + units of trusted purchases (30 days)
//	sales_amount_30d = catalog sales_amount_30d + their amount
//
// so the catalog's figures are the prior and behaviour moves them by what
// it adds, never replaces them (one click on an item with 1,691/25 makes
// 1,692/26, not 1/1). The fraud rules and the trust model decide what is
// counted (doc/events.md).
//
// The sink remembers, per item, the catalog's figures and what it last
// set: a column that no longer holds what it set was written by the
// catalog (a PATCH, an upsert), and that value is the new catalog figure.
// The blended values are not written to the change log, and a compaction
// writes the catalog's figures into the snapshot (Engine.Compact asks the
// sink), so a restart starts from the catalog again and the first push,
// which reads every item with behaviour, blends anew. Items the catalog
// does not have are skipped.
type BehaviorSink struct {
	e     *Engine
	mu    sync.Mutex
	items map[string]*blended
}

// blended is what the sink knows of one item's columns.
type blended struct {
	base, set sinkCols // the catalog's figures; what the sink last set
	has       bool     // set is valid
}

type sinkCols struct {
	imp, clk, sales int64
	amount          float64
}

func colsOf(p *models.Product) sinkCols {
	return sinkCols{imp: p.Impressions, clk: p.Clicks, sales: p.Sales30d, amount: p.SalesAmount30d}
}

// NewBehaviorSink returns a sink writing to e's store; e's compactions
// write the catalog's figures rather than the sink's.
func NewBehaviorSink(e *Engine) *BehaviorSink {
	k := &BehaviorSink{e: e, items: map[string]*blended{}}
	e.behavior.Store(k)
	return k
}

// Apply blends the columns of the items in stats and returns how many
// changed; the ranking statistics (the CTR prior, the sales reference)
// follow within a second.
func (k *BehaviorSink) Apply(stats []models.ItemStats) (int, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	e := k.e
	e.wmu.Lock()
	ids := make([]string, 0, len(stats))
	patches := make([]models.ProductPatch, 0, len(stats))
	for _, st := range stats {
		p, ok := e.store.Get(st.ID)
		if !ok {
			continue
		}
		cur := colsOf(&p)
		b := k.items[st.ID]
		if b == nil {
			b = &blended{base: cur}
			k.items[st.ID] = b
		} else if b.has {
			// A column that changed since the sink set it was written by
			// the catalog: its value is the new catalog figure.
			if cur.imp != b.set.imp {
				b.base.imp = cur.imp
			}
			if cur.clk != b.set.clk {
				b.base.clk = cur.clk
			}
			if cur.sales != b.set.sales {
				b.base.sales = cur.sales
			}
			if cur.amount != b.set.amount {
				b.base.amount = cur.amount
			}
		}
		c := st.Day30
		want := sinkCols{imp: b.base.imp + c.Impressions, clk: b.base.clk + c.Clicks,
			sales: b.base.sales + c.Units, amount: b.base.amount + c.Amount}
		b.set, b.has = want, true
		var pt models.ProductPatch
		if want.imp != cur.imp || want.clk != cur.clk {
			pt.Impressions, pt.Clicks = &want.imp, &want.clk
		}
		if want.sales != cur.sales || want.amount != cur.amount {
			pt.Sales30d, pt.SalesAmount30d = &want.sales, &want.amount
		}
		if pt.Impressions == nil && pt.Sales30d == nil {
			continue
		}
		ids = append(ids, st.ID)
		patches = append(patches, pt)
	}
	var errs []error
	if len(ids) > 0 {
		errs = e.store.PatchBatch(ids, patches)
	}
	e.wmu.Unlock()
	if len(ids) > 0 {
		e.stats.touch(e.store.RefreshStats)
	}
	if errs != nil { // cannot happen: every id was live just now, under wmu
		return 0, fmt.Errorf("query: behaviour sink: store out of step: %w", errors.Join(errs...))
	}
	return len(ids), nil
}

// catalogView puts the catalog's figures back in p (a copy from the
// store) where the sink blended its columns: what a compaction writes.
func (k *BehaviorSink) catalogView(p *models.Product) {
	k.mu.Lock()
	defer k.mu.Unlock()
	b := k.items[p.ID]
	if b == nil || !b.has {
		return
	}
	if p.Impressions == b.set.imp {
		p.Impressions = b.base.imp
	}
	if p.Clicks == b.set.clk {
		p.Clicks = b.base.clk
	}
	if p.Sales30d == b.set.sales {
		p.Sales30d = b.base.sales
	}
	if p.SalesAmount30d == b.set.amount {
		p.SalesAmount30d = b.base.amount
	}
}
