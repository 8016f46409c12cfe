package recall

import (
	"fmt"
	"math"
	"slices"
	"sync"
	"time"
)

// Model is a trained recall model. Build or Load it; after that it is
// read-only and safe for concurrent use.
type Model struct {
	d modelData

	index      map[string]int32
	itemSess   CSR       // item → sessions holding it (ascending, deduplicated)
	idf        []float32 // log(sessions / sessions with the item)
	popShare   []float64 // item's share of all weighted events
	catIndex   map[string]int32
	sessWeight []float32 // per session: recency weight / sqrt(length)
	posDecay   []float64 // exp(-d/λ3) by distance d
	scratch    sync.Pool // *scratch
}

// modelData is what a model file holds (gob-encoded after the header).
type modelData struct {
	Built    time.Time
	Config   Config
	IDs      []string  // item ids by dense id
	ItemCat  []int32   // category of an item, -1 unknown
	Cats     []string  // category names
	Pop      []float32 // weighted event count per item (time-decayed)
	Item     CSR       // item-to-item neighbours
	Next     CSR       // ordered transitions: j follows i in a session
	CoBuy    CSR       // ordered co-purchase (cart/buy events); may be empty
	Hot      []int32   // global hot list, best first
	HotByCat [][]int32 // per category hot list, by category id
	SessOff  []int32   // training sessions, for the session kNN
	Sess     []int32
	// BuildTime is how long Build took.
	BuildTime time.Duration
}

// Stats describes a model for logs and the train command.
type Stats struct {
	Items, Sessions, ItemEdges, NextEdges, CoBuyEdges int
	BuildTime                                         time.Duration
}

// Stats returns the model's sizes and build time.
func (m *Model) Stats() Stats {
	return Stats{
		Items: len(m.d.IDs), Sessions: max(0, len(m.d.SessOff)-1),
		ItemEdges: m.d.Item.NNZ(), NextEdges: m.d.Next.NNZ(), CoBuyEdges: m.d.CoBuy.NNZ(),
		BuildTime: m.d.BuildTime,
	}
}

func (s Stats) String() string {
	return fmt.Sprintf("items=%d sessions=%d item_edges=%d next_edges=%d cobuy_edges=%d build=%s",
		s.Items, s.Sessions, s.ItemEdges, s.NextEdges, s.CoBuyEdges, s.BuildTime)
}

// Build trains a model from sessions (oldest first). categories maps item →
// category for the per-category hot lists and may be nil. A zero cfg means
// DefaultConfig().
func Build(sessions []Session, categories map[string]string, cfg Config) (*Model, error) {
	start := time.Now()
	if cfg.Item.TopK == 0 && cfg.SKNN.Neighbours == 0 && cfg.Hot.TopK == 0 {
		cfg = DefaultConfig()
	}
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	c := newCorpus(sessions, categories)
	if len(c.ids) == 0 {
		return nil, fmt.Errorf("recall: no items to train on")
	}
	post := c.postings()
	d := modelData{Config: cfg, IDs: c.ids, ItemCat: c.itemC, Cats: c.cats, SessOff: c.off, Sess: c.items}
	switch {
	case cfg.SessionOnly:
		d.Item = CSR{Off: make([]int32, len(c.ids)+1)}
	case cfg.Item.Similarity == Swing:
		d.Item = itemSwing(c, post, &cfg)
	default:
		d.Item = itemCosine(c, post, &cfg)
	}
	d.Next = transitions(c, post, &cfg, int32(max(cfg.Item.Window, 1)), cfg.Item.TopK, false)
	hasBuy := false
	for _, t := range c.types {
		if t == Buy || t == Cart {
			hasBuy = true
			break
		}
	}
	if hasBuy {
		d.CoBuy = transitions(c, post, &cfg, 0, cfg.CoBuyTopK, true)
	}
	d.Pop, d.Hot, d.HotByCat = hotLists(c, &cfg)
	d.Built = time.Now().UTC()
	d.BuildTime = elapsed(start)
	return newModel(d)
}

// validate rejects settings that cannot work.
func (c Config) validate() error {
	for t, w := range c.EventWeights {
		if w < 0 || math.IsNaN(w) || math.IsInf(w, 0) {
			return fmt.Errorf("recall: event weight for %s must be a finite number ≥ 0, got %v", EventType(t), w)
		}
	}
	switch c.Item.Similarity {
	case Cosine, Swing:
	default:
		return fmt.Errorf("recall: unknown similarity %q (want cosine or swing)", c.Item.Similarity)
	}
	if c.Item.TopK < 1 || c.Item.TopK > 10000 || c.SKNN.Neighbours < 1 || c.SKNN.Sample < 1 {
		return fmt.Errorf("recall: TopK must be 1..10000 and Neighbours, Sample ≥ 1")
	}
	if c.Item.Window < 0 || c.Item.Backward < 0 || c.Item.Shrinkage < 0 || c.SKNN.Lambda1 <= 0 || c.SKNN.Lambda3 <= 0 || c.SKNN.Lambda2 < 0 {
		return fmt.Errorf("recall: window, backward, shrinkage and lambda2 must be ≥ 0, lambda1 and lambda3 > 0")
	}
	return nil
}

// newModel derives the lookup structures of a model from its data.
func newModel(d modelData) (*Model, error) {
	n := len(d.IDs)
	if len(d.ItemCat) != n || len(d.Pop) != n || !d.Item.valid(n) || !d.Next.valid(n) || !d.CoBuy.valid(n) {
		return nil, fmt.Errorf("recall: model tables do not match its %d items", n)
	}
	m := &Model{d: d, index: make(map[string]int32, n), catIndex: map[string]int32{}}
	for i, id := range d.IDs {
		if _, dup := m.index[id]; dup {
			return nil, fmt.Errorf("recall: item %q twice in the model", id)
		}
		m.index[id] = int32(i)
	}
	for i, c := range d.Cats {
		m.catIndex[c] = int32(i)
	}
	if len(d.HotByCat) != len(d.Cats) {
		return nil, fmt.Errorf("recall: %d hot lists for %d categories", len(d.HotByCat), len(d.Cats))
	}
	for _, list := range append([][]int32{d.Hot}, d.HotByCat...) {
		for _, it := range list {
			if it < 0 || int(it) >= n {
				return nil, fmt.Errorf("recall: hot list item out of range")
			}
		}
	}
	for _, ci := range d.ItemCat {
		if ci < -1 || int(ci) >= len(d.Cats) {
			return nil, fmt.Errorf("recall: bad category id %d", ci)
		}
	}
	if err := m.indexSessions(); err != nil {
		return nil, err
	}
	m.sessionWeights()
	var total float64
	for _, p := range d.Pop {
		total += float64(p)
	}
	m.popShare = make([]float64, n)
	for i, p := range d.Pop {
		if total > 0 {
			m.popShare[i] = float64(p) / total
		}
	}
	m.scratch.New = func() any { return newScratch(n, len(d.SessOff)-1) }
	return m, nil
}

// indexSessions builds item → sessions and the item IDF.
func (m *Model) indexSessions() error {
	d := &m.d
	n := len(d.IDs)
	if len(d.SessOff) == 0 || d.SessOff[0] != 0 || int(d.SessOff[len(d.SessOff)-1]) != len(d.Sess) {
		return fmt.Errorf("recall: malformed session table")
	}
	cnt := make([]int32, n+1)
	for s := 0; s+1 < len(d.SessOff); s++ {
		a, b := d.SessOff[s], d.SessOff[s+1]
		if a > b {
			return fmt.Errorf("recall: malformed session table")
		}
		for p := a; p < b; p++ {
			it := d.Sess[p]
			if it < 0 || int(it) >= n {
				return fmt.Errorf("recall: session item out of range")
			}
			if !slices.Contains(d.Sess[a:p], it) {
				cnt[it+1]++
			}
		}
	}
	for i := 1; i <= n; i++ {
		cnt[i] += cnt[i-1]
	}
	cols := make([]int32, cnt[n])
	fill := append([]int32(nil), cnt[:n]...)
	for s := 0; s+1 < len(d.SessOff); s++ {
		a, b := d.SessOff[s], d.SessOff[s+1]
		for p := a; p < b; p++ {
			it := d.Sess[p]
			if !slices.Contains(d.Sess[a:p], it) {
				cols[fill[it]] = int32(s)
				fill[it]++
			}
		}
	}
	m.itemSess = CSR{Off: cnt, Cols: cols}
	ns := float64(len(d.SessOff) - 1)
	m.idf = make([]float32, n)
	for i := 0; i < n; i++ {
		m.idf[i] = float32(math.Log(ns / float64(max(1, cnt[i+1]-cnt[i]))))
	}
	return nil
}

// Has reports whether the model knows item.
func (m *Model) Has(item string) bool { _, ok := m.index[item]; return ok }

// Items is the number of items the model knows.
func (m *Model) Items() int { return len(m.d.IDs) }

// ItemIDs calls fn for every item the model knows, in dense-id order.
func (m *Model) ItemIDs(fn func(id string)) {
	for _, id := range m.d.IDs {
		fn(id)
	}
}

// PopularityShare is the item's share of all (weighted) training events; 0
// for an unknown item.
func (m *Model) PopularityShare(item string) float64 {
	if i, ok := m.index[item]; ok {
		return m.popShare[i]
	}
	return 0
}

// dense maps ids to dense ids, dropping unknown ones.
func (m *Model) dense(items []string) []int32 {
	if len(items) > maxSessionLen {
		items = items[len(items)-maxSessionLen:]
	}
	out := make([]int32, 0, len(items))
	for _, it := range items {
		if i, ok := m.index[it]; ok {
			out = append(out, i)
		}
	}
	return out
}
