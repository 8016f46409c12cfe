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
	// once, onceSession and onceIP index the admission's claims (-1:
	// none); seen its checks of the actor's impressions of the item (-1:
	// none).
	once, onceSession, onceIP, seen int
	// shownBefore: an earlier impression of the same batch showed the
	// item to the click's actor (the store's checks precede its claims).
	shownBefore bool
	// untrusted: an anonymous purchase, never counted.
	untrusted bool
}

// eventPlan is what the admission asks about one event.
type eventPlan struct {
	id        int // the check of its id in adm.Seen; -1: none
	ctrs      int // its counters: adm.Counters[ctrs:ctrsEnd]
	ctrsEnd   int
	duplicate bool // its id repeats one of the same batch
}

// apply runs the fraud rules on evs (valid events) and writes them: every
// event to the actor's recent behaviour or exposure history, and the units
// the rules let through to the item and query counters. An event whose id
// was applied before is skipped whole; the ids of the others are written
// with the batch.
func (in *Ingester) apply(ctx context.Context, evs []models.Event) error {
	units, adm, plans, limits := in.plan(evs)
	counted := make([]bool, len(units))
	skip := make([]bool, len(evs))
	for i, p := range plans {
		skip[i] = p.duplicate
	}
	if len(adm.Seen)+len(adm.Once)+len(adm.Counters) > 0 {
		got, err := in.st.Admit(ctx, adm)
		if err != nil {
			return err
		}
		var repeat, capped, unseen, untrusted int64
		for i, p := range plans {
			if p.id >= 0 && got.Seen[p.id] {
				skip[i] = true
			}
		}
		for i, u := range units {
			if skip[u.event] {
				continue
			}
			p := plans[u.event]
			over := false
			for j := p.ctrs; j < p.ctrsEnd; j++ {
				over = over || got.Counts[j] > limits[j]
			}
			first := func(k int) bool { return k < 0 || got.First[k] }
			switch {
			case u.untrusted:
				untrusted++
			case in.cfg.NoFraudRules || evs[u.event].Trusted:
				counted[i] = true
			case over:
				capped++
			case u.seen >= 0 && !got.Seen[u.seen] && !got.Seen[u.seen+1] && !u.shownBefore:
				unseen++
			case !first(u.once) || !first(u.onceSession) || !first(u.onceIP):
				repeat++
			default:
				counted[i] = true
			}
		}
		in.repeat.Add(repeat)
		in.capped.Add(capped)
		in.unseen.Add(unseen)
		in.untrusted.Add(untrusted)
	} else {
		var untrusted int64
		for i, u := range units {
			counted[i] = !u.untrusted
			if u.untrusted {
				untrusted++
			}
		}
		in.untrusted.Add(untrusted)
	}

	var b models.BehaviorBatch
	var dups int64
	for i := range evs {
		e := &evs[i]
		if skip[i] {
			dups++
			continue
		}
		if plans[i].id >= 0 {
			b.Marks = append(b.Marks, adm.Seen[plans[i].id])
			b.MarkTTL = in.cfg.IDTTL
		}
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
		if !counted[i] || skip[u.event] {
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
	in.dups.Add(dups)
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

// idKey is the claim of an event's id: trusted and anonymous ids apart (an
// anonymous client cannot spend an order's id), "" for none.
func idKey(e *models.Event) string {
	switch {
	case e.EventID == "":
		return ""
	case e.Trusted:
		return "id" + sep + "t" + sep + e.EventID
	}
	return "id" + sep + "a" + sep + e.EventID
}

// plan lists the units of evs and the admission the fraud rules ask of
// the store: a check of each event's id, a claim per unit for its actor,
// session and IP, daily counters of events and units per event for each
// (limits holds the counters' caps). Trusted events ask only about their
// ids.
func (in *Ingester) plan(evs []models.Event) (units []unit, adm models.Admission, plans []eventPlan, limits []int64) {
	// A claim is keyed by its window and must outlive the next one too:
	// a click is attributed to an impression of this window or the one
	// before (shown), so one window's TTL from the claim lost impressions
	// shown late in a window to clicks early in the next.
	adm.OnceTTL, adm.CounterTTL = 2*in.cfg.Window, counterTTL
	plans = make([]eventPlan, len(evs))
	rules := !in.cfg.NoFraudRules
	claim := func(who string, e *models.Event, what string) int {
		if who == "" || !rules || e.Trusted {
			return -1
		}
		adm.Once = append(adm.Once, who+sep+string(e.Type)+sep+what+sep+window(e.Time, in.cfg.Window))
		return len(adm.Once) - 1
	}
	// shown checks the claims of the actor's impressions of item in the
	// window of t and the one before: a click's attribution.
	shown := func(e *models.Event, actor, item string, t time.Time) int {
		if in.cfg.ClicksWithoutImpression || !rules || e.Trusted {
			return -1
		}
		k := actor + sep + string(models.EventImpression) + sep + item + sep
		adm.Seen = append(adm.Seen, k+window(t, in.cfg.Window), k+window(t.Add(-in.cfg.Window), in.cfg.Window))
		return len(adm.Seen) - 2
	}
	counter := func(key string, add, limit int64) {
		adm.Counters = append(adm.Counters, key)
		adm.Add = append(adm.Add, add)
		limits = append(limits, limit)
	}
	var batchShown map[string]time.Time // actor sep item → the latest impression of the batch
	var batchIDs map[string]bool
	for i := range evs {
		e := &evs[i]
		p := &plans[i]
		p.id = -1
		if k := idKey(e); k != "" {
			if batchIDs[k] {
				p.duplicate = true
			} else {
				if batchIDs == nil {
					batchIDs = map[string]bool{}
				}
				batchIDs[k] = true
				adm.Seen = append(adm.Seen, k)
				p.id = len(adm.Seen) - 1
			}
		}
		actor, session, ip := Actor(e), "", ""
		if e.UserID != "" && e.SessionID != "" {
			session = "s:" + e.SessionID
		}
		if e.IP != "" {
			ip = "ip:" + e.IP
		}
		p.ctrs = len(adm.Counters)
		if rules && !e.Trusted {
			day := window(e.Time, 24*time.Hour)
			n := int64(1)
			if e.Type == models.EventImpression {
				n = int64(len(e.Items))
			}
			actorCap, actorUnits := int64(in.cfg.ActorDailyCap), int64(in.cfg.ActorDailyUnits)
			counter(actor+sep+day, 1, actorCap)
			counter(actor+sep+"u"+sep+day, n, actorUnits)
			if session != "" {
				counter(session+sep+day, 1, actorCap)
				counter(session+sep+"u"+sep+day, n, actorUnits)
			}
			if ip != "" {
				counter(ip+sep+day, 1, int64(in.cfg.IPDailyCap))
				counter(ip+sep+"u"+sep+day, n, int64(in.cfg.IPDailyUnits))
			}
		}
		p.ctrsEnd = len(adm.Counters)
		switch e.Type {
		case models.EventImpression:
			for _, id := range e.Items {
				units = append(units, unit{event: i, item: id, seen: -1,
					once: claim(actor, e, id), onceSession: claim(session, e, id), onceIP: claim(ip, e, id)})
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
			units = append(units, unit{event: i, seen: -1,
				once: claim(actor, e, e.Query), onceSession: claim(session, e, e.Query), onceIP: claim(ip, e, e.Query)})
		case models.EventPurchase:
			units = append(units, unit{event: i, item: e.ItemID, once: -1, onceSession: -1, onceIP: -1, seen: -1,
				untrusted: !e.Trusted && !in.cfg.AnonymousPurchases})
		case models.EventClick:
			at, ok := batchShown[actor+sep+e.ItemID]
			before := ok && !at.After(e.Time.Add(time.Minute)) && e.Time.Sub(at) < 2*in.cfg.Window
			units = append(units, unit{event: i, item: e.ItemID, seen: shown(e, actor, e.ItemID, e.Time), shownBefore: before,
				once: claim(actor, e, e.ItemID), onceSession: claim(session, e, e.ItemID), onceIP: claim(ip, e, e.ItemID)})
		default:
			units = append(units, unit{event: i, item: e.ItemID, seen: -1,
				once: claim(actor, e, e.ItemID), onceSession: claim(session, e, e.ItemID), onceIP: claim(ip, e, e.ItemID)})
		}
	}
	return units, adm, plans, limits
}
