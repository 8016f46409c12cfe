package rank

import "shopsearch/models"

// Browse ranks a category page (类目页): every live item that passes
// req.Filter — its CategoryPrefix the page's category — without a text
// query. The relevance order is the profile's commercial factors alone:
// text and query–category match, which need a query, weigh nothing.
// Business sorts, filters, rules (category rules, pins included), facets and
// paging work as in Rank.
func (s *Store) Browse(req Request) Result {
	profile := req.Profile
	if profile == nil {
		def := DefaultProfile()
		profile = &def
	}
	commercial := cloneProfile(profile)
	delete(commercial.Weights, models.FactorText)
	delete(commercial.Weights, models.FactorCategory)
	req.Profile = &commercial
	return s.Rank(s.browseCandidates(req.Filter), req)
}

// browseCandidates returns the items that pass f, text score 0.
func (s *Store) browseCandidates(f Filter) []Candidate {
	s.mu.RLock()
	defer s.mu.RUnlock()
	match := s.filter(f, s.keyReader(true)) // every ordinal, in order
	var out []Candidate
	for o := range s.products.len() {
		if match(Ord(o)) {
			out = append(out, Candidate{ID: s.products.id(Ord(o)), Ref: Ord(o) + 1})
		}
	}
	return out
}
