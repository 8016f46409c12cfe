package recall

import "time"

// Similarity selects the item-to-item co-occurrence similarity.
type Similarity string

// The similarities Build knows.
const (
	Cosine Similarity = "cosine" // weighted co-count / sqrt(weighted counts), shrunk
	Swing  Similarity = "swing"  // Swing: co-occurring pairs of sessions, damped by their overlap
)

// Config holds every tunable of Build. Zero fields take the defaults of
// DefaultConfig (one place), so a caller sets only what it changes.
type Config struct {
	// EventWeights weighs an event by type (view, cart, fav, buy) in the
	// co-occurrence counts. Sessions-only input is all views.
	EventWeights [numEventTypes]float64
	Item         ItemConfig
	SKNN         SKNNConfig
	Hot          HotConfig
	// SessionOnly skips the item-to-item table (Similar then returns
	// nothing): next-item evaluation needs only the session tables.
	SessionOnly bool
	// CoBuyTopK bounds the ordered co-purchase graph's out-degree.
	CoBuyTopK int
}

// ItemConfig tunes the item-to-item neighbour table.
type ItemConfig struct {
	Similarity Similarity
	TopK       int // neighbours kept per item
	// Window is the largest distance (in positions) of a counted pair; 0
	// counts every pair of a session.
	Window int
	// PositionDecay: a pair d positions apart weighs 1/d^PositionDecay.
	PositionDecay float64
	// Backward weighs a pair whose neighbour came before the item, relative
	// to 1 for one that came after (order awareness; 1 = symmetric).
	Backward float64
	// IUF divides a session's contribution by log2(1+its length)
	// (inverse user frequency: long histories say less about each pair).
	IUF bool
	// Shrinkage multiplies a similarity by n/(n+Shrinkage), n the number of
	// sessions with the pair, so rare pairs do not look perfect.
	Shrinkage float64
	// TimeHalfLife halves a pair's weight per this much time between the two
	// events (needs event times; 0 = off).
	TimeHalfLife time.Duration
	// SwingAlpha damps Swing's 1/(alpha + overlap); SwingUsers caps the
	// sessions per item it pairs (the newest are kept).
	SwingAlpha float64
	SwingUsers int
}

// SKNNConfig tunes the session-based neighbours (STAN-style session kNN).
type SKNNConfig struct {
	Neighbours int     // k: neighbour sessions kept
	Sample     int     // at most this many most recent sessions per shared item are considered
	Lambda1    float64 // the current session's item p from the end weighs exp(-p/Lambda1)
	Lambda2    float64 // a neighbour session Δ sessions older weighs exp(-Δ/(Lambda2·N)), N the training sessions; 0 = off
	Lambda3    float64 // an item d positions from the match in a neighbour weighs exp(-d/Lambda3)
	IDF        bool    // weigh shared items by log(sessions/sessions with the item)
	// Remind adds Remind·max·exp(-r/RemindDecay) to an item of the current
	// session itself (repeat consumption), r its recency rank among the
	// session's distinct items (0 = the last one) and max the best kNN
	// score; each earlier occurrence adds RemindRepeat times as much.
	// Remind 0 never recommends them back.
	Remind       float64
	RemindDecay  float64
	RemindRepeat float64
	// ItemIDF boosts a recommended item's kNN score by (1 + ItemIDF·idf):
	// rarer items, which say more about the neighbour, count more.
	ItemIDF float64
	// Before weighs neighbour items that came before the match, relative to
	// 1 for those after it (the session's direction).
	Before float64
	// Similar mixes in the item-to-item neighbours of the session's items
	// (recent ones weighing more) with this weight.
	Similar float64
	// Transition mixes in the ordered transition graph from the last item
	// (sequential rules) with this weight relative to the kNN score.
	Transition float64
}

// HotConfig tunes the hot lists.
type HotConfig struct {
	TopK int // items kept per list
	// Prior is the Bayesian prior strength m: a category's item score is
	// (count + m·globalShare·catTotal/… ) — see doc/recommend.md.
	Prior float64
	// HalfLife decays old events when event times are known (0 = off).
	HalfLife time.Duration
}

// DefaultConfig returns the defaults, tuned on a held-out tail of the
// Diginetica sessions (see doc/recommend.md).
func DefaultConfig() Config {
	return Config{
		EventWeights: [numEventTypes]float64{View: 1, Cart: 3, Fav: 2, Buy: 4},
		Item: ItemConfig{
			Similarity:    Cosine,
			TopK:          100,
			Window:        5,
			PositionDecay: 1,
			Backward:      0.5,
			IUF:           true,
			Shrinkage:     2,
			SwingAlpha:    1,
			SwingUsers:    100,
		},
		SKNN: SKNNConfig{
			Neighbours:   300,
			Sample:       3000,
			Lambda1:      3,
			Lambda2:      0.6,
			Lambda3:      6,
			IDF:          true,
			ItemIDF:      0.3,
			Remind:       2,
			RemindDecay:  3,
			RemindRepeat: 1,
			Similar:      0.3,
			Transition:   0.3,
			Before:       1,
		},
		Hot:       HotConfig{TopK: 200, Prior: 20},
		CoBuyTopK: 50,
	}
}

// withDefaults fills zero fields from DefaultConfig.
func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.EventWeights == ([numEventTypes]float64{}) {
		c.EventWeights = d.EventWeights
	}
	fill := func(p *int, v int) {
		if *p == 0 {
			*p = v
		}
	}
	fillF := func(p *float64, v float64) {
		if *p == 0 {
			*p = v
		}
	}
	if c.Item.Similarity == "" {
		c.Item.Similarity = d.Item.Similarity
	}
	fill(&c.Item.TopK, d.Item.TopK)
	fillF(&c.Item.SwingAlpha, d.Item.SwingAlpha)
	fill(&c.Item.SwingUsers, d.Item.SwingUsers)
	fill(&c.SKNN.Neighbours, d.SKNN.Neighbours)
	fill(&c.SKNN.Sample, d.SKNN.Sample)
	fillF(&c.SKNN.Lambda1, d.SKNN.Lambda1)
	fillF(&c.SKNN.Lambda3, d.SKNN.Lambda3)
	fillF(&c.SKNN.RemindDecay, d.SKNN.RemindDecay)
	fill(&c.Hot.TopK, d.Hot.TopK)
	fill(&c.CoBuyTopK, d.CoBuyTopK)
	return c
}
