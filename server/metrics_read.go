package server

import (
	"cmp"
	"fmt"
	"slices"

	dto "github.com/prometheus/client_model/go"

	"shopsearch/store/events"
)

// The JSON figures the console's dashboards and /healthz show — the event
// intake's counters, the storefront lists' CTR and CVR — are read back
// from the server's Prometheus registry, the one /metrics exports, so the
// two never disagree and nothing is counted twice. (The top and
// zero-result queries, console.go, stay a query log: a query is no metric
// label.)

// registryView is one gathering of the registry: its metric families by
// name.
type registryView map[string]*dto.MetricFamily

// view gathers the registry. A collector that fails (the process
// collector without /proc) leaves the others' families, which are used.
func (m *metrics) view() (registryView, error) {
	fams, err := m.reg.Gather()
	if err != nil && len(fams) == 0 {
		return nil, fmt.Errorf("gather metrics: %w", err)
	}
	v := make(registryView, len(fams))
	for _, f := range fams {
		v[f.GetName()] = f
	}
	return v, nil
}

// value is the value of the counter or gauge name whose labels include
// the given name and value pairs (all of its series when none), summed; 0
// when there is none.
func (v registryView) value(name string, labels ...string) float64 {
	var sum float64
	for _, m := range v[name].GetMetric() {
		if hasLabels(m, labels) {
			sum += m.GetCounter().GetValue() + m.GetGauge().GetValue()
		}
	}
	return sum
}

func hasLabels(m *dto.Metric, pairs []string) bool {
	for i := 0; i+1 < len(pairs); i += 2 {
		if labelOf(m, pairs[i]) != pairs[i+1] {
			return false
		}
	}
	return true
}

func labelOf(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

// has reports whether the registry has a series of name.
func (v registryView) has(name string) bool { return len(v[name].GetMetric()) > 0 }

// eventCounters are the event intake's counters as the registry exports
// them (stateCollector): GET /api/admin/events/stats and /healthz.
func (v registryView) eventCounters() events.Counters {
	n := func(name string, labels ...string) int64 { return int64(v.value(name, labels...)) }
	const total, dropped = "shopsearch_events_total", "shopsearch_events_dropped_total"
	return events.Counters{
		Received:         n(total, "result", "received"),
		Rejected:         n(total, "result", "rejected"),
		Accepted:         n(total, "result", "accepted"),
		Counted:          n(total, "result", "counted"),
		Replayed:         n(total, "result", "replayed"),
		Duplicates:       n(total, "result", "duplicate"),
		DroppedRepeat:    n(dropped, "reason", "repeat"),
		DroppedCap:       n(dropped, "reason", "cap"),
		DroppedUnseen:    n(dropped, "reason", "unseen"),
		DroppedUntrusted: n(dropped, "reason", "untrusted"),
		BufferRefused:    n(dropped, "reason", "buffer_full"),
		Buffered:         n("shopsearch_events_buffered"),
		Degraded:         v.has("shopsearch_behavior_store_up") && v.value("shopsearch_behavior_store_up") == 0,
	}
}

// slotCounts are every storefront list's figures as the registry has them
// (slotstats.go), the most shown first.
func (v registryView) slotCounts() []SlotCounts {
	by := map[slotKey]*SlotCounts{}
	list := func(m *dto.Metric) *SlotCounts {
		k := slotKey{labelOf(m, "scene"), labelOf(m, "slot")}
		c := by[k]
		if c == nil {
			c = &SlotCounts{Scene: k.scene, Slot: k.slot}
			by[k] = c
		}
		return c
	}
	for _, m := range v["shopsearch_slot_actions_total"].GetMetric() {
		c, n := list(m), int64(m.GetCounter().GetValue())
		switch labelOf(m, "action") {
		case slotImpression:
			c.Impressions = n
		case slotClick:
			c.Clicks = n
		case slotCart:
			c.Carts = n
		case slotPurchase:
			c.Purchases = n
		}
	}
	for _, m := range v["shopsearch_slot_purchase_amount_yuan_total"].GetMetric() {
		list(m).Amount = m.GetCounter().GetValue()
	}
	out := make([]SlotCounts, 0, len(by))
	for _, c := range by {
		if c.Impressions > 0 {
			c.CTR = float64(c.Clicks) / float64(c.Impressions)
		}
		if c.Clicks > 0 {
			c.CVR = float64(c.Purchases) / float64(c.Clicks)
		}
		out = append(out, *c)
	}
	slices.SortFunc(out, func(a, b SlotCounts) int {
		if c := cmp.Compare(b.Impressions, a.Impressions); c != 0 {
			return c
		}
		return cmp.Or(cmp.Compare(a.Scene, b.Scene), cmp.Compare(a.Slot, b.Slot))
	})
	return out
}

// searchOutcomes are the searches answered 200 by outcome (results,
// relaxed, corrected, zero), as the registry counts them.
func (v registryView) searchOutcomes() map[string]int64 {
	out := map[string]int64{}
	for _, o := range []string{outcomeResults, outcomeRelaxed, outcomeCorrected, outcomeZero} {
		out[o] = int64(v.value("shopsearch_searches_total", "outcome", o))
	}
	return out
}
