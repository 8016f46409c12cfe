package rank

import (
	"cmp"
	"slices"
	"sync"
)

// Narrowed is what Store.Narrow kept of every match of a query.
type Narrowed struct {
	// Cands are the best Keep of the matches that pass, by the request's
	// order, as candidates of tier 0, or every one that passed when
	// fewer did; and the pinned ones that pass, wherever they rank.
	Cands []Candidate
	// Passed is how many matches passed the filters, the rules' hides and
	// the out-of-stock policy.
	Passed int
	// Facets count every match that passed (with Request.Facets).
	Facets Facets
}

// Truncated reports whether fewer candidates were kept than passed:
// phase 2 over Cands then counts only those, and the total and the facets
// are Passed and Facets.
func (n *Narrowed) Truncated() bool { return n.Passed > len(n.Cands) }

// narrowed is one match that passed: its index in the matches, the order's
// key and whether it goes last (out of stock or buried).
type narrowed struct {
	key  float64
	i    int32
	last uint8
}

// Narrow is phase 2's pre-pass over every strict match of a broad query
// (hundreds of thousands at a million products), refs and scores as phase
// 1 returns them (Candidate.Ref, text score), in index order. It applies
// req's filters, hidden items and out-of-stock policy, counts and (with
// req.Facets) facets everything that passes, and keeps the best keep of
// it by req's order — by text score for relevance, whose blend looks at
// the best BlendTop by text only — so that Rank runs over at most keep
// candidates with the filters, the total, the facets and the order exact
// over every match. It reads the key columns, an 8-byte stream per field
// for matches in index order, and makes a candidate only for what it
// keeps.
func (s *Store) Narrow(refs []uint32, scores []float64, req Request, keep int) Narrowed {
	s.mu.RLock()
	defer s.mu.RUnlock()
	profile, now := orDefaults(req.Profile, req.Now)
	rs := s.compileRules(req.Rules, now)
	keys := s.keyReader(true)
	cf := s.compileFilter(req.Filter, keys)
	key := sortKey(req.Sort, keys)
	var t *tally
	if req.Facets {
		t = s.newTally(0) // how many pass is not known yet: the price sample adapts
	}
	keep = max(keep, 1)
	var pinned []Candidate // kept whatever their rank: Rank places them
	dropOut, outLast := profile.OutOfStock == "filter", profile.OutOfStock != "keep"
	n := s.products.len()
	better := func(a, b narrowed) int {
		if a.last != b.last {
			return cmp.Compare(a.last, b.last)
		}
		if c := cmp.Compare(b.key, a.key); c != 0 {
			return c
		}
		if c := cmp.Compare(scores[b.i], scores[a.i]); c != 0 {
			return c
		}
		return cmp.Compare(refs[a.i], refs[b.i]) // by ordinal, as Rank breaks ties
	}
	// A page of a business order keeps a few dozen: they are kept sorted as
	// they come, and most matches lose to the last of them at once.
	// Otherwise every passing match is kept, and the best are selected.
	small := keep <= smallKeep
	buf := narrowPool.Get().(*[]narrowed)
	defer narrowPool.Put(buf)
	kept := (*buf)[:0]
	passed := 0
	for i, r := range refs {
		if r == 0 || int(r) > n {
			continue
		}
		o := Ord(r - 1)
		if !cf.pass(o) || len(rs.hide) > 0 && rs.hide[o] {
			continue
		}
		var last uint8
		if keys.noStock(o) {
			if dropOut {
				continue
			}
			if outLast {
				last = 1
			}
		}
		if len(rs.bury) > 0 && rs.bury[o] {
			last = 2
		}
		if t != nil {
			t.add(keys.brand(o), keys.cat(o), passed, keys, o)
		}
		passed++
		if _, ok := rs.pins[o]; ok {
			pinned = append(pinned, Candidate{Score: scores[i], Ref: r})
			continue
		}
		nr := narrowed{i: int32(i), last: last}
		if key != nil {
			nr.key = key(o)
		} else {
			nr.key, nr.last = scores[i], 0 // bestByText: the text alone
		}
		if !small {
			kept = append(kept, nr)
			continue
		}
		if len(kept) == keep && better(nr, kept[keep-1]) >= 0 {
			continue
		}
		at, _ := slices.BinarySearchFunc(kept, nr, better)
		if len(kept) < keep {
			kept = append(kept, narrowed{})
		}
		copy(kept[at+1:], kept[at:len(kept)-1])
		kept[at] = nr
	}
	if cap(kept) <= 1<<20 {
		*buf = kept[:0]
	}
	out := Narrowed{Passed: passed}
	if t != nil {
		out.Facets = t.facets(req.Filter.CategoryPrefix)
	}
	if len(kept) > keep {
		SelectTop(kept, keep, better)
		kept = kept[:keep]
	}
	out.Cands = make([]Candidate, len(kept), len(kept)+len(pinned))
	for j, k := range kept {
		out.Cands[j] = Candidate{Score: scores[k.i], Ref: refs[k.i]}
	}
	out.Cands = append(out.Cands, pinned...)
	return out
}

// smallKeep is the most candidates Narrow keeps in order as they come.
const smallKeep = 256

var narrowPool = sync.Pool{New: func() any { s := make([]narrowed, 0, 4096); return &s }}
