package rank

import (
	"strings"

	"shopsearch/models"
)

// scanChunk is how many products Scan copies per hold of the read lock.
const scanChunk = 4096

// Scan calls fn with every live product, in ordinal order, and stops at
// the first error fn returns. It copies scanChunk products at a time under
// the read lock and calls fn outside it, so that a long scan (writing a
// snapshot of a million products) never holds writers up for long. A
// product changed during the scan is seen either as it was or as it is
// now: the scan is not a point-in-time view, which is what the catalog's
// compaction needs (it replays the later changes over it).
func (s *Store) Scan(fn func(p *models.Product) error) error {
	buf := make([]models.Product, 0, scanChunk)
	for next := 0; ; {
		buf = buf[:0]
		s.mu.RLock()
		for next < s.products.len() && len(buf) < scanChunk {
			if s.live[next] {
				buf = append(buf, s.products.get(Ord(next)))
			}
			next++
		}
		done := next >= s.products.len()
		s.mu.RUnlock()
		for i := range buf {
			if err := fn(&buf[i]); err != nil {
				return err
			}
		}
		if done {
			return nil
		}
	}
}

// ord returns the live ordinal of c, by its Ref when that still names c's
// id, else by the id. Called with the read lock held.
func (s *Store) ord(c *Candidate) (Ord, bool) {
	// An ordinal belongs to one id for good (never reused), so a live Ref
	// still names the candidate's id; a dead one (deleted, perhaps upserted
	// again under a new ordinal) is looked up again by that id.
	id := c.ID
	if r := int(c.Ref); r > 0 && r <= s.products.len() {
		if s.live[r-1] {
			return Ord(r - 1), true
		}
		if id == "" {
			id = s.products.id(Ord(r - 1))
		}
	}
	o, ok := s.ords[id]
	return o, ok
}

// Refs sets refs[i] to the ordinal plus one of the live product ids[i], or
// 0 when there is none; refs is at least as long as ids. Phase 1 uses it
// to map Bleve's document numbers to ordinals once per index segment.
func (s *Store) Refs(ids []string, refs []uint32) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for i, id := range ids {
		refs[i] = 0
		if o, ok := s.ords[id]; ok {
			refs[i] = o + 1
		}
	}
}

// FillIDs sets the ID of each candidate that has a Ref and no ID. An
// ordinal names one id for good, so the id of a Ref is right even when the
// product has since been deleted (Rank then looks the id up again).
func (s *Store) FillIDs(cands []Candidate) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for i := range cands {
		if r := int(cands[i].Ref); cands[i].ID == "" && r > 0 && r <= s.products.len() {
			cands[i].ID = s.products.id(Ord(r - 1))
		}
	}
}

// Texts calls fn with the index in cands, the title, the normalised
// searchable text (title, subtitle, brand and the last category level, as
// norm returns them) and the normalised last category level of each live
// candidate (by Ref, else by ID), for the engine's graded text match. It
// decodes only those fields.
func (s *Store) Texts(cands []Candidate, norm func(string) string, fn func(i int, title, text, cat string)) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var b strings.Builder
	for i := range cands {
		o, ok := s.ord(&cands[i])
		if !ok {
			continue
		}
		title, subtitle, brand, cat := decodeTexts(s.products.blobs[o])
		cat = norm(models.Category(cat).IndexedLeaf()) // its last level, as the index has it
		b.Reset()
		b.WriteString(norm(title))
		for _, x := range []string{subtitle, norm(brand), cat} {
			if x != "" {
				b.WriteString(" \n ")
				b.WriteString(norm(x))
			}
		}
		fn(i, title, b.String(), cat)
	}
}
