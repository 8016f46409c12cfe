package server

import (
	"cmp"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"shopsearch/models"
	"shopsearch/recall/ctr"
	"shopsearch/store/events"
)

// Slot statistics: how each list the storefront shows — search results,
// every recommendation slot — performs, as the console's CTR/CVR chart
// shows it. Impressions count the items a list showed, clicks the clicks
// from it; a cart or purchase of an item counts for the list the shopper
// last clicked it from (last-click attribution), since the cart page is
// where they happen. The figures are this process's since it started, over
// the events the intake accepted (its fraud rules decide what reaches the
// ranking statistics, not these).

// SlotCounts are one list's figures.
type SlotCounts struct {
	Scene       string  `json:"scene"`
	Slot        string  `json:"slot"`
	Impressions int64   `json:"impressions"` // items shown
	Clicks      int64   `json:"clicks"`
	Carts       int64   `json:"carts"`
	Purchases   int64   `json:"purchases"`
	Amount      float64 `json:"amount"`
	CTR         float64 `json:"ctr"` // clicks / impressions
	CVR         float64 `json:"cvr"` // purchases / clicks
}

// maxSlots bounds the lists counted (scene and slot are the client's
// words); maxAttributions the remembered last clicks, per generation.
const (
	maxSlots        = 500
	maxAttributions = 100_000
)

type slotKey struct{ scene, slot string }

// slotStats counts, safe for concurrent use.
type slotStats struct {
	now    func() time.Time // an event's time when it has none
	mu     sync.Mutex
	counts map[slotKey]*SlotCounts
	// The list each shopper's item was last clicked from, in two
	// generations (the current one, when full, becomes the previous).
	cur, prev map[string]slotKey
	// labels, when set, receives the responses to recommendation slots
	// (clicks carrying an impression id that /api/recommend gave, and the
	// carts and purchases of items last clicked from one) for the CTR
	// model's sample log; it is called outside the lock.
	labels func([]ctr.Label)
	// curImp and prevImp: the recommendation impression each shopper's
	// item was last clicked from, in generations like cur and prev.
	curImp, prevImp map[string]string
}

func newSlotStats(now func() time.Time) *slotStats {
	return &slotStats{now: now, counts: map[slotKey]*SlotCounts{}, cur: map[string]slotKey{}, curImp: map[string]string{}}
}

// observe counts the accepted events of a batch: evs less the rejected
// ones (their indexes into evs).
func (st *slotStats) observe(evs []models.Event, rejected []events.Rejection) {
	skip := make(map[int]bool, len(rejected))
	for _, r := range rejected {
		skip[r.Index] = true
	}
	var labels []ctr.Label
	st.mu.Lock()
	defer func() {
		f := st.labels
		st.mu.Unlock()
		if f != nil && len(labels) > 0 {
			f(labels)
		}
	}()
	for i := range evs {
		if skip[i] {
			continue
		}
		e := &evs[i]
		actorItem := events.Actor(e) + "\x00" + e.ItemID
		if st.labels != nil {
			labels = st.label(labels, e, actorItem)
		}
		switch e.Type {
		case models.EventImpression:
			if c := st.slot(e.Scene, e.Slot); c != nil {
				c.Impressions += int64(len(e.Items))
			}
		case models.EventClick:
			if c := st.slot(e.Scene, e.Slot); c != nil {
				c.Clicks++
				st.remember(actorItem, slotKey{c.Scene, c.Slot})
			}
		case models.EventAddToCart, models.EventPurchase:
			k, ok := st.cur[actorItem]
			if !ok {
				k, ok = st.prev[actorItem]
			}
			if !ok {
				continue
			}
			c := st.counts[k]
			if c == nil {
				continue
			}
			if e.Type == models.EventAddToCart {
				c.Carts++
			} else {
				c.Purchases++
				c.Amount += e.Amount
			}
		}
	}
}

// slot returns the counts of scene/slot (slot defaults to the scene), nil
// for events of no scene or past maxSlots lists.
func (st *slotStats) slot(scene, slot string) *SlotCounts {
	if scene == "" {
		return nil
	}
	if slot == "" {
		slot = scene
	}
	k := slotKey{scene, slot}
	c := st.counts[k]
	if c == nil {
		if len(st.counts) >= maxSlots {
			return nil
		}
		c = &SlotCounts{Scene: scene, Slot: slot}
		st.counts[k] = c
	}
	return c
}

// label adds e's label when it responds to a recommendation impression;
// callers hold mu.
func (st *slotStats) label(labels []ctr.Label, e *models.Event, actorItem string) []ctr.Label {
	if e.ItemID == "" {
		return labels
	}
	imp := e.ImpressionID
	switch e.Type {
	case models.EventClick:
		if !isRecImpression(imp) {
			return labels
		}
		if len(st.curImp) >= maxAttributions {
			st.prevImp, st.curImp = st.curImp, make(map[string]string, 1024)
		}
		st.curImp[actorItem] = imp
	case models.EventAddToCart, models.EventPurchase:
		if !isRecImpression(imp) {
			var ok bool
			if imp, ok = st.curImp[actorItem]; !ok {
				imp = st.prevImp[actorItem]
			}
		}
		if imp == "" {
			return labels
		}
	default:
		return labels
	}
	at := e.Time
	if at.IsZero() {
		at = st.now()
	}
	return append(labels, ctr.Label{Impression: imp, Item: e.ItemID, Type: e.Type, At: at})
}

// isRecImpression reports whether id is one /api/recommend gave out.
func isRecImpression(id string) bool { return strings.HasPrefix(id, recImpressionPrefix) }

func (st *slotStats) remember(actorItem string, k slotKey) {
	if len(st.cur) >= maxAttributions {
		st.prev, st.cur = st.cur, make(map[string]slotKey, 1024)
	}
	st.cur[actorItem] = k
}

// snapshot returns every list's figures, the most shown first.
func (st *slotStats) snapshot() []SlotCounts {
	st.mu.Lock()
	out := make([]SlotCounts, 0, len(st.counts))
	for _, c := range st.counts {
		x := *c
		if x.Impressions > 0 {
			x.CTR = float64(x.Clicks) / float64(x.Impressions)
		}
		if x.Clicks > 0 {
			x.CVR = float64(x.Purchases) / float64(x.Clicks)
		}
		out = append(out, x)
	}
	st.mu.Unlock()
	slices.SortFunc(out, func(a, b SlotCounts) int {
		if c := cmp.Compare(b.Impressions, a.Impressions); c != 0 {
			return c
		}
		return cmp.Or(cmp.Compare(a.Scene, b.Scene), cmp.Compare(a.Slot, b.Slot))
	})
	return out
}

// slotStatsRoute serves GET /api/admin/stats/slots.
func (h *eventsAPI) slotStatsRoute(c *gin.Context) {
	h.s.respond(c, http.StatusOK, gin.H{"slots": h.slots.snapshot()})
}
