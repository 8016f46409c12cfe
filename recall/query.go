package recall

// Candidate is one recalled item with its score and the recaller that
// found it.
type Candidate struct {
	Item   string  `json:"item"`
	Score  float64 `json:"score"`
	Source string  `json:"source"`
}

// MaxN caps the number of candidates one call returns.
const MaxN = 1000

// Sources, as they appear in Candidate.Source.
const (
	SourceSession = "session"
	SourceItem    = "item2item"
	SourceCoBuy   = "cobuy"
	SourceHot     = "hot"
)

// collect returns the n best scored items of sc, skipping skip (dense ids
// to leave out) and exclude (external ids), and resets sc's item scores.
func (m *Model) collect(sc *scratch, n int, source string, skip []int32, exclude func(string) bool) []Candidate {
	n = min(max(n, 0), MaxN)
	for _, it := range skip {
		if sc.item.cnt[it] > 0 {
			sc.item.val[it] = -1
		}
	}
	sc.top.reset(n)
	for _, j := range sc.item.touched {
		if v := sc.item.val[j]; v > 0 {
			if exclude != nil && exclude(m.d.IDs[j]) {
				continue
			}
			sc.top.push(j, float32(v))
		}
	}
	best := sc.top.sorted()
	out := make([]Candidate, len(best))
	for i, b := range best {
		out[i] = Candidate{Item: m.d.IDs[b.id], Score: float64(b.score), Source: source}
	}
	return out
}

// maxScore is the largest accumulated item score (1 when none is > 0).
func maxScore(sc *scratch) float64 {
	mx := 0.0
	for _, j := range sc.item.touched {
		mx = max(mx, sc.item.val[j])
	}
	if mx == 0 {
		return 1
	}
	return mx
}

// NextInSession recommends n items to follow a session (items oldest
// first): session kNN, plus the ordered transitions from the last item and
// the session's own items (repeat consumption) with the weights of
// Config.SKNN. Unknown items are ignored; exclude may be nil.
func (m *Model) NextInSession(items []string, n int, exclude func(string) bool) []Candidate {
	cur := m.dense(items)
	if len(cur) == 0 || n <= 0 {
		return nil
	}
	if len(cur) > maxSessionLen {
		cur = cur[len(cur)-maxSessionLen:]
	}
	cfg := &m.d.Config.SKNN
	sc := m.getScratch()
	defer m.putScratch(sc)
	// position (1-based, latest occurrence) of each current item
	for p, it := range cur {
		sc.pos[it] = int32(p + 1)
	}
	defer func() {
		for _, it := range cur {
			sc.pos[it] = 0
		}
	}()
	m.sessionScores(cur, sc, 1)
	mx := maxScore(sc)
	m.rowScores(&m.d.Next, cur, sc, cfg.Transition*mx, 1)
	m.rowScores(&m.d.Item, cur, sc, cfg.Similar*mx, 0)
	m.remindScores(cur, sc, cfg.Remind*mx)
	var skip []int32
	if cfg.Remind == 0 {
		skip = cur
	}
	return m.collect(sc, n, SourceSession, skip, exclude)
}

// Similar recommends n items similar to items (the shopper's recent items,
// oldest first; newer ones weigh more) from the item-to-item table. The
// items themselves are left out.
func (m *Model) Similar(items []string, n int, exclude func(string) bool) []Candidate {
	return m.fromTable(&m.d.Item, items, n, SourceItem, exclude)
}

// BoughtTogether recommends n complements of items (e.g. the cart) from the
// ordered co-purchase graph, or from the ordered transitions when the
// training data had no cart or buy events.
func (m *Model) BoughtTogether(items []string, n int, exclude func(string) bool) []Candidate {
	t := &m.d.CoBuy
	if t.NNZ() == 0 {
		t = &m.d.Next
	}
	return m.fromTable(t, items, n, SourceCoBuy, exclude)
}

func (m *Model) fromTable(t *CSR, items []string, n int, source string, exclude func(string) bool) []Candidate {
	cur := m.dense(items)
	if len(cur) == 0 || n <= 0 {
		return nil
	}
	if len(cur) > maxSessionLen {
		cur = cur[len(cur)-maxSessionLen:]
	}
	sc := m.getScratch()
	defer m.putScratch(sc)
	m.rowScores(t, cur, sc, 1, 0)
	return m.collect(sc, n, source, cur, exclude)
}

// Hot returns the n hottest items of a category ("" or an unknown
// category: over all items), skipping exclude.
func (m *Model) Hot(category string, n int, exclude func(string) bool) []Candidate {
	list := m.d.Hot
	if ci, ok := m.catIndex[category]; ok && category != "" {
		list = m.d.HotByCat[ci]
	}
	n = min(max(n, 0), MaxN)
	out := make([]Candidate, 0, min(n, len(list)))
	for rank, it := range list {
		if len(out) == n {
			break
		}
		id := m.d.IDs[it]
		if exclude != nil && exclude(id) {
			continue
		}
		out = append(out, Candidate{Item: id, Score: 1 / float64(rank+1), Source: SourceHot})
	}
	return out
}
