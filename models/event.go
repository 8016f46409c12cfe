package models

import "time"

// EventType is the kind of a shopper event.
type EventType string

// The event types the storefront reports (POST /api/events).
const (
	EventImpression EventType = "impression"  // a list of items was shown
	EventClick      EventType = "click"       // an item was opened
	EventAddToCart  EventType = "add_to_cart" // an item was put in the cart
	EventFavorite   EventType = "favorite"    // an item was saved
	EventPurchase   EventType = "purchase"    // an item was bought
	EventSearch     EventType = "search"      // a query was searched
)

// EventTypes lists every event type, in a fixed order.
var EventTypes = []EventType{EventImpression, EventClick, EventAddToCart, EventFavorite, EventPurchase, EventSearch}

// Event is one shopper action as the storefront reports it. Exactly one of
// UserID (a signed-in shopper) and SessionID (an anonymous one) is the
// actor; both may be given, and then the user is the actor. Which fields
// an event needs depends on its Type (see doc/events.md); the ingesting
// package validates them.
type Event struct {
	Type      EventType `json:"type"`
	UserID    string    `json:"user_id,omitempty"`
	SessionID string    `json:"session_id,omitempty"`

	// ItemID is the item of a click, add_to_cart, favorite or purchase.
	ItemID string `json:"item_id,omitempty"`
	// Items is the list an impression showed, in display order.
	Items []string `json:"items,omitempty"`
	// ImpressionID names one impression, so that the clicks on its list
	// can refer to it.
	ImpressionID string `json:"impression_id,omitempty"`
	Scene        string `json:"scene,omitempty"` // where: search, home, cart, item…
	Slot         string `json:"slot,omitempty"`  // which list of the scene

	Query   string `json:"query,omitempty"`   // the text of a search
	Results *int   `json:"results,omitempty"` // how many items a search found

	Quantity int     `json:"quantity,omitempty"` // units bought (purchase)
	Amount   float64 `json:"amount,omitempty"`   // yuan paid (purchase)

	// Time is when it happened; the zero time means when it was received.
	Time   time.Time `json:"time,omitzero"`
	Region string    `json:"region,omitempty"`
	Device string    `json:"device,omitempty"`

	// EventID names the event (an order line, say) so that a resent event
	// counts once: a repeat of an id within the intake's window of
	// acceptance is dropped whole. Optional, except for a trusted purchase.
	EventID string `json:"event_id,omitempty"`

	// IP is the client's address, set by the server, never by the client.
	IP string `json:"-"`
	// Trusted is set by the server, never by the client, when the event
	// came through an authenticated path (the admin token or an order
	// system's signature): only trusted events count purchases and sales.
	Trusted bool `json:"-"`
}

// Behavior is one entry of a shopper's recent behaviour.
type Behavior struct {
	Type   EventType `json:"type"`
	ItemID string    `json:"item_id,omitempty"`
	Query  string    `json:"query,omitempty"`
	At     time.Time `json:"at"`
}

// ItemCounts are an item's behaviour counters over some days.
type ItemCounts struct {
	Impressions int64   `json:"impressions"`
	Clicks      int64   `json:"clicks"`
	Carts       int64   `json:"carts"`
	Favorites   int64   `json:"favorites"`
	Purchases   int64   `json:"purchases"` // purchase events (orders)
	Units       int64   `json:"units"`     // units bought
	Amount      float64 `json:"amount"`    // yuan
}

// ItemWindows are an item's counters over the last 1, 7 and 30 days.
type ItemWindows struct {
	ID    string     `json:"id"`
	Day1  ItemCounts `json:"day1"`
	Day7  ItemCounts `json:"day7"`
	Day30 ItemCounts `json:"day30"`
}

// ItemStats are an item's behaviour statistics: its 30-day counters and
// its Bayesian-smoothed click-through and conversion rates.
type ItemStats struct {
	ItemWindows
	CTR float64 `json:"ctr"` // smoothed clicks / impressions
	CVR float64 `json:"cvr"` // smoothed purchases / clicks
}

// QueryCount is a searched query and how many times it was counted.
type QueryCount struct {
	Query string `json:"query"`
	Count int64  `json:"count"`
}

// BehaviorBatch is what a batch of accepted events changes: the store
// applies it in one pipeline (Redis) or one transaction (the embedded store).
type BehaviorBatch struct {
	Recent    []RecentEntry
	Exposures []Exposure
	Items     []ItemDelta
	Queries   []QueryDelta
	// Marks are claims (the keys an Admission's Seen checks) written with
	// the rest of the batch, atomically: the ids of the events applied,
	// so that a replay of the same events skips them. They live MarkTTL.
	Marks   []string
	MarkTTL time.Duration
}

// Empty reports whether the batch changes nothing.
func (b *BehaviorBatch) Empty() bool {
	return len(b.Recent) == 0 && len(b.Exposures) == 0 && len(b.Items) == 0 && len(b.Queries) == 0 && len(b.Marks) == 0
}

// RecentEntry adds B to the recent behaviour of Actor (of type B.Type).
type RecentEntry struct {
	Actor string
	B     Behavior
}

// Exposure records that Item was shown to Actor in Slot at At; it is
// forgotten TTL after At.
type Exposure struct {
	Actor, Slot, Item string
	At                time.Time
	TTL               time.Duration
}

// ItemDelta adds Counts to Item's counters of Day (days since the Unix
// epoch, UTC).
type ItemDelta struct {
	Item   string
	Day    int64
	Counts ItemCounts
}

// QueryDelta adds N to the count of Query on Day.
type QueryDelta struct {
	Query string
	Day   int64
	N     int64
}

// Admission asks the store, for the fraud rules, in one round trip: for
// every Seen key whether it is claimed now (checked before the claims of
// the same admission), for every Once key whether it is the first time it
// is claimed within OnceTTL (then it is claimed), and for every Counter
// its value after adding its Add (one when Add is nil or the entry is 0;
// a counter lives CounterTTL after its first increment).
type Admission struct {
	Seen       []string
	Once       []string
	OnceTTL    time.Duration
	Counters   []string
	Add        []int64 // nil, or one per counter
	CounterTTL time.Duration
}

// AddOf is how much the i-th counter of a adds: its Add, or 1.
func (a *Admission) AddOf(i int) int64 {
	if i < len(a.Add) && a.Add[i] > 0 {
		return a.Add[i]
	}
	return 1
}

// Admitted is the store's answer to an Admission, in the order of its keys.
type Admitted struct {
	Seen   []bool
	First  []bool
	Counts []int64
}
