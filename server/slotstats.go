package server

import (
	"net/http"
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
// ranking statistics, not these). They are counted in the server's
// Prometheus registry (shopsearch_slot_actions_total and
// shopsearch_slot_purchase_amount_yuan_total, metrics.go), and GET
// /api/admin/stats/slots reads them back from it (metrics_read.go): the
// console and a Prometheus server see the same numbers.

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
// words, and each list is a set of series in /metrics); maxAttributions
// the remembered last clicks, per generation.
const (
	maxSlots        = 200
	maxAttributions = 100_000
)

type slotKey struct{ scene, slot string }

// slotStats attributes and counts, safe for concurrent use.
type slotStats struct {
	now     func() time.Time // an event's time when it has none
	metrics slotMetrics
	mu      sync.Mutex
	lists   map[slotKey]bool // the lists counted, at most maxSlots
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

func newSlotStats(now func() time.Time, m slotMetrics) *slotStats {
	return &slotStats{now: now, metrics: m, lists: map[slotKey]bool{}, cur: map[string]slotKey{}, curImp: map[string]string{}}
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
			if k, ok := st.slot(e.Scene, e.Slot); ok {
				st.metrics.actions.WithLabelValues(k.scene, k.slot, slotImpression).Add(float64(len(e.Items)))
			}
		case models.EventClick:
			if k, ok := st.slot(e.Scene, e.Slot); ok {
				st.metrics.actions.WithLabelValues(k.scene, k.slot, slotClick).Inc()
				st.remember(actorItem, k)
			}
		case models.EventAddToCart, models.EventPurchase:
			k, ok := st.cur[actorItem]
			if !ok {
				k, ok = st.prev[actorItem]
			}
			if !ok || !st.lists[k] {
				continue
			}
			if e.Type == models.EventAddToCart {
				st.metrics.actions.WithLabelValues(k.scene, k.slot, slotCart).Inc()
			} else {
				st.metrics.actions.WithLabelValues(k.scene, k.slot, slotPurchase).Inc()
				if e.Amount > 0 { // a counter only goes up
					st.metrics.amount.WithLabelValues(k.scene, k.slot).Add(e.Amount)
				}
			}
		}
	}
}

// slot returns the list of scene/slot (slot defaults to the scene), false
// for events of no scene or past maxSlots lists. A list's series start at
// 0 when it is first seen.
func (st *slotStats) slot(scene, slot string) (slotKey, bool) {
	if scene == "" {
		return slotKey{}, false
	}
	if slot == "" {
		slot = scene
	}
	k := slotKey{scene, slot}
	if !st.lists[k] {
		if len(st.lists) >= maxSlots {
			return slotKey{}, false
		}
		st.lists[k] = true
		for _, a := range slotActions {
			st.metrics.actions.WithLabelValues(scene, slot, a)
		}
		st.metrics.amount.WithLabelValues(scene, slot)
	}
	return k, true
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

// slotStatsRoute serves GET /api/admin/stats/slots: every list's figures,
// as the registry has them (metrics_read.go), the most shown first.
func (h *eventsAPI) slotStatsRoute(c *gin.Context) {
	v, err := h.s.metrics.view()
	if err != nil {
		h.s.fail(c, err)
		return
	}
	h.s.respond(c, http.StatusOK, gin.H{"slots": v.slotCounts()})
}
