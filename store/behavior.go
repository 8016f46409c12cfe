package store

import (
	"time"

	"shopsearch/models"
)

// Limits of the behaviour data, the same for both stores.
const (
	// RecentLimit is how many entries of each type an actor's recent
	// behaviour keeps (the newest).
	RecentLimit = 100
	// RecentTTL is how long an actor's recent behaviour of a type lives
	// after its last write.
	RecentTTL = 30 * 24 * time.Hour
	// DayTTL is how long a day's item and query counters live after the
	// day: long enough for the 30-day window.
	DayTTL = 31 * 24 * time.Hour
)

// Day is the day of t: days since the Unix epoch, UTC.
func Day(t time.Time) int64 { return t.Unix() / 86400 }

// addCounts adds d to c.
func addCounts(c *models.ItemCounts, d models.ItemCounts) {
	c.Impressions += d.Impressions
	c.Clicks += d.Clicks
	c.Carts += d.Carts
	c.Favorites += d.Favorites
	c.Purchases += d.Purchases
	c.Units += d.Units
	c.Amount += d.Amount
}

// addWindows adds the counters c of day to the windows of today that
// contain it.
func addWindows(w *models.ItemWindows, day, today int64, c models.ItemCounts) {
	age := today - day
	if age < 0 {
		age = 0 // a few minutes in the future: today
	}
	if age < 30 {
		addCounts(&w.Day30, c)
	}
	if age < 7 {
		addCounts(&w.Day7, c)
	}
	if age < 1 {
		addCounts(&w.Day1, c)
	}
}

// mergeItems sums the deltas of the same item and day, so that a batch
// writes each counter once.
func mergeItems(ds []models.ItemDelta) []models.ItemDelta {
	if len(ds) < 2 {
		return ds
	}
	type key struct {
		item string
		day  int64
	}
	at := make(map[key]int, len(ds))
	out := make([]models.ItemDelta, 0, len(ds))
	for _, d := range ds {
		k := key{d.Item, d.Day}
		if i, ok := at[k]; ok {
			addCounts(&out[i].Counts, d.Counts)
			continue
		}
		at[k] = len(out)
		out = append(out, d)
	}
	return out
}

// metrics names the counters of models.ItemCounts as the stores keep
// them, with accessors.
var metrics = []struct {
	name string
	get  func(*models.ItemCounts) float64
	set  func(*models.ItemCounts, float64)
}{
	{"imp", func(c *models.ItemCounts) float64 { return float64(c.Impressions) }, func(c *models.ItemCounts, v float64) { c.Impressions = int64(v) }},
	{"clk", func(c *models.ItemCounts) float64 { return float64(c.Clicks) }, func(c *models.ItemCounts, v float64) { c.Clicks = int64(v) }},
	{"cart", func(c *models.ItemCounts) float64 { return float64(c.Carts) }, func(c *models.ItemCounts, v float64) { c.Carts = int64(v) }},
	{"fav", func(c *models.ItemCounts) float64 { return float64(c.Favorites) }, func(c *models.ItemCounts, v float64) { c.Favorites = int64(v) }},
	{"buy", func(c *models.ItemCounts) float64 { return float64(c.Purchases) }, func(c *models.ItemCounts, v float64) { c.Purchases = int64(v) }},
	{"units", func(c *models.ItemCounts) float64 { return float64(c.Units) }, func(c *models.ItemCounts, v float64) { c.Units = int64(v) }},
	{"amt", func(c *models.ItemCounts) float64 { return c.Amount }, func(c *models.ItemCounts, v float64) { c.Amount = v }},
}

// sep joins the parts of a composite key; the ingester refuses ids with
// control characters, so it cannot occur inside a part.
const sep = "\x1f"
