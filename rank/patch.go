package rank

import (
	"shopsearch/models"
)

// patchChunk is how many patches PatchBatch applies per hold of the write
// lock, so that a bulk update never stalls searches for long.
const patchChunk = 1024

// Patch applies a partial update to the product with id and recomputes its
// columns. It does not validate (indexer.PatchProduct does) and does not
// refresh the catalog-wide statistics (RefreshStats does). An unknown or
// deleted id is an ENOTFOUND error.
func (s *Store) Patch(id string, patch models.ProductPatch) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.patch(id, &patch)
}

// PatchBatch applies patches[i] to ids[i] (the slices are of the same
// length), in order, and returns the error
// of each (nil, or ENOTFOUND for an unknown id); errs is nil when every
// patch applied. It takes the write lock for patchChunk patches at a time:
// a search between two chunks sees the first ones applied, never half of
// one product's patch.
func (s *Store) PatchBatch(ids []string, patches []models.ProductPatch) (errs []error) {
	for start := 0; start < len(ids); start += patchChunk {
		end := min(start+patchChunk, len(ids))
		s.mu.Lock()
		for i := start; i < end; i++ {
			if err := s.patch(ids[i], &patches[i]); err != nil {
				if errs == nil {
					errs = make([]error, len(ids))
				}
				errs[i] = err
			}
		}
		s.mu.Unlock()
	}
	return errs
}

func (s *Store) patch(id string, patch *models.ProductPatch) error {
	o, ok := s.ords[id]
	if !ok {
		return models.Errorf(models.ENOTFOUND, "no item with id %q", id)
	}
	p := s.products.get(o) // a fresh copy, maps included
	patch.Apply(&p)
	s.put(p)
	return nil
}
