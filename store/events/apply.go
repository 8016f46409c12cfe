package events

import (
	"context"
	"time"

	"shopsearch/models"
)

// sep joins the parts of the fraud rules' keys (ids have no control
// characters).
const sep = "\x1f"

// counterTTL is how long a daily cap's counter lives: its day and a spare.
const counterTTL = 48 * time.Hour

// unit is one countable part of an event: an item of an impression, the
// item of a click, add_to_cart, favorite or purchase, the query of a search.
type unit struct {
	event int
	item  string
	// once and onceIP index the admission's claims (-1: none); seen its
	// checks of the actor's impressions of the item (-1: none).
	once, onceIP, seen int
	// shownBefore: an earlier impression of the same batch showed the
	// item to the click's actor (the store's checks precede its claims).
	shownBefore bool
}

// apply runs the fraud rules on evs (valid events) and writes them: every
// event to the actor's recent behaviour or exposure history, and the units
// the rules let through to the item and query counters.
func (in *Ingester) apply(ctx context.Context, evs []models.Event) error {
	units, adm, actorCtr, ipCtr := in.plan(evs)
	counted := make([]bool, len(units))
	if in.cfg.NoFraudRules {
		for i := range counted {
			counted[i] = true
		}
	} else {
		got, err := in.st.Admit(ctx, adm)
		if err != nil {
			return err
		}
		first, counts := got.First, got.Counts
		var repeat, capped, unseen int64
		for i, u := range units {
			e := &evs[u.event]
			over := counts[actorCtr[u.event]] > int64(in.cfg.ActorDailyCap) ||
				e.IP != "" && counts[ipCtr[u.event]] > int64(in.cfg.IPDailyCap)
			switch {
			case over:
				capped++
			case u.seen >= 0 && !got.Seen[u.seen] && !got.Seen[u.seen+1] && !u.shownBefore:
				unseen++
			case u.once >= 0 && !first[u.once], u.onceIP >= 0 && !first[u.onceIP]:
				repeat++
			default:
				counted[i] = true
			}
		}
		in.repeat.Add(repeat)
		in.capped.Add(capped)
		in.unseen.Add(unseen)
	}

	var b models.BehaviorBatch
	for i := range evs {
		e := &evs[i]
		actor := Actor(e)
		if e.Type == models.EventImpression {
			for _, id := range e.Items {
				b.Exposures = append(b.Exposures, models.Exposure{Actor: actor, Slot: SlotKey(e.Scene, e.Slot),
					Item: id, At: e.Time, TTL: in.cfg.ExposureTTL})
			}
			continue
		}
		b.Recent = append(b.Recent, models.RecentEntry{Actor: actor,
			B: models.Behavior{Type: e.Type, ItemID: e.ItemID, Query: e.Query, At: e.Time}})
	}
	var n int64
	var searches []*models.Event
	for i, u := range units {
		if !counted[i] {
			continue
		}
		n++
		e := &evs[u.event]
		day := e.Time.Unix() / 86400
		var c models.ItemCounts
		switch e.Type {
		case models.EventSearch:
			b.Queries = append(b.Queries, models.QueryDelta{Query: e.Query, Day: day, N: 1})
			searches = append(searches, e)
			continue
		case models.EventImpression:
			c.Impressions = 1
		case models.EventClick:
			c.Clicks = 1
		case models.EventAddToCart:
			c.Carts = 1
		case models.EventFavorite:
			c.Favorites = 1
		case models.EventPurchase:
			c.Purchases, c.Units, c.Amount = 1, int64(e.Quantity), e.Amount
		}
		b.Items = append(b.Items, models.ItemDelta{Item: u.item, Day: day, Counts: c})
	}
	if err := in.st.RecordBehavior(ctx, &b); err != nil {
		return err
	}
	in.counted.Add(n)
	if in.cfg.OnSearch != nil {
		for _, e := range searches {
			results := -1
			if e.Results != nil {
				results = *e.Results
			}
			in.cfg.OnSearch(e.Query, results, e.Time)
		}
	}
	return nil
}

// plan lists the units of evs and the admission the fraud rules ask of
// the store: a claim per unit for its actor and for its IP, a daily
// counter per event for each. actorCtr and ipCtr index an event's
// counters in adm.Counters.
func (in *Ingester) plan(evs []models.Event) (units []unit, adm models.Admission, actorCtr, ipCtr []int) {
	// A claim is keyed by its window and must outlive the next one too:
	// a click is attributed to an impression of this window or the one
	// before (shown), so one window's TTL from the claim lost impressions
	// shown late in a window to clicks early in the next.
	adm.OnceTTL, adm.CounterTTL = 2*in.cfg.Window, counterTTL
	actorCtr, ipCtr = make([]int, len(evs)), make([]int, len(evs))
	claim := func(who string, e *models.Event, what string) int {
		if who == "" {
			return -1
		}
		adm.Once = append(adm.Once, who+sep+string(e.Type)+sep+what+sep+window(e.Time, in.cfg.Window))
		return len(adm.Once) - 1
	}
	// shown checks the claims of the actor's impressions of item in the
	// window of t and the one before: a click's attribution.
	shown := func(actor, item string, t time.Time) int {
		if in.cfg.ClicksWithoutImpression {
			return -1
		}
		k := actor + sep + string(models.EventImpression) + sep + item + sep
		adm.Seen = append(adm.Seen, k+window(t, in.cfg.Window), k+window(t.Add(-in.cfg.Window), in.cfg.Window))
		return len(adm.Seen) - 2
	}
	var batchShown map[string]time.Time // actor sep item → the latest impression of the batch
	for i := range evs {
		e := &evs[i]
		actor, ip := Actor(e), ""
		if e.IP != "" {
			ip = "ip:" + e.IP
		}
		day := window(e.Time, 24*time.Hour)
		actorCtr[i] = len(adm.Counters)
		adm.Counters = append(adm.Counters, actor+sep+day)
		if ip != "" {
			ipCtr[i] = len(adm.Counters)
			adm.Counters = append(adm.Counters, ip+sep+day)
		}
		switch e.Type {
		case models.EventImpression:
			for _, id := range e.Items {
				units = append(units, unit{event: i, item: id, once: claim(actor, e, id), onceIP: claim(ip, e, id), seen: -1})
				if !in.cfg.ClicksWithoutImpression {
					if batchShown == nil {
						batchShown = map[string]time.Time{}
					}
					if k := actor + sep + id; e.Time.After(batchShown[k]) {
						batchShown[k] = e.Time
					}
				}
			}
		case models.EventSearch:
			units = append(units, unit{event: i, once: claim(actor, e, e.Query), onceIP: claim(ip, e, e.Query), seen: -1})
		case models.EventPurchase:
			units = append(units, unit{event: i, item: e.ItemID, once: -1, onceIP: -1, seen: -1})
		case models.EventClick:
			at, ok := batchShown[actor+sep+e.ItemID]
			before := ok && !at.After(e.Time.Add(time.Minute)) && e.Time.Sub(at) < 2*in.cfg.Window
			units = append(units, unit{event: i, item: e.ItemID, seen: shown(actor, e.ItemID, e.Time), shownBefore: before,
				once: claim(actor, e, e.ItemID), onceIP: claim(ip, e, e.ItemID)})
		default:
			units = append(units, unit{event: i, item: e.ItemID, once: claim(actor, e, e.ItemID), onceIP: claim(ip, e, e.ItemID), seen: -1})
		}
	}
	return units, adm, actorCtr, ipCtr
}
