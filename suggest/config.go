package suggest

import "time"

// Config tunes suggest. Zero fields take the values of DefaultConfig, the
// one place defaults live.
type Config struct {
	// DataDir holds the merchandisers' configuration (ConfigFile). Empty
	// keeps it in memory only.
	DataDir string

	Interval time.Duration // how often Run rebuilds the index

	DefaultN      int // suggestions when the request asks for none
	MaxN          int // most suggestions one request may ask for
	MaxQueryRunes int // longest input
	HotSize       int // hot searches served

	// ScanKeys is the most keys one range scan visits. Prefixes shared by
	// more keys are answered from the table of their best candidates.
	ScanKeys int
	// PerKey is how many candidates, best first, a key and a shared prefix
	// keep. It bounds how far a personal boost can lift a candidate.
	PerKey int

	MaxLogged    int           // logged queries considered per build, most searched first
	CountTTL     time.Duration // how long a build reuses what Count said of a query
	LogCapacity  int           // queries the in-memory log keeps
	HalfLifeDays float64       // a logged search counts half after this many days

	MinRunes int // shortest candidate, in runes
	MaxRunes int // longest candidate, in runes
	// MinTitleItems is how many items' titles must share a Latin name
	// (iphone, mate40) for it to be suggested (titleterms.go).
	MinTitleItems int
	// FuzzyMinLetters is the shortest Latin or pinyin input that may match
	// with one typo.
	FuzzyMinLetters int

	Weights Weights
}

// Weights blend a candidate's signals into its score. Popularity, results
// and commerce are each log-scaled and divided by the largest value among
// the candidates, so each lies in [0, 1] before weighting.
type Weights struct {
	Popularity float64 // decayed count of searches for it
	Results    float64 // items it finds
	Commerce   float64 // 30-day sales of the items behind it
	Personal   float64 // added when one of its categories is among the shopper's
	// CategoryOnly multiplies the score of a category name that is no
	// product noun, brand or search as well: shoppers type product nouns.
	CategoryOnly float64

	// Factors by how the input matched: the static score is multiplied by
	// the factor of the best way a candidate matched.
	Prefix, Pinyin, Initials, Mixed, Fuzzy float64
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{
		Interval:        10 * time.Minute,
		DefaultN:        10,
		MaxN:            20,
		MaxQueryRunes:   50,
		HotSize:         10,
		ScanKeys:        512,
		PerKey:          48,
		MaxLogged:       20_000,
		CountTTL:        time.Hour,
		LogCapacity:     100_000,
		HalfLifeDays:    7,
		MinRunes:        2,
		MaxRunes:        20,
		MinTitleItems:   3,
		FuzzyMinLetters: 3,
		Weights: Weights{
			Popularity: 0.5, Results: 0.2, Commerce: 0.3, Personal: 0.15, CategoryOnly: 0.7,
			Prefix: 1, Pinyin: 0.95, Initials: 0.9, Mixed: 0.95, Fuzzy: 0.6,
		},
	}
}

// withDefaults fills the zero fields of c from DefaultConfig.
func (c Config) withDefaults() Config {
	d := DefaultConfig()
	pos := func(v *int, def int) {
		if *v <= 0 {
			*v = def
		}
	}
	if c.Interval <= 0 {
		c.Interval = d.Interval
	}
	pos(&c.DefaultN, d.DefaultN)
	pos(&c.MaxN, d.MaxN)
	c.DefaultN = min(c.DefaultN, c.MaxN)
	pos(&c.MaxQueryRunes, d.MaxQueryRunes)
	pos(&c.HotSize, d.HotSize)
	pos(&c.ScanKeys, d.ScanKeys)
	pos(&c.PerKey, d.PerKey)
	c.PerKey = min(max(c.PerKey, c.MaxN), 1<<valueShift-1)
	pos(&c.MaxLogged, d.MaxLogged)
	if c.CountTTL <= 0 {
		c.CountTTL = d.CountTTL
	}
	pos(&c.LogCapacity, d.LogCapacity)
	if c.HalfLifeDays <= 0 {
		c.HalfLifeDays = d.HalfLifeDays
	}
	pos(&c.MinRunes, d.MinRunes)
	pos(&c.MaxRunes, d.MaxRunes)
	pos(&c.MinTitleItems, d.MinTitleItems)
	pos(&c.FuzzyMinLetters, d.FuzzyMinLetters)
	if c.Weights == (Weights{}) {
		c.Weights = d.Weights
	}
	return c
}
