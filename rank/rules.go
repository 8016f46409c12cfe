package rank

import (
	"strings"
	"time"

	"shopsearch/models"
)

// compiledRules are the active rules of one request, resolved to ordinals.
type compiledRules struct {
	pins       map[Ord]int
	bury, hide map[Ord]bool
	brandBoost map[string]float64
	catBoost   []catBoost
	byOrd      map[Ord][]string // rule ids that touch an item, for explain
	brandRules map[uint32][]string
	catRules   []catRule
	s          *Store
}

type catRule struct {
	prefix, id string
}

// compileRules resolves the rules active at now; callers hold the read lock.
func (s *Store) compileRules(rules []models.Rule, now time.Time) *compiledRules {
	rs := &compiledRules{pins: map[Ord]int{}, bury: map[Ord]bool{}, hide: map[Ord]bool{},
		brandBoost: map[string]float64{}, byOrd: map[Ord][]string{}, brandRules: map[uint32][]string{}, s: s}
	for i := range rules {
		r := &rules[i]
		if !r.Active(now) {
			continue
		}
		if r.Action == models.RuleBoost {
			if r.Brand != "" {
				rs.brandBoost[r.Brand] += r.Weight
				if id, ok := s.interner.ids[strings.ToLower(strings.TrimSpace(r.Brand))]; ok {
					rs.brandRules[id] = append(rs.brandRules[id], r.ID)
				}
			}
			if r.CatPath != "" {
				rs.catBoost = append(rs.catBoost, catBoost{normCategory(r.CatPath), r.Weight})
				rs.catRules = append(rs.catRules, catRule{normCategory(r.CatPath), r.ID})
			}
			continue
		}
		o, ok := s.ords[r.ItemID]
		if !ok {
			continue
		}
		switch r.Action {
		case models.RulePin:
			if r.Position > 0 {
				if p, dup := rs.pins[o]; !dup || r.Position < p {
					rs.pins[o] = r.Position
				}
			}
		case models.RuleBury:
			rs.bury[o] = true
		case models.RuleHide:
			rs.hide[o] = true
		}
		rs.byOrd[o] = append(rs.byOrd[o], r.ID)
	}
	return rs
}

// applied lists the ids of the rules that moved item o.
func (rs *compiledRules) applied(o Ord) []string {
	out := append([]string(nil), rs.byOrd[o]...)
	out = append(out, rs.brandRules[rs.s.feat[o].brandID]...)
	path := rs.s.interner.strs[rs.s.feat[o].catPath]
	for _, c := range rs.catRules {
		if categoryHasPrefix(path, c.prefix) {
			out = append(out, c.id)
		}
	}
	return out
}
