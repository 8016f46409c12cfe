package query

import (
	"errors"
	"fmt"
	"sync"

	"shopsearch/models"
)

// BehaviorSink puts shopper-behaviour statistics into the ranking columns
// the CTR and sales factors read, in two pairs: an item's impressions and
// clicks become its counted impressions and clicks of the last 30 days
// once the behaviour store has any of them for the item, and its sales_30d
// and sales_amount_30d its units bought and amount once it has purchases.
// From then on the behaviour store is the source of the pair (a window
// that empties sets zeros); the catalog's values stay for the items and
// pairs it has nothing for.
//
// The values are not written to the change log: they are derived from the
// behaviour store, and the first push after a start (which reads every
// item with behaviour) sets them again. Setting rather than adding keeps
// them right whatever a compaction wrote into the snapshot — but a pair
// whose window emptied while the process was down keeps the value the
// snapshot has until the item's next behaviour. Items the catalog does not
// have are skipped.
type BehaviorSink struct {
	e   *Engine
	mu  sync.Mutex
	set map[string]uint8 // the pairs the sink has set, by item: sinkCTR, sinkSales
}

const (
	sinkCTR   = 1 << iota // impressions and clicks
	sinkSales             // sales_30d and sales_amount_30d
)

// NewBehaviorSink returns a sink writing to e's store.
func NewBehaviorSink(e *Engine) *BehaviorSink { return &BehaviorSink{e: e, set: map[string]uint8{}} }

// Apply sets the columns of the items in stats and returns how many
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
		c := st.Day30
		var pt models.ProductPatch
		pairs := k.set[st.ID]
		if c.Impressions > 0 || c.Clicks > 0 || pairs&sinkCTR != 0 {
			pairs |= sinkCTR
			if p.Impressions != c.Impressions || p.Clicks != c.Clicks {
				pt.Impressions, pt.Clicks = &c.Impressions, &c.Clicks
			}
		}
		if c.Units > 0 || c.Amount > 0 || pairs&sinkSales != 0 {
			pairs |= sinkSales
			if p.Sales30d != c.Units || p.SalesAmount30d != c.Amount {
				pt.Sales30d, pt.SalesAmount30d = &c.Units, &c.Amount
			}
		}
		if pairs != 0 {
			k.set[st.ID] = pairs
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
